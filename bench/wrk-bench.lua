-- wrk script of `make bench` (bench/run.py): asks $BENCH_PATH, or each URL of the file named
-- by $URLS in turn; with $MISS set, each request is one no request asked before (an extra
-- query parameter, or for the API an Origin), so the page cache never has it. Prints one
-- parseable line.
local paths = {}
if os.getenv("URLS") then
  for line in io.lines(os.getenv("URLS")) do
    paths[#paths + 1] = line
  end
else
  paths[1] = os.getenv("BENCH_PATH")
end
local miss = os.getenv("MISS")
local threads = 0
local counter = 0

function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

function request()
  counter = counter + 1
  local path = paths[(counter % #paths) + 1]
  if not miss then
    return wrk.format("GET", path)
  end
  local unique = miss .. "-" .. id .. "-" .. counter
  if path:find("/api/", 1, true) == 1 then
    -- The API refuses a parameter it does not read; the page cache keys its entries by
    -- Origin too, and reads are open to every origin.
    return wrk.format("GET", path, {Origin = "http://" .. unique .. ".miss.example"})
  end
  local sep = path:find("?", 1, true) and "&" or "?"
  return wrk.format("GET", path .. sep .. "miss=" .. unique)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("BENCH rate=%.1f p50=%.2f p99=%.2f errors=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    errors.status + errors.connect + errors.read + errors.write + errors.timeout))
end
