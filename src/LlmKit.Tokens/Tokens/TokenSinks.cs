namespace LlmKit.Tokens;

/// <summary>Receives tokens as they are produced, so that counting never allocates a token list.</summary>
internal interface ITokenSink
{
    void Add(int token);

    void AddRange(ReadOnlySpan<int> tokens);
}

internal struct CountingSink : ITokenSink
{
    public int Count;

    public void Add(int token) => Count++;

    public void AddRange(ReadOnlySpan<int> tokens) => Count += tokens.Length;
}

internal readonly struct ListSink(List<int> list) : ITokenSink
{
    public void Add(int token) => list.Add(token);

    public void AddRange(ReadOnlySpan<int> tokens) => list.AddRange(tokens);
}
