using LlmKit.Tests.Shared;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Xunit.Abstractions;

namespace LlmKit.Packages.Tests;

/// <summary>
/// The promise of the package split, end to end: a console app that references only LlmKit.StructuredOutput and one
/// provider builds, runs <c>GetObjectAsync</c> against an OpenAI-compatible server (a loopback one here) and carries
/// neither the tokenizer and its rank data, nor Polly, nor the tool loop.
/// </summary>
public sealed class MinimalAppTests(ITestOutputHelper output)
{
    private const string Program = """
        using LlmKit.StructuredOutput;
        using Microsoft.Extensions.AI;
        using Microsoft.Extensions.DependencyInjection;

        var services = new ServiceCollection();
        services.AddLlmKit().AddOpenAI("default", o =>
        {
            o.Endpoint = new Uri(args[0]);
            o.ApiKey = "sk-test";
            o.Model = "gpt-4o-mini";
        });
        await using var provider = services.BuildServiceProvider();
        var chat = provider.GetRequiredService<IChatClient>();
        var result = await chat.GetObjectAsync<Invoice>("Invoice INV-7, total EUR 120.50");
        Console.WriteLine(FormattableString.Invariant($"{result.Value.Number} {result.Value.Total} {result.Value.Currency}"));

        public sealed record Invoice(string Number, decimal Total, string Currency);
        """;

    /// <summary>What only apps that ask for them should carry.</summary>
    private static readonly string[] NotCarried = ["LlmKit.Tools.dll", "LlmKit.Generators.dll", "LlmKit.Tokens.dll", "LlmKit.Tokens.Data.dll", "LlmKit.Resilience.dll", "Polly.Core.dll", "System.Threading.RateLimiting.dll"];

    [Fact]
    public async Task An_app_referencing_only_structured_output_and_a_provider_runs_GetObjectAsync_without_the_tokenizer_Polly_or_tools()
    {
        string app = Directory.CreateTempSubdirectory("llmkit-minimal-").FullName;
        try
        {
            WriteProject(app);
            // Built as a user would build it; the src projects it references are already built and stay up to date.
            await RunAsync("dotnet", ["build", app, "-c", Configuration, "--nologo", "-v", "quiet", "-nodeReuse:false"]);
            string bin = Path.Combine(app, "bin", Configuration, "net10.0");

            using var server = new HttpListener();
            string prefix = $"http://127.0.0.1:{FreePort()}/";
            server.Prefixes.Add(prefix);
            server.Start();
            var serving = ServeOneCompletionAsync(server);
            string stdout = await RunAsync("dotnet", [Path.Combine(bin, "MinimalApp.dll"), prefix + "v1/"]);
            string requestBody = await serving;

            Assert.Equal("INV-7 120.50 EUR", stdout.Trim());
            Assert.Contains("\"json_schema\"", requestBody, StringComparison.Ordinal); // the provider's native structured output

            var assemblies = Directory.GetFiles(bin, "*.dll").Select(Path.GetFileName).ToList();
            Assert.Contains("LlmKit.Core.dll", assemblies);
            Assert.Contains("LlmKit.StructuredOutput.dll", assemblies);
            Assert.Empty(assemblies.Intersect(NotCarried));
            long bytes = Directory.GetFiles(bin, "*.dll").Where(f => !f.EndsWith("MinimalApp.dll", StringComparison.Ordinal)).Sum(f => new FileInfo(f).Length);
            output.WriteLine($"dependencies of the app: {assemblies.Count - 1} assemblies, {bytes / 1024.0 / 1024.0:F2} MiB: {string.Join(", ", assemblies.Order())}");
        }
        finally
        {
            Directory.Delete(app, recursive: true);
        }
    }

    /// <summary>Release or Debug: the configuration these tests were built in, so the src builds exist.</summary>
    private static string Configuration =>
        AppContext.BaseDirectory.Replace('\\', '/').Contains("/bin/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";

    private static void WriteProject(string folder)
    {
        string src = PackageGraph.SourceFolder;
        // The version the repository builds with: the app restores from the same feed and cache.
        string di = XDocument.Load(Path.Combine(TestData.RepositoryRoot, "Directory.Packages.props"))
            .Descendants("PackageVersion").Single(e => (string?)e.Attribute("Include") == "Microsoft.Extensions.DependencyInjection")
            .Attribute("Version")!.Value;
        File.WriteAllText(Path.Combine(folder, "MinimalApp.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="{Path.Combine(src, "LlmKit.StructuredOutput", "LlmKit.StructuredOutput.csproj")}" />
                <ProjectReference Include="{Path.Combine(src, "LlmKit.Providers.OpenAI", "LlmKit.Providers.OpenAI.csproj")}" />
                <PackageReference Include="Microsoft.Extensions.DependencyInjection" Version="{di}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(folder, "Program.cs"), Program);
    }

    /// <summary>Answers one chat completion with an invoice that has the properties the request's schema names.</summary>
    private static async Task<string> ServeOneCompletionAsync(HttpListener server)
    {
        var context = await server.GetContextAsync().WaitAsync(TimeSpan.FromMinutes(2));
        string body;
        using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync();
        }

        var properties = JsonNode.Parse(body)?["response_format"]?["json_schema"]?["schema"]?["properties"]?.AsObject()
            ?? throw new InvalidOperationException("The request has no JSON schema response format: " + body);
        var invoice = new JsonObject();
        foreach (var (name, _) in properties)
        {
            invoice[name] = name.ToUpperInvariant() switch
            {
                "NUMBER" => "INV-7",
                "TOTAL" => JsonValue.Create(120.50m),
                "CURRENCY" => "EUR",
                _ => throw new InvalidOperationException($"Unexpected property '{name}' in " + body),
            };
        }

        var completion = new JsonObject
        {
            ["id"] = "chatcmpl-minimal",
            ["object"] = "chat.completion",
            ["created"] = 1_764_000_000,
            ["model"] = "gpt-4o-mini",
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = invoice.ToJsonString() },
                ["finish_reason"] = "stop",
            }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = 60, ["completion_tokens"] = 14, ["total_tokens"] = 74 },
        };
        byte[] bytes = Encoding.UTF8.GetBytes(completion.ToJsonString());
        context.Response.ContentType = "application/json";
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
        return body;
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    private static async Task<string> RunAsync(string file, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await stdout}\n{await stderr}");
        return await stdout;
    }
}
