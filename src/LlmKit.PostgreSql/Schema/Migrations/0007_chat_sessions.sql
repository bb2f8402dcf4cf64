-- Chat sessions (conversation history): a row per session with its size and time to live, a row per message (the
-- UTF-8 JSON bytes of ChatSessionSerializer, so sizes agree with every other store). An expired session reads as empty
-- and starts over on its next append; the maintenance sweep deletes it.
CREATE TABLE llmkit.chat_sessions (
    id            text        PRIMARY KEY,
    message_count integer     NOT NULL,
    byte_count    bigint      NOT NULL,
    next_seq      bigint      NOT NULL,
    expires_at    timestamptz NOT NULL
);
COMMENT ON TABLE llmkit.chat_sessions IS 'LlmKit chat sessions: size and expiry of each conversation history.';
-- Retention: the maintenance sweep deletes expired sessions (their messages go with them).
CREATE INDEX chat_sessions_expires_at ON llmkit.chat_sessions (expires_at);

CREATE TABLE llmkit.chat_session_messages (
    session_id text   NOT NULL REFERENCES llmkit.chat_sessions (id) ON DELETE CASCADE,
    seq        bigint NOT NULL,
    message    bytea  NOT NULL,
    PRIMARY KEY (session_id, seq)
);
COMMENT ON TABLE llmkit.chat_session_messages IS 'LlmKit chat sessions: the messages of each session in order (serialized ChatMessage JSON).';

-- Appends messages under the session's row lock, drops the oldest until both caps hold, renews the time to live.
CREATE FUNCTION llmkit.chat_session_append(p_id text, p_messages bytea[], p_ttl interval, p_max_messages integer, p_max_bytes bigint)
RETURNS TABLE (message_count integer, byte_count bigint, trimmed integer)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    s         llmkit.chat_sessions%ROWTYPE;
    v_trimmed integer := 0;
    v_freed   bigint := 0;
BEGIN
    INSERT INTO llmkit.chat_sessions AS c (id, message_count, byte_count, next_seq, expires_at)
    VALUES (p_id, 0, 0, 0, now() + p_ttl)
    ON CONFLICT (id) DO UPDATE SET expires_at = c.expires_at
    RETURNING * INTO s;
    IF s.expires_at <= now() THEN
        DELETE FROM llmkit.chat_session_messages m WHERE m.session_id = p_id;
        s.message_count := 0;
        s.byte_count := 0;
    END IF;

    INSERT INTO llmkit.chat_session_messages (session_id, seq, message)
    SELECT p_id, s.next_seq + o.ord, o.msg FROM unnest(p_messages) WITH ORDINALITY AS o(msg, ord);
    s.message_count := s.message_count + cardinality(p_messages);
    s.byte_count := s.byte_count + (SELECT coalesce(sum(octet_length(x)), 0) FROM unnest(p_messages) AS x);
    s.next_seq := s.next_seq + cardinality(p_messages);

    IF s.message_count > p_max_messages OR s.byte_count > p_max_bytes THEN
        -- Keep the longest run of newest messages within both caps: the same as dropping the oldest until they hold.
        WITH ranked AS (
            SELECT r.seq, row_number() OVER w AS newer_or_same, sum(octet_length(r.message)) OVER w AS bytes_from_newest
              FROM llmkit.chat_session_messages r WHERE r.session_id = p_id
            WINDOW w AS (ORDER BY r.seq DESC)
        ), dropped AS (
            DELETE FROM llmkit.chat_session_messages m USING ranked
             WHERE m.session_id = p_id AND m.seq = ranked.seq
               AND (ranked.newer_or_same > p_max_messages OR ranked.bytes_from_newest > p_max_bytes)
            RETURNING octet_length(m.message) AS bytes
        )
        SELECT count(*)::integer, coalesce(sum(bytes), 0) INTO v_trimmed, v_freed FROM dropped;
        s.message_count := s.message_count - v_trimmed;
        s.byte_count := s.byte_count - v_freed;
    END IF;

    UPDATE llmkit.chat_sessions c SET message_count = s.message_count, byte_count = s.byte_count, next_seq = s.next_seq,
        expires_at = now() + p_ttl
     WHERE c.id = p_id;
    RETURN QUERY SELECT s.message_count, s.byte_count, v_trimmed;
END $$;
