-- prismacloud.emulator: a local imitation of the Prisma Cloud CSPM API for tests, examples and
-- demos: the app on top of the HTTP engine (prismacloud.emulator.http). It takes each request
-- through one path (handle): the request log, a scripted fault, the token check, then the route.
--
--   local emulator = require "prismacloud.emulator"
--   local handler, app = emulator.new{token_ttl = 60}     -- plug into http.listen
--   local server = emulator.listen{port = 8080}           -- or listen, then server:loop()
--   emulator.serve{port = 8080}                           -- or both at once
--
-- Who answers: a hand-written route of one of the API modules (ROUTE_MODULES, each with
-- register(router, app), serving the seeded tenant in app.state: see state.lua and data.lua),
-- else the spec-driven fallback (fallback.lua) for any other documented operation; the answer's
-- X-Emulator-Route header names the module, or "spec". Beside the API: test routes (/_test/,
-- test_routes.lua), the control plane (/_emulator/, control_plane.lua) and scripted faults
-- (faults.lua). Routes take fn(req, params) and return {status =, headers =, body =} (http.lua).
local cqueues = require "cqueues"
local api = require "prismacloud.emulator.api"
local auth = require "prismacloud.emulator.auth"
local control_plane = require "prismacloud.emulator.control_plane"
local fallback = require "prismacloud.emulator.fallback"
local faults = require "prismacloud.emulator.faults"
local http = require "prismacloud.emulator.http"
local referee = require "prismacloud.emulator.referee"
local state_mod = require "prismacloud.emulator.state"
local test_routes = require "prismacloud.emulator.test_routes"
local operations = require "prismacloud.operations"

-- The modules whose routes answer API operations, in registration order (account groups before
-- cloud accounts: /cloud/group/{id} must win over /cloud/{cloud_type}/{id}).
local ROUTE_MODULES = {
  "auth", "alerts", "alert_jobs", "policies", "account_groups", "cloud_accounts", "compliance", "audit_logs",
  "search", "search_events", "search_iam", "search_network", "search_alert", "search_suggest", "saved_searches",
  "roles", "users", "resource_lists", "collections", "reports", "alert_rules", "integrations",
  "notification_templates", "permission_groups", "access_keys", "settings", "trusted_ips", "licensing",
  "inventory", "resources"
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
-- The app: one path for every request.
--------------------------------------------------------------------------

local App = {}
App.__index = App

-- Whether path needs no token (unless its route says auth = true).
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
  -- a route's parameter does not take a path the reference names as an operation of its own
  -- (POST /search/api/v1/config/async is no saved search "async")
  local literal = req.operation and not operations[req.operation].path:find("{", 1, true)
  if route and literal and route.pattern:find(":", 1, true) then route = nil end
  local opts = route and route.opts or {}
  if opts.auth or not (is_public(req.path) or opts.public) then
    local claims, key = auth.authenticate(self, req)
    if not claims then return api.redlock_error(401, key) end
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
    return api.spring_error(405, ("Request method '%s' is not supported"):format(req.method), req.path,
      {Allow = table.concat(found, ", ")})
  end
  return api.spring_error(404, "No message available", req.path)
end

-- The handler: log, scripted faults first, then normal routing; with the referee on, an
-- exchange of a catalog operation (no fault scripted) is checked against the reference.
function App:handle(req)
  local entry = control_plane.record(self, req)
  local id, _, params = self.matcher:find(req.method, req.path)
  req.operation, req.path_params = id, params
  local fault = faults.take(self, req)
  local scripted = fault and faults.response(fault)
  local res = scripted or self:route(req)
  if fault then faults.apply(res, fault, scripted) end
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
    next_fault_id = 0, jwt_key = auth.new_key(), clock = cqueues.monotime,
  }, App)
  app.state = state_mod.new(config)
  for _, name in ipairs(ROUTE_MODULES) do
    -- each route says which module serves it (X-Emulator-Route)
    local tagging = setmetatable({add = function(_, method, pattern, fn, o)
      o = o or {}
      o.module = o.module or name
      return app.router:add(method, pattern, fn, o)
    end}, {__index = app.router})
    require("prismacloud.emulator." .. name).register(tagging, app)
  end
  test_routes.register(app.router)
  control_plane.register(app.router, app)
  faults.register(app.router, app)
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
