-- bench/run.lua: `make bench`. Generates alert pages, serves them with a
-- private nginx (HTTP, and HTTPS with HTTP/2) on 127.0.0.1, and prints one
-- table of ratios measured in this run against baselines measured in the
-- same run (curl, lua-cjson, the ideal schedule). Timings are the median of
-- BENCH_ROUNDS rounds (default 5); nothing is asserted: the machine may be
-- shared and noisy. See bench/README.md.
local here = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. here .. "/../spec/?.lua;" .. package.path

local prismacloud = require "prismacloud"
local pjson = require "prismacloud.json"
local cjson = require "cjson"
local socket = require "socket"
local gen = require "gen"
local nginx = require "support.nginx"

local ROUNDS = math.max(1, tonumber(os.getenv("BENCH_ROUNDS") or "") or 5)
local STREAM_ROUNDS = math.max(1, tonumber(os.getenv("BENCH_STREAM_ROUNDS") or "") or 1)
local SEQ_REQUESTS, PAR_REQUESTS, PAR_CONCURRENCY, DELAY_MS = 1000, 200, 16, 20
local LUA = os.getenv("LUA") or "lua5.4"

local now = socket.gettime

local function log(...)
  io.stderr:write("bench: ", string.format(...), "\n")
  io.stderr:flush()
