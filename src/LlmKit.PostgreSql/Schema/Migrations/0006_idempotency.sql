-- Idempotent requests: one row per key. While a request runs, token holds its claim and expires_at its lease; once it
-- completed, result holds the answer, token is NULL and expires_at is the end of its retention. An expired row counts
-- as absent: the next claim takes it over. Times are the database's clock, so replicas never disagree on a lease.
CREATE TABLE llmkit.idempotency_keys (
    key         text        PRIMARY KEY,
    fingerprint text        NOT NULL,
    token       uuid,
    result      bytea,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);
COMMENT ON TABLE llmkit.idempotency_keys IS 'LlmKit idempotent requests: the running claim or the stored answer per idempotency key.';
-- Retention: the maintenance sweep deletes expired keys.
CREATE INDEX idempotency_keys_expires_at ON llmkit.idempotency_keys (expires_at);

-- Claims a key that is absent or expired (started = true), or returns what it holds. The conflicting row stays locked
-- until the statement ends, so of concurrent callers exactly one starts.
CREATE FUNCTION llmkit.idempotency_begin(p_key text, p_fingerprint text, p_token uuid, p_lease interval)
RETURNS TABLE (started boolean, fingerprint text, result bytea)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    INSERT INTO llmkit.idempotency_keys AS k (key, fingerprint, token, result, created_at, expires_at)
    VALUES (p_key, p_fingerprint, p_token, NULL, now(), now() + p_lease)
    ON CONFLICT (key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, token = EXCLUDED.token, result = NULL,
        created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
    WHERE k.expires_at <= now();
    IF FOUND THEN
        RETURN QUERY SELECT true, p_fingerprint, NULL::bytea;
        RETURN;
    END IF;
    RETURN QUERY SELECT false, k.fingerprint, k.result FROM llmkit.idempotency_keys k WHERE k.key = p_key;
END $$;
