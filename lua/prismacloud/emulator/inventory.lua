-- prismacloud.emulator.inventory: asset inventory (AssetInventory.json),
-- resource scan info (AssetExplorer.json) and resource lookups
-- (ResourceExplorer.json) over the tenant's cloud resources (cloud_resources.lua).
--
--   GET|POST /v2/inventory, /v3/inventory          {summary, groupedAggregates, timestamp}
--   GET|POST /v2/inventory/trend, /v3/inventory/trend   [{timestamp, totalResources, ...}] (7 daily points)
--   GET|POST /filter/v2/inventory/suggest          filter names and options; autocomplete
--   GET|POST /filter/inventory, GET|PUT|DELETE /filter/inventory/:id   saved inventory filters
--   GET|POST /resource/scan_info, /v2/resource/scan_info   {resources, totalMatchedCount, nextPageToken?}
--   POST /resource, /resource/raw                  a resource by rrn, its JSON
--   POST /resource/timeline, /resource/network, /resource/alert   its history, open ports, alerts
--   POST /uai/v1/asset {assetId, type}             an asset by id (types asset and raw_config)
--
-- Every live (not Deleted) resource has a scan result made from its hash:
-- about one in twelve unscanned, a third of the rest failing one of the
-- policies of its api.name. Filters (GET query or POST filters[]):
-- cloud.type, cloud.account (name or id), cloud.region (name or id),
-- cloud.service, resource.type, account.group (name), scan.status
-- (all|passed|failed); the policy.* and severity filters are accepted and
-- not applied. v2 endpoints need the time range GET parameters; v3 take
-- none. scan_info pages with an opaque string token that carries the
-- filters and the offset; an unknown token answers 400 invalid_parameter_value.
local api = require "prismacloud.emulator.api"
local data = require "prismacloud.emulator.data"
local json = require "prismacloud.json"
local cloud_resources = require "prismacloud.emulator.cloud_resources"
local state_mod = require "prismacloud.emulator.state"

local M = {}

local array = api.array
local roll = data.roll

M.SCAN_LIMIT = 10000
M.TREND_POINTS = 7
M.FILTER_NAMES = {"cloud.type", "cloud.account", "cloud.region", "cloud.service", "resource.type", "account.group",
                  "scan.status", "policy.complianceStandard", "policy.complianceRequirement",
                  "policy.complianceSection", "asset.severity", "vulnerability.severity"}
local APPLIED = {["cloud.type"] = true, ["cloud.account"] = true, ["cloud.region"] = true, ["cloud.service"] = true,
                 ["resource.type"] = true, ["account.group"] = true, ["scan.status"] = true}
local KNOWN = {}
for _, n in ipairs(M.FILTER_NAMES) do KNOWN[n] = true end
local GROUP_BY = {["cloud.type"] = true, cloudType = true, ["cloud.account"] = true, ["cloud.region"] = true,
                  ["cloud.service"] = true, ["resource.type"] = true}
local SEVERITIES = {"critical", "high", "medium", "low", "informational"}

--------------------------------------------------------------------------
-- Resources and their scan results.
--------------------------------------------------------------------------

-- api.name -> policies of that api (built once per world).
local function policies_by_api(w)
  if w.policies_by_api then return w.policies_by_api end
  local map = {}
  for i, p in ipairs(w.policies) do
    local api_name = w.policy_hints[i].api
    map[api_name] = map[api_name] or {}
    table.insert(map[api_name], p)
  end
  w.policies_by_api = map
  return map
end

-- Resource i with its scan: nil when Deleted.
local function resource(app, i)
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

local function counters(version)
  local c = {totalResources = 0, passedResources = 0, failedResources = 0, unscannedResources = 0}
  if version == 2 then
    for _, s in ipairs(SEVERITIES) do c[s .. "SeverityFailedResources"] = 0 end
  end
  return c
end

local function count(c, r)
  c.totalResources = c.totalResources + 1
  local k = r.scan .. "Resources"
  c[k] = c[k] + 1
  local sev = r.severity and r.severity .. "SeverityFailedResources"
  if sev and c[sev] then c[sev] = c[sev] + 1 end
end

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

local function inventory(app, req, version, post)
  local filters, body = request_of(req, version, post)
  if not filters then return body end
  local groups, gbad = group_by_of(req, body)
  if not groups then return gbad end
  local summary, by_key, order = counters(version), {}, {}
  for i = 1, cloud_resources.count(app) do
    local r = resource(app, i)
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
    local r = resource(app, i)
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

--------------------------------------------------------------------------
-- Scan info.
--------------------------------------------------------------------------

