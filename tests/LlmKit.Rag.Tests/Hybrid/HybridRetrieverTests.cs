using System.Net;
using System.Text.Json;
using LlmKit.ChatCompletion;
using LlmKit.Rag.Embeddings;
using LlmKit.Rag.Hybrid;
using LlmKit.Rag.Ingestion;
using LlmKit.Rag.Keyword;
using LlmKit.Rag.Vectors;
using LlmKit.Testing;
using Microsoft.Extensions.AI;

namespace LlmKit.Rag.Tests.Hybrid;

public sealed class HybridRetrieverTests : IDisposable
{
    private readonly Bm25Index _keyword = new();
    private readonly HashingEmbeddingGenerator _embedder = new();
    private readonly VectorIndex _vectors = new(HashingEmbeddingConstants.DefaultDimensions);
    private readonly ChunkStore _chunks = new();

    public HybridRetrieverTests()
    {
        Add("wing", "experimental investigation of the aerodynamics of a wing in a slipstream", "acme", 0);
        Add("shock", "shock waves at supersonic speed over a flat plate", "acme", 0);
        Add("boundary", "laminar boundary layer transition on a flat plate", "acme", 2);
        Add("heat", "heat transfer in hypersonic flow over blunt bodies", "globex", 0);
        Add("slipstream", "propeller slipstream effects on wing lift", "globex", 0);
    }

    public void Dispose()
    {
        _keyword.Dispose();
        _vectors.Dispose();
    }

    [Fact]
    public async Task Every_result_records_each_stage_rank_and_score()
    {
        var retriever = new HybridRetriever(_keyword, _vectors, _embedder, chunks: _chunks);

        var results = await retriever.SearchAsync("wing slipstream", top: 3);

        Assert.Equal(3, results.Count);
        var first = results[0];
        Assert.Equal(1, first.Rank);
        Assert.Equal(1, first.FusedRank);
        Assert.NotNull(first.KeywordRank);
        Assert.NotNull(first.VectorRank);
        Assert.Equal(first.FusedScore, first.Score);
        Assert.Equal((1 / (60.0 + first.KeywordRank!.Value)) + (1 / (60.0 + first.VectorRank!.Value)), first.FusedScore, 5);
        Assert.Contains("slipstream", first.Text, StringComparison.Ordinal);
        Assert.Null(first.RerankRank);
        Assert.Null(first.MmrRank);
        Assert.Equal(results.Select(r => r.FusedRank), results.Select(r => r.Rank));
    }

