-- spec/support/server.lua: runs the emulator (bin/prismacloud-emulator) as a
-- separate process for the specs, and talks to its control plane with
-- lua-socket (never with the client under test).
--
--   local srv = server.start{tls = true, token_ttl = 1}
--   srv.url, srv.ca, srv.pid
--   srv.fault{path = "/v2/alert", status = 503, times = 2}
--   srv.fault{path = "*", skip = 4, status = 400} -- the fifth API request, whatever its path
--   srv.requests("/v2/alert")   --> the request log for that path
--   srv.clear()                 --> no faults, empty log (also clear_faults, clear_requests)
--   srv.login(), srv.config{token_ttl = 2}, srv.request(method, path, body, headers)
--   srv.stop()
--   local fx = server.fixture{alerts = 500}  -- in a describe: fx.srv and a logged-in fx.client;
--   fx.only(path), fx.sent(operation_id), fx.nothing_sent(): the request log since the last clear
local http = require "socket.http"
local ltn12 = require "ltn12"
local cjson = require "cjson"
local pcjson = require "prismacloud.json"
local process = require "prismacloud.emulator.process"
local referee = require "spec.support.referee"

local M = {}

M.start_timeout = 10   -- seconds to wait for the "listening" line
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

local shell_quote = require("spec.support.files").shell_quote
local b64url -- below

-- True while pid runs; waits up to timeout seconds for pid to exit (true when it did).
M.alive = process.alive
M.wait_exit = process.wait_exit

