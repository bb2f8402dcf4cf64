-- Budgets: counters per tenant, budget and period; one row per reservation (its lease); per-tenant limit overrides.
-- Every operation of one tenant runs under a transaction-scoped advisory lock on the tenant, so reserve, settle,
-- release and reclaim are atomic and never deadlock (each takes one lock; the sweeper takes tenants in hash order).

-- used = settled usage, reserved = open reservations. budget: 0 = tokens per minute (period_start = the fixed
-- minute), 1 = cost per UTC day (period_start = midnight UTC), 3 = cost per request (scope = the request id,
-- period_start = the epoch). Tokens per minute read the current and the previous minute (a sliding window counter).
CREATE TABLE llmkit.budget_counters (
    tenant       text        NOT NULL,
    budget       smallint    NOT NULL,
    scope        text        NOT NULL DEFAULT '',
    period_start timestamptz NOT NULL,
    used         numeric     NOT NULL DEFAULT 0,
    reserved     numeric     NOT NULL DEFAULT 0,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant, budget, scope, period_start)
);
COMMENT ON TABLE llmkit.budget_counters IS 'LlmKit budgets: settled (used) and reserved amounts per tenant, budget and period.';
-- Retention: the maintenance sweep deletes counters of periods long past.
CREATE INDEX budget_counters_updated_at ON llmkit.budget_counters (updated_at);

-- One row per open reservation; minute/day/request_scope say which counters it holds (NULL: that limit was not set).
-- reclaimed_at is set when the lease expired before a settle: the counters no longer hold it, and a late settle
-- only adds the actual usage.
CREATE TABLE llmkit.budget_reservations (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant        text        NOT NULL,
    request_id    text,
    tokens        bigint      NOT NULL,
    cost          numeric     NOT NULL,
    reserved_at   timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    minute        timestamptz,
    day           timestamptz,
    request_scope text,
    reclaimed_at  timestamptz
);
COMMENT ON TABLE llmkit.budget_reservations IS 'LlmKit budgets: reservations not yet settled or released, with their lease.';
-- Reclaim: open reservations whose lease expired, per tenant (reserve) and overall (the sweep).
CREATE INDEX budget_reservations_open_by_tenant ON llmkit.budget_reservations (tenant, expires_at) WHERE reclaimed_at IS NULL;
CREATE INDEX budget_reservations_open_by_expiry ON llmkit.budget_reservations (expires_at) WHERE reclaimed_at IS NULL;
-- Retention of reclaimed rows nobody settled.
CREATE INDEX budget_reservations_reclaimed ON llmkit.budget_reservations (reclaimed_at) WHERE reclaimed_at IS NOT NULL;

