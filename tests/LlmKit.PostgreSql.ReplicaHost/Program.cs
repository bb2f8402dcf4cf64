// A replica of an app on LlmKit's PostgreSQL stores, started as a process by LlmKit.PostgreSql.Tests:
//   calls  --connection CS --tenant T --budget USD --first I --count N --concurrency C [--mix] [--retry-held]
//          [--hang] [--lease-seconds S]
//     makes N calls (see CallWorkload) through LlmKit's budget and usage ledger on PostgreSQL and prints
//     "RESULT {json}". With --hang the provider never answers: each admitted call prints "ENTERED" and holds its
//     reservation; "SATURATED" follows once every call was admitted or refused, and the process waits to be killed.
//   worker --connection CS --queue Q --concurrency C --lease-seconds S --worker-id W [--hang-after N]
//     runs LlmKit's JobWorker with EffectJobHandler until standard input closes or it is killed.
// Every mode exits when --parent PID (the test host) is gone, so a killed test run leaves no replica behind.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LlmKit.DependencyInjection;
using LlmKit.PostgreSql.ReplicaHost;
using LlmKit.Stores.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var settings = new Dictionary<string, string>(StringComparer.Ordinal);
for (int i = 1; i < args.Length; i++)
{
    bool hasValue = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
    settings[args[i].TrimStart('-')] = hasValue ? args[++i] : "true";
}

string Get(string key) => settings.TryGetValue(key, out var value) ? value : throw new ArgumentException($"--{key} is required.");
int GetInt(string key) => int.Parse(Get(key), CultureInfo.InvariantCulture);
bool Has(string key) => settings.ContainsKey(key);

if (settings.TryGetValue("parent", out var parent))
{
    WatchParent(int.Parse(parent, CultureInfo.InvariantCulture));
}

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
var llmKit = builder.Services.AddLlmKit();
var connection = Get("connection");
switch (args.FirstOrDefault())
{
    case "calls":
    {
        bool hang = Has("hang");
        int entered = 0;
        llmKit.AddModelCatalog()
            .UseUsageLedger()
            .UseBudgets(o =>
            {
                o.CostPerDay = decimal.Parse(Get("budget"), CultureInfo.InvariantCulture);
                if (settings.TryGetValue("lease-seconds", out var lease))
                {
                    o.ReservationLease = TimeSpan.FromSeconds(double.Parse(lease, CultureInfo.InvariantCulture));
                }
            })
            .AddPostgreSql(o => { o.ConnectionString = connection + ";Maximum Pool Size=30"; o.MaintenanceInterval = TimeSpan.FromSeconds(1); })
            .AddChatClient("main", new FakeProvider(hang, hang ? () => { Interlocked.Increment(ref entered); Console.WriteLine("ENTERED"); } : null));
        using var host = builder.Build();
        await host.StartAsync();
        var workload = new CallWorkload(Get("tenant"), GetInt("first"), GetInt("count"))
        {
            Concurrency = GetInt("concurrency"),
            Mix = Has("mix"),
            RetryHeld = Has("retry-held"),
        };
        var work = workload.RunAsync(host.Services.GetRequiredService<ILlmKitChatClients>(), TimeProvider.System, CancellationToken.None);
        if (hang)
        {
            // Admitted calls never end: once every call is either in the provider or refused, the budget is held.
            while (Volatile.Read(ref entered) + workload.Refused < GetInt("count"))
            {
                await Task.Delay(20);
            }

            Console.WriteLine($"SATURATED {Volatile.Read(ref entered)}");
            await Task.Delay(Timeout.Infinite);
        }

        Console.WriteLine("RESULT " + JsonSerializer.Serialize(await work));
        await host.StopAsync();
        return 0;
    }

    case "worker":
    {
        llmKit.AddJobWorker(o =>
            {
                o.Queue = Get("queue");
                o.Concurrency = GetInt("concurrency");
                o.LeaseDuration = TimeSpan.FromSeconds(GetInt("lease-seconds"));
                o.PollInterval = TimeSpan.FromMilliseconds(50);
                o.WorkerId = Get("worker-id");
            })
            .AddJobHandler<EffectJobHandler>("effect")
            .AddPostgreSql(o => o.ConnectionString = connection + ";Maximum Pool Size=20");
        builder.Services.AddSingleton(new HangSwitch(settings.TryGetValue("hang-after", out var after) ? int.Parse(after, CultureInfo.InvariantCulture) : null));
        using var host = builder.Build();
        await host.StartAsync();
        Console.WriteLine("STARTED");
        await Console.In.ReadToEndAsync(); // the test closes standard input to stop it gracefully
        await host.StopAsync();
        return 0;
    }

    default:
        Console.Error.WriteLine("Usage: calls … | worker … (see Program.cs)");
        return 64;
}

static void WatchParent(int pid)
{
    _ = Task.Run(async () =>
    {
        while (true)
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                if (process.HasExited)
                {
                    Environment.Exit(3);
                }
            }
            catch (ArgumentException)
            {
                Environment.Exit(3);
            }

            await Task.Delay(500);
        }
    });
}
