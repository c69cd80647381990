-- Adds to a counter that expires a fixed time after its first write (a fixed window).
-- KEYS[1] the counter  ARGV[1] amount  ARGV[2] time-to-live, ms
-- Returns the new value as a string (it may be fractional, e.g. dollars).
local value = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return value
