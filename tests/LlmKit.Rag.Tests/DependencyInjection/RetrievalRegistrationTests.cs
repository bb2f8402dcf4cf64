using LlmKit.Rag.DependencyInjection;
using LlmKit.Rag.Hybrid;
using LlmKit.Rag.Ingestion;
using LlmKit.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

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
}
