-- Suspended tool loops waiting for a person's decision. claimed_at is set once, atomically, by the replica that
-- resumes the loop; every later claim is refused.
CREATE TABLE llmkit.tool_loop_continuations (
    id           text        PRIMARY KEY,
    owner        text,
    continuation text        NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    claimed_at   timestamptz
);
COMMENT ON TABLE llmkit.tool_loop_continuations IS 'LlmKit tool loops suspended for approval (ToolLoopContinuation JSON), claimed once.';
-- Retention: the maintenance sweep deletes loops a day after they expired or were claimed.
CREATE INDEX tool_loop_continuations_expires_at ON llmkit.tool_loop_continuations (expires_at);
