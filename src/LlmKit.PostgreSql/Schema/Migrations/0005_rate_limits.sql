-- Provider rate limits shared by every replica: requests and tokens per key and fixed minute; a check reads the
-- current and the previous minute (the sliding window counter).
CREATE TABLE llmkit.rate_limit_windows (
    key      text        NOT NULL,
    minute   timestamptz NOT NULL,
    requests bigint      NOT NULL DEFAULT 0,
    tokens   bigint      NOT NULL DEFAULT 0,
    PRIMARY KEY (key, minute)
);
COMMENT ON TABLE llmkit.rate_limit_windows IS 'LlmKit shared rate limits: requests and tokens per key and fixed minute.';
-- Retention: the maintenance sweep deletes minutes older than the window.
CREATE INDEX rate_limit_windows_minute ON llmkit.rate_limit_windows (minute);

-- Takes one request and p_tokens if both limits admit them; returns 0 with the wait in seconds otherwise.
CREATE FUNCTION llmkit.rate_limit_acquire(p_key text, p_tokens bigint, p_rpm bigint, p_tpm bigint, p_now timestamptz)
RETURNS TABLE (granted boolean, minute timestamptz, previous_requests bigint, current_requests bigint, previous_tokens bigint, current_tokens bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_minute  timestamptz := date_bin('1 minute', p_now, 'epoch'::timestamptz);
    v_elapsed double precision := extract(epoch FROM p_now - date_bin('1 minute', p_now, 'epoch'::timestamptz)) / 60.0;
    v_cur     llmkit.rate_limit_windows%ROWTYPE;
    v_prev_r  bigint;
    v_prev_t  bigint;
BEGIN
    -- The output columns share names with the table's; in statements, names mean the table's columns.
    INSERT INTO llmkit.rate_limit_windows (key, minute) VALUES (p_key, v_minute) ON CONFLICT (key, minute) DO NOTHING;
    SELECT * INTO v_cur FROM llmkit.rate_limit_windows w WHERE w.key = p_key AND w.minute = v_minute FOR UPDATE;
    SELECT coalesce(sum(w.requests), 0), coalesce(sum(w.tokens), 0) INTO v_prev_r, v_prev_t
      FROM llmkit.rate_limit_windows w WHERE w.key = p_key AND w.minute = v_minute - interval '1 minute';
    IF (p_rpm IS NOT NULL AND v_prev_r * (1 - v_elapsed) + v_cur.requests + 1 > p_rpm)
       OR (p_tpm IS NOT NULL AND v_prev_t * (1 - v_elapsed) + v_cur.tokens + p_tokens > p_tpm) THEN
        RETURN QUERY SELECT false, v_minute, v_prev_r, v_cur.requests, v_prev_t, v_cur.tokens;
        RETURN;
    END IF;
    UPDATE llmkit.rate_limit_windows w SET requests = w.requests + 1, tokens = w.tokens + p_tokens WHERE w.key = p_key AND w.minute = v_minute;
    RETURN QUERY SELECT true, v_minute, v_prev_r, v_cur.requests + 1, v_prev_t, v_cur.tokens + p_tokens;
END $$;
