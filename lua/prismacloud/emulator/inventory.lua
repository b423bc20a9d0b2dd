-- prismacloud.emulator.inventory: asset inventory (AssetInventory.json) over the tenant's cloud
-- resources (cloud_resources.lua), each with a scan result; the filters and scan results that
-- resources.lua (scan info, resource lookups) uses too.
--
--   GET|POST /v2/inventory, /v3/inventory          {summary, groupedAggregates, timestamp}
--   GET|POST /v2/inventory/trend, /v3/inventory/trend   [{timestamp, totalResources, ...}] (7 daily points)
--   GET|POST /filter/v2/inventory/suggest          filter names and options; autocomplete
--   GET|POST /filter/inventory, GET|PUT|DELETE /filter/inventory/:id   saved inventory filters
--
-- Every live (not Deleted) resource has a scan result made from its hash:
-- about one in twelve unscanned, a third of the rest failing one of the
-- policies of its api.name. Filters (GET query or POST filters[]):
-- cloud.type, cloud.account (name or id), cloud.region (name or id),
-- cloud.service, resource.type, account.group (name), scan.status
-- (all|passed|failed); the policy.* and severity filters are accepted and
-- not applied. v2 endpoints need the time range GET parameters; v3 take
-- none.
local api = require "prismacloud.emulator.api"
local cloud_resources = require "prismacloud.emulator.cloud_resources"
local data = require "prismacloud.emulator.data"
local json = require "prismacloud.json"
local state_mod = require "prismacloud.emulator.state"

local M = {}

local array = api.array
local roll = data.roll

M.TREND_POINTS = 7
M.FILTER_NAMES = {"cloud.type", "cloud.account", "cloud.region", "cloud.service", "resource.type", "account.group",
                  "scan.status", "policy.complianceStandard", "policy.complianceRequirement",
                  "policy.complianceSection", "asset.severity", "vulnerability.severity"}
local APPLIED = {["cloud.type"] = true, ["cloud.account"] = true, ["cloud.region"] = true, ["cloud.service"] = true,
                 ["resource.type"] = true, ["account.group"] = true, ["scan.status"] = true}
local KNOWN = {}
for _, n in ipairs(M.FILTER_NAMES) do KNOWN[n] = true end
M.KNOWN_FILTERS = KNOWN
local GROUP_BY = {["cloud.type"] = true, cloudType = true, ["cloud.account"] = true, ["cloud.region"] = true,
                  ["cloud.service"] = true, ["resource.type"] = true}
local SEVERITIES = {"critical", "high", "medium", "low", "informational"}

--------------------------------------------------------------------------
-- Resources and their scan results.
--------------------------------------------------------------------------

