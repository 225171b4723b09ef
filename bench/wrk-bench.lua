-- wrk script of `make bench` (bench/run.py): asks $BENCH_PATH, or each URL of the file named
-- by $URLS in turn; with $MISS set, each request's URL is one no request asked before (an
-- extra query parameter), so the page cache never has it. Prints one parseable line.
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
  if miss then
    local sep = path:find("?", 1, true) and "&" or "?"
    path = path .. sep .. "miss=" .. miss .. "-" .. id .. "-" .. counter
  end
  return wrk.format("GET", path)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("BENCH rate=%.1f p50=%.2f p99=%.2f errors=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    errors.status + errors.connect + errors.read + errors.write + errors.timeout))
end
