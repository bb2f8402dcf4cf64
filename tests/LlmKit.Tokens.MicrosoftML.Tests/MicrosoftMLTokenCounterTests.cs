using System.Buffers;
using LlmKit.Models;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML.Tokenizers;

namespace LlmKit.Tokens.MicrosoftML.Tests;

public sealed class MicrosoftMLTokenCounterTests
{
    private static readonly Lazy<TiktokenTokenizer> O200k = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));

    [Fact]
    public void Counts_with_the_wrapped_tokenizer_and_reports_the_given_name()
    {
        var counter = new MicrosoftMLTokenCounter(O200k.Value, "o200k_base");

        Assert.Equal(TiktokenEncoding.O200kBase.CountTokens("Hello, world!"), counter.CountTokens("Hello, world!"));
        Assert.Equal(0, counter.CountTokens(""));
        Assert.Equal(("o200k_base", true), (counter.EncodingName, counter.IsExact));
    }

    [Fact]
    public void Bad_arguments_are_refused_at_construction()
    {
        Assert.Throws<ArgumentNullException>(() => new MicrosoftMLTokenCounter(null!, "o200k_base"));
        Assert.Throws<ArgumentException>(() => new MicrosoftMLTokenCounter(O200k.Value, " "));
    }

    [Fact]
    public void The_builder_extension_makes_it_the_token_counter_that_counts_models_the_catalog_does_not_know()
    {
        // A tokenizer that disagrees with o200k_base on purpose: one token per character, so which one counted is visible.
        var perCharacter = new CharacterTokenizer();
        var services = new ServiceCollection();
        services.AddLlmKit().AddMicrosoftMLTokenCounter(perCharacter, "per-character");
        using var provider = services.BuildServiceProvider();

        var counter = provider.GetRequiredService<ITokenCounter>();
        var chat = provider.GetRequiredService<IChatTokenCounter>();

        Assert.Equal("per-character", counter.EncodingName);
        Assert.Equal(5, counter.CountTokens("hello"));
        int unknownModel = chat.CountInputTokens([new ChatMessage(ChatRole.User, "hello")], modelId: "a-model-the-catalog-does-not-know");
        int knownModel = chat.CountInputTokens([new ChatMessage(ChatRole.User, "hello")], modelId: "gpt-4o-mini");
        Assert.True(unknownModel > knownModel, $"unknown model counted with the per-character tokenizer: {unknownModel} vs {knownModel}");
        Assert.NotNull(provider.GetRequiredService<IModelCatalog>());
    }

    [Fact]
    public void The_container_variant_uses_the_registered_Tokenizer_and_names_it_when_missing()
    {
        var services = new ServiceCollection();
        services.AddSingleton<Tokenizer>(O200k.Value);
        services.AddLlmKit().AddMicrosoftMLTokenCounter("o200k_base");
        using var provider = services.BuildServiceProvider();
        var missing = new ServiceCollection();
        missing.AddLlmKit().AddMicrosoftMLTokenCounter("o200k_base");
        using var withoutTokenizer = missing.BuildServiceProvider();

        var counter = Assert.IsType<MicrosoftMLTokenCounter>(provider.GetRequiredService<ITokenCounter>());
        var error = Assert.Throws<InvalidOperationException>(() => withoutTokenizer.GetRequiredService<ITokenCounter>());

        Assert.Same(O200k.Value, counter.Tokenizer);
        Assert.Contains("Microsoft.ML.Tokenizers.Tokenizer", error.Message);
    }

    /// <summary>One token per UTF-16 code unit: a tokenizer nobody would confuse with o200k_base.</summary>
    private sealed class CharacterTokenizer : Tokenizer
    {
        protected override EncodeResults<EncodedToken> EncodeToTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
        {
            var span = text is null ? textSpan : text.AsSpan();
            var tokens = new List<EncodedToken>(span.Length);
            for (int i = 0; i < span.Length; i++)
            {
                tokens.Add(new EncodedToken(span[i], span[i].ToString(), new Range(i, i + 1)));
            }

            return new EncodeResults<EncodedToken> { Tokens = tokens, CharsConsumed = span.Length };
        }

        public override OperationStatus Decode(IEnumerable<int> ids, Span<char> destination, out int idsConsumed, out int charsWritten)
        {
            idsConsumed = charsWritten = 0;
            foreach (int id in ids)
            {
                if (charsWritten == destination.Length)
                {
                    return OperationStatus.DestinationTooSmall;
                }

                destination[charsWritten++] = (char)id;
                idsConsumed++;
            }

            return OperationStatus.Done;
        }
    }
}
