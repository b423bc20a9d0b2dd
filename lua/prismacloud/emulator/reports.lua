-- prismacloud.emulator.reports: compliance report configurations and their files (Reports.json).
--
--   GET /report                              report configs (filters: cloud.type, cloud.account,
--                                            cloud.region, account.group, policy.complianceStandard,
--                                            report.frequency, report.schedule, report.email.recipients,
--                                            report_view)
--   POST /report, POST /v2/report            add a config; the report generates for delay_ms
--   GET /report/type                         report types by cloud type
--   GET|PUT|DELETE /report/{id}              one config (DELETE answers 204)
--   GET /report/{id}/download                the latest file: 204 while pending, then a PDF
--   GET /report/{id}/history                 its generated instances (405 for configs made by POST /report)
--   GET /report/{id}/{lastScheduled}         one instance; .../download its file
--   GET /filter/report/suggest              the report filters and their options; POST: one filter's options
--   POST /_emulator/reports                  {delay_ms =, size =, fail =} for tests: how long a new
--                                            report stays pending (default 1000), the file size in
--                                            bytes (default 3 MiB), the next `fail` reports end failed
--
-- The status of a report config is not enumerated by the reference: here it is
-- "pending" while the report generates, then "completed" (or "failed"). The
-- file is a deterministic PDF-looking text of exactly `size` bytes, made from
-- (seed, report id, size), so two downloads of one report are byte-equal.
-- Three completed reports are seeded per world.
local api = require "prismacloud.emulator.api"
local data = require "prismacloud.emulator.data"
local json = require "prismacloud.json"
local state_mod = require "prismacloud.emulator.state"

local M = {}

M.DEFAULT_DELAY_MS = 1000
M.DEFAULT_SIZE = 3 * 1024 * 1024
M.MAX_SIZE = 256 * 1024 * 1024
M.MAX_REPORTS = 500
M.SALT = 300 -- uuid salt of report ids

local array = api.array

local CLOUD_TYPES = {aws = true, azure = true, gcp = true, alibaba_cloud = true, oci = true}
local TYPES = {COMPLIANCE = true, RIS = true, INVENTORY_OVERVIEW = true, INVENTORY_DETAIL = true}
local TYPES_BY_CLOUD = {
  aws = {"COMPLIANCE", "RIS", "INVENTORY_OVERVIEW", "INVENTORY_DETAIL"},
  azure = {"COMPLIANCE", "RIS", "INVENTORY_OVERVIEW", "INVENTORY_DETAIL"},
  gcp = {"COMPLIANCE", "RIS", "INVENTORY_OVERVIEW", "INVENTORY_DETAIL"},
  alibaba_cloud = {"COMPLIANCE", "INVENTORY_OVERVIEW", "INVENTORY_DETAIL"},
  oci = {"COMPLIANCE", "INVENTORY_OVERVIEW", "INVENTORY_DETAIL"},
}

-- Test settings, kept across state rebuilds.
local function settings(app)
  app.report_settings = app.report_settings or {delay_ms = M.DEFAULT_DELAY_MS, size = M.DEFAULT_SIZE, fail = 0}
  return app.report_settings
end

