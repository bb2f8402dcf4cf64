using System.Text.Json.Serialization;
using LlmKit.DependencyInjection;
using LlmKit.Jobs;
using LlmKit.Tools;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using WebApi.Chat;
using WebApi.Infrastructure;
using WebApi.Jobs;
using WebApi.Model;

namespace WebApi;

/// <summary>Builds the app: services from configuration, then the endpoints. Program.cs runs it; tests host it too.</summary>
public static class ServerApp
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var services = builder.Services;

        // LlmKit: one named client ("assistant") with resilience, plus budgets, the usage ledger and telemetry for
        // every client. Each reads its section of appsettings.json (LlmKit:…) and is validated when the app starts.
        var llmKit = services.AddLlmKit()
            .AddTokenCounting()
            .AddModelCatalog()
            .UseTelemetry()
            .UseUsageLedger()
            .AddUsageLogging()
            .AddUsageMetrics()
            .UseBudgets()
            .AddIdempotency();
        AddModel(llmKit, builder.Configuration).UseResilience();

        // One line of configuration moves every store LlmKit keeps (budgets, usage ledger, jobs, suspended tool loops,
        // shared rate limits) to PostgreSQL, so several instances share them and they survive a restart:
        //   "LlmKit": { "PostgreSql": { "ConnectionString": "Host=db;Database=app;Username=app;Password=…" } }
        // The app applies LlmKit's schema when it starts; where a DBA owns the schema, set "EnsureSchema": false.
        bool usePostgreSql = builder.Configuration.GetSection(PostgreSqlBuilderExtensions.ConfigurationSection).Exists();
        if (usePostgreSql)
        {
            bool ensureSchema = builder.Configuration.GetValue($"{PostgreSqlBuilderExtensions.ConfigurationSection}:EnsureSchema", true);
            llmKit.AddPostgreSql(o => o.EnsureSchema = ensureSchema);
        }

        // The streamed tool loop wraps the whole pipeline (see SupportAgent); its limits come from LlmKit:ToolLoop.
        services.AddOptions<ToolLoopOptions>()
            .BindLlmKitConfiguration("LlmKit:ToolLoop")
            .Validate(o => o.Validate().Count == 0, "LlmKit:ToolLoop is invalid (see ToolLoopOptions for the ranges).")
            .ValidateOnStart();
        services.AddScoped<SupportTools>();
        services.AddSingleton<SupportAgent>();
        services.AddSingleton<ChatStreamStats>();

        // Background jobs on LlmKit's job queue (IJobQueue), run by its hosted JobWorker (settings: LlmKit:Jobs).
        services.AddOptions<JobOptions>().BindConfiguration("Jobs").ValidateDataAnnotations()
            .Validate(o => o.RunWorker || usePostgreSql, "Jobs:RunWorker=false needs a shared job queue (LlmKit:PostgreSql:ConnectionString): with the in-memory queue no other instance could run the jobs.")
            .ValidateOnStart();
        if (builder.Configuration.GetValue("Jobs:RunWorker", true))
        {
            llmKit.AddJobWorker();
        }
        else
        {
            // This instance only accepts jobs; instances on the same database run them.
            llmKit.AddJobQueue();
            services.AddOptions<JobWorkerOptions>().BindLlmKitConfiguration(JobsBuilderExtensions.ConfigurationSection);
        }

        llmKit.AddJobHandler<TriageJobHandler>(TriageJob.Kind);

        // Enums travel as names ("Running", not 2): the page and API clients read them.
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        services.AddProblemDetails();
        // Registered after ASP.NET Core's writer: answers the clients it cannot (Accept: text/event-stream) with JSON.
        services.AddSingleton<IProblemDetailsWriter, ProblemJsonFallbackWriter>();
        services.AddExceptionHandler<LlmExceptionHandler>();

        services.AddSingleton<CircuitBreakerHealthCheck>();
        services.AddHealthChecks()
            .AddCheck<CircuitBreakerHealthCheck>("model-circuit", tags: ["ready"])
            .AddCheck<JobQueueHealthCheck>("job-queue", tags: ["ready"]);

        var app = builder.Build();

        // Created now, so the check hears circuit transitions from the first model call on.
        app.Services.GetRequiredService<CircuitBreakerHealthCheck>();

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseTenantTags();

        app.MapChat();
        app.MapAnswers();
        app.MapJobs();
        // Live: the process answers. Ready: it can do useful work (model circuit closed, job queue not full).
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        return app;
    }

    private static LlmKitChatClientBuilder AddModel(LlmKitBuilder llmKit, IConfiguration configuration)
    {
        string? model = Environment.GetEnvironmentVariable("LLMKIT_MODEL");
        if (Environment.GetEnvironmentVariable("OPENAI_API_KEY") is { Length: > 0 })
        {
            return llmKit.AddOpenAI("assistant", o =>
            {
                o.Model = model ?? "gpt-4o-mini";
                if (Environment.GetEnvironmentVariable("OPENAI_BASE_URL") is { Length: > 0 } baseUrl)
                {
                    o.Endpoint = new Uri(baseUrl);
                }
            });
        }

        if (Environment.GetEnvironmentVariable("ANTHROPIC_API_KEY") is { Length: > 0 })
        {
            return llmKit.AddAnthropic("assistant", o => o.Model = model ?? "claude-3-5-haiku-latest");
        }

        // No key: the scripted offline demo model, so the app runs with no network.
        llmKit.Services.AddOptions<DemoModelOptions>().Bind(configuration.GetSection("DemoModel"))
            .Validate(o => o.ChunkDelay >= TimeSpan.Zero && o.TurnDelay >= TimeSpan.Zero, "DemoModel delays must not be negative.")
            .ValidateOnStart();
        llmKit.Services.AddSingleton<OfflineDemoChatClient>();
        return llmKit.AddChatClient("assistant", sp => sp.GetRequiredService<OfflineDemoChatClient>());
    }
}
