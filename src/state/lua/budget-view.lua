-- Spent and live reservations of one budget period (StateStore.budgetView). Prepended: limits-common.lua.
-- KEYS[1..3] budget totals, amounts, expiries  ARGV[1] now
-- Returns {spent, reserved}
dropExpiredReservations(KEYS[1], KEYS[2], KEYS[3], tonumber(ARGV[1]))
local totals = redis.call('HMGET', KEYS[1], 'spent', 'reserved')
return { tonumber(totals[1]) or 0, tonumber(totals[2]) or 0 }
