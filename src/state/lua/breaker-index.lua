-- Records a breaker transition in the shared index other instances poll (StateStore.breakers), unless
-- a newer generation is there already (two instances may report transitions out of order).
-- KEYS[1] hash id -> JSON view  ARGV[1] breaker id  ARGV[2] generation  ARGV[3] JSON view
local seen = redis.call('HGET', KEYS[1], ARGV[1])
if seen and cjson.decode(seen).generation >= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
