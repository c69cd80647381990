-- The limits and budget decision for one request (StateStore.admit), atomically: every check passes and
-- every counter moves, or nothing moves. Mirrors src/state/memory-limits.ts. Prepended: limits-common.lua.
-- KEYS[1] rpm, current window  KEYS[2] rpm, previous window  KEYS[3] tpm, current  KEYS[4] tpm, previous
-- KEYS[5] concurrency leases (zset id -> expiry)  KEYS[6..8] budget totals, amounts, expiries
-- ARGV[1] request id  ARGV[2] now  ARGV[3] lease ms  ARGV[4] estimated tokens
-- ARGV[5] rpm  ARGV[6] tpm  ARGV[7] concurrent (each -1 when unlimited)
-- ARGV[8] budget? (0/1)  ARGV[9] hard (0/1)  ARGV[10] limit  ARGV[11] reserve  ARGV[12] period end
-- ARGV[13] budget keys expire at  ARGV[14] current windows expire at (both epoch ms on the caller's clock;
-- keys get the equivalent time to live)  ARGV[15] concurrent retry ms
-- Returns {allowed (0/1), refusal ('' when allowed), retryAfterMs, requests remaining, requests reset ms,
--          tokens remaining, tokens reset ms, spent, reserved}
local id = ARGV[1]
local now = tonumber(ARGV[2])
local leaseMs = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local rpm = tonumber(ARGV[5])
local tpm = tonumber(ARGV[6])
local concurrent = tonumber(ARGV[7])
local hasBudget = ARGV[8] == '1'
local hard = ARGV[9] == '1'
local limit = tonumber(ARGV[10])
local reserve = tonumber(ARGV[11])
local periodEnd = tonumber(ARGV[12])
local budgetUntil = tonumber(ARGV[13])
local windowUntil = tonumber(ARGV[14])

local rCur, rPrev, tCur, tPrev = 0, 0, 0, 0
if rpm >= 0 then
  rCur = tonumber(redis.call('GET', KEYS[1])) or 0
  rPrev = tonumber(redis.call('GET', KEYS[2])) or 0
end
if tpm >= 0 then
  tCur = tonumber(redis.call('GET', KEYS[3])) or 0
  tPrev = tonumber(redis.call('GET', KEYS[4])) or 0
end
local leases = 0
if concurrent >= 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now)
  leases = redis.call('ZCARD', KEYS[5])
end
local spent, reserved = 0, 0
if hasBudget then
  dropExpiredReservations(KEYS[6], KEYS[7], KEYS[8], now)
  local totals = redis.call('HMGET', KEYS[6], 'spent', 'reserved')
  spent = tonumber(totals[1]) or 0
  reserved = tonumber(totals[2]) or 0
end

local refusal = ''
local retryAfter = 0
if concurrent >= 0 and leases >= concurrent then
  refusal = 'concurrent'; retryAfter = tonumber(ARGV[15])
elseif rpm >= 0 and not fits(rPrev, rCur, now, rpm, 1) then
  refusal = 'rpm'; retryAfter = waitMs(rPrev, rCur, now, rpm, 1)
elseif tpm >= 0 and not fits(tPrev, tCur, now, tpm, cost) then
  refusal = 'tpm'; retryAfter = waitMs(tPrev, tCur, now, tpm, cost)
elseif hasBudget and hard and spent + reserved + reserve > limit then
  refusal = 'budget'; retryAfter = math.max(0, periodEnd - now)
end

if refusal == '' then
  if concurrent >= 0 then
    redis.call('ZADD', KEYS[5], now + leaseMs, id)
    if redis.call('PTTL', KEYS[5]) < leaseMs then redis.call('PEXPIRE', KEYS[5], leaseMs) end
  end
  if rpm >= 0 then
    rCur = redis.call('INCR', KEYS[1])
    redis.call('PEXPIRE', KEYS[1], windowUntil - now)
  end
  if tpm >= 0 then
    tCur = redis.call('INCRBY', KEYS[3], cost)
    redis.call('PEXPIRE', KEYS[3], windowUntil - now)
  end
  if hasBudget and reserve > 0 then
    local earlier = tonumber(redis.call('HGET', KEYS[7], id)) or 0
    redis.call('HSET', KEYS[7], id, reserve)
    redis.call('ZADD', KEYS[8], now + leaseMs, id)
    reserved = redis.call('HINCRBY', KEYS[6], 'reserved', reserve - earlier)
    for i = 6, 8 do redis.call('PEXPIRE', KEYS[i], math.max(1, budgetUntil - now)) end
  end
end

local rRemaining, rReset, tRemaining, tReset = -1, -1, -1, -1
if rpm >= 0 then
  rRemaining = remaining(rPrev, rCur, now, rpm)
  rReset = waitMs(rPrev, rCur, now, rpm, 1)
end
if tpm >= 0 then
  tRemaining = remaining(tPrev, tCur, now, tpm)
  tReset = drainMs(tPrev, tCur, now)
end
local allowed = 0
if refusal == '' then allowed = 1 end
return { allowed, refusal, retryAfter, rRemaining, rReset, tRemaining, tReset, spent, reserved }
