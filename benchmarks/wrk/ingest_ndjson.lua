-- POST /ingest, an NDJSON batch of BENCH_BATCH records per request, every record with a
-- unique log_id.
dofile(os.getenv("BENCH_COMMON_LUA"))
local batch = tonumber(os.getenv("BENCH_BATCH") or "100")
local headers = { ["Content-Type"] = "application/x-ndjson" }

function request()
  local lines = {}
  for i = 1, batch do
    counter = counter + 1
    lines[i] = string.format(record, prefix, counter)
  end
  return wrk.format("POST", "/ingest", headers, table.concat(lines, "\n"))
end
