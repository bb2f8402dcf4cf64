using LlmKit.Rag.DependencyInjection;
using LlmKit.Rag.Hybrid;
using LlmKit.Rag.Ingestion;
using LlmKit.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LlmKit.Rag.Tests.DependencyInjection;

public class RetrievalRegistrationTests
{
    [Fact]
    public async Task AddRetrieval_wires_ingestion_and_hybrid_search_that_work_offline()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<ITokenCounter, WordPieceCounter>();
        builder.Services.AddLlmKit().AddRetrieval(o => o.Hybrid.CandidateDepth = 10);
        using var host = builder.Build();
        await host.StartAsync();

        var ingestion = host.Services.GetRequiredService<IngestionPipeline>();
        await ingestion.IngestAsync([new IngestionDocument("a", "Propeller slipstream over a wing."), new IngestionDocument("b", "Heat transfer in hypersonic flow.")]);
        var results = await host.Services.GetRequiredService<HybridRetriever>().SearchAsync("slipstream", top: 1);

        Assert.Equal("a#0", Assert.Single(results).Id);
        Assert.Equal("Propeller slipstream over a wing.", results[0].Text);
        await host.StopAsync();
    }

    [Fact]
    public async Task Invalid_options_fail_when_the_host_starts()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddLlmKit().AddRetrieval(o => o.Hybrid.MmrLambda = 2);
        using var host = builder.Build();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());

        Assert.Contains("MmrLambda", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Options_bind_from_LlmKit_Retrieval_before_the_code_delegate_and_a_misspelt_key_stops_the_host()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmKit:Retrieval:ChunkMaxTokens"] = "300",
            ["LlmKit:Retrieval:Hybrid:RerankDepth"] = "7",
            ["LlmKit:Retrieval:Hybrid:UseMmr"] = "true",
            ["LlmKit:Retrieval:Ingestion:BatchSize"] = "8",
        });
        builder.Services.AddLlmKit().AddRetrieval(o => o.Hybrid.RerankDepth = 5);
        using var host = builder.Build();
        await host.StartAsync();

        var options = host.Services.GetRequiredService<IOptions<RetrievalOptions>>().Value;

        Assert.Equal((300, 5, true, 8), (options.ChunkMaxTokens, options.Hybrid.RerankDepth, options.Hybrid.UseMmr, options.Ingestion.BatchSize));
        await host.StopAsync();

        var misspelt = Host.CreateApplicationBuilder();
        misspelt.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["LlmKit:Retrieval:Hybrid:RerankDepht"] = "7" });
        misspelt.Services.AddLlmKit().AddRetrieval();
        using var bad = misspelt.Build();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => bad.StartAsync());
        Assert.Contains("RerankDepht", error.ToString(), StringComparison.Ordinal);
    }
}