-- Resource i with its scan: nil when Deleted.
local function scanned(app, i)
  local w, n = app.state.world, cloud_resources.count(app)
  local r = cloud_resources.resource(w, n, i)
  if r.status == "Deleted" then return nil end
  local h = r.h
  if roll(h, 12, 44) == 0 then
    r.scan = "unscanned"
  elseif roll(h, 3, 48) == 0 then
    r.scan, r.severity = "failed", SEVERITIES[roll(h, #SEVERITIES, 52) + 1]
  else
    r.scan = "passed"
  end
  return r
end
M.scanned = scanned

-- Account group name -> set of account ids.
local function group_accounts(app, name)
  for _, g in ipairs(app.state.groups:list()) do
    if g.name == name then
      local set = {}
      for _, id in ipairs(g.accountIds) do set[id] = true end
      return set
    end
  end
  return {}
end

-- Filters: {name -> {values}}; true when r passes every applied one.
local function passes(app, r, filters)
  for name, values in pairs(filters) do
    if APPLIED[name] then
      local hit = false
      for _, v in ipairs(values) do
        if name == "cloud.type" then hit = hit or v:lower() == r.kind.cloud:lower()
        elseif name == "cloud.account" then hit = hit or v == r.account.name or v == r.account.accountId
        elseif name == "cloud.region" then hit = hit or v == r.region[1] or v == r.region[2]
        elseif name == "cloud.service" then hit = hit or v == r.kind.service
        elseif name == "resource.type" then hit = hit or v == r.kind.resource_type
        elseif name == "account.group" then hit = hit or group_accounts(app, v)[r.account.accountId] == true
        elseif name == "scan.status" then hit = hit or v == "all" or v == r.scan
        end
      end
      if not hit then return false end
    end
  end
  return true
end
M.passes = passes

-- The filters of a GET (query parameters) or a POST (filters[]): table, or nil and a response.
local function filters_of(req, body)
  local out = {}
  if body then
    local list = body.filters
    if list == nil or list == json.null then return out end
    if type(list) ~= "table" then return nil, api.fail(req, 400, "invalid_parameter_value", "filters") end
    for _, f in ipairs(list) do
      if type(f) ~= "table" or type(f.name) ~= "string" or type(f.value) ~= "string" then
        return nil, api.fail(req, 400, "invalid_parameter_value", "filters", "filters are {name, operator, value}")
      end
      if KNOWN[f.name] then
        out[f.name] = out[f.name] or {}
        table.insert(out[f.name], f.value)
      else -- accepted, as the API does, but not applied: said in X-Emulator-Unevaluated
        req.unevaluated = req.unevaluated or {}
        table.insert(req.unevaluated, ("filter %s %s %s"):format(f.name, tostring(f.operator or "="), f.value))
      end
    end
    return out
  end
  for _, name in ipairs(M.FILTER_NAMES) do
    local values = api.query_all(req, name)
    if #values > 0 then out[name] = values end
  end
  return out
end
M.filters_of = filters_of

-- The time range of a v2 request (required on GET): nil, or a 400 response.
local function check_time(req, version)
  if version ~= 2 then return nil end
  local tr = api.query_time_range(req)
  if req.method == "GET" and not tr then
    return api.fail(req, 400, "bad_request", "timeType", "timeType, timeAmount and timeUnit are required")
  end
  if tr and not api.time_range(tr, api.time_context(req, 0)) then
    return api.fail(req, 400, "bad_request", "timeType", "bad time range")
  end
  return nil
end

--------------------------------------------------------------------------
-- Inventory.
--------------------------------------------------------------------------

-- Zeroed counters of a summary or a group (v2 also counts failures by severity).
local function counters(version)
  local c = {totalResources = 0, passedResources = 0, failedResources = 0, unscannedResources = 0}
  if version == 2 then
    for _, s in ipairs(SEVERITIES) do c[s .. "SeverityFailedResources"] = 0 end
  end
  return c
end

-- Counts resource r into counters c.
local function count(c, r)
  c.totalResources = c.totalResources + 1
  local k = r.scan .. "Resources"
  c[k] = c[k] + 1
  local sev = r.severity and r.severity .. "SeverityFailedResources"
  if sev and c[sev] then c[sev] = c[sev] + 1 end
end

-- The groupBy of a request (cloud.type by default): a list, or nil and a 400 response.
local function group_by_of(req, body)
  local list = {}
  if body then
    local g = body.groupBy
    if type(g) == "table" then for _, v in ipairs(g) do list[#list + 1] = v end end
  else
    for _, v in ipairs(api.query_all(req, "groupBy")) do
      for part in v:gmatch("[^,]+") do list[#list + 1] = part end
    end
  end
  for _, g in ipairs(list) do
    if not GROUP_BY[g] then
      return nil, api.fail(req, 400, "bad_request", "groupBy", "cannot group by " .. tostring(g))
    end
  end
  if #list == 0 then list = {"cloud.type"} end
  return list
end

-- The request of an inventory or trend call (a body when post): filters, body; or nil and a
-- 400 response (the body, the time range, the filters).
local function request_of(req, version, post)
  local body
  if post then
    local b, bad = api.body(req, false)
    if not b then return nil, bad end
    body = b
  end
  local bad_time = check_time(req, version)
  if bad_time then return nil, bad_time end
  local filters, bad = filters_of(req, body)
  if not filters then return nil, bad end
  return filters, body
end

-- The inventory: a summary of the matching resources and one aggregate per group.
local function inventory(app, req, version, post)
  local filters, body = request_of(req, version, post)
  if not filters then return body end
  local groups, gbad = group_by_of(req, body)
  if not groups then return gbad end
  local summary, by_key, order = counters(version), {}, {}
  for i = 1, cloud_resources.count(app) do
    local r = scanned(app, i)
    if r and passes(app, r, filters) then
      count(summary, r)
      local key, agg = {}, {}
      for _, g in ipairs(groups) do
        if g == "cloud.type" or g == "cloudType" then
          key[#key + 1], agg.cloudTypeName = r.kind.cloud, r.kind.cloud:lower()
        elseif g == "cloud.account" then
          key[#key + 1], agg.accountName, agg.accountId = r.account.accountId, r.account.name, r.account.accountId
        elseif g == "cloud.region" then
          key[#key + 1], agg.regionName, agg.cloudTypeName = r.region[2], r.region[1], r.kind.cloud:lower()
        elseif g == "cloud.service" then
          key[#key + 1], agg.serviceName, agg.cloudTypeName = r.kind.service, r.kind.service, r.kind.cloud:lower()
        elseif g == "resource.type" then
          key[#key + 1], agg.resourceTypeName, agg.cloudTypeName = r.kind.resource_type, r.kind.resource_type,
            r.kind.cloud:lower()
        end
      end
      local k = table.concat(key, "\0")
      if not by_key[k] then
        for name, v in pairs(counters(version)) do agg[name] = v end
        agg.allowDrillDown = true
        by_key[k] = agg
        order[#order + 1] = k
      end
      count(by_key[k], r)
    end
  end
  table.sort(order)
  local grouped = array{}
  for _, k in ipairs(order) do grouped[#grouped + 1] = by_key[k] end
  local now = api.now_ms()
  summary.timestamp = now
  return api.json(200, {summary = summary, groupedAggregates = grouped, timestamp = now, requestedTimestamp = now})
end

-- The trend: the counters on each of the last TREND_POINTS days.
local function trend(app, req, version, post)
  local filters, body = request_of(req, version, post)
  if not filters then return body end
  local w = app.state.world
  local points = {}
  for k = 1, M.TREND_POINTS do
    points[k] = counters(version)
    points[k].timestamp = w.anchor_ms - (M.TREND_POINTS - k) * data.DAY_MS
  end
  for i = 1, cloud_resources.count(app) do
    local r = scanned(app, i)
    if r and passes(app, r, filters) then
      for _, p in ipairs(points) do
        if r.insert_ts <= p.timestamp then count(p, r) end
      end
    end
  end
  return api.json(200, array(points))
end

-- Filter names and their options.
local function filter_options(app)
  local w = app.state.world
  local opts = {}
  local function add(name, v)
    opts[name] = opts[name] or {}
    opts[name][v] = true
  end
  for _, c in ipairs(data.CLOUDS) do add("cloud.type", c:lower()) end
  for _, a in ipairs(w.accounts) do add("cloud.account", a.name) end
  for _, c in ipairs(data.CLOUDS) do
    for _, r in ipairs(data.REGIONS[c]) do add("cloud.region", r[1]) end
  end
  for _, k in ipairs(cloud_resources.KINDS) do
    add("cloud.service", k.service)
    add("resource.type", k.resource_type)
  end
  for _, g in ipairs(app.state.groups:list()) do add("account.group", g.name) end
  for _, s in ipairs{"all", "passed", "failed"} do add("scan.status", s) end
  for _, s in ipairs(SEVERITIES) do add("asset.severity", s) end
  for _, s in ipairs(w.standards) do add("policy.complianceStandard", s.name) end
  local out = {}
  for name, set in pairs(opts) do
    local list = api.sorted_keys(set)
    out[name] = list
  end
  return out
end

--------------------------------------------------------------------------
-- Saved inventory filters.
--------------------------------------------------------------------------

-- The saved inventory filter store of the state (empty at first).
local function saved_filters(app)
  local st = app.state
  if not st.inventory_filters then st.inventory_filters, st.inventory_filter_serial = state_mod.new_store(), 0 end
  return st.inventory_filters
end

-- A FilterModel to save: filters[] of {name, operator, value} with known names.
local function valid_filter_model(body)
  if type(body.filters) ~= "table" then return false end
  for _, f in ipairs(body.filters) do
    if type(f) ~= "table" or not KNOWN[f.name] or type(f.value) ~= "string" then return false end
  end
  return true
end

-- Adds the routes above.
function M.register(router, app)
  for _, v in ipairs{2, 3} do
    router:add("GET", ("/v%d/inventory"):format(v), function(req) return inventory(app, req, v, false) end)
    router:add("POST", ("/v%d/inventory"):format(v), function(req) return inventory(app, req, v, true) end)
    router:add("GET", ("/v%d/inventory/trend"):format(v), function(req) return trend(app, req, v, false) end)
    router:add("POST", ("/v%d/inventory/trend"):format(v), function(req) return trend(app, req, v, true) end)
  end
  router:add("GET", "/filter/v2/inventory/suggest", function()
    local out = {}
    for name, list in pairs(filter_options(app)) do
      out[name] = {options = array(list), staticFilter = name == "cloud.type" or name == "scan.status"}
    end
    return api.json(200, out)
  end)
  router:add("POST", "/filter/v2/inventory/suggest", function(req)
    local out, bad = api.suggest(req, filter_options(app), {prefix = true})
    if not out then return bad end
    return api.json(200, {suggestions = out, valid = true, offset = 0, translate = false, needsOffsetUpdate = false,
                          completeParameters = array{}})
  end)

  router:add("GET", "/filter/inventory", function()
    return api.json(200, array(saved_filters(app):list()))
  end)
  router:add("POST", "/filter/inventory", function(req)
    local body, bad = api.body(req, true)
    if not body then return bad end
    if not valid_filter_model(body) then
      return api.fail(req, 400, "failed_add_inventory_saved_filter", "filters",
        "filters[] of known {name, operator, value}")
    end
    local store, st = saved_filters(app), app.state
    st.inventory_filter_serial = st.inventory_filter_serial + 1
    local item = api.deep_copy(body)
    item.id = data.uuid(st.world.seed, 120, st.inventory_filter_serial)
    store:put(item.id, item)
    return api.empty(200) -- documented without a body
  end)
  router:add("GET", "/filter/inventory/:id", function(req, params)
    local item = saved_filters(app).by_id[params.id]
    if not item then return api.fail(req, 404, "not_found", "id") end
    return api.json(200, item)
  end)
  router:add("PUT", "/filter/inventory/:id", function(req, params)
    local body, bad = api.body(req, true)
    if not body then return bad end
    local store = saved_filters(app)
    if not store.by_id[params.id] then return api.fail(req, 404, "not_found", "id") end
    if not valid_filter_model(body) then
      return api.fail(req, 400, "failed_update_inventory_saved_filter", "filters",
        "filters[] of known {name, operator, value}")
    end
    local item = api.deep_copy(body)
    item.id = params.id
    store:put(params.id, item)
    return api.empty(200) -- documented without a body
  end)
  router:add("DELETE", "/filter/inventory/:id", function(req, params)
    if not saved_filters(app):delete(params.id) then return api.fail(req, 404, "not_found", "id") end
    return api.empty(200)
  end)
end

return M
