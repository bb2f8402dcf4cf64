using AotStructuredOutput;
using LlmKit.StructuredOutput;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

// A typed answer from an OpenAI-compatible server in a native AOT app. The JsonTypeInfo<T> overload of
// GetObjectAsync reads the answer with the source-generated contract below, not with reflection over the record.
//
//   AotStructuredOutput http://localhost:8000/v1/   an OpenAI-compatible server (OPENAI_API_KEY if it needs one)
//   AotStructuredOutput                             OpenAI itself when OPENAI_API_KEY is set (OPENAI_BASE_URL, LLMKIT_MODEL)
//                                                   otherwise an offline demo model answers
string? endpoint = args.Length > 0 ? args[0] : Environment.GetEnvironmentVariable("OPENAI_BASE_URL");
string? apiKey = Environment.GetEnvironmentVariable("OPENAI_API_KEY");

var services = new ServiceCollection();
if (endpoint is not null || apiKey is not null)
{
    services.AddLlmKit().AddOpenAI("default", o =>
    {
        if (endpoint is not null)
        {
            o.Endpoint = new Uri(endpoint);
        }

        o.ApiKey = apiKey ?? "sk-local"; // local servers (vLLM, Ollama, llama.cpp) accept any key
        o.Model = Environment.GetEnvironmentVariable("LLMKIT_MODEL") ?? "gpt-4o-mini";
    });
}
else
{
    Console.Error.WriteLine("No endpoint and no OPENAI_API_KEY: an offline demo model answers.");
    services.AddSingleton<IChatClient, DemoChatClient>();
}

await using var provider = services.BuildServiceProvider();
var chat = provider.GetRequiredService<IChatClient>();

var result = await chat.GetObjectAsync(
    [new ChatMessage(ChatRole.User, "Invoice INV-7, total EUR 120.50")],
    InvoiceJsonContext.Default.Invoice);

if (!result.IsSuccess)
{
    Console.Error.WriteLine($"no invoice: {result.Failure}");
    return 1;
}

Console.WriteLine(FormattableString.Invariant($"{result.Value.Number} {result.Value.Total} {result.Value.Currency}"));
return 0;
