namespace LlmKit.Rag;

/// <summary>One result of an index search: the id that was added to the index and its score (higher is better).</summary>
/// <param name="Id">The id of the indexed item (a chunk id when the index is filled by ingestion).</param>
/// <param name="Score">The score; only comparable with other scores from the same search.</param>
public readonly record struct SearchHit(string Id, float Score);
