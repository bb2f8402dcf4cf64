using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmKit.Errors;
using LlmKit.Models;
using LlmKit.StructuredOutput;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace StructuredExtraction;

/// <summary>
/// The whole sample, callable in-process (the tests do) as well as from Program.cs: extracts an <see cref="Invoice"/>
/// from each input, shows every attempt and what was fed back, the typed failure, and a streamed extraction.
/// </summary>
public static class ExtractionDemo
{
    private const string Instructions =
        "You extract invoices for an accounts-payable team from e-mails, chats and pasted PDFs. Use only what the text " +
        "says; quoted replies and signatures are context, not the invoice. Write dates as YYYY-MM-DD. If the text holds " +
        "no invoice, refuse instead of guessing.";

    /// <summary>Runs the sample.</summary>
    /// <param name="args">
    /// An optional path of a text file to extract (default: the bundled inputs); <c>--offline</c> to use the offline
    /// demo model even when a key is set; any <c>--Key=Value</c> configuration override, such as
    /// <c>--LlmKit:StructuredOutput:MaxAttempts=1</c>.
    /// </param>
    /// <param name="output">Where the report goes.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The process exit code: 0 when every input was extracted or failed as expected, 2 on bad arguments.</returns>
    public static async Task<int> RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        bool offline = args.Contains("--offline");
        string? path = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal));

        // This sample has no appsettings.json: its configuration is the environment (keys) and --Key=Value arguments.
        // Without the host's defaults it never picks up another app's appsettings.json from the same folder, whose
        // LlmKit sections it does not use (LlmKit stops the host on a section nothing reads).
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddEnvironmentVariables();
        builder.Configuration.AddCommandLine(args.Where(a => a.StartsWith("--", StringComparison.Ordinal) && a.Contains('=')).ToArray());
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var llmKit = builder.Services.AddLlmKit()
            // The offline model is priced like a small hosted model, so the cost line has something to show.
            .AddModelCatalog(o => o.Models[OfflineDemoModel.ModelId] = new ModelOverride
            {
                ContextWindow = 128_000,
                MaxOutputTokens = 16_384,
                InputPricePerMillion = 0.15m,
                OutputPricePerMillion = 0.60m,
            })
            // Attempts and strategy come from LlmKit:StructuredOutput in configuration, validated at start.
            .AddStructuredOutput();

        string? model = builder.Configuration["LLMKIT_MODEL"];
        string provider;
        if (!offline && builder.Configuration["OPENAI_API_KEY"] is { Length: > 0 })
        {
            provider = "OpenAI";
            llmKit.AddOpenAI("extractor", o =>
            {
                o.Model = model ?? "gpt-4o-mini";
                if (builder.Configuration["OPENAI_BASE_URL"] is { Length: > 0 } baseUrl)
                {
                    o.Endpoint = new Uri(baseUrl);
                }
            }).UseResilience();
        }
        else if (!offline && builder.Configuration["ANTHROPIC_API_KEY"] is { Length: > 0 })
        {
            provider = "Anthropic";
            llmKit.AddAnthropic("extractor", o => o.Model = model ?? "claude-3-5-haiku-latest").UseResilience();
        }
        else
        {
            provider = "the OFFLINE DEMO MODEL (canned answers for the bundled inputs; set OPENAI_API_KEY or ANTHROPIC_API_KEY for a real one)";
            llmKit.AddChatClient("extractor", sp => new OfflineDemoModel(sp.GetRequiredService<TimeProvider>()));
        }

        using var host = builder.Build();
        await host.StartAsync(cancellationToken); // options are validated here, before any model call
        try
        {
            var services = host.Services;
            var chat = services.GetRequiredService<IChatClient>();
            var options = services.GetRequiredService<IOptions<StructuredOutputOptions>>().Value;
            var catalog = services.GetRequiredService<IModelCatalog>();
            output.WriteLine($"Model: {provider}");

            List<string> files;
            if (path is not null)
            {
                if (!File.Exists(path))
                {
                    output.WriteLine($"No such file: {path}");
                    return 2;
                }

                files = [path];
            }
            else
            {
                files = Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "inputs"), "*.txt").Order(StringComparer.Ordinal).ToList();
            }

            foreach (string file in files)
            {
                await ExtractAsync(chat, catalog, options, file, output, cancellationToken);
            }

            // Streaming: the partial invoice as the model writes it. Shown on the chat invoice when the bundled inputs run.
            string streamed = path ?? files.First(f => f.EndsWith("2-invoice-chat.txt", StringComparison.Ordinal));
            await StreamAsync(chat, options, streamed, output, cancellationToken);
            return 0;
        }
        catch (LlmException ex)
        {
            // Transport failures (after resilience gave up) are exceptions; everything the model said is a result.
            output.WriteLine($"Model call failed: {ex.Kind} (HTTP {ex.StatusCode}) {ex.Message}");
            return 1;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    private static List<ChatMessage> Prompt(string text) =>
    [
        new(ChatRole.System, Instructions),
        new(ChatRole.User, $"Extract the invoice from this text:\n\n{text}"),
    ];

    private static async Task ExtractAsync(IChatClient chat, IModelCatalog catalog, StructuredOutputOptions options, string file, TextWriter output, CancellationToken cancellationToken)
    {
        output.WriteLine();
        output.WriteLine($"== {Path.GetFileName(file)} ==");
        string text = await File.ReadAllTextAsync(file, cancellationToken);

        var result = await new AttemptLogChatClient(chat, output).GetObjectAsync<Invoice>(Prompt(text), options, cancellationToken);

        if (result.IsSuccess)
        {
            output.WriteLine($"  attempt {result.Attempts} valid.");
            Print(result.Value, output);
        }
        else
        {
            // A typed failure, never an exception: Refused, Truncated, Invalid (with the last errors) or Empty.
            var failure = result.Failure;
            output.WriteLine($"  Failure: {failure.Kind} - {failure.Message}");
            foreach (var error in failure.Errors)
            {
                output.WriteLine($"    {error}");
            }
        }

        string servedModel = result.LastResponse?.ModelId ?? "unknown";
        decimal? cost = catalog.Find(servedModel)?.CostOf(result.Usage);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  Strategy: {result.Strategy}, attempts: {result.Attempts}, tokens: {result.Usage.InputTokenCount} in / {result.Usage.OutputTokenCount} out, " +
            $"cost: {(cost is { } c ? $"${c:0.000000}" : "unknown")}, model: {servedModel}"));
    }

    private static async Task StreamAsync(IChatClient chat, StructuredOutputOptions options, string file, TextWriter output, CancellationToken cancellationToken)
    {
        output.WriteLine();
        output.WriteLine($"== streaming {Path.GetFileName(file)} ==");
        string text = await File.ReadAllTextAsync(file, cancellationToken);
        string? lastShown = null;
        await foreach (var update in new AttemptLogChatClient(chat, output).StreamObjectAsync<Invoice>(Prompt(text), options, cancellationToken))
        {
            if (update.Result is { } result)
            {
                output.WriteLine(result.IsSuccess
                    ? $"  final: valid after {result.Attempts} attempt(s), {result.Value.Lines.Count} lines, total {result.Value.Total.ToString("0.00", CultureInfo.InvariantCulture)} {result.Value.Currency}"
                    : $"  final: {result.Failure.Kind} - {result.Failure.Message}");
                break;
            }

            // Partial objects are for display only: they are not validated yet. Show one line per new field or line item.
            string shown = Describe(update.PartialJson);
            if (shown != lastShown)
            {
                lastShown = shown;
                output.WriteLine($"  partial (attempt {update.Attempt}): {shown}");
            }
        }
    }

    // For people, not parsers: "£" rather than "\u00A3".
    private static readonly JsonSerializerOptions DisplayJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Describe(JsonNode? partial)
    {
        if (partial is not JsonObject json)
        {
            return "(nothing yet)";
        }

        // Field names, and the value of the one being written, which is the last.
        var fields = json.Select(p => p.Key == "lines" && p.Value is JsonArray lines ? $"lines[{lines.Count}]" : p.Key).ToList();
        if (json.Count > 0 && json[json.Count - 1] is JsonValue last)
        {
            fields[^1] += $"={last.ToJsonString(DisplayJson)}";
        }

        return string.Join(", ", fields);
    }

    private static void Print(Invoice invoice, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"  Invoice {invoice.InvoiceNumber} from {invoice.Vendor} to {invoice.Customer}, issued {invoice.IssueDate:yyyy-MM-dd}, due {invoice.DueDate?.ToString("yyyy-MM-dd", c) ?? "(not stated)"}"));
        output.WriteLine($"  Billing questions: {invoice.BillingEmail}");
        foreach (var line in invoice.Lines)
        {
            output.WriteLine(string.Create(c, $"    {line.Quantity,6:0.##} x {line.UnitPrice,9:0.00} {line.Kind,-9} {line.Description,-36} {line.Amount,10:0.00}"));
        }

        output.WriteLine(string.Create(c, $"  Total: {invoice.Total:0.00} {invoice.Currency}"));
    }
}
