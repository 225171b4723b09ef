-- wrk script: each request takes the next /search/ URL from the file named by $URLS
-- (written by `manage.py bench_search --urls FILE`), so the load mixes every kind of query.
local urls = {}
for line in io.lines(os.getenv("URLS")) do
  urls[#urls + 1] = line
end
local counter = 0

request = function()
  counter = counter + 1
  return wrk.format("GET", urls[(counter % #urls) + 1])
end

done = function(summary, latency, requests)
  io.write(string.format("requests %d, errors %d (status %d)\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout,
    summary.errors.status))
  for _, p in ipairs({ 50, 95, 99 }) do
    io.write(string.format("p%d %.1f ms\n", p, latency:percentile(p) / 1000))
  end
end