local function strings(v)
  local out = array{}
  if type(v) ~= "table" then return out end
  for _, x in ipairs(v) do
    if type(x) == "string" then out[#out + 1] = x end
  end
  return out
end

-- The stored reports of the tenant, seeded on first use.
local function store(app)
  local st = app.state
  if st.reports then return st.reports end
  st.reports = state_mod.new_store()
  st.report_count = 0
  local w = st.world
  local seeds = {{"Weekly AWS posture", "aws", "COMPLIANCE"}, {"Azure risk summary", "azure", "RIS"},
                 {"GCP inventory", "gcp", "INVENTORY_OVERVIEW"}}
  for i, s in ipairs(seeds) do
    st.report_count = i
    local created = w.anchor_ms - (10 - i) * data.DAY_MS
    local r = {
      id = data.uuid(w.seed, M.SALT, i), name = s[1], cloudType = s[2], type = s[3], locale = "en_us",
      target = {timeRange = {type = "to_now", value = "epoch"}, accounts = array{}, accountGroups = array{},
                regions = array{}, complianceStandardIds = array{}, notifyTo = array{"secops@example.com"},
                scheduleEnabled = false, downloadNow = false, compressionEnabled = false},
      createdBy = data.USERS[1], createdOn = created, lastModifiedBy = data.USERS[1], lastModifiedOn = created,
      ready_at = -math.huge, fails = false, legacy = false, generated = created + 60000,
    }
    st.reports:put(r.id, r)
  end
  return st.reports
end

local function status_of(app, r)
  if app.clock() < r.ready_at then return "pending" end
  return r.fails and "failed" or "completed"
end

local function counts(app, r)
  local h = data.hash(app.state.world.seed, M.SALT, #r.id + r.createdOn % 1000)
  local failed = data.roll(h, 400, 0)
  local passed = data.roll(h, 2000, 12)
  return {failed = failed, passed = passed, total = failed + passed, criticalSeverityFailed = failed // 10,
          highSeverityFailed = failed // 4, mediumSeverityFailed = failed // 3, lowSeverityFailed = failed // 6,
          informationalSeverityFailed = failed - failed // 10 - failed // 4 - failed // 3 - failed // 6}
end

-- A report (or one generated instance of it, at time `at`) as the API returns it.
local function view(app, r, at)
  local status = status_of(app, r)
  local scheduled = r.target.scheduleEnabled == true and type(r.target.schedule) == "string"
  local last = status == "completed" and (at or r.generated) or nil
  return {
    id = r.id, name = r.name, cloudType = r.cloudType, type = r.type, locale = r.locale, target = r.target,
    status = status, createdBy = r.createdBy, createdOn = r.createdOn, lastModifiedBy = r.lastModifiedBy,
    lastModifiedOn = r.lastModifiedOn, lastScheduled = last,
    nextSchedule = scheduled and (r.generated + 7 * data.DAY_MS) or nil,
    totalInstanceCount = last and 1 or 0, complianceStandardDeleted = false,
    counts = last and counts(app, r) or nil,
  }
end

-- Validates a body's fields; returns an error response, or nil.
local function check_body(req, body, v1, partial)
  if not partial or body.name ~= nil then
    if body.name == nil or body.name == json.null then
      return api.fail(req, 400, "missing_required_parameter", "name", "name is required")
    end
    if type(body.name) ~= "string" or body.name:match("^%s*$") then
      return api.fail(req, 400, "invalid_parameter_value", "name")
    end
  end
  if not partial or body.cloudType ~= nil then
    if body.cloudType == nil or body.cloudType == json.null then
      return api.fail(req, 400, "missing_required_parameter", "cloudType", "cloudType is required")
    end
    if not CLOUD_TYPES[body.cloudType] then return api.fail(req, 400, "invalid_parameter_value", "cloudType") end
  end
  if body.type ~= nil and body.type ~= json.null and not TYPES[body.type] then
    return api.fail(req, 400, "invalid_parameter_value", "type")
  end
  local target = body.target
  if target ~= nil and target ~= json.null and type(target) ~= "table" then
    return api.fail(req, 400, "invalid_parameter_value", "target")
  end
  if (v1 or partial) and (type(target) ~= "table") then
    return api.fail(req, 400, "missing_required_parameter", "target", "target is required")
  end
  if v1 and (target.timeRange == nil or target.timeRange == json.null) then
    return api.fail(req, 400, "missing_required_parameter", "target.timeRange", "target.timeRange is required")
  end
  if type(target) == "table" and target.timeRange ~= nil and target.timeRange ~= json.null then
    local ok, field = api.time_range(target.timeRange, api.time_context(req, 0))
    if not ok then return api.fail(req, 400, "invalid_parameter_value", "target." .. field) end
  end
  if type(target) == "table" and target.schedule ~= nil and target.schedule ~= json.null
    and (type(target.schedule) ~= "string" or not target.schedule:find("FREQ=", 1, true)) then
    return api.fail(req, 400, "invalid_parameter_value", "target.schedule", "schedule must be an RRULE")
  end
  return nil
end

local function copy_target(target)
  target = type(target) == "table" and target or {}
  return {
    -- the reference requires a target's timeRange: a report made without one covers everything
    timeRange = target.timeRange ~= json.null and target.timeRange or {type = "to_now", value = "epoch"},
    accounts = strings(target.accounts), accountGroups = strings(target.accountGroups),
    regions = strings(target.regions), complianceStandardIds = strings(target.complianceStandardIds),
    notifyTo = strings(target.notifyTo), schedule = type(target.schedule) == "string" and target.schedule or nil,
    scheduleEnabled = target.scheduleEnabled == true, downloadNow = target.downloadNow == true,
    compressionEnabled = target.compressionEnabled == true,
  }
end

local function name_taken(reports, name, except)
  for _, r in ipairs(reports:list()) do
    if r.name == name and r.id ~= except then return true end
  end
  return false
end

local function create(app, req, v1)
  local body, bad = api.body(req, true)
  if not body then return bad end
  local failure = check_body(req, body, v1, false)
  if failure then return failure end
  local reports = store(app)
  if name_taken(reports, body.name) then
    return api.fail(req, 400, "invalid_parameter_value", "name", "a report with this name exists")
  end
  if #reports.order >= M.MAX_REPORTS then
    return api.fail(req, 400, "invalid_parameter_value", "name", "too many reports")
  end
  local st, cfg = app.state, settings(app)
  st.report_count = st.report_count + 1
  local now = api.now_ms()
  local user = api.user_of(req)
  local fails = cfg.fail > 0
  if fails then cfg.fail = cfg.fail - 1 end
  local r = {
    id = data.uuid(st.world.seed, M.SALT, st.report_count), name = body.name, cloudType = body.cloudType,
    type = body.type ~= json.null and body.type or "COMPLIANCE",
    locale = type(body.locale) == "string" and body.locale or "en_us", target = copy_target(body.target),
    createdBy = user, createdOn = now, lastModifiedBy = user, lastModifiedOn = now,
    ready_at = app.clock() + cfg.delay_ms / 1000, fails = fails, legacy = v1, generated = now + cfg.delay_ms,
  }
  reports:put(r.id, r)
  return api.json(200, view(app, r))
end

local function find(app, req, id)
  local r = store(app).by_id[id]
  if not r then return nil, api.fail(req, 404, "not_found", id, ("report %s not found"):format(id)) end
  return r
end

local function matches(r, query)
  local function has(list, v) for _, x in ipairs(list) do if x == v then return true end end return false end
  local checks = {
    ["cloud.type"] = function(v) return r.cloudType == v end,
    ["report_view"] = function(v) return r.type == v end,
    ["cloud.account"] = function(v) return has(r.target.accounts, v) end,
    ["cloud.region"] = function(v) return has(r.target.regions, v) end,
    ["account.group"] = function(v) return has(r.target.accountGroups, v) end,
    ["policy.complianceStandard"] = function(v) return has(r.target.complianceStandardIds, v) end,
    ["report.email.recipients"] = function(v) return has(r.target.notifyTo, v) end,
    ["report.frequency"] = function(v)
      return (r.target.scheduleEnabled and "scheduled" or "one_time") == v
    end,
    ["report.schedule"] = function(v)
      local freq = (r.target.schedule or ""):match("FREQ=(%a+)")
      return freq ~= nil and freq:lower() == v
    end,
  }
  for name, values in pairs(query) do
    local check = checks[name]
    if check then
      local any = false
      for _, v in ipairs(type(values) == "table" and values or {values}) do any = any or check(v) end
      if not any then return false end
    end
  end
  return true
end

local ENUMS = {["report.frequency"] = {one_time = true, scheduled = true},
               ["report.schedule"] = {daily = true, weekly = true, monthly = true}, report_view = TYPES}

local function list(app, req)
  for name, allowed in pairs(ENUMS) do
    local v = api.query(req, name)
    if v ~= nil and not allowed[v] then return api.fail(req, 400, "invalid_parameter_value", name) end
  end
  local out = array{}
  for _, r in ipairs(store(app):list()) do
    if matches(r, req.query) then out[#out + 1] = view(app, r) end
  end
  return api.json(200, out)
end

local function update(app, req, id)
  local r, missing = find(app, req, id)
  if not r then return missing end
  local body, bad = api.body(req, true)
  if not body then return bad end
  local failure = check_body(req, body, false, true)
  if failure then return failure end
  if body.name ~= nil and name_taken(store(app), body.name, id) then
    return api.fail(req, 400, "invalid_parameter_value", "name", "a report with this name exists")
  end
  r.name = body.name or r.name
  r.cloudType = body.cloudType or r.cloudType
  if body.type ~= nil and body.type ~= json.null then r.type = body.type end
  if type(body.locale) == "string" then r.locale = body.locale end
  r.target = copy_target(body.target)
  r.lastModifiedBy, r.lastModifiedOn = api.user_of(req), api.now_ms()
  return api.json(200, view(app, r))
end

-- The file of report r: exactly size bytes, deterministic in (seed, id, size).
local function pdf(app, r, size)
  local head = ("%%PDF-1.4\n%%\226\227\207\211\n%% %s report %s (%s)\n"):format(r.type, r.name, r.id)
  local tail = "%%EOF\n"
  local parts, n = {head}, #head
  local x = data.hash(app.state.world.seed, M.SALT, #r.id) ~ data.hash(0, M.SALT, r.createdOn)
  local line_no = 0
  while n < size - #tail do
    line_no = line_no + 1
    x = x * 6364136223846793005 + 1442695040888963407
    local line = ("BT /F1 9 Tf 40 %d Td (%08d %016x %s) Tj ET\n"):format(800 - line_no % 760, line_no, x,
      line_no % 7 == 0 and r.name or "check passed")
    parts[#parts + 1] = line
    n = n + #line
  end
  local body = table.concat(parts)
  return body:sub(1, size - #tail) .. tail
end

local function download(app, req, r, at)
  local status = status_of(app, r)
  if status == "pending" then return api.empty(204) end
  if status == "failed" then
    return api.fail(req, 400, "internal_error", r.id, ("report %s failed to generate"):format(r.id))
  end
  if at ~= nil and at ~= r.generated then
    return api.fail(req, 404, "not_found", tostring(at), "no report generated at " .. tostring(at))
  end
  local size = settings(app).size
  return {status = 200, body = pdf(app, r, size), headers = {
    ["Content-Type"] = "application/pdf",
    ["Content-Disposition"] = ('attachment; filename="%s.pdf"'):format(r.name:gsub('[^%w%-_. ]', "_")),
  }}
end

-- The instance time of a path segment, or nil and a 400.
local function instance_time(req, text)
  local at = math.tointeger(tonumber(text))
  if not at then return nil, api.fail(req, 400, "invalid_parameter_value", "lastScheduled") end
  return at
end

-- The report filters and their options (GET /filter/report/suggest): name -> {options, staticFilter}.
local function filter_options(app)
  local static = {["cloud.type"] = {"alibaba_cloud", "aws", "azure", "gcp", "oci"},
                  ["report.frequency"] = {"one_time", "scheduled"},
                  ["report.schedule"] = {"daily", "weekly", "monthly"}, ["schedule.status"] = {"enabled", "disabled"}}
  local sets = {["cloud.account"] = {}, ["cloud.region"] = {}, ["account.group"] = {},
                ["policy.complianceStandard"] = {}, ["report.email.recipients"] = {}}
  local st = app.state
  for _, a in ipairs(st.accounts:list()) do sets["cloud.account"][a.name] = true end
  for _, regions in pairs(data.REGIONS) do
    for _, r in ipairs(regions) do sets["cloud.region"][r[2]] = true end
  end
  for _, g in ipairs(st.groups:list()) do sets["account.group"][g.name] = true end
  for _, std in ipairs(st.world.standards or {}) do sets["policy.complianceStandard"][std.name] = true end
  for _, r in ipairs(store(app):list()) do
    for _, to in ipairs(r.target.notifyTo) do sets["report.email.recipients"][to] = true end
  end
  local out = {}
  for name, values in pairs(static) do out[name] = {options = array(values), staticFilter = true} end
  for name, set in pairs(sets) do
    local options = api.sorted_keys(set)
    out[name] = {options = options, staticFilter = false}
  end
  return out
end

function M.register(router, app)
  router:add("GET", "/filter/report/suggest", function() return api.json(200, filter_options(app)) end)
  router:add("POST", "/filter/report/suggest", function(req)
    local out, bad = api.suggest(req, filter_options(app))
    if not out then return bad end
    return api.json(200, {suggestions = out, valid = true, translate = false, needsOffsetUpdate = false,
                          offset = 0, queryRemainder = ""})
  end)
  router:add("GET", "/report", function(req) return list(app, req) end)
  router:add("POST", "/report", function(req) return create(app, req, true) end)
  router:add("POST", "/v2/report", function(req) return create(app, req, false) end)
  router:add("GET", "/report/type", function()
    local out = {}
    for cloud, types in pairs(TYPES_BY_CLOUD) do out[cloud] = array(types) end
    return api.json(200, out)
  end)
  router:add("GET", "/report/:id", function(req, params)
    local r, missing = find(app, req, params.id)
    if not r then return missing end
    return api.json(200, view(app, r))
  end)
  router:add("PUT", "/report/:id", function(req, params) return update(app, req, params.id) end)
  router:add("DELETE", "/report/:id", function(req, params)
    local _, missing = find(app, req, params.id)
    if missing then return missing end
    store(app):delete(params.id)
    return api.empty(204)
  end)
  router:add("GET", "/report/:id/download", function(req, params)
    local r, missing = find(app, req, params.id)
    if not r then return missing end
    return download(app, req, r)
  end)
  router:add("GET", "/report/:id/history", function(req, params)
    local r, missing = find(app, req, params.id)
    if not r then return missing end
    if r.legacy then return api.fail(req, 405, "method_not_allowed_for_legacy_reports", r.id) end
    local out = array{}
    if status_of(app, r) == "completed" then out[1] = view(app, r, r.generated) end
    return api.json(200, out)
  end)
  router:add("GET", "/report/:id/:lastScheduled", function(req, params)
    local r, missing = find(app, req, params.id)
    if not r then return missing end
    if r.legacy then return api.fail(req, 405, "method_not_allowed_for_legacy_reports", r.id) end
    local at, bad = instance_time(req, params.lastScheduled)
    if not at then return bad end
    if status_of(app, r) ~= "completed" or at ~= r.generated then
      return api.fail(req, 404, "not_found", params.lastScheduled, "no report generated at " .. params.lastScheduled)
    end
    return api.json(200, view(app, r, at))
  end)
  router:add("GET", "/report/:id/:lastScheduled/download", function(req, params)
    local r, missing = find(app, req, params.id)
    if not r then return missing end
    local at, bad = instance_time(req, params.lastScheduled)
    if not at then return bad end
    return download(app, req, r, at)
  end)
  router:add("POST", "/_emulator/reports", function(req)
    local body, bad = api.body(req, true)
    if not body then return bad end
    local cfg = settings(app)
    local limits = {delay_ms = {0, 3600000}, size = {16, M.MAX_SIZE}, fail = {0, 1000}}
    for k, v in pairs(body) do
      local range = limits[k]
      local n = math.tointeger(v)
      if not range or not n or n < range[1] or n > range[2] then
        return api.fail(req, 400, "invalid_parameter_value", tostring(k))
      end
      cfg[k] = n
    end
    return api.json(200, {delay_ms = cfg.delay_ms, size = cfg.size, fail = cfg.fail})
  end)
end

return M
