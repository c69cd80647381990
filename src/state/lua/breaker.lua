-- The circuit breaker of src/routing/breaker.ts, applied atomically in Redis so every gateway instance
-- shares one breaker. Keep the two in step: test/state/state-contract.ts runs the same cases on both.
--
-- KEYS[1]  the breaker's record (JSON, field names as BreakerRecord)
-- KEYS[2]  the breaker's last generation, kept after the record expires (same hash tag as KEYS[1], so
--          the script runs on one Redis Cluster slot)
-- ARGV[1]  op: record | acquire | force
-- ARGV[2]  breaker id
-- ARGV[3]  now (epoch ms)
-- ARGV[4]  outcome (success | failure) for record; action (isolate | close) for force
-- ARGV[5..12] policy: consecutiveFailures, failureRate, minimumRequests, windowMs, openMs, maxOpenMs,
--          halfOpenTrials, trialTimeoutMs
-- ARGV[13] record time-to-live, ms
-- Returns {state, generation, since, until, opens, consec, windowRequests, windowFailures, inflight,
--          successes, granted (0/1), changed (0/1)}; on a change the caller updates the shared index of
--          transitions (breaker-index.lua), which lives in another slot.
local BUCKETS = 10
local op = ARGV[1]
local id = ARGV[2]
local now = tonumber(ARGV[3])
local arg = ARGV[4]
local p = {
  consecutive = tonumber(ARGV[5]), rate = tonumber(ARGV[6]), minimum = tonumber(ARGV[7]),
  window = tonumber(ARGV[8]), open = tonumber(ARGV[9]), maxOpen = tonumber(ARGV[10]),
  trials = tonumber(ARGV[11]), trialTimeout = tonumber(ARGV[12]),
}
local ttl = tonumber(ARGV[13])

local r
local raw = redis.call('GET', KEYS[1])
if raw then
  r = cjson.decode(raw)
else
  r = { s = 'closed', g = 0, since = 0, ['until'] = 0, opens = 0, consec = 0, inflight = 0, succ = 0,
        trialAt = 0, bi = {}, bt = {}, bf = {} }
  for i = 1, BUCKETS do r.bi[i] = -1; r.bt[i] = 0; r.bf[i] = 0 end
  -- The record expired but the breaker was seen before: keep counting generations from there, or other
  -- instances would ignore its next transitions as older than the last one they saw.
  local seen = redis.call('GET', KEYS[2])
  if seen then r.g = tonumber(seen) end
end
local startGen = r.g

local function clearWindow()
  r.consec = 0
  for i = 1, BUCKETS do r.bi[i] = -1; r.bt[i] = 0; r.bf[i] = 0 end
end

local function windowCounts()
  local current = math.floor(now / (p.window / BUCKETS))
  local requests, failures = 0, 0
  for i = 1, BUCKETS do
    local index = r.bi[i]
    if index > current - BUCKETS and index <= current then
      requests = requests + r.bt[i]
      failures = failures + r.bf[i]
    end
  end
  return requests, failures
end

local function openDuration(opens)
  return math.min(p.maxOpen, p.open * 2 ^ math.min(opens, 30))
end

local function openIt()
  r.s = 'open'; r.g = r.g + 1; r.since = now
  r['until'] = now + openDuration(r.opens)
  r.opens = r.opens + 1; r.inflight = 0; r.succ = 0
  clearWindow()
end

local function closeIt()
  r.s = 'closed'; r.g = r.g + 1; r.since = now; r['until'] = 0; r.opens = 0
  r.inflight = 0; r.succ = 0; r.trialAt = 0
  clearWindow()
end

local function promoteIfDue()
  if r.s == 'open' and now >= r['until'] then
    r.s = 'half_open'; r.g = r.g + 1; r.since = r['until']; r.inflight = 0; r.succ = 0
  end
end

local granted = 0
if op == 'record' then
  promoteIfDue()
  local failed = arg == 'failure'
  if r.s == 'closed' then
    local index = math.floor(now / (p.window / BUCKETS))
    local slot = (index % BUCKETS) + 1
    if r.bi[slot] ~= index then r.bi[slot] = index; r.bt[slot] = 0; r.bf[slot] = 0 end
    r.bt[slot] = r.bt[slot] + 1
    if failed then r.bf[slot] = r.bf[slot] + 1; r.consec = r.consec + 1 else r.consec = 0 end
    if failed then
      if r.consec >= p.consecutive then
        openIt()
      else
        local requests, failures = windowCounts()
        if requests >= p.minimum and failures >= p.rate * requests then openIt() end
      end
    end
  elseif r.s == 'half_open' then
    if failed then
      openIt()
    else
      r.succ = r.succ + 1
      r.inflight = math.max(0, r.inflight - 1)
      closeIt() -- one answered trial closes it (src/routing/breaker.ts)
    end
  end
elseif op == 'acquire' then
  promoteIfDue()
  if r.s == 'closed' then
    granted = 1
  elseif r.s == 'half_open' then
    if r.inflight >= p.trials and now - r.trialAt >= p.trialTimeout then r.inflight = 0 end
    if r.inflight < p.trials then
      r.inflight = r.inflight + 1; r.trialAt = now; granted = 1
    end
  end
elseif op == 'force' then
  if arg == 'close' then
    closeIt()
  else
    r.s = 'isolated'; r.g = r.g + 1; r.since = now; r['until'] = 0; r.inflight = 0; r.succ = 0
  end
end

redis.call('SET', KEYS[1], cjson.encode(r), 'PX', ttl)
local requests, failures = 0, 0
if r.s == 'closed' then requests, failures = windowCounts() end
local changed = 0
if r.g ~= startGen then
  redis.call('SET', KEYS[2], r.g)
  changed = 1
end
return { r.s, r.g, r.since, r['until'], r.opens, r.consec, requests, failures, r.inflight, r.succ, granted,
         changed }