-- Per-tenant overrides an operator can change at run time; a set column wins over the app's configured limit.
CREATE TABLE llmkit.budget_tenant_limits (
    tenant            text PRIMARY KEY,
    tokens_per_minute bigint,
    cost_per_day      numeric,
    max_cost_per_call numeric,
    cost_per_request  numeric,
    updated_at        timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE llmkit.budget_tenant_limits IS 'LlmKit budgets: per-tenant limits that override the configured ones.';

-- Frees what expired reservations of one tenant hold. The caller holds the tenant's advisory lock.
CREATE FUNCTION llmkit.budget_reclaim_tenant(p_tenant text, p_now timestamptz) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_count integer;
BEGIN
    WITH expired AS (
        UPDATE llmkit.budget_reservations
           SET reclaimed_at = p_now
         WHERE tenant = p_tenant AND reclaimed_at IS NULL AND expires_at <= p_now
        RETURNING minute, day, request_scope, tokens, cost
    ), freed AS (
        SELECT 0::smallint AS budget, '' AS scope, minute AS period_start, sum(tokens)::numeric AS amount FROM expired WHERE minute IS NOT NULL GROUP BY minute
        UNION ALL
        SELECT 1::smallint, '', day, sum(cost) FROM expired WHERE day IS NOT NULL GROUP BY day
        UNION ALL
        SELECT 3::smallint, request_scope, 'epoch'::timestamptz, sum(cost) FROM expired WHERE request_scope IS NOT NULL GROUP BY request_scope
    ), updated AS (
        UPDATE llmkit.budget_counters c
           SET reserved = c.reserved - f.amount, updated_at = p_now
          FROM freed f
         WHERE c.tenant = p_tenant AND c.budget = f.budget AND c.scope = f.scope AND c.period_start = f.period_start
        RETURNING 1
    )
    SELECT count(*) INTO v_count FROM expired;
    RETURN v_count;
END $$;

-- Reserves a call's estimate against every limit that is set, atomically, or says which limit refused it.
CREATE FUNCTION llmkit.budget_reserve(
    p_tenant text, p_request_id text, p_tokens bigint, p_cost numeric,
    p_tokens_per_minute bigint, p_cost_per_day numeric, p_max_cost_per_call numeric, p_cost_per_request numeric,
    p_now timestamptz, p_lease interval)
RETURNS TABLE (reservation_id bigint, expires_at timestamptz, denied_budget smallint, limit_value numeric,
               settled numeric, reserved numeric, previous_minute numeric, latest_expiry timestamptz, reclaimed integer)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_minute    timestamptz := date_bin('1 minute', p_now, 'epoch'::timestamptz);
    v_day       timestamptz := date_trunc('day', p_now, 'UTC');
    v_elapsed   double precision := extract(epoch FROM p_now - date_bin('1 minute', p_now, 'epoch'::timestamptz)) / 60.0;
    v_tpm       bigint := p_tokens_per_minute;
    v_cpd       numeric := p_cost_per_day;
    v_mcc       numeric := p_max_cost_per_call;
    v_cpr       numeric := p_cost_per_request;
    v_reclaimed integer;
    v_used      numeric;
    v_reserved  numeric;
    v_prev      numeric;
    v_id        bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(1818979, hashtext(p_tenant));
    SELECT coalesce(l.tokens_per_minute, v_tpm), coalesce(l.cost_per_day, v_cpd), coalesce(l.max_cost_per_call, v_mcc), coalesce(l.cost_per_request, v_cpr)
      INTO v_tpm, v_cpd, v_mcc, v_cpr
      FROM llmkit.budget_tenant_limits l WHERE l.tenant = p_tenant;
    IF NOT FOUND THEN
        v_tpm := p_tokens_per_minute; v_cpd := p_cost_per_day; v_mcc := p_max_cost_per_call; v_cpr := p_cost_per_request;
    END IF;
    v_reclaimed := llmkit.budget_reclaim_tenant(p_tenant, p_now);

    IF v_mcc IS NOT NULL AND p_cost > v_mcc THEN
        RETURN QUERY SELECT NULL::bigint, NULL::timestamptz, 2::smallint, v_mcc, 0::numeric, 0::numeric, 0::numeric, NULL::timestamptz, v_reclaimed;
        RETURN;
    END IF;

    IF v_tpm IS NOT NULL THEN
        SELECT c.used, c.reserved INTO v_used, v_reserved FROM llmkit.budget_counters c
         WHERE c.tenant = p_tenant AND c.budget = 0 AND c.scope = '' AND c.period_start = v_minute;
        SELECT coalesce(sum(c.used + c.reserved), 0) INTO v_prev FROM llmkit.budget_counters c
         WHERE c.tenant = p_tenant AND c.budget = 0 AND c.scope = '' AND c.period_start = v_minute - interval '1 minute';
        v_used := coalesce(v_used, 0); v_reserved := coalesce(v_reserved, 0);
        IF v_prev * (1 - v_elapsed) + v_used + v_reserved + p_tokens > v_tpm THEN
            RETURN QUERY SELECT NULL::bigint, NULL::timestamptz, 0::smallint, v_tpm::numeric, v_used, v_reserved, v_prev,
                (SELECT max(r.expires_at) FROM llmkit.budget_reservations r WHERE r.tenant = p_tenant AND r.reclaimed_at IS NULL AND r.minute = v_minute), v_reclaimed;
            RETURN;
        END IF;
    END IF;

    IF v_cpd IS NOT NULL THEN
        SELECT c.used, c.reserved INTO v_used, v_reserved FROM llmkit.budget_counters c
         WHERE c.tenant = p_tenant AND c.budget = 1 AND c.scope = '' AND c.period_start = v_day;
        v_used := coalesce(v_used, 0); v_reserved := coalesce(v_reserved, 0);
        IF v_used + v_reserved + p_cost > v_cpd THEN
            RETURN QUERY SELECT NULL::bigint, NULL::timestamptz, 1::smallint, v_cpd, v_used, v_reserved, 0::numeric,
                (SELECT max(r.expires_at) FROM llmkit.budget_reservations r WHERE r.tenant = p_tenant AND r.reclaimed_at IS NULL AND r.day = v_day), v_reclaimed;
            RETURN;
        END IF;
    END IF;

    IF v_cpr IS NOT NULL AND p_request_id IS NOT NULL THEN
        SELECT c.used, c.reserved INTO v_used, v_reserved FROM llmkit.budget_counters c
         WHERE c.tenant = p_tenant AND c.budget = 3 AND c.scope = p_request_id AND c.period_start = 'epoch'::timestamptz;
        v_used := coalesce(v_used, 0); v_reserved := coalesce(v_reserved, 0);
        IF v_used + v_reserved + p_cost > v_cpr THEN
            RETURN QUERY SELECT NULL::bigint, NULL::timestamptz, 3::smallint, v_cpr, v_used, v_reserved, 0::numeric,
                (SELECT max(r.expires_at) FROM llmkit.budget_reservations r WHERE r.tenant = p_tenant AND r.reclaimed_at IS NULL AND r.request_scope = p_request_id), v_reclaimed;
            RETURN;
        END IF;
    END IF;

    -- Admitted: hold the estimate in every counter whose limit is set.
    IF v_tpm IS NOT NULL THEN
        INSERT INTO llmkit.budget_counters AS c (tenant, budget, scope, period_start, reserved, updated_at)
        VALUES (p_tenant, 0, '', v_minute, p_tokens, p_now)
        ON CONFLICT (tenant, budget, scope, period_start) DO UPDATE SET reserved = c.reserved + EXCLUDED.reserved, updated_at = p_now;
    END IF;
    IF v_cpd IS NOT NULL THEN
        INSERT INTO llmkit.budget_counters AS c (tenant, budget, scope, period_start, reserved, updated_at)
        VALUES (p_tenant, 1, '', v_day, p_cost, p_now)
        ON CONFLICT (tenant, budget, scope, period_start) DO UPDATE SET reserved = c.reserved + EXCLUDED.reserved, updated_at = p_now;
    END IF;
    IF v_cpr IS NOT NULL AND p_request_id IS NOT NULL THEN
        INSERT INTO llmkit.budget_counters AS c (tenant, budget, scope, period_start, reserved, updated_at)
        VALUES (p_tenant, 3, p_request_id, 'epoch'::timestamptz, p_cost, p_now)
        ON CONFLICT (tenant, budget, scope, period_start) DO UPDATE SET reserved = c.reserved + EXCLUDED.reserved, updated_at = p_now;
    END IF;

    INSERT INTO llmkit.budget_reservations (tenant, request_id, tokens, cost, reserved_at, expires_at, minute, day, request_scope)
    VALUES (p_tenant, p_request_id, p_tokens, p_cost, p_now, p_now + p_lease,
            CASE WHEN v_tpm IS NOT NULL THEN v_minute END,
            CASE WHEN v_cpd IS NOT NULL THEN v_day END,
            CASE WHEN v_cpr IS NOT NULL THEN p_request_id END)
    RETURNING id INTO v_id;
    RETURN QUERY SELECT v_id, p_now + p_lease, NULL::smallint, NULL::numeric, NULL::numeric, NULL::numeric, NULL::numeric, NULL::timestamptz, v_reclaimed;
END $$;

-- Replaces a reservation by the actual usage (a release settles at zero). Returns 1 when it was open, 2 when its
-- lease had been reclaimed (only the usage is added), 0 when it was settled already (a repeated settle is a no-op).
CREATE FUNCTION llmkit.budget_settle(p_tenant text, p_id bigint, p_tokens bigint, p_cost numeric, p_now timestamptz) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    r llmkit.budget_reservations%ROWTYPE;
    v_open boolean;
BEGIN
    PERFORM pg_advisory_xact_lock(1818979, hashtext(p_tenant));
    DELETE FROM llmkit.budget_reservations WHERE id = p_id RETURNING * INTO r;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    v_open := r.reclaimed_at IS NULL;
    IF r.minute IS NOT NULL THEN
        UPDATE llmkit.budget_counters SET reserved = reserved - CASE WHEN v_open THEN r.tokens ELSE 0 END, used = used + p_tokens, updated_at = p_now
         WHERE tenant = r.tenant AND budget = 0 AND scope = '' AND period_start = r.minute;
    END IF;
    IF r.day IS NOT NULL THEN
        UPDATE llmkit.budget_counters SET reserved = reserved - CASE WHEN v_open THEN r.cost ELSE 0 END, used = used + p_cost, updated_at = p_now
         WHERE tenant = r.tenant AND budget = 1 AND scope = '' AND period_start = r.day;
    END IF;
    IF r.request_scope IS NOT NULL THEN
        UPDATE llmkit.budget_counters SET reserved = reserved - CASE WHEN v_open THEN r.cost ELSE 0 END, used = used + p_cost, updated_at = p_now
         WHERE tenant = r.tenant AND budget = 3 AND scope = r.request_scope AND period_start = 'epoch'::timestamptz;
    END IF;
    RETURN CASE WHEN v_open THEN 1 ELSE 2 END;
END $$;

-- The maintenance sweep: reclaims every tenant's expired reservations (tenants in lock order, so two sweeps never
-- deadlock) and returns how many.
CREATE FUNCTION llmkit.budget_reclaim_expired(p_now timestamptz) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_tenant text;
    v_total  integer := 0;
BEGIN
    FOR v_tenant IN
        SELECT t.tenant FROM (SELECT DISTINCT r.tenant FROM llmkit.budget_reservations r
         WHERE r.reclaimed_at IS NULL AND r.expires_at <= p_now) t ORDER BY hashtext(t.tenant), t.tenant
    LOOP
        PERFORM pg_advisory_xact_lock(1818979, hashtext(v_tenant));
        v_total := v_total + llmkit.budget_reclaim_tenant(v_tenant, p_now);
    END LOOP;
    RETURN v_total;
END $$;
