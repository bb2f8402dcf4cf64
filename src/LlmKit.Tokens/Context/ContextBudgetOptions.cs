using Microsoft.Extensions.AI;

namespace LlmKit.Context;

/// <summary>Options of a <see cref="ContextBudget"/>.</summary>
public sealed class ContextBudgetOptions
{
    /// <summary>Gets or sets the tokens kept free for the model's answer.</summary>
    /// <value>
    /// The default value is <see langword="null"/>: the smaller of 4,096 and the model's maximum output tokens (4,096
    /// when the model does not say). Valid values are 0 or more and less than the context window.
    /// </value>
    public int? OutputReserveTokens { get; set; }

    /// <summary>Gets or sets the most tokens retrieved context may take, even when more would fit.</summary>
    /// <value>The default value is <see langword="null"/>: no cap beyond the window. Valid values are 0 or more.</value>
    public int? MaxRetrievedContextTokens { get; set; }

    /// <summary>Gets or sets the most tokens history may take, even when more would fit.</summary>
    /// <value>The default value is <see langword="null"/>: no cap beyond the window. Valid values are 0 or more.</value>
    public int? MaxHistoryTokens { get; set; }

    /// <summary>Gets or sets how the kept chunks become a message, placed after the history and before the user message.</summary>
    /// <value>
    /// The default value is <see langword="null"/>: one user message, "Use the following context to answer." followed
    /// by the chunk texts separated by <c>---</c> lines, in the order they were given.
    /// </value>
    public Func<IReadOnlyList<ContextChunk>, ChatMessage>? FormatContext { get; set; }

    internal void Validate(int contextWindow)
    {
        if (OutputReserveTokens is < 0 || OutputReserveTokens >= contextWindow)
        {
            throw new ArgumentException($"ContextBudgetOptions.OutputReserveTokens must be 0 or more and less than the context window ({contextWindow}), but was {OutputReserveTokens}.");
        }

        if (MaxRetrievedContextTokens is < 0)
        {
            throw new ArgumentException($"ContextBudgetOptions.MaxRetrievedContextTokens must be 0 or more, but was {MaxRetrievedContextTokens}.");
        }

        if (MaxHistoryTokens is < 0)
        {
            throw new ArgumentException($"ContextBudgetOptions.MaxHistoryTokens must be 0 or more, but was {MaxHistoryTokens}.");
        }
    }
}