end

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local function write(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

local function sh(cmd)
  local ok, how, code = os.execute(cmd)
  if not ok then error(("command failed (%s %s): %s"):format(how, code, cmd), 2) end
end

local function capture(cmd)
  local p = assert(io.popen(cmd))
  local s = p:read("a")
  p:close()
  return (s:gsub("%s+$", ""))
end

local function median(list)
  local t = {}
  for i, v in ipairs(list) do t[i] = v end
  table.sort(t)
  local n = #t
  if n % 2 == 1 then return t[(n + 1) // 2] end
  return (t[n // 2] + t[n // 2 + 1]) / 2
end

--------------------------------------------------------------------------
-- Fixtures: pages, certificate, the delay server, nginx.
--------------------------------------------------------------------------

local env = {pids = {}}

local function start_delay_server(dir)
  local out = dir .. "/delay.out"
  sh(("%s %s/delay_server.lua %d >%s 2>%s/delay.err & echo $! >%s/delay.pid")
    :format(LUA, here, DELAY_MS, out, dir, dir))
  local pid = tonumber(read(dir .. "/delay.pid") or "")
  assert(pid, "delay server: no pid")
  env.pids[#env.pids + 1] = pid
  for _ = 1, 200 do
    local port = tonumber((read(out) or ""):match("port (%d+)"))
    if port then return port end
    socket.sleep(0.02)
  end
  error("delay server did not start: " .. (read(dir .. "/delay.err") or ""))
end

local function start_nginx(dir, www, tls, delay_port)
  local http_port, https_port = nginx.free_port(), nginx.free_port()
  local locations = ([[
    root %s;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    location /pages/ { }
    # The page chain: one file, its "@NEXT@" token replaced by this URI + "n";
    # the 100th page (99 n's) is the last one, without a token.
    location /chain/ {
      rewrite ^ /pages/chain.json break;
      sub_filter_types application/json;
      sub_filter_once on;
      sub_filter '@NEXT@' '${request_uri}n';
    }
    location ~ "^/chain/n{%d}$" { rewrite ^ /pages/chain-last.json break; }
    # The alert tenant: POST /v2/alert, its page chosen by the pageToken in the
    # body ("p<k>"; none: page 1). Static files cannot be chosen by a body, so
    # the request goes once through nginx itself with the body in a header.
    location = /v2/alert {
      proxy_pass http://self/_tenant;
      proxy_http_version 1.1;
      proxy_method GET;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header Connection "";
      proxy_set_header X-Page-Body $request_body;
      proxy_buffering off; # the page streams through, never to a temp file
    }
    location = /_tenant { rewrite ^ /pages/tenant-$tenant_page.json break; }
    location /delay {
      proxy_pass http://delay;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
]]):format(www, gen.CHAIN_PAGES - 1)
  local ng = dir .. "/nginx"
  env.nginx = nginx.run(([[
  access_log off;
  log_format protocol '$server_protocol';
  types { application/json json; }
  default_type application/json;
  sendfile on;
  upstream delay { server 127.0.0.1:%d; keepalive 64; }
  upstream self { server 127.0.0.1:%d; keepalive 16; }
  map $http_x_page_body $tenant_page {
    "~\"pageToken\"\s*:\s*\"p(?<page>[0-9]+)\"" $page;
    default 1;
  }
  client_body_buffer_size 16k;
  server {
    listen 127.0.0.1:%d;
%s
  }
  server {
    listen 127.0.0.1:%d ssl http2;
    ssl_certificate %s;
    ssl_certificate_key %s;
    http2_max_concurrent_streams 256;
    access_log %s/logs/tls.log protocol;
%s
  }]]):format(delay_port, http_port, http_port, locations, https_port, tls.cert, tls.key, ng, locations), ng, 1024)
  return ("http://127.0.0.1:%d"):format(http_port), ("https://127.0.0.1:%d"):format(https_port)
end

local function cleanup()
  if env.emulator then
    env.emulator.stop()
    env.emulator = nil
  end
  if env.nginx then
    env.nginx.stop()
    env.nginx = nil
  end
  for _, pid in ipairs(env.pids) do os.execute("kill " .. pid .. " 2>/dev/null") end
  env.pids = {}
  if env.dir and env.dir:match("^/tmp/pcbench%.") then os.execute("rm -rf " .. env.dir) end
  env.dir = nil
end

--------------------------------------------------------------------------
-- Measurements.
--------------------------------------------------------------------------

local rows, notes = {}, {}
-- A row of the table; without a target (op nil) the ratio is shown for information.
local function row(n, measure, ours, baseline, ratio, target, op)
  local pass
  if op == "<=" then pass = ratio <= target elseif op then pass = ratio >= target end
  rows[#rows + 1] = {n, measure, ours, baseline, ("%.2f"):format(ratio), op and (op .. " " .. target) or "-",
                     op and (pass and "PASS" or "MISS") or "info"}
end

local function ms(s) return ("%.3f ms"):format(s * 1000) end

-- 1. Sequential GETs of the 10 KB page on one connection, decoded.
local function bench_sequential(label, base, tls, dir)
  local client <close> = prismacloud.new{url = base, cafile = tls and tls.ca or nil, retries = 0}
  assert(client:request("GET", "/pages/small.json")) -- connect (and handshake) once
  local cfg = dir .. "/curl-seq.cfg"
  local lines = {}
  for i = 1, SEQ_REQUESTS do
    lines[i] = ('url = "%s/pages/small.json"\noutput = "/dev/null"\n'):format(base)
  end
  write(cfg, table.concat(lines))
  local curl = ("curl -s -S --fail %s -K %s"):format(tls and ("--http2 --cacert " .. tls.ca) or "", cfg)
  local ours, base_t = {}, {}
  for r = 1, ROUNDS do
    local t0 = now()
    for _ = 1, SEQ_REQUESTS do
      local res = assert(client:request("GET", "/pages/small.json"))
      assert(res.status == 200 and type(res.body) == "table", ("status %s, %s body"):format(res.status, type(res.body)))
    end
    ours[r] = (now() - t0) / SEQ_REQUESTS
    t0 = now()
    sh(curl)
    base_t[r] = (now() - t0) / SEQ_REQUESTS
  end
  local o, b = median(ours), median(base_t)
  row(label, ("%d seq GETs 10 KB, per request"):format(SEQ_REQUESTS), ms(o), ms(b) .. " (curl -K)", o / b, 1.0, "<=")
end

-- 2. Decode: prismacloud.json vs lua-cjson on the same bytes.
local function bench_decode(label, path, name)
  local s = assert(read(path))
  local v = pjson.decode(s)
  local exact = true
  for i, a in ipairs(v.items) do
    if math.type(a.alertTime) ~= "integer" or a.alertTime ~= gen.alert(i).alertTime then exact = false end
  end
  v = nil -- luacheck: ignore
  local ours, theirs = {}, {}
  for r = 1, ROUNDS do
    -- Alternate which decoder goes first so neither always meets the other's garbage.
    for k = 0, 1 do
      collectgarbage()
      local t0 = now()
      if (r + k) % 2 == 0 then
        pjson.decode(s)
        ours[r] = now() - t0
      else
        cjson.decode(s)
        theirs[r] = now() - t0
      end
    end
  end
  collectgarbage()
  local o, b = median(ours), median(theirs)
  row(label, ("decode %s (%.1f MB)%s"):format(name, #s / 1e6, exact and ", ints exact" or ", INTS NOT EXACT"),
    ms(o), ms(b) .. " (cjson)", b / o, 2.0, ">=")
  return exact
end

-- 3. 20 MB page end to end: client:request vs curl to a file + cjson.decode.
local function bench_end_to_end(label, base, dir)
  local recv = dir .. "/recv.json"
  local ours, theirs = {}, {}
  for r = 1, ROUNDS do
    collectgarbage()
    local t0 = now()
    do
      local client <close> = prismacloud.new{url = base, retries = 0}
      local res = assert(client:request("GET", "/pages/large.json"))
      assert(res.status == 200 and type(res.body) == "table")
    end
    ours[r] = now() - t0
    collectgarbage()
    t0 = now()
    sh(("curl -s -S --fail -o %s %s/pages/large.json"):format(recv, base))
    local body = cjson.decode(assert(read(recv)))
    assert(type(body) == "table")
    theirs[r] = now() - t0
    body = nil -- luacheck: ignore
    os.remove(recv)
  end
  -- Where the time goes: the transfer alone (curl to /dev/null).
  local recv_only = {}
  for r = 1, ROUNDS do
    local t0 = now()
    sh(("curl -s -S --fail -o /dev/null %s/pages/large.json"):format(base))
    recv_only[r] = now() - t0
  end
  notes[#notes + 1] = ("row %s: curl alone receives the 20 MB page (to /dev/null, process included) in %s")
    :format(label, ms(median(recv_only)))
  collectgarbage()
  local o, b = median(ours), median(theirs)
  row(label, "20 MB page fetched + decoded", ms(o), ms(b) .. " (curl + cjson)", o / b, 1.0, "<=")
end

-- 4. 1,000,000 alerts through the page chain: peak RSS vs one page.
local function bench_stream(label, base)
  local function child(mode)
    local out = capture(("%s %s/stream.lua %s %s"):format(LUA, here, mode, base))
    local alerts, pages, kb, secs = out:match("alerts=(%d+) pages=(%d+) hwm_kb=(%d+) seconds=([%d.]+)")
    assert(alerts, "stream child: " .. out)
    return tonumber(alerts), tonumber(pages), tonumber(kb), tonumber(secs)
  end
  local streamed, one, n, pages, secs = {}, {}, 0, 0, {}
  for r = 1, STREAM_ROUNDS do
    n, pages, streamed[r], secs[r] = child("stream")
    local _, _, kb = child("one")
    one[r] = kb
  end
  local expected = gen.CHAIN_PAGES * gen.CHAIN_PAGE_ALERTS
  local s, o = median(streamed), median(one)
  notes[#notes + 1] = ("row %s: %d alerts in %d pages took %.1f s (%.0f alerts/s, fetch + decode)")
    :format(label, n, pages, median(secs), n / median(secs))
  row(label, ("%s alerts streamed (%d pages), peak RSS%s"):format(n, pages, n == expected and "" or " INCOMPLETE"),
    ("%.0f MB"):format(s / 1024), ("%.0f MB (one page)"):format(o / 1024), s / o, 3, "<=")
end

-- 6. The 20 MB page downloaded to a file (request option output) by a child
-- process: its time against curl -o (both process start included), and its
-- peak RSS against the same process fetching one 10 KB page.
local function bench_download(label, base, dir)
  local file = dir .. "/download.json"
  local function child(mode)
    local out = capture(("%s %s/stream.lua %s %s %s"):format(LUA, here, mode, base, file))
    local bytes, kb = out:match("bytes=(%d+) hwm_kb=(%d+)")
    assert(bytes, "download child: " .. out)
    return tonumber(bytes), tonumber(kb)
  end
  local ours, theirs, rss, small = {}, {}, {}, {}
  local size
  for r = 1, ROUNDS do
    local t0 = now()
    size, rss[r] = child("download")
    ours[r] = now() - t0
    local _, kb = child("small")
    small[r] = kb
    t0 = now()
    sh(("curl -s -S --fail -o %s %s/pages/large.json"):format(file, base))
    theirs[r] = now() - t0
  end
  local o, b = median(ours), median(theirs)
  row(label, ("%.0f MB downloaded to a file (output)"):format(size / 1e6), ms(o), ms(b) .. " (curl -o)", o / b,
    1.5, "<=")
  local r, s = median(rss), median(small)
  row(label .. "m", ("%.0f MB downloaded to a file, peak RSS"):format(size / 1e6), ("%.1f MB"):format(r / 1024),
    ("%.1f MB (a 10 KB page)"):format(s / 1024), r / s, 1.2, "<=")
  os.remove(file)
end

-- 5. client:parallel against a 20 ms server-side latency.
local function bench_parallel(label, base, tls, dir)
  local client <close> = prismacloud.new{url = base, cafile = tls and tls.ca or nil, retries = 0}
  local reqs = {}
  for i = 1, PAR_REQUESTS do reqs[i] = {method = "GET", path = "/delay/" .. i} end
  local function run(list)
    local results = client:parallel(list, {concurrency = PAR_CONCURRENCY})
    for i = 1, #list do
      local res = results[i]
      assert(not prismacloud.is_error(res), tostring(res))
      assert(res.status == 200 and type(res.body) == "table")
    end
  end
  run({table.unpack(reqs, 1, PAR_CONCURRENCY)}) -- open the connections once
  local times = {}
  for r = 1, ROUNDS do
    local t0 = now()
    run(reqs)
    times[r] = now() - t0
  end
  -- For reference, not the baseline: curl's own parallel mode on the same server and URLs.
  local cfg = dir .. "/curl-par.cfg"
  local lines = {}
  for i = 1, PAR_REQUESTS do lines[i] = ('url = "%s/delay/%d"\noutput = "/dev/null"\n'):format(base, i) end
  write(cfg, table.concat(lines))
  local curl_times = {}
  for r = 1, ROUNDS do
    local t0 = now()
    sh(("curl -s -S --no-progress-meter --fail -Z --parallel-max %d %s -K %s"):format(PAR_CONCURRENCY,
      tls and ("--http2 --cacert " .. tls.ca) or "", cfg))
    curl_times[r] = now() - t0
  end
  local ideal = PAR_REQUESTS / PAR_CONCURRENCY * DELAY_MS / 1000
  local o = median(times)
  notes[#notes + 1] = ("row %s: curl -Z --parallel-max %d on the same URLs took %s (ratio %.2f to the ideal)")
    :format(label, PAR_CONCURRENCY, ms(median(curl_times)), median(curl_times) / ideal)
  row(label, ("parallel %d x %d ms, concurrency %d"):format(PAR_REQUESTS, DELAY_MS, PAR_CONCURRENCY),
    ms(o), ms(ideal) .. " (ideal)", o / ideal, tls and 1.3 or 1.15, "<=")
end

-- 7. alerts:each over the 100,000-alert tenant (100 POST /v2/alert pages) against
-- lua-cjson + luasocket doing the same paging by hand; alerts per second.
local function bench_each(label, base, tenant)
  local http, ltn12 = require "socket.http", require "ltn12"
  local function ours()
    local client <close> = prismacloud.new{url = base, retries = 0, timeout = 600}
    local n = 0
    for alert in client.alerts:each{} do
      if math.type(alert.alertTime) == "integer" then n = n + 1 end
    end
    return n
  end
  local function by_hand()
    local n, token = 0, nil
    repeat
      local body = token and cjson.encode{pageToken = token} or cjson.encode{filters = {}, limit = 1000}
      local chunks = {}
      local ok, code = http.request{url = base .. "/v2/alert", method = "POST", sink = ltn12.sink.table(chunks),
        source = ltn12.source.string(body), headers = {["content-type"] = "application/json",
        ["content-length"] = tostring(#body), accept = "application/json"}}
      assert(ok and code == 200, ("luasocket: %s %s"):format(ok, code))
      local page = cjson.decode(table.concat(chunks))
      for _, alert in ipairs(page.items) do
        if alert.alertTime then n = n + 1 end -- lua-cjson: a float
      end
      token = page.nextPageToken
      if token == cjson.null then token = nil end
    until not token
    return n
  end
  local o, b = {}, {}
  for r = 1, ROUNDS do
    for k = 0, 1 do -- alternate which goes first
      collectgarbage()
      local t0 = now()
      if (r + k) % 2 == 0 then
        assert(ours() == tenant.alerts, "alerts:each: not every alert")
        o[#o + 1] = now() - t0
      else
        assert(by_hand() == tenant.alerts, "by hand: not every alert")
        b[#b + 1] = now() - t0
      end
    end
  end
  collectgarbage()
  local ot, bt = median(o), median(b)
  row(label, ("alerts:each, %d alerts in %d pages (%.0f MB)"):format(tenant.alerts, tenant.pages, tenant.bytes / 1e6),
    ("%.0f alerts/s"):format(tenant.alerts / ot), ("%.0f alerts/s (cjson + luasocket)"):format(tenant.alerts / bt),
    bt / ot, 1.5, ">=")
end

-- 8. The emulator's cost per request: a page of about 10 KB from it (GET /v2/alert,
-- logged in) against the 10 KB page from nginx, both by client:request on one connection.
local EMU_REQUESTS, EMU_LIMIT = 100, 6
local function bench_emulator(label, base)
  local process = require "prismacloud.emulator.process"
  local emu = assert(process.start{script = here .. "/../bin/prismacloud-emulator", args = {"--alerts", "200"}})
  env.emulator = emu
  local query = {timeType = "relative", timeAmount = 30, timeUnit = "day", limit = EMU_LIMIT, detailed = false}
  local ec <close> = prismacloud.new{url = emu.url, access_key = "test-key", secret_key = "test-secret", retries = 0}
  local nc <close> = prismacloud.new{url = base, retries = 0}
  local first = assert(ec:request("GET", "/v2/alert", {query = query}))
  assert(first.status == 200 and type(first.body) == "table", "emulator: HTTP " .. first.status)
  local size = tonumber(first.headers["content-length"]) or 0
  assert(nc:request("GET", "/pages/small.json"))
  local e, n = {}, {}
  for r = 1, ROUNDS do
    local t0 = now()
    for _ = 1, EMU_REQUESTS do
      local res = assert(ec:request("GET", "/v2/alert", {query = query}))
      assert(res.status == 200 and type(res.body) == "table")
    end
    e[r] = (now() - t0) / EMU_REQUESTS
    t0 = now()
    for _ = 1, EMU_REQUESTS do
      local res = assert(nc:request("GET", "/pages/small.json"))
      assert(res.status == 200 and type(res.body) == "table")
    end
    n[r] = (now() - t0) / EMU_REQUESTS
  end
  emu.stop()
  env.emulator = nil
  local et, nt = median(e), median(n)
  row(label, ("emulator: %.1f KB page (GET /v2/alert), per request"):format(size / 1024), ms(et),
    ms(nt) .. " (nginx, 10 KB)", et / nt, nil, nil)
end

--------------------------------------------------------------------------
-- Report.
--------------------------------------------------------------------------

local function machine()
  local cpu = (read("/proc/cpuinfo") or ""):match("model name%s*:%s*([^\n]+)") or "?"
  local nginx_v = capture("nginx -v 2>&1"):match("nginx/(%S+)") or "?"
  local curl_v = capture("curl --version"):match("^(curl %S+)") or "?"
  local core = require "prismacloud.core"
  return ("nproc %s | %s | %s | libcurl %s (%s) | nginx %s | lua-cjson %s"):format(
    capture("nproc"), cpu, _VERSION, core.curl_version or "?", curl_v, nginx_v, cjson._VERSION or "?")
end

local function print_table()
  local head = {"#", "measure", "ours", "baseline", "ratio", "target", "result"}
  local width = {}
  for i, h in ipairs(head) do width[i] = #h end
  for _, r in ipairs(rows) do
    for i, c in ipairs(r) do width[i] = math.max(width[i], utf8.len(tostring(c)) or #tostring(c)) end
  end
  local function line(cells)
    local out = {}
    for i, c in ipairs(cells) do
      c = tostring(c)
      out[i] = c .. (" "):rep(width[i] - (utf8.len(c) or #c))
    end
    print("| " .. table.concat(out, " | ") .. " |")
  end
  line(head)
  local sep = {}
  for i = 1, #head do sep[i] = ("-"):rep(width[i]) end
  line(sep)
  for _, r in ipairs(rows) do line(r) end
end

local function main()
  local t_start = now()
  env.dir = capture("mktemp -d /tmp/pcbench.XXXXXX")
  assert(env.dir:match("^/tmp/pcbench%."), "mktemp failed")
  local www = env.dir .. "/www"
  sh(("mkdir -p %s/pages %s/tls"):format(www, env.dir))
  log("generating pages in %s", env.dir)
  local files = gen.write_all(www .. "/pages")
  -- nginx's worker may run as another user (nobody, when we are root): let it read the pages.
  sh(("chmod 711 %s && chmod -R a+rX %s"):format(env.dir, www))
  local tls = require("prismacloud.emulator.tls").generate(env.dir .. "/tls")
  local delay_port = start_delay_server(env.dir)
  local http, https = start_nginx(env.dir, www, tls, delay_port)
  log("nginx on %s and %s, delay server on %d; %d rounds", http, https, delay_port, ROUNDS)

  -- BENCH_ONLY="1 5" runs only those groups (1-8; for working on one of them).
  local only = os.getenv("BENCH_ONLY")
  local function want(g) return not only or only:find(g, 1, true) end
  if want("1") then
    log("1. sequential GETs")
    bench_sequential("1", http, nil, env.dir)
    bench_sequential("1s", https, tls, env.dir)
  end
  if want("2") then
    log("2. decode")
    bench_decode("2a", files.medium, "1 MB page")
    bench_decode("2b", files.large, "20 MB page")
  end
  if want("3") then
    log("3. end to end")
    bench_end_to_end("3", http, env.dir)
  end
  if want("5") then
    log("5. parallel")
    bench_parallel("5", http, nil, env.dir)
    bench_parallel("5s", https, tls, env.dir)
  end
  if want("6") then
    log("6. download to a file")
    bench_download("6", http, env.dir)
  end
  if want("4") then
    log("4. streaming 1,000,000 alerts (a child process each)")
    bench_stream("4", http)
  end
  if want("7") then
    log("7. alerts:each over a 100,000-alert tenant (generating its pages)")
    local tenant = gen.write_tenant(www .. "/pages")
    sh(("chmod -R a+rX %s"):format(www))
    bench_each("7", http, tenant)
  end
  if want("8") then
    log("8. the emulator's cost per request")
    bench_emulator("8", http)
  end
  table.sort(rows, function(a, b) return a[1] < b[1] end)
  -- Which protocol the HTTPS requests used (nginx logs $server_protocol there only).
  local protocols = {}
  for p in (read(env.dir .. "/nginx/logs/tls.log") or ""):gmatch("[^\n]+") do
    protocols[p] = (protocols[p] or 0) + 1
  end
  local seen = {}
  for p, n in pairs(protocols) do seen[#seen + 1] = ("%s x %d"):format(p, n) end
  table.sort(seen)
  if #seen > 0 then notes[#notes + 1] = "HTTPS requests by protocol (ours and curl): " .. table.concat(seen, ", ") end

  print(("prismacloud bench: %s"):format(os.date("!%Y-%m-%d %H:%M:%SZ")))
  print(machine())
  print(("pages: 10 KB = %d alerts, 1 MB = %d, 20 MB = %d; chain %d x %d alerts; median of %d rounds (stream: %d)")
    :format(files.small_alerts, files.medium_alerts, files.large_alerts, gen.CHAIN_PAGES, gen.CHAIN_PAGE_ALERTS,
      ROUNDS, STREAM_ROUNDS))
  print("rows ending in s: HTTPS (HTTP/2 with nginx)")
  print_table()
  for _, n in ipairs(notes) do print(n) end
  print(("total %.0f s"):format(now() - t_start))
end

local ok, err = xpcall(main, debug.traceback)
cleanup()
if not ok then
  io.stderr:write("bench: ", tostring(err), "\n")
  os.exit(1)
end
