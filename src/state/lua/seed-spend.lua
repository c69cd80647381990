-- Sets a budget period's spent figure when none exists (StateStore.seedSpend); never lowers one.
-- KEYS[1] budget totals  ARGV[1] spent nano-USD  ARGV[2] time to live, ms
redis.call('HSETNX', KEYS[1], 'spent', ARGV[1])
if redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
