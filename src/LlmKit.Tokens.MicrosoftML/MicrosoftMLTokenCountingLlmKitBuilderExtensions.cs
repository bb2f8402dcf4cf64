using LlmKit.DependencyInjection;
using LlmKit.Tokens;
using LlmKit.Tokens.MicrosoftML;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.ML.Tokenizers;

#pragma warning disable IDE0130 // Builder extensions live where the builder's users already look, as in Microsoft.Extensions.*.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Makes a Microsoft.ML.Tokenizers tokenizer LlmKit's <see cref="ITokenCounter"/>.</summary>
public static class MicrosoftMLTokenCountingLlmKitBuilderExtensions
{
    /// <summary>
    /// Registers token counting (<see cref="TokenCountingLlmKitBuilderExtensions.AddTokenCounting"/>) with
    /// <paramref name="tokenizer"/> as the <see cref="ITokenCounter"/>, replacing LlmKit's default one. Models the
    /// model catalog knows keep their own tiktoken encoding in <see cref="IChatTokenCounter"/>; the tokenizer counts
    /// everything else (chunkers, unknown models).
    /// </summary>
    /// <param name="llmKit">The LlmKit builder.</param>
    /// <param name="tokenizer">The tokenizer.</param>
    /// <param name="encodingName">Its name, reported as <see cref="ITokenCounter.EncodingName"/>.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder AddMicrosoftMLTokenCounter(this LlmKitBuilder llmKit, Tokenizer tokenizer, string encodingName)
    {
        ArgumentNullException.ThrowIfNull(llmKit);
        var counter = new MicrosoftMLTokenCounter(tokenizer, encodingName);
        llmKit.AddTokenCounting();
        llmKit.Services.Replace(ServiceDescriptor.Singleton<ITokenCounter>(counter));
        return llmKit;
    }

    /// <summary>
    /// Registers token counting with the container's <see cref="Tokenizer"/> service as the <see cref="ITokenCounter"/>,
    /// replacing LlmKit's default one; resolving it fails, naming the missing service, when none is registered.
    /// </summary>
    /// <param name="llmKit">The LlmKit builder.</param>
    /// <param name="encodingName">The tokenizer's name, reported as <see cref="ITokenCounter.EncodingName"/>.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder AddMicrosoftMLTokenCounter(this LlmKitBuilder llmKit, string encodingName)
    {
        ArgumentNullException.ThrowIfNull(llmKit);
        ArgumentException.ThrowIfNullOrWhiteSpace(encodingName);
        llmKit.AddTokenCounting();
        llmKit.Services.Replace(ServiceDescriptor.Singleton<ITokenCounter>(sp => new MicrosoftMLTokenCounter(
            sp.GetService<Tokenizer>() ?? throw new InvalidOperationException(
                $"AddMicrosoftMLTokenCounter(\"{encodingName}\") needs a Microsoft.ML.Tokenizers.Tokenizer service; register one, " +
                "for example services.AddSingleton<Tokenizer>(TiktokenTokenizer.CreateForModel(\"gpt-4o\"))."),
            encodingName)));
        return llmKit;
    }
}
