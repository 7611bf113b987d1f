-- POST /ingest, an NDJSON batch of BENCH_BATCH records per request, every record with a
-- unique log_id. Settings: BENCH_RUN, BENCH_TENANT, BENCH_TEXT, BENCH_BATCH.
local run = os.getenv("BENCH_RUN") or "wrk"
local tenant = os.getenv("BENCH_TENANT") or "bench"
local text = os.getenv("BENCH_TEXT") or "hello from wrk"
local batch = tonumber(os.getenv("BENCH_BATCH") or "100")
local headers = { ["Content-Type"] = "application/x-ndjson" }
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
  local lines = {}
  for i = 1, batch do
    counter = counter + 1
    lines[i] = string.format(record, prefix, counter)
  end
  return wrk.format("POST", "/ingest", headers, table.concat(lines, "\n"))
end

dofile(os.getenv("BENCH_REPORT_LUA"))
