-- wrk script for bench/sales_bench.py: each wrk thread owns ONE connection and one logged-in
-- vendedor (run with -t N -c N), and POSTs tickets of 3 jugadas on random numbers to the sales
-- route, each with a fresh idempotency key. BENCH_CONFIG (a Lua file written by the driver)
-- defines: creds = {{cookie=..., csrf=...}, ...}, path, sorteo, mult, hot (nil or "77"),
-- hot_amount.
dofile(os.getenv("BENCH_CONFIG"))

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  local c = creds[((id - 1) % #creds) + 1]
  hdrs = {["Cookie"] = c.cookie, ["X-CSRFToken"] = c.csrf, ["HX-Request"] = "true",
          ["Content-Type"] = "application/x-www-form-urlencoded"}
  math.randomseed(id * 7919 + os.time())
  n, ok, conflict, other = 0, 0, 0, 0
end

local function pick3()
  local chosen, out = {}, {}
  if hot then chosen[hot] = true; table.insert(out, hot) end
  while #out < 3 do
    local num = string.format("%02d", math.random(0, 99))
    if not chosen[num] then chosen[num] = true; table.insert(out, num) end
  end
  return out
end

function request()
  n = n + 1
  local parts = {"idempotency_key=b" .. id .. "-" .. n .. "-" .. math.random(1, 1000000000),
                 "sorteo_id=" .. sorteo, "cliente="}
  for _, num in ipairs(pick3()) do
    local amount = (num == hot) and hot_amount or (math.random(1, 20) * 50)
    table.insert(parts, "j=N%7C" .. num .. "%7C" .. amount .. "%7C" .. mult)
  end
  return wrk.format("POST", path, hdrs, table.concat(parts, "&"))
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 elseif status == 409 then conflict = conflict + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local t_ok, t_cf, t_ot = 0, 0, 0
  for _, t in ipairs(threads) do
    t_ok = t_ok + t:get("ok"); t_cf = t_cf + t:get("conflict"); t_ot = t_ot + t:get("other")
  end
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"connect_errors":%d,"read_errors":%d,"timeouts":%d,' ..
    '"ok":%d,"conflict":%d,"other":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read, summary.errors.timeout,
    t_ok, t_cf, t_ot, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    latency.mean))
end
