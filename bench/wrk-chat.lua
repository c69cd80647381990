-- wrk request script for bench/run.ts: POSTs one chat completion per request and, when wrk finishes,
-- writes one JSON line of results (latency percentiles in microseconds) to BENCH_RESULT.
-- Settings come from the environment because wrk passes scripts no options of their own:
--   BENCH_MODEL, BENCH_STREAM ("1" for a streamed completion with usage), BENCH_AUTH (bearer key),
--   BENCH_RESULT (output file).
local model = os.getenv("BENCH_MODEL") or "gpt-4o-mini"
local auth = os.getenv("BENCH_AUTH") or ""
local stream = os.getenv("BENCH_STREAM") == "1"
-- BENCH_UNIQUE=1: a new prompt on every request (the cache scenario's misses). The prompt carries
-- BENCH_RUN_ID (new for every wrk run), the thread and a counter: LuaJIT's math.random is seeded the same
-- in every run, so a warm-up run and the measured run after it once sent the same prompts, and the
-- measured "misses" were hits.
local unique = os.getenv("BENCH_UNIQUE") == "1"
local run_id = os.getenv("BENCH_RUN_ID") or tostring(os.time())
local counter = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

local body = '{"model":"' .. model .. '","messages":['
  .. '{"role":"system","content":"You answer in one short sentence."},'
  .. '{"role":"user","content":"What does the quick brown fox do?"}],'
  .. '"max_tokens":64,"temperature":0.3'
if stream then
  body = body .. ',"stream":true,"stream_options":{"include_usage":true}'
end
body = body .. '}'

local headers = { ["Content-Type"] = "application/json" }
if auth ~= "" then headers["Authorization"] = "Bearer " .. auth end
local request_bytes = nil

function init(args)
  request_bytes = wrk.format("POST", "/v1/chat/completions", headers, body)
end

function request()
  if not unique then return request_bytes end
  counter = counter + 1
  local varied = body:gsub(
    "fox do%?", "fox do? " .. run_id .. "-" .. tostring(thread_id or 0) .. "-" .. tostring(counter), 1)
  return wrk.format("POST", "/v1/chat/completions", headers, varied)
end

function done(summary, latency, requests)
  local e = summary.errors
  local result = string.format(
    '{"requests":%d,"duration_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_us":{"mean":%.1f,"max":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9))
  local file = assert(io.open(os.getenv("BENCH_RESULT"), "w"))
  file:write(result)
  file:close()
end
