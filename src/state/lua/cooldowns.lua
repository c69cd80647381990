-- Members of a cooldown scope still cooling at `now`, with their deadlines; drops the expired ones.
-- KEYS[1] the scope (sorted set: member -> until, epoch ms)  ARGV[1] now
-- Returns a flat list {member, until, member, until, ...}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf', 'WITHSCORES')
