-- Takes `cost` tokens from a bucket that refills continuously (all or nothing). Mirrors
-- MemoryState.takeTokens; test/state/state-contract.ts runs the same cases on both.
-- KEYS[1] the bucket (hash: tokens, at)
-- ARGV[1] capacity  ARGV[2] refill per second  ARGV[3] cost  ARGV[4] now (epoch ms)
-- Returns {allowed (0/1), remaining (string, may be fractional), retryAfterMs}
local capacity = tonumber(ARGV[1])
local refill = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
local elapsed = math.max(0, now - at)
tokens = math.min(capacity, tokens + elapsed * refill / 1000)
local allowed = 0
local retryAfter = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
elseif refill > 0 then
  retryAfter = math.ceil((cost - tokens) * 1000 / refill)
else
  retryAfter = -1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
-- A full bucket is the same as no bucket: let Redis drop it once it would have refilled.
local fullInMs = 60000
if refill > 0 then fullInMs = math.ceil((capacity - tokens) * 1000 / refill) + 1000 end
redis.call('PEXPIRE', KEYS[1], fullInMs)
return { allowed, tostring(tokens), retryAfter }