-- The emulator's command-line arguments for start{} options.
local function arguments(opts, certs)
  local args = {"--port", tostring(opts.port or 0)}
  for key, value in pairs(opts) do
    local flag = FLAGS[key]
    if key == "tls" or key == "rate_limits" or key == "referee" then
      if value then args[#args + 1] = "--" .. key:gsub("_", "-") end
    elseif not flag then
      error(("server.start: unknown option '%s'"):format(tostring(key)), 3)
    elseif key ~= "port" then
      args[#args + 1] = flag
      args[#args + 1] = tostring(value)
    end
  end
  if certs then
    args[#args + 1] = "--cert-dir"
    args[#args + 1] = certs
  end
  return args
end

-- Removes a generated certificate directory.
local function remove_certs(dir)
  if not dir then return end
  for _, f in ipairs{"ca.pem", "server.pem", "server.key", "other-ca.pem"} do os.remove(dir .. "/" .. f) end
  os.remove(dir)
end

-- One HTTP call of the helper: status, body (decoded when valid JSON), headers.
-- Raises on transport failure.
local function call(srv, method, path, body, headers)
  local h = {}
  for k, v in pairs(headers or {}) do h[k:lower()] = v end
  if body ~= nil and type(body) ~= "string" then
    local ok, text = pcall(pcjson.encode, body) -- json.empty_array is []
    body = ok and text or cjson.encode(body) -- what prismacloud.json refuses (invalid UTF-8, for the hostile specs)
  end
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
    local ok_json, value = pcall(pcjson.decode, text)
    if ok_json then decoded = value end -- malformed JSON stays a string
  end
  return status, decoded, rheaders
end

-- Base64url without padding (the emulator's control plane decodes it).
local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
b64url = function(s)
  return ((s:gsub(".", function(c)
    local bits, b = "", c:byte()
    for i = 8, 1, -1 do bits = bits .. (b % 2 ^ i - b % 2 ^ (i - 1) > 0 and "1" or "0") end
    return bits
  end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
    if #x < 6 then return "" end
    local n = 0
    for i = 1, 6 do n = n * 2 + (x:sub(i, i) == "1" and 1 or 0) end
    return B64:sub(n + 1, n + 1)
  end))
end

local function url_escape(s)
  return (s:gsub("[^%w%-._~]", function(c) return ("%%%02X"):format(c:byte()) end))
end

-- Starts an emulator. opts: tls, token_ttl, access_key, secret_key, host,
-- port, cert_dir, and the generated tenant's seed, alerts, policies,
-- accounts, anchor_ms, rate_limits. Returns the handle described at the top of this file.
function M.start(opts)
  opts = opts or {}
  if opts.referee == nil then
    local copy = {referee = true}
    for k, v in pairs(opts) do copy[k] = v end
    opts = copy
  end
  local certs
  if opts.tls and not opts.cert_dir then
    certs = os.tmpname()
    os.remove(certs)
    os.execute("mkdir -m 700 " .. shell_quote(certs))
  end
  local emu, err = process.start{script = ROOT .. "/bin/prismacloud-emulator", args = arguments(opts, certs),
    tls = opts.tls, lua = "lua5.4", lua_path = ROOT .. "/lua/?.lua;" .. ROOT .. "/lua/?/init.lua;;",
    timeout = M.start_timeout}
  if not emu then
    remove_certs(certs)
    error(err, 2)
  end
  local srv = {url = emu.url, ca = emu.ca, pid = emu.pid}

  -- Stops the emulator (SIGTERM, then SIGKILL if it lingers); idempotent. With the referee on
  -- (the default), then raises if it found what fails the suite (spec/support/referee.lua).
  function srv.stop()
    local ok, list = false, nil
    if opts.referee and M.alive(emu.pid) then ok, list = pcall(srv.take_violations) end
    emu.stop()
    remove_certs(certs)
    certs = nil
    if ok then
      local bad = referee.unexplained(list)
      if #bad > 0 then
        error("the API reference refutes exchanges with the emulator (when it stopped):\n" .. referee.describe(bad), 2)
      end
    end
  end

  -- Any call: status, body, headers.
  function srv.request(method, path, body, headers)
    return call(srv, method, path, body, headers)
  end

  -- Queues a scripted fault; returns its id. A body that is not UTF-8 (the hostile specs' bytes)
  -- goes as body_b64, which JSON can carry.
  function srv.fault(spec)
    if type(spec.body) == "string" and not utf8.len(spec.body) then
      local copy = {}
      for k, v in pairs(spec) do copy[k] = v end
      copy.body, copy.body_b64 = nil, b64url(spec.body)
      spec = copy
    end
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

  -- What the referee found so far (see lua/prismacloud/emulator/referee.lua); take_violations
  -- also makes it forget them. With PC_REFEREE_LOG set, each list is appended to that file too (one
  -- JSON array per line): PC_REFEREE_LOG=/tmp/log make test collects what the whole suite saw.
  local function fetch(clear)
    local status, body = call(srv, "GET", "/_emulator/violations" .. (clear and "?clear=1" or ""))
    assert(status == 200, "violations unavailable")
    local log = os.getenv("PC_REFEREE_LOG")
    if clear and log and log ~= "" and #body > 0 then
      local f = io.open(log, "a")
      if f then
        f:write(cjson.encode(body), "\n")
        f:close()
      end
    end
    return body
  end
  function srv.violations() return fetch(false) end
  function srv.take_violations() return fetch(true) end

  -- True while the emulator process runs.
  function srv.alive() return M.alive(emu.pid) end

  -- The emulator's stderr so far.
  srv.stderr = emu.stderr

  return srv
end

-- Inside a describe block: an emulator (start{} options) and a client of it
-- logged in as test-key / test-secret with no retries (client_opts add or
-- override options) for the whole block, both stopped after it; the
-- emulator's faults and request log are cleared before each test. Returns a
-- table whose srv and client fields are set once the block runs.
function M.fixture(opts, client_opts)
  local busted = require "busted" -- setup and friends are not globals of a required module
  local fx = {}
  busted.setup(function()
    fx.srv = M.start(opts)
    local o = {url = fx.srv.url, access_key = "test-key", secret_key = "test-secret", retries = 0}
    for k, v in pairs(client_opts or {}) do o[k] = v end
    fx.client = require("prismacloud").new(o)
    assert(fx.client:login())
  end)
  busted.teardown(function()
    if fx.client then fx.client:close() end
    if fx.srv then fx.srv.stop() end
  end)
  busted.before_each(function() fx.srv.clear() end)
  local requests = require "spec.support.requests"
  -- the request log since the last clear (see spec/support/requests.lua)
  function fx.only(path) return requests.only(fx.srv, path) end
  function fx.sent(operation_id) return requests.sent(fx.srv, operation_id) end
  function fx.nothing_sent() assert(#fx.srv.requests() == 0, "expected no request") end
  -- The reference referees every test's exchanges (see spec/support/referee.lua).
  local test_name, subscription
  busted.setup(function()
    subscription = busted.subscribe({"test", "start"}, function(element)
      test_name = element.name
      return nil, true
    end)
  end)
  busted.teardown(function()
    if subscription then busted.unsubscribe(subscription.id, {"test", "start"}) end
  end)
  busted.after_each(function()
    if fx.srv and fx.srv.alive() then referee.check(fx.srv, test_name) end
  end)
  return fx
end

return M
