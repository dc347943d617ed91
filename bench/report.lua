-- wrk script: count responses by status code in every thread, then print one JSON line
-- ("BENCH_JSON {...}") with throughput, latency percentiles and the status counts, which
-- bench/dashboard.py reads. Headers (cookie, HX-Request, If-None-Match) come from -H flags.
--
-- `wrk ... -- follow-etag` makes each thread behave like a polling browser: when a 200
-- carries a new ETag, later requests send it as If-None-Match. The dashboard's ETag includes
-- the current minute (so relative times refresh), so an unchanged poll answers one 200 per
-- connection at each minute's turn and 304 otherwise.
--
-- Like a browser, every thread keeps the cookies responses set: the session cookie is re-sent
-- by the server when its idle timer moves (once a minute), and a client that kept sending the
-- old one would look idle to the server forever (the live gate leaves such requests to the
-- app, which moves the timer again, on every request).

local threads = {}
local follow = false
local current_etag = nil
local prepared = nil

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  follow = args[1] == "follow-etag"
end

function request()
  if prepared == nil then
    prepared = wrk.format()  -- built once, rebuilt only when the ETag to send changes
  end
  return prepared
end

local function keep_cookie(set_cookie)
  local name, value = string.match(set_cookie, "^%s*([^=;%s]+)=([^;]*)")
  if not name then return end
  local kept, found = {}, false
  for part in string.gmatch(wrk.headers["Cookie"] or "", "[^;]+") do
    local key = string.match(part, "^%s*([^=]+)=")
    if key == name then
      part, found = name .. "=" .. value, true
    end
    table.insert(kept, (string.gsub(part, "^%s+", "")))
  end
  if not found then table.insert(kept, name .. "=" .. value) end
  wrk.headers["Cookie"] = table.concat(kept, "; ")
  prepared = nil
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  local set_cookie = headers["Set-Cookie"] or headers["set-cookie"]
  if set_cookie then keep_cookie(set_cookie) end
  if follow and status == 200 then
    local etag = headers["ETag"] or headers["Etag"] or headers["etag"]
    if etag and etag ~= current_etag then
      current_etag = etag
      wrk.headers["If-None-Match"] = etag
      prepared = nil
    end
  end
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
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}, ' ..
    '"statuses": {%s}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean, table.concat(parts, ", ")))
end
