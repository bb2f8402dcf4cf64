namespace LlmKit.Rag.Chunking;

/// <summary>Splits a text into chunks sized in tokens, each keeping its exact offsets in the source.</summary>
public interface IChunker
{
    /// <summary>Splits <paramref name="text"/> into chunks, in source order.</summary>
    /// <param name="text">The source text.</param>
    /// <param name="cancellationToken">A token to cancel the operation (chunkers that embed use it).</param>
    /// <returns>The chunks.</returns>
    ValueTask<IReadOnlyList<TextChunk>> ChunkAsync(string text, CancellationToken cancellationToken = default);
}
