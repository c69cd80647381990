-- Shared by admit.lua, settle.lua and budget-view.lua (prepended when they are loaded): the sliding
-- window arithmetic of src/state/sliding-window.ts and the expiry of budget reservations. Keep it in
-- step with the TypeScript; test/state/state-contract.ts runs the same cases on both stores.
local WINDOW = 60000

local function scaledLoad(previous, current, now)
  local elapsed = now - math.floor(now / WINDOW) * WINDOW
  return previous * (WINDOW - elapsed) + current * WINDOW
end

local function fits(previous, current, now, limit, cost)
  if limit <= 0 then return false end
  return scaledLoad(previous, current, now) + math.min(cost, limit) * WINDOW <= limit * WINDOW
end

local function remaining(previous, current, now, limit)
  return math.max(0, math.floor((limit * WINDOW - scaledLoad(previous, current, now)) / WINDOW))
end

local function waitMs(previous, current, now, limit, cost)
  if limit <= 0 then return 2 * WINDOW end
  local need = math.min(cost, limit)
  local left = WINDOW - (now - math.floor(now / WINDOW) * WINDOW)
  if current + need <= limit then
    if previous == 0 then return 0 end
    return math.max(0, math.ceil((previous * left - (limit - need - current) * WINDOW) / previous))
  end
  return left + math.max(0, math.ceil((current * WINDOW - (limit - need) * WINDOW) / current))
end

local function drainMs(previous, current, now)
  local left = WINDOW - (now - math.floor(now / WINDOW) * WINDOW)
  if current > 0 then return left + WINDOW end
  if previous > 0 then return left end
  return 0
end

-- Drops reservations that expired by `now` (a crashed instance never settled them) from the period's
-- reserved total. totals: hash {spent, reserved}; amounts: hash id -> nano-USD; expiries: zset id -> ms.
local function dropExpiredReservations(totals, amounts, expiries, now)
  local sum = 0
  -- In batches: unpack() of a very long list (thousands left by a crash) overflows Lua's stack.
  while true do
    local expired = redis.call('ZRANGEBYSCORE', expiries, '-inf', now, 'LIMIT', 0, 500)
    if #expired == 0 then break end
    local values = redis.call('HMGET', amounts, unpack(expired))
    for i = 1, #values do sum = sum + (tonumber(values[i]) or 0) end
    redis.call('HDEL', amounts, unpack(expired))
    redis.call('ZREM', expiries, unpack(expired))
  end
  if sum > 0 then redis.call('HINCRBY', totals, 'reserved', -sum) end
end
