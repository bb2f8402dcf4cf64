using LlmKit.Providers.Tests.Anthropic;
using LlmKit.Providers.Tests.Loopback;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Logs;

namespace LlmKit.Providers.Tests.Logging;

/// <summary>
/// With <c>System.Net.Http</c> logging at Trace, HttpClientFactory logs every request and response header. The values
/// of credential and account headers must not reach a log exporter, neither in the formatted message nor in the
/// structured attributes that OpenTelemetry exports.
/// </summary>
public sealed class CredentialLoggingTests
{
    private const string OpenAIKey = "sk-proj-LEAK-openai-0123456789abcdef";
    private const string AzureKey = "azure-LEAK-key-0123456789abcdef";
    private const string AnthropicKey = "sk-ant-LEAK-anthropic-0123456789";
    private const string Organization = "org-LEAKorganization42";
    private const string Project = "proj_LEAKproject42";
    private const string GatewayKey = "gateway-LEAK-secret-777";
    private const string ResponseOrganization = "resp-org-LEAK-1234";

    private const string OpenAIReply = """{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}""";
    private const string AnthropicReply = """{"id":"msg","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}""";

    [Fact]
    public async Task Credential_and_account_headers_are_redacted_in_exported_HttpClient_logs()
    {
        await using var openAI = Answering(OpenAIReply, [new("openai-organization", ResponseOrganization)]);
        await using var anthropic = Answering(AnthropicReply, [new("anthropic-organization-id", ResponseOrganization)]);
        var exported = new List<LogRecord>();
        using var host = Build(exported, new()
        {
            ["LlmKit:OpenAI:gpt:Endpoint"] = new Uri(openAI.BaseUri, "v1/").ToString(),
            ["LlmKit:OpenAI:gpt:Model"] = "m",
            ["LlmKit:OpenAI:gpt:ApiKey"] = OpenAIKey,
            ["LlmKit:OpenAI:gpt:Organization"] = Organization,
            ["LlmKit:OpenAI:gpt:Project"] = Project,
            ["LlmKit:OpenAI:azure:Endpoint"] = new Uri(openAI.BaseUri, "v1/").ToString(),
            ["LlmKit:OpenAI:azure:Model"] = "m",
            ["LlmKit:OpenAI:azure:ApiKey"] = AzureKey,
            ["LlmKit:OpenAI:azure:ApiKeyHeaderName"] = "api-key",
            ["LlmKit:Anthropic:claude:Endpoint"] = anthropic.BaseUri.ToString(),
            ["LlmKit:Anthropic:claude:Model"] = "m",
            ["LlmKit:Anthropic:claude:ApiKey"] = AnthropicKey,
        }, llmKit =>
        {
            llmKit.AddOpenAI("gpt");
            llmKit.AddOpenAI("azure");
            llmKit.AddAnthropic("claude");
        });
        await host.StartAsync();

        foreach (string name in new[] { "gpt", "azure", "claude" })
        {
            await host.Services.GetRequiredKeyedService<IChatClient>(name).GetResponseAsync("Hi");
        }

        await host.StopAsync();
        Assert.Equal("Bearer " + OpenAIKey, openAI.Requests[0].Header("Authorization")); // the key is sent, only not logged
        Assert.Contains(exported, r => r.CategoryName == "System.Net.Http.HttpClient.LlmKit.Anthropic.claude.ClientHandler");
        Assert.Contains(exported, r => r.CategoryName == "System.Net.Http.HttpClient.LlmKit.OpenAI.azure.LogicalHandler");
        Assert.Equal(AzureKey, openAI.Requests[1].Header("api-key"));
        AssertHeadersWereLoggedWithoutSecrets(exported, OpenAIKey, AzureKey, AnthropicKey, Organization, Project, ResponseOrganization);
    }

