namespace LlmKit.Redis.Budgets;

/// <summary>
/// The budget's server-side scripts. Each runs atomically in Redis, so reserve, settle (release is a settle at zero)
/// and reclaim never interleave for a tenant, on any number of replicas.
/// </summary>
/// <remarks>
/// <para>
/// A tenant's state, under one hash tag (<see cref="RedisKeys.Budget"/>): KEYS[1] <c>counts</c> (hash: <c>wsum</c>
/// tokens in the sliding window, <c>wres</c> of which open reservations hold, <c>du:&lt;day&gt;</c>/<c>dr:&lt;day&gt;</c>
/// settled/reserved cost per UTC day, <c>ru:&lt;id&gt;</c>/<c>rr:&lt;id&gt;</c> per request id, <c>day</c> the newest
/// day seen); KEYS[2] <c>window</c> (sorted set: reservation id by reservation time, ms); KEYS[3] <c>window-tokens</c>
/// (hash: what each window entry counts — its estimate, then its actual tokens); KEYS[4] <c>open</c> (hash: open
/// reservations, <c>tokens|cost|day|request</c>); KEYS[5] <c>leases</c> (sorted set: open reservation by expiry);
/// KEYS[6] <c>reclaimed</c> (hash: reclaimed reservations awaiting a late settle); KEYS[7] <c>requests</c> (sorted set:
/// request id by last reservation, for retention).
/// </para>
/// <para>
/// Costs are integer pico-dollars (10⁻¹² USD) added with <c>HINCRBY</c>, exact up to $9.2 million per counter;
/// comparisons run in Lua's doubles, exact below $9,007 and within a few pico-dollars above. The window is a true
/// sliding minute: an entry counts while its reservation time is later than now minus 60 s, as in memory.
/// </para>
/// <para>
/// Every script that writes starts with <c>#!lua</c> (Redis 7 or later): a script declared that way is refused whole,
/// before it runs, when Redis is out of memory under <c>noeviction</c>, instead of failing at its first write with the
/// writes before it kept. Scripts do not roll back, so that is what keeps them all-or-nothing.
/// </para>
/// </remarks>
internal static class RedisBudgetScripts
{
    private const string Common = """
        #!lua
        local counts, win, wtok, open, leases, reclaimed, requests = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]

        local function parse(data)
          local tokens, cost, day, rid = string.match(data, '^(%d+)|(%d+)|(%d*)|(.*)$')
          return tonumber(tokens), cost, day, rid
        end

        -- Adds an amount to a counter that is still kept (a pruned day or request stays pruned).
        -- Amounts are subtracted as (0 - x), never -x: Lua's -0 would reach Redis as "-0", which HINCRBY refuses.
        local function add_if_kept(field, amount)
          if redis.call('HEXISTS', counts, field) == 1 then redis.call('HINCRBY', counts, field, amount) end
        end

        local function expire_all(ttl)
          for i = 1, 7 do redis.call('PEXPIRE', KEYS[i], ttl) end
        end

        -- Reclaims reservations whose lease expired by now: their callers died; what they held is free again. A late
        -- settle finds them in `reclaimed` and adds only the actual usage.
        local function reclaim_expired(now)
          local count = 0
          for _, id in ipairs(redis.call('ZRANGEBYSCORE', leases, '-inf', now)) do
            redis.call('ZREM', leases, id)
            local data = redis.call('HGET', open, id)
            if data then
              redis.call('HDEL', open, id)
              redis.call('HSET', reclaimed, id, data)
              local r_tokens, r_cost, r_day, r_rid = parse(data)
              if redis.call('ZSCORE', win, id) then
                local held = tonumber(redis.call('HGET', wtok, id) or '0')
                redis.call('HINCRBY', counts, 'wsum', 0 - held)
                redis.call('HINCRBY', counts, 'wres', 0 - held)
                redis.call('HSET', wtok, id, 0)
              end
              if r_day ~= '' and r_cost ~= '0' then add_if_kept('dr:' .. r_day, 0 - tonumber(r_cost)) end
              if r_rid ~= '' and r_cost ~= '0' then add_if_kept('rr:' .. r_rid, 0 - tonumber(r_cost)) end
              count = count + 1
            end
          end
          return count
        end
        """;

