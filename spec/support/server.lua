-- spec/support/server.lua: runs the emulator (bin/prismacloud-emulator) as a
-- separate process for the specs, and talks to its control plane with
-- lua-socket (never with the client under test).
--
--   local srv = server.start{tls = true, token_ttl = 1}
--   srv.url, srv.ca, srv.pid
--   srv.fault{path = "/v2/alert", status = 503, times = 2}
--   srv.requests("/v2/alert")   --> the request log for that path
--   srv.clear()                 --> no faults, empty log (also clear_faults, clear_requests)
--   srv.login(), srv.config{token_ttl = 2}, srv.request(method, path, body, headers)
--   srv.stop()
local socket = require "socket"
local http = require "socket.http"
local ltn12 = require "ltn12"
local cjson = require "cjson"

local M = {}

M.start_timeout = 10   -- seconds to wait for the "listening" line
M.stop_timeout = 5     -- seconds to wait for the process to exit after SIGTERM
M.request_timeout = 10 -- seconds for the helper's own HTTP calls

-- The repository root, from where this file lives.
local ROOT = (function()
  local source = debug.getinfo(1, "S").source
  local root = source:match("^@(.-)/?spec/support/server%.lua$") or "."
  return root == "" and "." or root
end)()

-- Maps start{} options to command-line options.
local FLAGS = {
  token_ttl = "--token-ttl", access_key = "--access-key", secret_key = "--secret-key",
  host = "--host", port = "--port", cert_dir = "--cert-dir",
  seed = "--seed", alerts = "--alerts", policies = "--policies", accounts = "--accounts", anchor_ms = "--anchor-ms",
  resources = "--resources", csv_delay_ms = "--csv-delay-ms",
}

local function shell_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local data = f:read("a")
  f:close()
  return data
end

-- This process's id (Linux /proc), for the emulator's --watch-pid.
local function own_pid()
  local stat = read_file("/proc/self/stat")
  return stat and tonumber(stat:match("^(%d+)"))
end

-- True while pid runs (a zombie counts as gone: it may not be our child).
function M.alive(pid)
  local stat = read_file(("/proc/%d/stat"):format(pid))
  if stat then return stat:match("^%d+ %b() (%a)") ~= "Z" end
  if read_file("/proc/self/stat") then return false end
  return os.execute(("kill -0 %d 2>/dev/null"):format(pid)) == true
end

-- Waits up to timeout seconds for pid to exit; true when it did.
function M.wait_exit(pid, timeout)
  local deadline = socket.gettime() + timeout
  while M.alive(pid) do
    if socket.gettime() > deadline then return false end
    socket.sleep(0.01)
  end
  return true
end

