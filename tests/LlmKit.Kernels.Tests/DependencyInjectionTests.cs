using LlmKit.Kernels;
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
}