    [Fact]
    public async Task A_filter_restricts_both_searches_before_ranking()
    {
        var retriever = new HybridRetriever(_keyword, _vectors, _embedder, chunks: _chunks);

        var results = await retriever.SearchAsync("flat plate wing", top: 10, filter: new MetadataFilter { Tenant = "acme", MaxAccessLevel = 1 });

        Assert.Equal(["shock", "wing"], results.Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.All(results, r => Assert.Equal("acme", r.Metadata!.Tenant));
    }

    [Fact]
    public async Task Llm_reranker_reorders_the_fused_head_using_structured_scores()
    {
        var chat = new ScriptedChatClient { Capabilities = new ChatClientCapabilities { SupportsJsonSchemaResponseFormat = true } };
        var retriever = new HybridRetriever(_keyword, _vectors, _embedder, new HybridRetrieverOptions { RerankDepth = 2 }, _chunks, new LlmReranker(chat));
        var fusedOrder = (await new HybridRetriever(_keyword, _vectors, _embedder).SearchAsync("wing slipstream", top: 3)).Select(r => r.Id).ToList();
        chat.Enqueue(ScriptedTurn.FromText("""{"scores":[{"index":0,"relevance":2},{"index":1,"relevance":9}]}"""));

        var results = await retriever.SearchAsync("wing slipstream", top: 3);

        Assert.Equal([fusedOrder[1], fusedOrder[0], fusedOrder[2]], results.Select(r => r.Id));
        Assert.Equal(1, results[0].RerankRank);
        Assert.Equal(9, results[0].RerankScore);
        Assert.Equal(2, results[0].FusedRank);
        Assert.Null(results[2].RerankRank);
        var request = Assert.Single(chat.Requests);
        // The provider supports JSON schema output, so the reranker's structured answer uses it.
        Assert.IsType<ChatResponseFormatJson>(request.Options?.ResponseFormat);
        Assert.Equal(0f, request.Options!.Temperature);
    }

    [Fact]
    public async Task An_unusable_rerank_answer_falls_back_to_the_fused_order()
    {
        var chat = new ScriptedChatClient();
        chat.RespondToEveryRequest(_ => ScriptedTurn.FromText("""{"scores":[{"index":0,"relevance":2}]}"""));
        var retriever = new HybridRetriever(_keyword, _vectors, _embedder, new HybridRetrieverOptions { RerankDepth = 2 }, _chunks, new LlmReranker(chat));

        var results = await retriever.SearchAsync("wing slipstream", top: 3);

        Assert.Equal(results.Select(r => r.FusedRank), results.Select(r => r.Rank));
        Assert.All(results, r => Assert.Null(r.RerankRank));
    }

    [Fact]
    public async Task Llm_reranker_reports_which_passage_the_model_left_out()
    {
        var chat = new ScriptedChatClient();
        chat.Enqueue(
            ScriptedTurn.FromText("""{"scores":[{"index":1,"relevance":2}]}"""),
            ScriptedTurn.FromText("""{"scores":[{"index":1,"relevance":2},{"index":1,"relevance":3}]}"""));

        var error = await Assert.ThrowsAsync<LlmRerankException>(() => new LlmReranker(chat).ScoreAsync("q", ["p0", "p1"]));

        // The first answer was sent back with what it missed; the second, still unusable, is the one reported.
        Assert.Contains("no score for passage 0", chat.Requests[1].Messages[^1].Text, StringComparison.Ordinal);
        Assert.Contains("after 2 attempt(s)", error.Message, StringComparison.Ordinal);
        Assert.Contains("Passage 1 is scored twice", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"relevance\":3", error.RawOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Llm_reranker_sends_an_incomplete_answer_back_and_uses_the_corrected_one()
    {
        var chat = new ScriptedChatClient();
        chat.Enqueue(
            ScriptedTurn.FromText("""{"scores":[{"index":0,"relevance":4},{"index":7,"relevance":2}]}"""),
            ScriptedTurn.FromText("""{"scores":[{"index":1,"relevance":8.5},{"index":0,"relevance":4}]}"""));

        var scores = await new LlmReranker(chat).ScoreAsync("q", ["p0", "p1"]);

        Assert.Equal([4, 8.5], scores);
        Assert.Contains("Index 7 is not a passage: use 0 to 1.", chat.Requests[1].Messages[^1].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mmr_runs_after_fusion_and_is_recorded()
    {
        var retriever = new HybridRetriever(_keyword, _vectors, _embedder, new HybridRetrieverOptions { UseMmr = true, MmrLambda = 0.5 }, _chunks);

        var results = await retriever.SearchAsync("wing slipstream", top: 3);

        Assert.Equal([1, 2, 3], results.Select(r => r.MmrRank!.Value));
    }

    [Fact]
    public async Task Cross_encoder_adapter_posts_query_and_texts_and_reads_tei_or_cohere_answers()
    {
        string? sent = null;
        var answers = new Queue<string>(["""[{"index":1,"score":0.9},{"index":0,"score":0.1}]""", """{"results":[{"index":0,"relevance_score":0.7},{"index":1,"relevance_score":0.2}]}"""]);
        using var http = new HttpClient(new StubHandler(async request =>
        {
            sent = await request.Content!.ReadAsStringAsync();
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(answers.Dequeue()) };
        }));
        var reranker = new CrossEncoderReranker(http, new CrossEncoderRerankerOptions { Endpoint = new Uri("http://localhost/rerank"), Model = "bge" });

        Assert.Equal([0.1, 0.9], await reranker.ScoreAsync("wing", ["a", "b"]));
        Assert.Equal([0.7, 0.2], await reranker.ScoreAsync("wing", ["a", "b"]));

        using var doc = JsonDocument.Parse(sent!);
        Assert.Equal("wing", doc.RootElement.GetProperty("query").GetString());
        Assert.Equal(2, doc.RootElement.GetProperty("texts").GetArrayLength());
        Assert.Equal("bge", doc.RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public async Task Cross_encoder_errors_become_typed_llm_exceptions()
    {
        using var http = new HttpClient(new StubHandler(_ => Task.FromResult(new HttpResponseMessage(HttpStatusCode.TooManyRequests) { Content = new StringContent("slow down") })));
        var reranker = new CrossEncoderReranker(http, new CrossEncoderRerankerOptions { Endpoint = new Uri("http://localhost/rerank") });

        var error = await Assert.ThrowsAsync<LlmKit.Errors.LlmException>(() => reranker.ScoreAsync("q", ["a"]));

        Assert.Equal(LlmKit.Errors.LlmErrorKind.RateLimited, error.Kind);
        Assert.Equal(429, error.StatusCode);
    }

    private void Add(string id, string text, string tenant, int level)
    {
        var metadata = new DocumentMetadata { Tenant = tenant, AccessLevel = level };
        _keyword.Add(id, text);
        _vectors.Upsert(id, _embedder.Embed(text), metadata);
        _chunks.Set(new StoredChunk(id, id, text, 0, text.Length, [], metadata));
    }

    private sealed class StubHandler(Func<HttpRequestMessage, Task<HttpResponseMessage>> respond) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => respond(request);
    }
}