    [Fact]
    public async Task Credentials_stay_redacted_when_the_application_narrows_redaction_and_configured_headers_join_them()
    {
        await using var openAI = Answering(OpenAIReply, [new("openai-organization", ResponseOrganization)]);
        var exported = new List<LogRecord>();
        using var host = Build(exported, new()
        {
            ["LlmKit:OpenAI:gpt:Endpoint"] = new Uri(openAI.BaseUri, "v1/").ToString(),
            ["LlmKit:OpenAI:gpt:Model"] = "m",
            ["LlmKit:OpenAI:gpt:ApiKey"] = OpenAIKey,
            ["LlmKit:OpenAI:gpt:Organization"] = Organization,
            ["LlmKit:OpenAI:gpt:RedactedHeaderNames:0"] = "x-gateway-key",
        }, llmKit =>
        {
            llmKit.AddOpenAI("gpt");

            // The application shows every header in its logs, and a handler of its own adds a gateway key.
            llmKit.Services.AddHttpClient(OpenAILlmKitBuilderExtensions.HttpClientName("gpt"))
                .RedactLoggedHeaders(_ => false)
                .AddHttpMessageHandler(() => new GatewayKeyHandler());
        });
        await host.StartAsync();

        await host.Services.GetRequiredKeyedService<IChatClient>("gpt").GetResponseAsync("Hi");

        await host.StopAsync();
        Assert.Equal(GatewayKey, openAI.Requests[0].Header("x-gateway-key"));
        AssertHeadersWereLoggedWithoutSecrets(exported, OpenAIKey, Organization, GatewayKey, ResponseOrganization);
        // The narrowing still applies to everything else: the content type is shown.
        Assert.Contains(exported, r => r.FormattedMessage?.Contains("Content-Type: application/json", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task A_redacted_header_name_that_is_not_a_header_name_stops_the_host_naming_the_key()
    {
        using var host = Build([], new()
        {
            ["LlmKit:Anthropic:claude:Endpoint"] = "http://localhost:1/",
            ["LlmKit:Anthropic:claude:RedactedHeaderNames:0"] = "x gateway key",
        }, llmKit => llmKit.AddAnthropic("claude"));

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());

        Assert.Contains("LlmKit:Anthropic:claude:RedactedHeaderNames:0 must be an HTTP header name", ex.Message, StringComparison.Ordinal);
    }

    private sealed class GatewayKeyHandler : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Add("x-gateway-key", GatewayKey);
            return base.SendAsync(request, cancellationToken);
        }
    }

    private static void AssertHeadersWereLoggedWithoutSecrets(List<LogRecord> exported, params string[] secrets)
    {
        // The test only means something if the header events were exported at all.
        var headerEvents = exported.Where(r => r.CategoryName?.StartsWith("System.Net.Http.HttpClient.LlmKit.", StringComparison.Ordinal) == true &&
                                               (r.EventId.Name is "RequestHeader" or "ResponseHeader" || r.FormattedMessage?.Contains("Headers:", StringComparison.Ordinal) == true)).ToList();
        Assert.NotEmpty(headerEvents);
        Assert.Contains(headerEvents, r => r.CategoryName!.EndsWith(".LogicalHandler", StringComparison.Ordinal));
        Assert.Contains(headerEvents, r => r.CategoryName!.EndsWith(".ClientHandler", StringComparison.Ordinal));

        foreach (var record in exported)
        {
            var texts = new List<string?> { record.FormattedMessage, record.Body };
            foreach (var (key, value) in record.Attributes ?? [])
            {
                texts.Add(key);
                texts.Add(Flatten(value));
            }

            foreach (string secret in secrets)
            {
                Assert.DoesNotContain(texts, t => t?.Contains(secret, StringComparison.Ordinal) == true);
            }
        }
    }

    // Exporters write array-valued attributes element by element (OTLP array values), so look inside them.
    private static string? Flatten(object? value) => value switch
    {
        null => null,
        string text => text,
        System.Collections.IEnumerable items => string.Join(", ", items.Cast<object?>()),
        _ => value.ToString(),
    };

    private static LoopbackServer Answering(string body, List<KeyValuePair<string, string>> headers) =>
        new((_, channel) => channel.SendAsync(200, headers, body));

    private static IHost Build(List<LogRecord> exported, Dictionary<string, string?> settings, Action<LlmKit.DependencyInjection.LlmKitBuilder> configure)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddOpenTelemetry(o =>
        {
            o.IncludeFormattedMessage = true;
            o.AddInMemoryExporter(exported);
        });
        configure(builder.Services.AddLlmKit());
        return builder.Build();
    }
}
