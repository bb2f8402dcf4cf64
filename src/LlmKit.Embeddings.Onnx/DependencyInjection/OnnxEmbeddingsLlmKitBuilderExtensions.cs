using LlmKit.DependencyInjection;
using LlmKit.Embeddings.Onnx;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

#pragma warning disable IDE0130 // Builder extensions live where AddLlmKit() does, so one using covers every capability.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Adds a local ONNX embedding generator to an <see cref="LlmKitBuilder"/>.</summary>
public static class OnnxEmbeddingsLlmKitBuilderExtensions
{
    /// <summary>The configuration section the options bind from: <c>LlmKit:Embeddings:Onnx</c>.</summary>
    public const string ConfigurationSection = LlmKitBuilder.ConfigurationSection + ":Embeddings:Onnx";

    /// <summary>
    /// Registers an <see cref="OnnxEmbeddingGenerator"/> as the application's <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>
    /// (retrieval then uses it instead of the offline hashing embedder). Options bind from <c>LlmKit:Embeddings:Onnx</c>
    /// (unknown keys rejected), then <paramref name="configure"/>, and are validated when the host starts; the model is
    /// loaded on first use.
    /// </summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="configure">Sets options; <see cref="OnnxEmbeddingGeneratorOptions.ModelDirectory"/> is required.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder AddOnnxEmbeddings(this LlmKitBuilder builder, Action<OnnxEmbeddingGeneratorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<OnnxEmbeddingGeneratorOptions>().BindLlmKitConfiguration(ConfigurationSection);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.Validate(
            o => !string.IsNullOrWhiteSpace(o.ModelDirectory) && Directory.Exists(o.ModelDirectory),
            $"{ConfigurationSection}:ModelDirectory must name an existing folder holding the ONNX model and its vocab.txt.")
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton(sp => new OnnxEmbeddingGenerator(
            sp.GetRequiredService<IOptions<OnnxEmbeddingGeneratorOptions>>().Value,
            sp.GetService<ILogger<OnnxEmbeddingGenerator>>()));
        builder.Services.TryAddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(sp => sp.GetRequiredService<OnnxEmbeddingGenerator>());
        return builder;
    }
}
