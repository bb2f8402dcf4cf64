using LlmKit.DependencyInjection;
using LlmKit.PostgreSql;
using LlmKit.Rag.DependencyInjection;
using LlmKit.Rag.Ingestion;
using LlmKit.Rag.PostgreSql;
using LlmKit.Rag.Retrievers;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

#pragma warning disable IDE0130 // Builder extensions live where AddLlmKit() does, so one using covers every capability.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Puts LlmKit retrieval on PostgreSQL.</summary>
public static class PostgreSqlRetrievalBuilderExtensions
{
    /// <summary>The configuration section of <see cref="PostgreSqlRetrievalOptions"/>: <c>LlmKit:PostgreSqlRetrieval</c>.</summary>
    public const string ConfigurationSection = "LlmKit:PostgreSqlRetrieval";

    /// <summary>
    /// Keeps retrieval's chunks, vectors and keyword index in PostgreSQL: registers a <see cref="PostgresRetrievalStore"/>
    /// as the <see cref="IIngestionStore"/>, <see cref="IKeywordSearch"/>, <see cref="IVectorSearch"/> and
    /// <see cref="IChunkSource"/> that <c>AddRetrieval()</c>'s <see cref="IngestionPipeline"/> and
    /// <see cref="LlmKit.Rag.Hybrid.HybridRetriever"/> use (calling <c>AddRetrieval()</c> when it was not), replacing the
    /// in-process indexes whichever order the calls come in. The database is the <see cref="NpgsqlDataSource"/>
    /// registered in DI, else <c>AddPostgreSql()</c>'s, else <c>LlmKit:PostgreSqlRetrieval:ConnectionString</c>. The host
    /// fails to start when the database is unreachable, its schema is out of date (or is applied, with
    /// <c>LlmKit:PostgreSqlRetrieval:EnsureSchema</c>) or the store was filled with another embedder.
    /// </summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="configure">Adjusts the settings after they are bound from <c>LlmKit:PostgreSqlRetrieval</c>.</param>
    /// <returns>The builder.</returns>
    /// <example>
    /// <code>
    /// // appsettings.json: "LlmKit": { "PostgreSqlRetrieval": { "ConnectionString": "Host=db;Database=app;Username=app", "EnsureSchema": true } }
    /// services.AddLlmKit().AddOnnxEmbeddings(o => o.ModelDirectory = "models/all-MiniLM-L6-v2").AddRetrieval().AddPostgreSqlRetrieval();
    /// </code>
    /// </example>
    public static LlmKitBuilder AddPostgreSqlRetrieval(this LlmKitBuilder builder, Action<PostgreSqlRetrievalOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (!services.Any(d => d.ServiceType == typeof(RetrievalEmbedder)))
        {
            builder.AddRetrieval();
        }

        var options = services.AddOptions<PostgreSqlRetrievalOptions>();
        if (!services.Any(d => d.ServiceType == typeof(PostgresRetrievalStore)))
        {
            options.BindLlmKitConfiguration(ConfigurationSection).ValidateOnStart();
            services.AddSingleton<IValidateOptions<PostgreSqlRetrievalOptions>, OptionsValidator>();
            services.AddSingleton(ResolveDatabase);
            services.AddSingleton(sp =>
            {
                var embedder = sp.GetRequiredService<RetrievalEmbedder>();
                return new PostgresRetrievalStore(
                    sp.GetRequiredService<RetrievalDatabase>().DataSource,
                    embedder.Dimensions,
                    sp.GetRequiredService<IOptions<PostgreSqlRetrievalOptions>>().Value,
                    embedder.Id,
                    sp.GetService<ILogger<PostgresRetrievalStore>>());
            });
            services.Replace(ServiceDescriptor.Singleton<IIngestionStore>(sp => sp.GetRequiredService<PostgresRetrievalStore>()));
            services.Replace(ServiceDescriptor.Singleton<IKeywordSearch>(sp => sp.GetRequiredService<PostgresRetrievalStore>()));
            services.Replace(ServiceDescriptor.Singleton<IVectorSearch>(sp => sp.GetRequiredService<PostgresRetrievalStore>()));
            services.Replace(ServiceDescriptor.Singleton<IChunkSource>(sp => sp.GetRequiredService<PostgresRetrievalStore>()));
            services.AddHostedService<PostgresRetrievalStartup>();
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        return builder;
    }

    private static RetrievalDatabase ResolveDatabase(IServiceProvider services)
    {
        if (services.GetService<NpgsqlDataSource>() is { } registered)
        {
            return new RetrievalDatabase(registered, owned: false);
        }

        if (services.GetService<PostgresDatabase>() is { } shared)
        {
            return new RetrievalDatabase(shared.DataSource, owned: false);
        }

        return new RetrievalDatabase(NpgsqlDataSource.Create(services.GetRequiredService<IOptions<PostgreSqlRetrievalOptions>>().Value.ConnectionString!), owned: true);
    }

    private sealed class OptionsValidator(IServiceProviderIsService isService) : IValidateOptions<PostgreSqlRetrievalOptions>
    {
        public ValidateOptionsResult Validate(string? name, PostgreSqlRetrievalOptions options)
        {
            bool hasDatabase = isService.IsService(typeof(NpgsqlDataSource)) || isService.IsService(typeof(PostgresDatabase));
            var failures = options.Validate(ConfigurationSection, hasDatabase).ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
