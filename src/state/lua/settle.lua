-- After the answer (StateStore.settle): releases the concurrency lease, replaces the token estimate with
-- the real count in the current TPM window (never below zero), drops the budget reservation and adds the
-- real cost. Mirrors src/state/memory-limits.ts. Prepended: limits-common.lua.
-- KEYS[1] concurrency leases  KEYS[2] tpm, current window  KEYS[3..5] budget totals, amounts, expiries
-- ARGV[1] request id  ARGV[2] release lease (0/1)  ARGV[3] tokens? (0/1)  ARGV[4] actual - estimated
-- ARGV[5] budget? (0/1)  ARGV[6] actual nano-USD  ARGV[7] budget keys expire at  ARGV[8] window expires at
-- ARGV[9] now (expiry times are epoch ms on the caller's clock; keys get the equivalent time to live)
local id = ARGV[1]
local now = tonumber(ARGV[9])
if ARGV[2] == '1' then redis.call('ZREM', KEYS[1], id) end
if ARGV[3] == '1' then
  local delta = tonumber(ARGV[4])
  local current = tonumber(redis.call('GET', KEYS[2])) or 0
  if delta < 0 and current + delta < 0 then delta = -current end
  if delta ~= 0 then
    redis.call('INCRBY', KEYS[2], delta)
    redis.call('PEXPIRE', KEYS[2], math.max(1, tonumber(ARGV[8]) - now))
  end
end
if ARGV[5] == '1' then
  dropExpiredReservations(KEYS[3], KEYS[4], KEYS[5], now)
  local amount = tonumber(redis.call('HGET', KEYS[4], id))
  if amount then
    redis.call('HDEL', KEYS[4], id)
    redis.call('ZREM', KEYS[5], id)
    redis.call('HINCRBY', KEYS[3], 'reserved', -amount)
  end
  redis.call('HINCRBY', KEYS[3], 'spent', tonumber(ARGV[6]))
  for i = 3, 5 do redis.call('PEXPIRE', KEYS[i], math.max(1, tonumber(ARGV[7]) - now)) end
end
return 1
