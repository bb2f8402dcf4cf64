using LlmKit.Kernels;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LlmKit.Kernels.Tests;

public sealed class DependencyInjectionTests
{
    [Fact]
    public void AddSimilarityKernels_registers_one_configured_singleton()
    {
        var services = new ServiceCollection();
        services.AddSimilarityKernels(o => o.Backend = KernelBackend.Cpu);
        using var provider = services.BuildServiceProvider();

        var kernels = provider.GetRequiredService<SimilarityKernels>();

        Assert.Same(kernels, provider.GetRequiredService<SimilarityKernels>());
        Assert.Equal(KernelBackend.Cpu, provider.GetRequiredService<IOptions<KernelOptions>>().Value.Backend);
    }

    [Fact]
    public async Task Options_out_of_range_stop_the_host_at_start()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSimilarityKernels(o => o.MaxDegreeOfParallelism = -3);
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(CancellationToken.None));
        Assert.Contains("KernelOptions.MaxDegreeOfParallelism", ex.Message, StringComparison.Ordinal);
        Assert.Contains("-3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_bind_from_LlmKit_Kernels_and_the_code_delegate_runs_after_configuration()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmKit:Kernels:Backend"] = "Cpu",
            ["LlmKit:Kernels:RescoreFactor"] = "16",
            ["LlmKit:Kernels:GpuMinimumWork"] = "12345",
        }).Build());
        services.AddSimilarityKernels(o => o.MaxDegreeOfParallelism = 1);
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<KernelOptions>>().Value;

        Assert.Equal((KernelBackend.Cpu, 16, 12345L, 1), (options.Backend, options.RescoreFactor, options.GpuMinimumWork, options.MaxDegreeOfParallelism));
    }

    [Fact]
    public async Task An_unknown_key_under_LlmKit_Kernels_stops_the_host_at_start()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["LlmKit:Kernels:Int8RerankFactor"] = "4" });
        builder.Services.AddSimilarityKernels();
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(CancellationToken.None));
        Assert.Contains("Int8RerankFactor", ex.Message, StringComparison.Ordinal);
    }
}
