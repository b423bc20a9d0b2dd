-- prismacloud.emulator.control_plane: what a test or a script asks the emulator itself, under
-- /_emulator/ (no token needed; scripted faults are faults.lua's):
--
--   GET /_emulator/requests[?path=]     the request log, oldest first (x-redlock-auth redacted)
--   DELETE /_emulator/requests          forget it -> {cleared}
--   POST /_emulator/config              change options at run time (CONFIG_FIELDS); a data option
--                                       (state.DATA_OPTIONS) rebuilds the tenant
--   GET /_emulator/violations[?clear=1] what the referee found (see referee.lua)
--   DELETE /_emulator/violations        forget it -> {cleared}
--   GET /_emulator/stats[?gc=1]         memory and state sizes (gc=1: collect garbage first)
local api = require "prismacloud.emulator.api"
local referee = require "prismacloud.emulator.referee"
local state_mod = require "prismacloud.emulator.state"

local M = {}

-- Appends req to app's request log (not a control plane request); returns the entry.
function M.record(app, req)
  if req.path:sub(1, 11) == "/_emulator/" then return nil end
  local headers = {}
  for name, value in pairs(req.headers) do headers[name] = value end
  local auth_present = headers["x-redlock-auth"] ~= nil
  if auth_present then headers["x-redlock-auth"] = "<redacted>" end
  local entry = {
    method = req.method, path = req.path, rawquery = req.rawquery, headers = headers,
    auth_present = auth_present, body = req.body, time_ms = api.now_ms(),
  }
  local log = app.requests
  log[#log + 1] = entry
  if #log > app.config.log_cap then table.remove(log, 1) end
  return entry
end

-- A check of a whole number from min to max.
local function count_from(min, max)
  return function(v) return type(v) == "number" and math.tointeger(v) ~= nil and v >= min and v <= max end
end

local function boolean(v) return type(v) == "boolean" end

local function non_empty(v) return type(v) == "string" and v ~= "" end

-- The options POST /_emulator/config may change: key -> function(value) returning ok.
M.CONFIG_FIELDS = {
  token_ttl = function(v) return type(v) == "number" and v > 0 end,
  access_key = non_empty,
  secret_key = non_empty,
  seed = count_from(math.mininteger, math.maxinteger),
  alerts = count_from(1, 100000000),
  policies = count_from(1, 100000),
  accounts = count_from(1, 10000),
  audit_logs = count_from(1, 100000000),
  anchor_ms = count_from(0, math.maxinteger),
  rate_limits = boolean,
  resources = count_from(1, 10000000),
  csv_delay_ms = count_from(0, math.maxinteger),
  clock_skew = function(v) return type(v) == "number" and v > -1e6 and v < 1e6 end,
  token_iat = boolean,
  referee = boolean,
}

-- Adds the routes above.
function M.register(router, app)
  router:add("GET", "/_emulator/requests", function(req)
    local path = api.query(req, "path")
    local list = api.array{}
    for _, entry in ipairs(app.requests) do
      if path == nil or entry.path == path then list[#list + 1] = entry end
    end
    return api.json(200, list)
  end)

  router:add("DELETE", "/_emulator/requests", function()
    local n = #app.requests
    app.requests = {}
    return api.json(200, {cleared = n})
  end)

  router:add("POST", "/_emulator/config", function(req)
    local body, bad = api.json_object(req)
    if not body then return bad end
    for k, v in pairs(body) do
      local check = M.CONFIG_FIELDS[k]
      if not check then return api.bad_argument(("unknown config field '%s'"):format(tostring(k)), k) end
      if not check(v) then return api.bad_argument(("bad config field '%s'"):format(k), k) end
    end
    local rebuild = false
    for k, v in pairs(body) do
      app.config[k] = type(v) == "number" and math.tointeger(v) or v
      if state_mod.DATA_OPTIONS[k] then rebuild = true end
    end
    if rebuild then app.state = state_mod.new(app.config) end
    return api.json(200, {token_ttl = app.config.token_ttl})
  end)

  router:add("GET", "/_emulator/violations", function(req)
    local list = api.array(app.violations.list)
    if api.query(req, "clear") == "1" then app.violations = referee.new_log() end
    return api.json(200, list)
  end)

  router:add("DELETE", "/_emulator/violations", function()
    local n = #app.violations.list
    app.violations = referee.new_log()
    return api.json(200, {cleared = n})
  end)

  router:add("GET", "/_emulator/stats", function(req)
    if api.query(req, "gc") == "1" then collectgarbage("collect") end
    local st = app.state
    return api.json(200, {
      memory_kb = collectgarbage("count"), alerts = st.world.alert_count, changed_alerts = st.changed,
      policies = #st.policies.order, account_groups = #st.groups.order, cloud_accounts = #st.accounts.order,
      seed = st.world.seed, anchor_ms = st.world.anchor_ms, generation = st.generation,
      requests = req.server and req.server.stats.requests or 0,
    })
  end)
end

return M
