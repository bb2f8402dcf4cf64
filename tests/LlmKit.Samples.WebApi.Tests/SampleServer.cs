using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace LlmKit.Samples.WebApi.Tests;

/// <summary>The real sample, hosted in-process by Kestrel on 127.0.0.1 and a free port, on the offline demo model.</summary>
public sealed class SampleServer : IAsyncDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly WebApplication _app;

    private SampleServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    public static WebApplication Build(params string[] settings)
    {
        // The model keys must not leak in from the developer's shell: the tests run the offline demo model.
        foreach (string variable in new[] { "OPENAI_API_KEY", "ANTHROPIC_API_KEY" })
        {
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable)))
            {
                throw new InvalidOperationException($"Unset {variable}: the sample's tests run on the offline demo model.");
            }
        }

        string[] args =
        [
            "--urls", "http://127.0.0.1:0",
            "--contentRoot", AppContext.BaseDirectory,
            "--environment", "Production",
            "--Logging:LogLevel:Default", "Warning",
            // A tenant with a budget of about one chat per minute, for the 429 test.
            "--LlmKit:Budgets:Tenants:tight:TokensPerMinute", "900",
            .. settings.SelectMany(s => s.Split('=', 2) is [var key, var value] ? new[] { "--" + key, value } : throw new ArgumentException(s)),
        ];
        return global::WebApi.ServerApp.Build(args);
    }

    public static async Task<SampleServer> StartAsync(params string[] settings)
    {
        var app = Build(settings);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new SampleServer(app, new Uri(address + "/"));
    }

    public async Task<ChatStats> StatsAsync() => (await Http.GetFromJsonAsync<ChatStats>("chat/stats", Json))!;

    /// <summary>Server-side state the page cannot show: polls <c>/chat/stats</c> until the condition holds or the time is up.</summary>
    public async Task<ChatStats> WaitForStatsAsync(Func<ChatStats, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var stats = await StatsAsync();
            if (condition(stats) || DateTime.UtcNow > deadline)
            {
                return stats;
            }

            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public sealed record ChatStats(long Started, long Completed, long Cancelled, long Failed, long ModelStreamsCancelled, string? LastStopReason);

public sealed record TriageResult(string Category, string Priority, string Summary);

public sealed record JobError(string Kind, string Detail);

public sealed record JobStatus(string Id, string State, int Completed, int Total, int Percent, TriageResult[] Results, JobError? Error);

/// <summary>One server (and one browser) shared by the tests that run against a healthy app, one test at a time.</summary>
public sealed class SampleServerFixture : IAsyncLifetime
{
    public SampleServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await SampleServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class SampleServerCollection : ICollectionFixture<SampleServerFixture>
{
    public const string Name = "sample server";
}
