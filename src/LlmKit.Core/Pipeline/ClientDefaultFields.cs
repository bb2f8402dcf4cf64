namespace LlmKit.Pipeline;

/// <summary>The settings of a call that the pipeline head filled in from the client's defaults.</summary>
[Flags]
internal enum ClientDefaultFields
{
    None = 0,
    Model = 1,
    Temperature = 2,
    TopP = 4,
    MaxOutputTokens = 8,
    Seed = 16,
}
