-- POST /ingest, one JSON record per request, every request with a unique log_id.
-- Settings come from the environment (set by benchmarks/loadgen.py):
--   BENCH_RUN (log_id prefix), BENCH_TENANT, BENCH_TEXT (no quotes or backslashes).
local run = os.getenv("BENCH_RUN") or "wrk"
local tenant = os.getenv("BENCH_TENANT") or "bench"
local text = os.getenv("BENCH_TEXT") or "hello from wrk"
local headers = { ["Content-Type"] = "application/json" }
local record = '{"tenant_id":"' .. tenant .. '","log_id":"%s%d","text":"' .. text .. '"}'

local threads = {}
local prefix = run .. "-"
local counter = 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

function init(args)
  prefix = run .. "-" .. tostring(thread_number or 0) .. "-"
end

function request()
  counter = counter + 1
  return wrk.format("POST", "/ingest", headers, string.format(record, prefix, counter))
end

dofile(os.getenv("BENCH_REPORT_LUA"))
