namespace LlmKit.Tools;

/// <summary>
/// A class whose <see cref="LlmToolAttribute"/> methods were turned into tools. LlmKit's source generator implements
/// it on every partial class with such methods; you do not implement it by hand.
/// </summary>
public interface ILlmToolSet
{
    /// <summary>Returns the class's tools. Instance methods resolve their target from the invocation's services.</summary>
    /// <returns>The tools, in declaration order.</returns>
    static abstract IReadOnlyList<LlmToolFunction> GetLlmTools();
}
