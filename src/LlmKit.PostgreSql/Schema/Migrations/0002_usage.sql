-- The usage ledger: one row per upstream model call, keyed by the entry's id so a retried write never counts twice.
-- Every current UsageEntry field has a column; fields added to UsageEntry later land in "extra" (jsonb) until a
-- migration gives them a column of their own.
CREATE TABLE llmkit.usage_entries (
    id                 text        PRIMARY KEY,
    logical_call_id    text,
    route              smallint    NOT NULL,
    started_at         timestamptz NOT NULL,
    client_name        text        NOT NULL,
    tenant             text,
    feature            text,
    request_id         text,
    requested_model    text,
    served_model       text,
    input_tokens       bigint      NOT NULL,
    output_tokens      bigint      NOT NULL,
    cache_read_tokens  bigint      NOT NULL,
    cache_write_tokens bigint      NOT NULL,
    cost               numeric,
    latency_ms         double precision NOT NULL,
    time_to_first_ms   double precision,
    finish_reason      text,
    attempt            integer     NOT NULL,
    reask              integer,
    tool_turn          integer,
    is_streaming       boolean     NOT NULL,
    outcome            smallint    NOT NULL,
    error_kind         smallint,
    extra              jsonb
);
COMMENT ON TABLE llmkit.usage_entries IS 'LlmKit usage ledger: one row per upstream model call (UsageEntry).';
-- Time ranges, retention by age and per-day totals over all tenants.
CREATE INDEX usage_entries_started_at ON llmkit.usage_entries (started_at) INCLUDE (cost, input_tokens, output_tokens);
-- Per-tenant totals, top spenders and a tenant's calls in a time range (index-only for the sums).
CREATE INDEX usage_entries_tenant ON llmkit.usage_entries (tenant, started_at) INCLUDE (cost, input_tokens, output_tokens, feature, served_model);
-- Per-feature totals.
CREATE INDEX usage_entries_feature ON llmkit.usage_entries (feature, started_at) INCLUDE (cost, input_tokens, output_tokens);
-- Per-model totals (the model that answered).
CREATE INDEX usage_entries_model ON llmkit.usage_entries (served_model, started_at) INCLUDE (cost, input_tokens, output_tokens);
-- All upstream calls of one logical call (retries, fallbacks, tool-loop turns).
CREATE INDEX usage_entries_logical_call ON llmkit.usage_entries (logical_call_id) WHERE logical_call_id IS NOT NULL;