    /// <summary>
    /// Reserve. ARGV: now (ms), lease (ms), id, tokens, cost (pico), tokens per minute, cost per day (pico), cost per
    /// request (pico) — an empty limit is not set —, day (yyyymmdd), request id (may be empty), request retention (ms),
    /// key time to live (ms), yesterday (yyyymmdd; older day counters are dropped). Returns {1, reclaimed} when admitted, else {0, reclaimed, budget, limit, settled,
    /// reserved, resets at (ms, -1: never), latest lease expiry (ms, -1: none)}; amounts as strings.
    /// </summary>
    public const string Reserve = Common + """

        local now = tonumber(ARGV[1])
        local id, tokens, cost = ARGV[3], tonumber(ARGV[4]), ARGV[5]
        local tpm, cpd, cpr, day, rid = ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10]

        -- 1. Reclaim expired leases.
        local reclaimed_count = reclaim_expired(now)

        -- 2. Slide the window: entries reserved a minute ago or earlier no longer count.
        local cutoff = now - 60000
        local leaving = redis.call('ZRANGEBYSCORE', win, '-inf', cutoff)
        if #leaving > 0 then
          for _, wid in ipairs(leaving) do
            local t = tonumber(redis.call('HGET', wtok, wid) or '0')
            redis.call('HINCRBY', counts, 'wsum', 0 - t)
            if redis.call('HEXISTS', open, wid) == 1 then redis.call('HINCRBY', counts, 'wres', 0 - t) end
            redis.call('HDEL', wtok, wid)
          end
          redis.call('ZREMRANGEBYSCORE', win, '-inf', cutoff)
        end

        -- 3. Retention: days before yesterday and request ids unused for a day.
        local last_day = redis.call('HGET', counts, 'day')
        if last_day ~= day then
          if not last_day or day > last_day then
            redis.call('HSET', counts, 'day', day)
            for _, f in ipairs(redis.call('HKEYS', counts)) do
              local p, d = string.match(f, '^(d[ur]):(%d+)$')
              if d and d < ARGV[13] then redis.call('HDEL', counts, f) end
            end
          end
        end
        local stale = redis.call('ZRANGEBYSCORE', requests, '-inf', now - tonumber(ARGV[11]))
        if #stale > 0 then
          for _, q in ipairs(stale) do redis.call('HDEL', counts, 'ru:' .. q, 'rr:' .. q) end
          redis.call('ZREMRANGEBYSCORE', requests, '-inf', now - tonumber(ARGV[11]))
        end

        local function latest_expiry()
          local last = redis.call('ZRANGE', leases, -1, -1, 'WITHSCORES')
          if #last == 0 then return -1 end
          return tonumber(last[2])
        end

        -- 4. Check every limit that is set, in the in-memory store's order.
        if tpm ~= '' then
          local limit = tonumber(tpm)
          local wsum = tonumber(redis.call('HGET', counts, 'wsum') or '0')
          if wsum + tokens > limit then
            local frees = -1
            if tokens <= limit then
              -- When enough leaves the window: scan the oldest entries (at most 1024; past that, a lower bound).
              local excess, freed = wsum + tokens - limit, 0
              local oldest = redis.call('ZRANGE', win, 0, 1023, 'WITHSCORES')
              for i = 1, #oldest, 2 do
                freed = freed + tonumber(redis.call('HGET', wtok, oldest[i]) or '0')
                frees = tonumber(oldest[i + 1]) + 60000
                if freed >= excess then break end
              end
            end
            return {0, reclaimed_count, 0, tpm, redis.call('HGET', counts, 'wsum') or '0', redis.call('HGET', counts, 'wres') or '0', frees, latest_expiry()}
          end
        end

        if cpd ~= '' then
          local used = redis.call('HGET', counts, 'du:' .. day) or '0'
          local held = redis.call('HGET', counts, 'dr:' .. day) or '0'
          if tonumber(used) + tonumber(held) + tonumber(cost) > tonumber(cpd) then
            return {0, reclaimed_count, 1, cpd, used, held, -1, latest_expiry()}
          end
        end

        if cpr ~= '' and rid ~= '' then
          local used = redis.call('HGET', counts, 'ru:' .. rid) or '0'
          local held = redis.call('HGET', counts, 'rr:' .. rid) or '0'
          if tonumber(used) + tonumber(held) + tonumber(cost) > tonumber(cpr) then
            return {0, reclaimed_count, 3, cpr, used, held, -1, latest_expiry()}
          end
        end

        -- 5. Admitted: hold the estimate in every budget whose limit is set.
        local data_day, data_rid = '', ''
        if tpm ~= '' then
          redis.call('ZADD', win, now, id)
          redis.call('HSET', wtok, id, tokens)
          redis.call('HINCRBY', counts, 'wsum', tokens)
          redis.call('HINCRBY', counts, 'wres', tokens)
        end
        if cpd ~= '' then
          redis.call('HINCRBY', counts, 'dr:' .. day, cost)
          redis.call('HSETNX', counts, 'du:' .. day, 0)
          data_day = day
        end
        if cpr ~= '' and rid ~= '' then
          redis.call('HINCRBY', counts, 'rr:' .. rid, cost)
          redis.call('HSETNX', counts, 'ru:' .. rid, 0)
          redis.call('ZADD', requests, now, rid)
          data_rid = rid
        end
        redis.call('HSET', open, id, ARGV[4] .. '|' .. cost .. '|' .. data_day .. '|' .. data_rid)
        redis.call('ZADD', leases, now + tonumber(ARGV[2]), id)
        expire_all(ARGV[12])
        return {1, reclaimed_count}
        """;