local function scan_item(app, r)
  local w = app.state.world
  local item = cloud_resources.item(w, r, false)
  local candidates = policies_by_api(w)[r.kind.api] or {}
  local scanned = array{}
  if r.scan ~= "unscanned" then
    for k = 1, math.min(2, #candidates) do
      local p = candidates[(roll(r.h, #candidates, 56) + k - 1) % #candidates + 1]
      local failed = r.scan == "failed" and k == 1
      scanned[#scanned + 1] = {id = p.policyId, name = p.name, labels = p.labels, passed = not failed,
                               severity = failed and r.severity:upper() or p.severity:upper()}
    end
  end
  local alerts = {critical = 0, high = 0, medium = 0, low = 0, informational = 0}
  if r.severity then alerts[r.severity] = 1 end
  return {
    id = item.id, name = item.name, rrn = item.rrn, accountId = item.accountId, accountName = item.accountName,
    cloudType = item.cloudType, regionId = item.regionId, regionName = item.regionName,
    assetType = r.kind.resource_type,
    overallPassed = r.scan == "passed", scannedPolicies = scanned, resourceConfigJsonAvailable = true,
    resourceDetailsAvailable = true, unifiedAssetId = item.assetId, appNames = array{}, alertStatus = alerts,
    vulnerabilityStatus = {critical = 0, high = 0, medium = 0, low = 0},
  }
end

local function scan_state_id(app)
  return app.state.id .. ":" .. cloud_resources.count(app)
end

local function scan_token(app, filters, offset, limit)
  return api.page_token("scan", scan_state_id(app), {f = filters, o = offset, l = limit})
end

local function scan_decode(app, token)
  local t = api.read_token("scan", scan_state_id(app), token)
  if not t or type(t.f) ~= "table" or math.type(t.o) ~= "integer" or math.type(t.l) ~= "integer" or t.o < 0 then
    return nil
  end
  for name, values in pairs(t.f) do
    if not KNOWN[name] or type(values) ~= "table" then return nil end
  end
  return t
end

local function scan_info(app, req, version, post)
  local body
  if post then
    local b, bad = api.body(req, false)
    if not b then return bad end
    body = b
  end
  local raw_limit, token
  if body then
    raw_limit, token = body.limit, body.pageToken
  else
    raw_limit, token = api.query(req, "limit"), api.query(req, "pageToken")
  end
  if token == json.null then token = nil end
  if version == 1 and not token then
    local tr = body and body.timeRange or api.query_time_range(req)
    if tr == nil or tr == json.null then
      return api.fail(req, 400, "bad_request", "timeType", "a time range is required")
    end
  end
  local limit = M.SCAN_LIMIT
  if raw_limit ~= nil and raw_limit ~= json.null then
    limit = math.tointeger(tonumber(raw_limit))
    if not limit or limit < 1 or limit > M.SCAN_LIMIT then
      return api.fail(req, 400, "bad_request", "limit", ("limit must be from 1 to %d"):format(M.SCAN_LIMIT))
    end
  end
  local filters, offset
  if token then
    local t = scan_decode(app, token)
    if not t then return api.fail(req, 400, "invalid_parameter_value", "pageToken", "invalid or expired page token") end
    filters, offset = t.f, t.o
  else
    local f, bad = filters_of(req, body)
    if not f then return bad end
    filters, offset = f, 0
  end
  local matched, items = 0, array{}
  for i = 1, cloud_resources.count(app) do
    local r = resource(app, i)
    if r and passes(app, r, filters) then
      matched = matched + 1
      if matched > offset and #items < limit then items[#items + 1] = scan_item(app, r) end
    end
  end
  local out = {resources = items, totalMatchedCount = matched, pageSize = limit, timestamp = api.now_ms()}
  if offset + #items < matched then out.nextPageToken = scan_token(app, filters, offset + #items, limit) end
  return api.json(200, out)
end

--------------------------------------------------------------------------
-- Resources by rrn.
--------------------------------------------------------------------------

-- The resource an rrn names, or nil.
local function by_rrn(app, rrn)
  if type(rrn) ~= "string" then return nil end
  local i = math.tointeger(tonumber(rrn:match("%-(%d+)$") or ""))
  local n = cloud_resources.count(app)
  if not i or i < 1 or i > n then return nil end
  local w = app.state.world
  local r = cloud_resources.resource(w, n, i)
  if cloud_resources.item(w, r, false).rrn ~= rrn then return nil end
  return r
end

-- The resource of a ResourceExplorerRequest body: r, or nil and a response.
local function explorer_target(app, req)
  local body, bad = api.body(req, true)
  if not body then return nil, bad end
  if type(body.rrn) ~= "string" or body.rrn == "" then
    return nil, api.fail(req, 400, "invalid_parameter_value", "rrn", "rrn is required")
  end
  local r = by_rrn(app, body.rrn)
  if not r then return nil, api.fail(req, 404, "not_found", "rrn", "no resource with this rrn") end
  return r
end

-- Its history: a state per change, newest first, with an alert on the failing state.
local function timeline(app, r)
  local w = app.state.world
  local out = array{}
  local changes = 1 + roll(r.h, 4, 20)
  -- the id of the resource's k-th state
  local function state_id(k) return ("%016x"):format(data.hash(w.seed, cloud_resources.DATA_SALT, r.index * 16 + k)) end
  for k = changes, 1, -1 do
    local ts = r.insert_ts + (k - 1) * (data.DAY_MS // 2)
    local item = {id = state_id(k), type = "STATE_CHANGE",
                  timestamp = ts, discoveredTs = ts, firstState = k == 1, similarStateCount = 0,
                  alertIds = array{}, vulnerabilities = array{}, eventType = "", eventName = "", user = ""}
    if k > 1 then item.previousStateId = state_id(k - 1) end
    out[#out + 1] = item
  end
  local scanned = resource(app, r.index)
  if scanned and scanned.scan == "failed" then out[1].alertIds = array{("P-%d"):format(100000 + r.index)} end
  return out
end

-- Open ports: the security group rules of a security group, none for the rest.
local function network_rules(app, r)
  local out = array{}
  if r.kind.api ~= "aws-ec2-describe-security-groups" then return out end
  local doc = cloud_resources.resource_data(app.state.world, r)
  for k, perm in ipairs(doc.ipPermissions) do
    out[#out + 1] = {id = k, direction = "INBOUND", access = "ALLOW", protocol = perm.ipProtocol,
                     ports = tostring(perm.fromPort), ips = perm.ipv4Ranges[1].cidrIp, priority = k}
  end
  return out
end

local function resource_lookup(app, req, raw)
  local r, bad = explorer_target(app, req)
  if not r then return bad end
  local w = app.state.world
  if raw then return api.json(200, cloud_resources.resource_data(w, r)) end
  return api.json(200, cloud_resources.item(w, r, true))
end

local ASSET_TYPES = {asset = true, raw_config = true}

local function asset(app, req)
  local body, bad = api.body(req, true)
  if not body then return bad end
  if type(body.assetId) ~= "string" or body.assetId == "" then
    return api.fail(req, 400, "missing_required_parameter", "assetId", "assetId is required")
  end
  if not ASSET_TYPES[body.type] then
    return api.fail(req, 400, "invalid_parameter_value", "type", "the emulator answers types asset and raw_config")
  end
  local w, n = app.state.world, cloud_resources.count(app)
  for i = 1, n do
    local r = cloud_resources.resource(w, n, i)
    if ("%016x"):format(r.h) == body.assetId then
      if body.type == "raw_config" then return api.json(200, {data = {asset = {id = body.assetId,
        data = cloud_resources.resource_data(w, r), deleted = r.status == "Deleted"}}}) end
      local item = cloud_resources.item(w, r, true)
      return api.json(200, {data = {asset = {
        id = body.assetId, prismaId = item.rrn, externalAssetId = item.id, name = item.name,
        cloudType = r.kind.cloud:lower(), accountName = item.accountName, regionId = item.regionId,
        regionName = item.regionName, serviceName = item.service, resourceType = item.resourceType,
        assetType = item.resourceType, createdTs = item.createdTs, insertTs = item.insertTs,
        stateId = item.stateId, deleted = item.deleted, data = item.data, tags = {}, dynamicData = {},
      }}})
    end
  end
  return api.fail(req, 404, "not_found", "assetId", "no asset with this id")
end

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

  router:add("GET", "/resource/scan_info", function(req) return scan_info(app, req, 1, false) end)
  router:add("POST", "/resource/scan_info", function(req) return scan_info(app, req, 1, true) end)
  router:add("GET", "/v2/resource/scan_info", function(req) return scan_info(app, req, 2, false) end)
  router:add("POST", "/v2/resource/scan_info", function(req) return scan_info(app, req, 2, true) end)
  router:add("POST", "/resource", function(req) return resource_lookup(app, req, false) end)
  router:add("POST", "/resource/raw", function(req) return resource_lookup(app, req, true) end)
  router:add("POST", "/resource/timeline", function(req)
    local r, bad = explorer_target(app, req)
    if not r then return bad end
    return api.json(200, timeline(app, r))
  end)
  router:add("POST", "/resource/network", function(req)
    local r, bad = explorer_target(app, req)
    if not r then return bad end
    return api.json(200, network_rules(app, r))
  end)
  router:add("POST", "/resource/alert", function(req)
    local r, bad = explorer_target(app, req)
    if not r then return bad end
    local scanned, out = resource(app, r.index), array{}
    if scanned and scanned.scan == "failed" then
      out[1] = {id = ("P-%d"):format(100000 + r.index), severity = scanned.severity:upper()}
    end
    return api.json(200, out)
  end)
  router:add("POST", "/uai/v1/asset", function(req) return asset(app, req) end)
end

return M
