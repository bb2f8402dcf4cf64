namespace LlmKit.Context;

internal static class ContextBudgetConstants
{
    public const int DefaultOutputReserveTokens = 4_096;
    public const string DefaultContextHeader = "Use the following context to answer.";
    public const string DefaultChunkSeparator = "\n\n---\n\n";
}
