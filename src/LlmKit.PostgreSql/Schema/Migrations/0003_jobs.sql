-- Durable jobs. state: 0 queued, 1 running (leased), 2 succeeded, 3 dead-lettered, 4 cancelled. A worker leases
-- with FOR UPDATE SKIP LOCKED; lease_token changes on every lease, and only its holder can heartbeat, complete or
-- fail the job, so a job completes once even when a stalled worker wakes up after its lease was taken over.
CREATE TABLE llmkit.jobs (
    id               uuid        PRIMARY KEY,
    queue            text        NOT NULL,
    kind             text        NOT NULL,
    payload          text        NOT NULL,
    idempotency_key  text,
    state            smallint    NOT NULL DEFAULT 0,
    attempts         integer     NOT NULL DEFAULT 0,
    max_attempts     integer     NOT NULL,
    progress         double precision,
    progress_message text,
    result           text,
    last_error       text,
    worker_id        text,
    lease_token      uuid,
    lease_expires_at timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    run_at           timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz
);
COMMENT ON TABLE llmkit.jobs IS 'LlmKit jobs: durable background jobs with leases, retries and dead letters.';
-- Enqueue is idempotent per queue and key.
CREATE UNIQUE INDEX jobs_idempotency_key ON llmkit.jobs (queue, idempotency_key) WHERE idempotency_key IS NOT NULL;
-- Leasing: due queued jobs, oldest first.
CREATE INDEX jobs_due ON llmkit.jobs (queue, run_at, id) WHERE state = 0;
-- Leasing: running jobs whose worker stopped renewing the lease.
CREATE INDEX jobs_leases ON llmkit.jobs (queue, lease_expires_at) WHERE state = 1;
-- Counting and cleaning up finished jobs.
CREATE INDEX jobs_finished ON llmkit.jobs (queue, state, finished_at) WHERE state >= 2;
