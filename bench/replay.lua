-- wrk script: replay the request set in the folder given after `--` (made by bench/workload.py),
-- round robin from a random start per thread, and print one JSON line of results at the end.
-- Usage: wrk -c 8 -d 10s -s bench/replay.lua http://127.0.0.1:PORT -- /path/to/set

local requests = {}
local next_index = 0

function init(args)
  local dir = args[1]
  for line in io.lines(dir .. "/requests.tsv") do
    local method, path, content_type, file = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)\t([^\t]+)$")
    local headers, body = {}, nil
    if content_type ~= "-" then headers["Content-Type"] = content_type end
    if file ~= "-" then
      local f = assert(io.open(dir .. "/" .. file, "rb"))
      body = f:read("*a")
      f:close()
    end
    requests[#requests + 1] = wrk.format(method, path, headers, body)
  end
  next_index = math.random(#requests) - 1
end

function request()
  next_index = next_index % #requests + 1
  return requests[next_index]
end

function done(summary, latency, requests_)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "mean_us": %.1f, ' ..
    '"max_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.mean, latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
