-- prismacloud.emulator: a local imitation of the Prisma Cloud CSPM API for
-- tests, examples and demos. This is the app on top of the HTTP engine
-- (prismacloud.emulator.http): login with signed JWTs that expire, the API's
-- error shapes, test routes (/_test/...), and a control plane (/_emulator/...)
-- for scripted faults, the request log and run-time configuration.
--
--   local emulator = require "prismacloud.emulator"
--   local handler, app = emulator.new{token_ttl = 60}     -- plug into http.listen
--   local server = emulator.listen{port = 8080}           -- or listen, then server:loop()
--   emulator.serve{port = 8080}                           -- or both at once
--
-- Resource families (alerts, policies, groups, accounts, compliance, audit)
-- live in their own modules, each with register(router, app); they serve the
-- seeded tenant in app.state (see state.lua and data.lua), rebuilt when a
-- data option changes through POST /_emulator/config. Routes take
-- fn(req, params) and return {status =, headers =, body =} (see http.lua).
local pjson = require "prismacloud.json"
local cqueues = require "cqueues"
local rand = require "openssl.rand"
local api = require "prismacloud.emulator.api"
local http = require "prismacloud.emulator.http"
local jwt = require "prismacloud.emulator.jwt"
local fallback = require "prismacloud.emulator.fallback"
local referee = require "prismacloud.emulator.referee"
local state_mod = require "prismacloud.emulator.state"

-- The resource families, in registration order (groups before accounts:
-- /cloud/group/{id} must win over /cloud/{cloud_type}/{id}); each module has register(router, app).
local FAMILIES = {
  "alerts", "policies", "groups", "accounts", "compliance", "audit", "search", "csv", "users",
  "lists", "reports", "rules", "integrations", "iam", "settings", "licensing", "inventory"
}

local M = {}

M._VERSION = "0.1.0"

M.defaults = {
  access_key = "test-key",
  secret_key = "test-secret",
  token_ttl = 600,            -- seconds; the API's JWTs live 10 minutes
  customer_name = "emulator",
  prisma_id = "806775661100000001",
  log_cap = 1000,             -- requests kept in the request log
  seed = 1,                   -- the generated tenant's seed
  alerts = 5000,              -- number of generated alerts (made on demand: a million is fine)
  policies = 300,             -- generated built-in policies
  accounts = 9,               -- generated cloud accounts
  audit_logs = 2000,          -- generated audit log entries (over 30 days)
  anchor_ms = 0,              -- newest generated time, epoch ms; 0: start of the current UTC hour
  rate_limits = false,        -- 429 on /v2/alert beyond 2/s, burst 10, per user
  resources = 1000,           -- generated cloud resources for RQL config search (made on demand)
  csv_delay_ms = 1000,        -- how long an alert CSV job stays IN_PROGRESS
  clock_skew = 0,             -- seconds the emulator's clock is ahead (negative: behind) for its tokens
  token_iat = true,           -- issued tokens carry iat (false: exp alone)
  referee = false,            -- check every exchange against the API reference (GET /_emulator/violations)
  violations_cap = 5000,      -- violations kept
}

-- Options of listen/serve that go to the HTTP engine.
local ENGINE_OPTIONS = {host = true, port = true, tls = true, verbose = true}
for k in pairs(http.defaults) do ENGINE_OPTIONS[k] = true end

-- Paths under these prefixes need no token, unless their route says auth = true.
local PUBLIC_PREFIXES = {"/_test/", "/_emulator/"}

--------------------------------------------------------------------------
-- Small helpers (responses, the clock: api.lua, shared with the families).
--------------------------------------------------------------------------

local now, now_ms = api.now, api.now_ms
local json, json_text, redlock_status, redlock_error, spring_error = api.json, api.json_text, api.redlock_status,
  api.redlock_error, api.spring_error
local bad_argument = api.bad_argument
M.json, M.redlock_status, M.redlock_error, M.spring_error = json, redlock_status, redlock_error, spring_error

local function hex(bytes)
  return (bytes:gsub(".", function(c) return ("%02x"):format(c:byte()) end))
end

-- The first value of a query parameter (repeated names give arrays).
local query_value = api.query

-- A query parameter as a non-negative integer: default when absent, nil
-- and a message when not a number.
local function query_count(req, name, default, max)
  local raw = query_value(req, name)
  if raw == nil then return default end
  local n = math.tointeger(tonumber(raw))
  if not n or n < 0 or n > max then
    return nil, ("query parameter '%s' must be an integer from 0 to %d"):format(name, max)
  end
  return n
