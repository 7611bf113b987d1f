-- Shared by the scripts: their settings from the environment (set by benchmarks/loadgen.py:
-- BENCH_RUN, the log_id prefix; BENCH_TENANT; BENCH_TEXT, without quotes or backslashes), a
-- log_id prefix per wrk thread so every request is unique, and one machine-readable summary line.
run = os.getenv("BENCH_RUN") or "wrk"
tenant = os.getenv("BENCH_TENANT") or "bench"
text = os.getenv("BENCH_TEXT") or "hello from wrk"
record = '{"tenant_id":"' .. tenant .. '","log_id":"%s%d","text":"' .. text .. '"}'
prefix = run .. "-"
counter = 0

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

function init(args)
  prefix = run .. "-" .. tostring(thread_number or 0) .. "-"
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"status_errors":%d,"timeouts":%d,"p50_us":%d,"p90_us":%d,' ..
    '"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean))
end