local function command_line(opts, files)
  local args = {"--port", tostring(opts.port or 0)}
  for key, value in pairs(opts) do
    local flag = FLAGS[key]
    if key == "tls" or key == "rate_limits" then
      if value then args[#args + 1] = key == "tls" and "--tls" or "--rate-limits" end
    elseif not flag then
      error(("server.start: unknown option '%s'"):format(tostring(key)), 3)
    elseif key ~= "port" then
      args[#args + 1] = flag
      args[#args + 1] = tostring(value)
    end
  end
  if opts.tls and not opts.cert_dir then
    args[#args + 1] = "--cert-dir"
    args[#args + 1] = files.certs
  end
  local watch = own_pid()
  if watch then
    args[#args + 1] = "--watch-pid"
    args[#args + 1] = tostring(watch)
  end
  for i, a in ipairs(args) do args[i] = shell_quote(a) end
  -- `exec` makes the shell's $$ the emulator's own pid.
  local inner = ("echo $$ > %s; LUA_PATH=%s; export LUA_PATH; exec lua5.4 %s %s < /dev/null > %s 2> %s")
    :format(shell_quote(files.pid), shell_quote(ROOT .. "/lua/?.lua;" .. ROOT .. "/lua/?/init.lua;;"),
      shell_quote(ROOT .. "/bin/prismacloud-emulator"), table.concat(args, " "),
      shell_quote(files.out), shell_quote(files.err))
  return ("sh -c %s > /dev/null 2>&1 &"):format(shell_quote(inner))
end

local function remove_files(files)
  for name, path in pairs(files) do
    if name == "certs" then
      for _, f in ipairs{"ca.pem", "server.pem", "server.key", "other-ca.pem"} do os.remove(path .. "/" .. f) end
    end
    os.remove(path)
  end
end

-- Waits for "listening <url>" (and "ca <path>" with TLS); returns pid, url, ca
-- or raises with the emulator's stderr.
local function wait_ready(files, tls)
  local deadline = socket.gettime() + M.start_timeout
  local pid
  while true do
    pid = pid or tonumber(read_file(files.pid) or "")
    local out = read_file(files.out) or ""
    local url = out:match("listening (%S+)\n")
    local ca = out:match("\nca (%S+)\n")
    if url and (ca or not tls) then
      -- the pid file is written before the emulator starts, but this loop may
      -- have read it (empty) just before that and the output just after
      pid = pid or tonumber(read_file(files.pid) or "")
      assert(pid, "the emulator printed its URL but its pid file is empty")
      return pid, url, ca
    end
    local dead = pid and not M.alive(pid)
    if dead or socket.gettime() > deadline then
      if pid and not dead then os.execute(("kill -KILL %d 2>/dev/null"):format(pid)) end
      local err = read_file(files.err) or ""
      remove_files(files)
      error(("emulator %s; stderr:\n%s"):format(
        dead and "exited before listening" or ("did not print 'listening' within %gs"):format(M.start_timeout),
        err), 3)
    end
    socket.sleep(0.005)
  end
end

-- One HTTP call of the helper: status, body (decoded when valid JSON), headers.
-- Raises on transport failure.
local function call(srv, method, path, body, headers)
  local h = {}
  for k, v in pairs(headers or {}) do h[k:lower()] = v end
  if body ~= nil and type(body) ~= "string" then body = cjson.encode(body) end
  if body then
    h["content-type"] = h["content-type"] or "application/json"
    h["content-length"] = #body
  end
  local chunks = {}
  local params = {
    url = srv.url .. path, method = method, headers = h,
    source = body and ltn12.source.string(body), sink = ltn12.sink.table(chunks),
  }
  local mod = http
  if srv.ca then
    mod = require "ssl.https"
    params.cafile, params.verify = srv.ca, "peer"
  end
  local old_timeout = mod.TIMEOUT
  mod.TIMEOUT = M.request_timeout
  local ok, res, status, rheaders = pcall(mod.request, params)
  mod.TIMEOUT = old_timeout
  if not (ok and res) then error(("%s %s failed: %s"):format(method, path, tostring(ok and status or res)), 3) end
  local text = table.concat(chunks)
  local decoded = text
  if text ~= "" and (rheaders["content-type"] or ""):find("json", 1, true) then
    local ok_json, value = pcall(cjson.decode, text)
    if ok_json then decoded = value end -- malformed JSON stays a string
  end
  return status, decoded, rheaders
end

local function url_escape(s)
  return (s:gsub("[^%w%-._~]", function(c) return ("%%%02X"):format(c:byte()) end))
end

-- Starts an emulator. opts: tls, token_ttl, access_key, secret_key, host,
-- port, cert_dir, and the generated tenant's seed, alerts, policies,
-- accounts, anchor_ms, rate_limits. Returns the handle described at the top of this file.
function M.start(opts)
  opts = opts or {}
  local base = os.tmpname()
  local files = {base = base, pid = base .. ".pid", out = base .. ".out", err = base .. ".err",
                 certs = opts.tls and base .. ".certs" or nil}
  if files.certs then os.execute("mkdir -m 700 " .. shell_quote(files.certs)) end
  local cmd = command_line(opts, files)
  if not os.execute(cmd) then
    remove_files(files)
    error("cannot run: " .. cmd, 2)
  end
  local pid, url, ca = wait_ready(files, opts.tls)

  local srv = {url = url, ca = ca, pid = pid, files = files}
  local stopped = false

  -- Stops the emulator (SIGTERM, then SIGKILL if it lingers); idempotent.
  function srv.stop()
    if stopped then return end
    stopped = true
    os.execute(("kill -TERM %d 2>/dev/null"):format(pid))
    if not M.wait_exit(pid, M.stop_timeout) then
      os.execute(("kill -KILL %d 2>/dev/null"):format(pid))
      M.wait_exit(pid, M.stop_timeout)
    end
    remove_files(files)
  end

  -- Any call: status, body, headers.
  function srv.request(method, path, body, headers)
    return call(srv, method, path, body, headers)
  end

  -- Queues a scripted fault; returns its id.
  function srv.fault(spec)
    local status, body = call(srv, "POST", "/_emulator/faults", spec)
    assert(status == 201, "fault not queued: " .. cjson.encode(body))
    return body.id
  end

  function srv.clear_faults()
    call(srv, "DELETE", "/_emulator/faults")
  end

  -- The request log, for one path or all.
  function srv.requests(path)
    local status, body = call(srv, "GET", "/_emulator/requests" .. (path and ("?path=" .. url_escape(path)) or ""))
    assert(status == 200, "request log unavailable")
    return body
  end

  function srv.clear_requests()
    call(srv, "DELETE", "/_emulator/requests")
  end

  -- Both: no queued faults, an empty request log.
  function srv.clear()
    srv.clear_faults()
    srv.clear_requests()
  end

  -- Changes settings at run time, e.g. {token_ttl = 2}.
  function srv.config(settings)
    local status, body = call(srv, "POST", "/_emulator/config", settings)
    assert(status == 200, "config refused: " .. cjson.encode(body))
    return body
  end

  -- Logs in with the emulator's keys (or the given ones); returns the token.
  function srv.login(access_key, secret_key)
    local status, body = call(srv, "POST", "/login", {
      username = access_key or opts.access_key or "test-key",
      password = secret_key or opts.secret_key or "test-secret",
    })
    assert(status == 200, "login failed with HTTP " .. tostring(status))
    return body.token
  end

  -- The emulator's stderr so far.
  function srv.stderr()
    return read_file(files.err) or ""
  end

  return srv
end

return M
