using LlmKit.Rag.Hybrid;
using LlmKit.Rag.Ingestion;
using LlmKit.Rag.Retrievers;
using LlmKit.Rag.Tests;
using LlmKit.Tests.Servers;
using LlmKit.Tokens;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LlmKit.Rag.PostgreSql.Tests;

public sealed class RegistrationTests
{
    [PostgresFact]
    public async Task AddPostgreSqlRetrieval_applies_the_schema_at_start_and_the_pipeline_and_retriever_use_the_database()
    {
        await using var database = await Retrieval.NewDatabaseAsync("retrieval_di");
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmKit:PostgreSqlRetrieval:ConnectionString"] = database.ConnectionString,
            ["LlmKit:PostgreSqlRetrieval:EnsureSchema"] = "true",
            ["LlmKit:Retrieval:Dimensions"] = "512",
        });
        builder.Services.AddSingleton<ITokenCounter, WordPieceCounter>();
        builder.Services.AddLlmKit().AddPostgreSqlRetrieval().AddRetrieval(o => o.Hybrid.CandidateDepth = 10);
        using var host = builder.Build();
        await host.StartAsync();

        Assert.IsType<PostgresRetrievalStore>(host.Services.GetRequiredService<IIngestionStore>());
        Assert.IsType<PostgresRetrievalStore>(host.Services.GetRequiredService<IKeywordSearch>());
        await host.Services.GetRequiredService<IngestionPipeline>().IngestAsync(
            [new IngestionDocument("a", "Propeller slipstream over a wing."), new IngestionDocument("b", "Heat transfer in hypersonic flow.")]);
        var results = await host.Services.GetRequiredService<HybridRetriever>().SearchAsync("slipstream", top: 1);

        Assert.Equal("a#0", Assert.Single(results).Id);
        Assert.Equal("Propeller slipstream over a wing.", results[0].Text);
        Assert.Equal(2, await Retrieval.ScalarAsync(database.DataSource, "SELECT count(*) FROM llmkit.retrieval_documents"));
        await host.StopAsync();
    }

    [PostgresFact]
    public async Task A_misspelt_key_or_a_missing_connection_string_stops_the_host_naming_the_setting()
    {
        var misspelt = Host.CreateApplicationBuilder();
        misspelt.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmKit:PostgreSqlRetrieval:ConnectionString"] = "Host=localhost",
            ["LlmKit:PostgreSqlRetrieval:HnswEfSerch"] = "10",
        });
        misspelt.Services.AddLlmKit().AddPostgreSqlRetrieval();
        using (var host = misspelt.Build())
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
            Assert.Contains("HnswEfSerch", error.ToString(), StringComparison.Ordinal);
        }

        var unset = Host.CreateApplicationBuilder();
        unset.Services.AddLlmKit().AddPostgreSqlRetrieval();
        using (var host = unset.Build())
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
            Assert.Contains("LlmKit:PostgreSqlRetrieval:ConnectionString", error.ToString(), StringComparison.Ordinal);
        }
    }
}
