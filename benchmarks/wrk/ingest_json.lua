-- POST /ingest, one JSON record per request, every request with a unique log_id.
dofile(os.getenv("BENCH_COMMON_LUA"))
local headers = { ["Content-Type"] = "application/json" }

function request()
  counter = counter + 1
  return wrk.format("POST", "/ingest", headers, string.format(record, prefix, counter))
end