    /// <summary>
    /// Settle (a release settles at zero). ARGV: id, actual tokens, actual cost (pico), key time to live (ms). Returns 1
    /// when the reservation was open, 2 when its lease had been reclaimed (only the usage is added), 0 when it was
    /// settled already (a repeated settle is a no-op).
    /// </summary>
    public const string Settle = Common + """

        local id, tokens, cost = ARGV[1], tonumber(ARGV[2]), ARGV[3]
        local data = redis.call('HGET', open, id)
        local was_open = data ~= false
        if was_open then
          redis.call('HDEL', open, id)
          redis.call('ZREM', leases, id)
        else
          data = redis.call('HGET', reclaimed, id)
          if not data then return 0 end
          redis.call('HDEL', reclaimed, id)
        end

        local r_tokens, r_cost, r_day, r_rid = parse(data)
        if redis.call('ZSCORE', win, id) then
          local counted = tonumber(redis.call('HGET', wtok, id) or '0')
          redis.call('HINCRBY', counts, 'wsum', tokens - counted)
          if was_open then redis.call('HINCRBY', counts, 'wres', 0 - counted) end
          redis.call('HSET', wtok, id, tokens)
        end
        if r_day ~= '' then
          if was_open and r_cost ~= '0' then add_if_kept('dr:' .. r_day, 0 - tonumber(r_cost)) end
          add_if_kept('du:' .. r_day, cost)
        end
        if r_rid ~= '' then
          if was_open and r_cost ~= '0' then add_if_kept('rr:' .. r_rid, 0 - tonumber(r_cost)) end
          add_if_kept('ru:' .. r_rid, cost)
        end
        expire_all(ARGV[4])
        if was_open then return 1 end
        return 2
        """;

    /// <summary>Reclaims every expired lease of one tenant now. ARGV: now (ms). Returns how many.</summary>
    public const string Reclaim = Common + """

        return reclaim_expired(tonumber(ARGV[1]))
        """;
}