end

-- Encodes a Lua list as a JSON array (even empty).
local function encode_array(list)
  return pjson.encode(setmetatable(list, pjson.array_mt))
end

-- Decodes a JSON object request body; nil and an error response when it is not one.
local function json_object(req)
  local ok, value = pcall(pjson.decode, req.body ~= "" and req.body or "{}")
  if not ok or type(value) ~= "table" then return nil, bad_argument("request body must be a JSON object") end
  return value
end

--------------------------------------------------------------------------
-- The app.
--------------------------------------------------------------------------

local App = {}
App.__index = App

-- A new JWT for sub with iat, exp = iat + token_ttl (millisecond precision,
-- so a 1-second token expires 1 second after it was issued), and a unique jti.
function App:issue_token(sub)
  local iat = now_ms() / 1000 + self.config.clock_skew
  local claims = {sub = sub, iat = iat, exp = iat + self.config.token_ttl, jti = hex(rand.bytes(8)),
                  customerName = self.config.customer_name}
  if not self.config.token_iat then claims.iat = nil end
  return jwt.sign(claims, self.jwt_key)
end

-- The body of a login or extend: {token, message, customerNames, roles}.
function App:session_body(sub)
  return {
    token = self:issue_token(sub),
    message = "login_successful",
    customerNames = {{customerName = self.config.customer_name, prismaId = self.config.prisma_id,
                      tosAccepted = true}},
    roles = {"System Admin"},
  }
end

-- Checks x-redlock-auth: claims, or nil and the i18nKey to answer with.
function App:authenticate(req)
  local token = req.headers["x-redlock-auth"]
  if not token or token == "" then return nil, "invalid_auth_token" end
  local claims, why = jwt.verify(token, self.jwt_key, now() + self.config.clock_skew)
  if claims then return claims end
  return nil, why == "expired" and "token_expired" or "invalid_auth_token"
end

