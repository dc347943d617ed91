-- wrk script for bench/signals.py: POST generic alerts whose dedupe keys cycle over a fixed
-- set (`wrk ... -- <keys> <prefix>`), so after the first alert of each key every request is a
-- dedupe (a note added to the open escalation). Prints one BENCH_JSON line like report.lua.
-- The token comes from -H "Authorization: Bearer ...".

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  keys = tonumber(args[1] or "10")
  prefix = args[2] or "bench"
  sent = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  sent = sent + 1
  local n = (sent + id) % keys
  local body = string.format(
    '{"source": "bench", "dedupe_key": "%s-%d", "status": "firing", ' ..
    '"title": "Bench alert %d", "labels": {"service": "bench"}}', prefix, n, n)
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses")) do
      counts[code] = (counts[code] or 0) + n
    end
  end
  local parts = {}
  for code, n in pairs(counts) do
    table.insert(parts, string.format('"%d": %d', code, n))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p99": %d}, "statuses": {%s}}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), table.concat(parts, ", ")))
end
