-- wrk script of `ghintel bench api`: every connection cycles over a file of request paths, each
-- thread starting at its own offset, and `done` prints the figures as one JSON line.
-- Usage: wrk -t2 -c32 -d10s -s wrk_urls.lua http://host:port -- urls.txt
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  urls = {}
  for line in io.lines(args[1]) do
    urls[#urls + 1] = line
  end
  position = ((id or 1) * 7919) % #urls
end

function request()
  position = position % #urls + 1
  return wrk.format("GET", urls[position])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "non_2xx": %d, "connect_errors": %d, '
      .. '"read_errors": %d, "write_errors": %d, "timeouts": %d, '
      .. '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.status, e.connect, e.read, e.write,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max
  ))
end