-- Appends req to the request log (not for /_emulator/ paths); returns the entry.
function App:record(req)
  if req.path:sub(1, 11) == "/_emulator/" then return nil end
  local headers = {}
  for name, value in pairs(req.headers) do headers[name] = value end
  local auth_present = headers["x-redlock-auth"] ~= nil
  if auth_present then headers["x-redlock-auth"] = "<redacted>" end
  local entry = {
    method = req.method, path = req.path, rawquery = req.rawquery, headers = headers,
    auth_present = auth_present, body = req.body, time_ms = now_ms(),
  }
  local log = self.requests
  log[#log + 1] = entry
  if #log > self.config.log_cap then table.remove(log, 1) end
  return entry
end

-- Takes the first queued fault matching req, consuming one of its times. A fault's path "*"
-- matches every path but the control plane's (/_emulator/); a fault with skip = n lets n matching
-- requests through first.
function App:take_fault(req)
  for i, fault in ipairs(self.faults) do
    local path_ok = fault.path == req.path or fault.path == "*" and req.path:sub(1, 11) ~= "/_emulator/"
    if path_ok and (fault.method == "*" or fault.method == req.method) and fault.skip > 0 then
      fault.skip = fault.skip - 1
    elseif path_ok and (fault.method == "*" or fault.method == req.method) then
      fault.times = fault.times - 1
      if fault.times <= 0 then table.remove(self.faults, i) end
      return fault
    end
  end
  return nil
end

local function is_public(path)
  for _, prefix in ipairs(PUBLIC_PREFIXES) do
    if path:sub(1, #prefix) == prefix then return true end
  end
  return false
end

-- Routes req: authentication (except public routes), then the route's
-- function, or a Spring-style 404/405.
function App:route(req)
  local route, found = self.router:find(req.method, req.path)
  local opts = route and route.opts or {}
  if opts.auth or not (is_public(req.path) or opts.public) then
    local claims, key = self:authenticate(req)
    if not claims then return redlock_error(401, key) end
    req.claims = claims
  end
  if route then
    local res = route.fn(req, found, self)
    if opts.module and type(res) == "table" then
      res.headers = res.headers or {}
      res.headers["X-Emulator-Route"] = opts.module
    end
    return res
  end
  if req.operation then -- a documented operation without a hand-written route
    local res = fallback.answer(self, req)
    res.headers["X-Emulator-Route"] = "spec"
    return res
  end
  if #found > 0 then
    return spring_error(405, ("Request method '%s' is not supported"):format(req.method), req.path,
      {Allow = table.concat(found, ", ")})
  end
  return spring_error(404, "No message available", req.path)
end

-- The response to a scripted fault that replaces the normal one, or nil
-- when the fault only modifies it (just stall_ms, reset, truncate, close,
-- drop, trickle, headers).
local function fault_response(fault)
  if fault.status == nil and fault.body == nil and not fault.malformed then return nil end
  local headers, has_type = {}, false
  for k, v in pairs(fault.headers or {}) do
    headers[k] = v
    if k:lower() == "content-type" then has_type = true end
  end
  local body = fault.body
  if fault.malformed then
    body = '{"a": [1, 2,'
  elseif body ~= nil and type(body) ~= "string" then
    body = pjson.encode(body)
  end
  if body and body ~= "" and not has_type then headers["Content-Type"] = "application/json; charset=UTF-8" end
  return {status = fault.status or 200, headers = headers, body = body or ""}
end

-- Applies a fault's actions to a response; a modifying fault's headers are
-- added to the routed response's.
local function apply_fault(res, fault, scripted)
  res.stall_ms, res.reset, res.truncate = fault.stall_ms, fault.reset, fault.truncate
  res.close = res.close or fault.close
  res.bare_lf, res.unterminated = fault.bare_lf, fault.unterminated
  res.drop, res.trickle_ms = fault.drop, fault.trickle_ms
  res.trickle_bytes = fault.trickle_bytes and math.tointeger(fault.trickle_bytes)
  if fault.headers and not scripted then
    res.headers = res.headers or {}
    for k, v in pairs(fault.headers) do res.headers[k] = v end
  end
  return res
end

-- The handler: log, scripted faults first, then normal routing; with the referee on, an
-- exchange of a catalog operation (no fault scripted) is checked against the reference.
function App:handle(req)
  local entry = self:record(req)
  local id, _, params = self.matcher:find(req.method, req.path)
  req.operation, req.path_params = id, params
  local fault = self:take_fault(req)
  local scripted = fault and fault_response(fault)
  local res = scripted or self:route(req)
  if fault then apply_fault(res, fault, scripted) end
  if entry then entry.status = res.status end
  if req.unevaluated then -- RQL conditions the emulator accepted without evaluating them
    res.headers = res.headers or {}
    res.headers["X-Emulator-Unevaluated"] = table.concat(req.unevaluated, " | ")
  end
  if self.config.referee and not fault and entry and req.operation then
    referee.record(self.violations, self.config.violations_cap, req.operation, req, res, req.path_params)
  end
  return res
end

--------------------------------------------------------------------------
-- Routes: the API.
--------------------------------------------------------------------------

local function add_api_routes(app, r)
  r:add("POST", "/login", function(req)
    local body = json_object(req)
    local cfg = app.config
    local own = body and body.username == cfg.access_key and body.password == cfg.secret_key
    -- or an access key made through the API (POST /access_keys)
    local users = require "prismacloud.emulator.users"
    if not own and not (body and users.key_login(app, body.username, body.password)) then
      return redlock_error(401, "invalid_credentials")
    end
    return json(200, app:session_body(body.username))
  end, {public = true, module = "auth"})

  r:add("GET", "/auth_token/extend", function(req)
    return json(200, app:session_body(req.claims.sub))
  end, {module = "auth"})

  -- Any method: for auth and retry tests (POST too, e.g. idempotent retries).
  r:add("*", "/v2/ping", function() return json(200, {ok = true}) end)
end

--------------------------------------------------------------------------
-- Routes: /_test/ (no auth), fixed behaviours for the client's specs.
--------------------------------------------------------------------------

local function bytes_of(size)
  local block = {}
  for i = 0, 255 do block[#block + 1] = string.char(i) end
  block = table.concat(block)
  return block:rep(size // 256 + 1):sub(1, size)
end

local function add_test_routes(_, r)
  r:add("*", "/_test/echo", function(req)
    return json(200, {
      method = req.method, path = req.path, rawquery = req.rawquery, query = req.query,
      headers = req.headers, body = req.body, conn = req.conn.id, conn_requests = req.conn.requests,
    })
  end)

  r:add("*", "/_test/status/:code", function(req, params)
    local code = math.tointeger(tonumber(params.code))
    if not code or code < 200 or code > 599 then return bad_argument("status must be 200..599", "code") end
    local headers = {}
    local retry_after = query_value(req, "retry_after")
    if retry_after then headers["Retry-After"] = retry_after end
    return json(code, {status = code}, headers)
  end)

  -- A gzip bomb: `mb` megabytes of a JSON string of zeros, compressed to a few hundred KB.
  r:add("GET", "/_test/gzip_bomb", function(req)
    local mb, err = query_count(req, "mb", 16, 256)
    if not mb then return bad_argument(err, "mb") end
    local res = json_text(200, '"' .. ("0"):rep(mb * 1024 * 1024) .. '"')
    res.gzip = true
    return res
  end)

  r:add("GET", "/_test/gzip", function(req)
    local size, err = query_count(req, "size", 100, 1000000)
    if not size then return bad_argument(err, "size") end
    local items = {}
    for i = 1, size do items[i] = {id = i, name = "item-" .. i, ok = true} end
    local res = json_text(200, encode_array(items))
    res.gzip = true
    return res
  end)

  r:add("GET", "/_test/stall", function(req)
    local ms, err = query_count(req, "ms", 1000, 3600000)
    if not ms then return bad_argument(err, "ms") end
    local res = json(200, {stalled_ms = ms})
    res.stall_ms = ms
    return res
  end)

  r:add("GET", "/_test/reset", function()
    local res = json_text(200, encode_array((function()
      local t = {}
      for i = 1, 500 do t[i] = {id = i} end
      return t
    end)()))
    res.reset = true
    return res
  end)

  r:add("GET", "/_test/truncated", function()
    local res = json(200, {data = ("x"):rep(4096)})
    res.truncate = true
    return res
  end)

  r:add("GET", "/_test/malformed", function() return json_text(200, '{"a": [1, 2,') end)

  r:add("GET", "/_test/text", function()
    return {status = 200, headers = {["Content-Type"] = "text/plain; charset=UTF-8"}, body = "hello"}
  end)

  r:add("GET", "/_test/bytes", function(req)
    local size, err = query_count(req, "size", 1024, 256 * 1024 * 1024)
    if not size then return bad_argument(err, "size") end
    return {status = 200, headers = {["Content-Type"] = "application/octet-stream"}, body = bytes_of(size)}
  end)

  r:add("GET", "/_test/redlock_error", function()
    local res = json_text(400, '{"error":{"code":"BadArgument","message":"bad severity",' ..
      '"target":"policy.severity","details":{}}}')
    res.headers["x-redlock-status"] = redlock_status("invalid_parameter_value", "policy.severity")
    res.headers["x-request-id"] = "test-req-1"
    return res
  end)

  r:add("GET", "/_test/spring_error", function(req)
    return spring_error(404, "no such thing", req.path)
  end)

  -- A paginated listing that needs a token: 20 pages of 5 items, page=0..19,
  -- "next" is the next page or null; stall_ms delays each page (so a listing
  -- can outlive a short token).
  r:add("GET", "/_test/auth/pages", function(req)
    local page, err = query_count(req, "page", 0, 19)
    if not page then return bad_argument(err, "page") end
    local stall, serr = query_count(req, "stall_ms", 0, 60000)
    if not stall then return bad_argument(serr, "stall_ms") end
    local items = {}
    for i = 1, 5 do items[i] = page * 5 + i end
    local res = json(200, {page = page, items = items, next = page < 19 and page + 1 or pjson.null})
    res.stall_ms = stall
    return res
  end, {auth = true})

  r:add("GET", "/_test/stats", function(req)
    return json(200, {connections = req.server.stats.connections, requests = req.server.stats.requests})
  end)
end

--------------------------------------------------------------------------
-- Routes: /_emulator/ (no auth), the control plane.
--------------------------------------------------------------------------

-- Field checks of a fault spec: key -> function(value) returning ok.
local FAULT_FIELDS = {
  method = function(v) return type(v) == "string" and v:match("^[%a*]+$") end,
  -- "*": any API path
  path = function(v) return type(v) == "string" and (v:sub(1, 1) == "/" or v == "*") end,
  times = function(v) return type(v) == "number" and math.tointeger(v) and v >= 1 end,
  -- matching requests let through first
  skip = function(v) return type(v) == "number" and math.tointeger(v) and v >= 0 end,
  status = function(v) return type(v) == "number" and math.tointeger(v) and v >= 100 and v <= 999 end,
  headers = function(v)
    if type(v) ~= "table" then return false end
    for k, x in pairs(v) do
      if type(k) ~= "string" or not (type(x) == "string" or type(x) == "number") then return false end
    end
    return true
  end,
  body = function(v) return v ~= nil end,
  body_b64 = function(v) return type(v) == "string" end, -- the body's bytes, base64url (any bytes)
  stall_ms = function(v) return type(v) == "number" and v >= 0 end,
  reset = function(v) return type(v) == "boolean" end,
  truncate = function(v) return type(v) == "boolean" end,
  malformed = function(v) return type(v) == "boolean" end,
  close = function(v) return type(v) == "boolean" end,
  drop = function(v) return type(v) == "boolean" end,         -- close without answering (an empty reply)
  trickle_ms = function(v) return type(v) == "number" and v >= 1 end, -- the body a chunk at a time, this far apart
  -- the chunk size of a trickle (default 1)
  trickle_bytes = function(v) return type(v) == "number" and math.tointeger(v) ~= nil and v >= 1 end,
  bare_lf = function(v) return type(v) == "boolean" end,      -- header lines end in LF alone
  unterminated = function(v) return type(v) == "boolean" end, -- the header block never ends, then close
}

-- Validates a decoded fault spec; returns the fault or nil and a message.
local function make_fault(spec)
  for k, v in pairs(spec) do
    local check = FAULT_FIELDS[k]
    if not check then return nil, ("unknown fault field '%s'"):format(tostring(k)), k end
    if not check(v) then return nil, ("bad fault field '%s'"):format(k), k end
  end
  if not spec.path then return nil, "fault needs a path", "path" end
  local fault = {}
  for k, v in pairs(spec) do fault[k] = v end
  fault.method = (spec.method or "*"):upper()
  fault.times = math.tointeger(spec.times or 1)
  fault.skip = math.tointeger(spec.skip or 0)
  fault.status = spec.status and math.tointeger(spec.status)
  if spec.body_b64 then
    fault.body = jwt.b64url_decode(spec.body_b64)
    if not fault.body then return nil, "bad fault field 'body_b64'", "body_b64" end
    fault.body_b64 = nil
  end
  return fault
end

-- A fault as JSON for GET /_emulator/faults.
local function describe_fault(f)
  return {id = f.id, method = f.method, path = f.path, times = f.times, status = f.status}
end

local function count_field(max)
  return function(v) return type(v) == "number" and math.tointeger(v) ~= nil and v >= 1 and v <= max end
end

local CONFIG_FIELDS = {
  token_ttl = function(v) return type(v) == "number" and v > 0 end,
  access_key = function(v) return type(v) == "string" and v ~= "" end,
  secret_key = function(v) return type(v) == "string" and v ~= "" end,
  seed = function(v) return type(v) == "number" and math.tointeger(v) ~= nil end,
  alerts = count_field(100000000),
  policies = count_field(100000),
  accounts = count_field(10000),
  audit_logs = count_field(100000000),
  anchor_ms = function(v) return type(v) == "number" and math.tointeger(v) ~= nil and v >= 0 end,
  rate_limits = function(v) return type(v) == "boolean" end,
  resources = count_field(10000000),
  csv_delay_ms = function(v) return type(v) == "number" and math.tointeger(v) ~= nil and v >= 0 end,
  clock_skew = function(v) return type(v) == "number" and v > -1e6 and v < 1e6 end,
  token_iat = function(v) return type(v) == "boolean" end,
  referee = function(v) return type(v) == "boolean" end,
}

local function add_control_routes(app, r)
  r:add("POST", "/_emulator/faults", function(req)
    local spec, bad = json_object(req)
    if not spec then return bad end
    local fault, err, field = make_fault(spec)
    if not fault then return bad_argument(err, field) end
    app.next_fault_id = app.next_fault_id + 1
    fault.id = app.next_fault_id
    app.faults[#app.faults + 1] = fault
    return json(201, {id = fault.id, queued = #app.faults})
  end)

  r:add("GET", "/_emulator/faults", function()
    local list = {}
    for i, f in ipairs(app.faults) do list[i] = describe_fault(f) end
    return json_text(200, encode_array(list))
  end)

  r:add("DELETE", "/_emulator/faults", function()
    local n = #app.faults
    app.faults = {}
    return json(200, {cleared = n})
  end)

  r:add("GET", "/_emulator/requests", function(req)
    local path = query_value(req, "path")
    local list = {}
    for _, entry in ipairs(app.requests) do
      if path == nil or entry.path == path then list[#list + 1] = entry end
    end
    return json_text(200, encode_array(list))
  end)

  r:add("DELETE", "/_emulator/requests", function()
    local n = #app.requests
    app.requests = {}
    return json(200, {cleared = n})
  end)

  r:add("POST", "/_emulator/config", function(req)
    local body, bad = json_object(req)
    if not body then return bad end
    for k, v in pairs(body) do
      local check = CONFIG_FIELDS[k]
      if not check then return bad_argument(("unknown config field '%s'"):format(tostring(k)), k) end
      if not check(v) then return bad_argument(("bad config field '%s'"):format(k), k) end
    end
    local rebuild = false
    for k, v in pairs(body) do
      app.config[k] = type(v) == "number" and math.tointeger(v) or v
      if state_mod.DATA_OPTIONS[k] then rebuild = true end
    end
    if rebuild then app.state = state_mod.new(app.config) end
    return json(200, {token_ttl = app.config.token_ttl})
  end)

  -- What the referee found (see referee.lua).
  -- ?clear=1: and forget them.
  r:add("GET", "/_emulator/violations", function(req)
    local list = app.violations.list
    if query_value(req, "clear") == "1" then app.violations = referee.new_log() end
    return json_text(200, encode_array(list))
  end)

  r:add("DELETE", "/_emulator/violations", function()
    local n = #app.violations.list
    app.violations = referee.new_log()
    return json(200, {cleared = n})
  end)

  -- Memory and state sizes: ?gc=1 collects garbage first.
  r:add("GET", "/_emulator/stats", function(req)
    if query_value(req, "gc") == "1" then collectgarbage("collect") end
    local st = app.state
    return json(200, {
      memory_kb = collectgarbage("count"), alerts = st.world.alert_count, changed_alerts = st.changed,
      policies = #st.policies.order, account_groups = #st.groups.order, cloud_accounts = #st.accounts.order,
      seed = st.world.seed, anchor_ms = st.world.anchor_ms, generation = st.generation,
      requests = req.server and req.server.stats.requests or 0,
    })
  end)
end

-- Checks option keys and types against the defaults; raises naming the key.
local function check_options(opts)
  if opts == nil then return {} end
  if type(opts) ~= "table" then error("emulator: table of options expected", 3) end
  for k, v in pairs(opts) do
    local default = M.defaults[k]
    if default == nil and not ENGINE_OPTIONS[k] then error(("emulator: unknown option '%s'"):format(k), 3) end
    if default ~= nil and type(v) ~= type(default) then
      error(("emulator: bad option '%s' (%s expected, got %s)"):format(k, type(default), type(v)), 3)
    end
  end
  return opts
end

-- Builds the app. Returns the request handler (for http.listen) and the
-- app object (router, config, faults, requests) for extensions and tests.
function M.new(opts)
  opts = check_options(opts)
  local config = {}
  for k, v in pairs(M.defaults) do config[k] = v end
  for k, v in pairs(opts) do
    if M.defaults[k] ~= nil then config[k] = v end
  end
  local app = setmetatable({
    config = config, router = http.router(), faults = {}, requests = {}, violations = referee.new_log(),
    matcher = referee.matcher(),
    next_fault_id = 0, jwt_key = rand.bytes(32), clock = cqueues.monotime,
  }, App)
  app.state = state_mod.new(config)
  add_api_routes(app, app.router)
  for _, name in ipairs(FAMILIES) do
    -- each route says which module serves it (X-Emulator-Route)
    local tagging = setmetatable({add = function(_, method, pattern, fn, o)
      o = o or {}
      o.module = o.module or name
      return app.router:add(method, pattern, fn, o)
    end}, {__index = app.router})
    require("prismacloud.emulator." .. name).register(tagging, app)
  end
  add_test_routes(app, app.router)
  add_control_routes(app, app.router)
  return function(req) return app:handle(req) end, app
end

-- Builds the app and listens: returns the HTTP server (see http.lua: url,
-- loop, stop, wrap) and the app. opts: those of new and of http.listen.
function M.listen(opts)
  opts = check_options(opts)
  local handler, app = M.new(opts)
  local listen_opts = {handler = handler}
  for k, v in pairs(opts) do
    if ENGINE_OPTIONS[k] then listen_opts[k] = v end
  end
  return http.listen(listen_opts), app
end

-- Listens and serves until the server is stopped.
function M.serve(opts)
  local server = M.listen(opts)
  server:loop()
end

return M
