-- Retrieval store (LlmKit.Rag.PostgreSql): documents with their content hash; chunks with text, metadata, an embedding
-- and a tsvector; per-lexeme chunk counts and the corpus size, for idf. The embedding column's type and size and its
-- HNSW index depend on the app's embedder: the store sets them once, in llmkit.retrieval_settings, when it is first
-- bound (PostgresRetrievalSchema). pgvector 0.8 or later (iterative index scans for filtered searches).
CREATE EXTENSION IF NOT EXISTS vector;

-- One row: what the store was bound to. A store opened with another embedder, size or text search configuration is
-- refused, because its vectors or lexemes would not be comparable.
CREATE TABLE llmkit.retrieval_settings (
    singleton          boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    dimensions         integer     NOT NULL CHECK (dimensions > 0),
    vector_type        text        NOT NULL CHECK (vector_type IN ('vector', 'halfvec')),
    text_search_config regconfig   NOT NULL,
    embedder           text,
    created_at         timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE llmkit.retrieval_settings IS 'LlmKit retrieval: the embedder, vector size and text search configuration the store was bound to.';

-- One row: the number of chunks (N of the idf). Every ingestion commit locks it first, so commits are serialized and
-- the term counts below never deadlock.
CREATE TABLE llmkit.retrieval_corpus (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    chunk_count bigint  NOT NULL DEFAULT 0
);
COMMENT ON TABLE llmkit.retrieval_corpus IS 'LlmKit retrieval: the number of stored chunks; its row lock serializes ingestion commits.';
INSERT INTO llmkit.retrieval_corpus DEFAULT VALUES;

CREATE TABLE llmkit.retrieval_documents (
    document_id  text        PRIMARY KEY,
    content_hash text        NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE llmkit.retrieval_documents IS 'LlmKit retrieval: ingested documents and the hash of the content they were indexed with.';

-- seq is the write order: equal keyword scores rank the earlier-written chunk first, as the in-process index does.
-- token_count is the tsvector's length (positions), the length ts_rank normalizes by.
CREATE TABLE llmkit.retrieval_chunks (
    chunk_id     text        PRIMARY KEY,
    seq          bigint      GENERATED ALWAYS AS IDENTITY,
    document_id  text        NOT NULL REFERENCES llmkit.retrieval_documents (document_id) ON DELETE CASCADE,
    content      text        NOT NULL,
    start_offset integer     NOT NULL,
    length       integer     NOT NULL,
    heading_path text[]      NOT NULL,
    tenant       text,
    access_level integer     NOT NULL,
    date         timestamptz,
    tags         jsonb       NOT NULL,
    embedding    vector      NOT NULL,
    search       tsvector    NOT NULL,
    token_count  integer     NOT NULL
);
COMMENT ON TABLE llmkit.retrieval_chunks IS 'LlmKit retrieval: chunks with their text, metadata, embedding and tsvector.';
-- Keyword search: which chunks hold a lexeme.
CREATE INDEX retrieval_chunks_search ON llmkit.retrieval_chunks USING gin (search);
-- Replacing and deleting a document's chunks.
CREATE INDEX retrieval_chunks_document ON llmkit.retrieval_chunks (document_id);
-- Metadata filters applied before ranking: a selective tenant, access level or date range is found without a scan.
CREATE INDEX retrieval_chunks_tenant ON llmkit.retrieval_chunks (tenant, access_level);
CREATE INDEX retrieval_chunks_date ON llmkit.retrieval_chunks (date);
-- How many chunks hold each lexeme (the df of the idf), and the most ts_rank(search, lexeme, 1) / 0.1 can be in any
-- chunk that held it (max_rank: an upper bound, never lowered by deletes), which lets keyword search skip chunks that
-- cannot reach the top k. Kept in step by every ingestion commit.
CREATE TABLE llmkit.retrieval_terms (
    lexeme      text             PRIMARY KEY,
    chunk_count integer          NOT NULL,
    max_rank    double precision NOT NULL
);
COMMENT ON TABLE llmkit.retrieval_terms IS 'LlmKit retrieval: per lexeme, the number of chunks holding it (idf) and a bound on its rank.';

-- The number of positions in a tsvector (a lexeme stored without positions counts once), as ts_rank counts length.
CREATE FUNCTION llmkit.retrieval_token_count(document tsvector) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT coalesce(sum(coalesce(array_length(positions, 1), 1)), 0)::integer FROM unnest(document) $$;

-- An upper bound on ts_rank(search, lexeme, 1) / 0.1 for a lexeme with `occurrences` positions in a chunk of `tokens`
-- positions. ts_rank sums 1/j² over the first (at most 256) occurrences and divides by π²/6, then by log2(1 + length);
-- the sum is below π²/6 − 1/(n + 1).
CREATE FUNCTION llmkit.retrieval_rank_bound(occurrences integer, tokens integer) RETURNS double precision
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT (1 - 1 / ((least(occurrences, 256) + 1) * 1.64493406685::double precision)) / (ln(greatest(tokens, 1) + 1.0::double precision) / ln(2.0::double precision)) $$;
