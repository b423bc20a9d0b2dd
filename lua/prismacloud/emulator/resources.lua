-- prismacloud.emulator.resources: resource scan info (AssetExplorer.json), resource lookups
-- (ResourceExplorer.json) and assets by id (AssetMicroService.json) over the tenant's cloud
-- resources (cloud_resources.lua), with the scan results and filters of inventory.lua.
--
--   GET|POST /resource/scan_info, /v2/resource/scan_info   {resources, totalMatchedCount, nextPageToken?}
--   POST /resource, /resource/raw                  a resource by rrn, its JSON
--   POST /resource/timeline, /resource/network, /resource/alert   its history, open ports, alerts
--   POST /uai/v1/asset {assetId, type}             an asset by id (types asset and raw_config)
--
-- Scan info takes the inventory's filters; v1 needs a time range unless it pages. It pages with
-- an opaque string token that carries the filters and the offset; an unknown token answers 400
-- invalid_parameter_value. An unknown rrn or asset id is 404 not_found.
local api = require "prismacloud.emulator.api"
local cloud_resources = require "prismacloud.emulator.cloud_resources"
local data = require "prismacloud.emulator.data"
local inventory = require "prismacloud.emulator.inventory"
local json = require "prismacloud.json"

local M = {}

local array = api.array
local roll = data.roll

M.SCAN_LIMIT = 10000

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

-- A resource as scan info lists it: its scanned policies (the failing one first) and alert counts.
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

-- What scan info page tokens are bound to: the state and the number of resources.
local function scan_state_id(app)
  return app.state.id .. ":" .. cloud_resources.count(app)
end

-- A page token carrying the filters, the offset and the page size.
local function scan_token(app, filters, offset, limit)
  return api.page_token("scan", scan_state_id(app), {f = filters, o = offset, l = limit})
end

-- What a page token carries ({f, o, l}), or nil when it is none of this state's.
local function scan_decode(app, token)
  local t = api.read_token("scan", scan_state_id(app), token)
  if not t or type(t.f) ~= "table" or math.type(t.o) ~= "integer" or math.type(t.l) ~= "integer" or t.o < 0 then
    return nil
  end
  for name, values in pairs(t.f) do
    if not inventory.KNOWN_FILTERS[name] or type(values) ~= "table" then return nil end
  end
  return t
end

-- Resource scan info, v1 (a time range unless paging) or v2, by GET (query) or POST (body).
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
    local f, bad = inventory.filters_of(req, body)
    if not f then return bad end
    filters, offset = f, 0
  end
  local matched, items = 0, array{}
  for i = 1, cloud_resources.count(app) do
    local r = inventory.scanned(app, i)
    if r and inventory.passes(app, r, filters) then
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
  local scanned = inventory.scanned(app, r.index)
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

-- POST /resource (the resource with its JSON) or /resource/raw (the JSON alone).
local function resource_lookup(app, req, raw)
  local r, bad = explorer_target(app, req)
  if not r then return bad end
  local w = app.state.world
  if raw then return api.json(200, cloud_resources.resource_data(w, r)) end
  return api.json(200, cloud_resources.item(w, r, true))
end

local ASSET_TYPES = {asset = true, raw_config = true}

-- POST /uai/v1/asset: a resource by its asset id or rrn, as an asset or its raw configuration.
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
  -- "Unified Asset Id or RRN (Restricted Resource Name)" (AssetRequest.assetId)
  local by_name = by_rrn(app, body.assetId)
  for i = 1, n do
    local r = cloud_resources.resource(w, n, i)
    local id = ("%016x"):format(r.h)
    if id == body.assetId or (by_name and by_name.h == r.h) then
      if body.type == "raw_config" then return api.json(200, {data = {asset = {id = id,
        data = cloud_resources.resource_data(w, r), deleted = r.status == "Deleted"}}}) end
      local item = cloud_resources.item(w, r, true)
      return api.json(200, {data = {asset = {
        id = id, prismaId = item.rrn, externalAssetId = item.id, name = item.name,
        cloudType = r.kind.cloud:lower(), accountName = item.accountName, regionId = item.regionId,
        regionName = item.regionName, serviceName = item.service, resourceType = item.resourceType,
        assetType = item.resourceType, createdTs = item.createdTs, insertTs = item.insertTs,
        stateId = item.stateId, deleted = item.deleted, data = item.data, tags = {}, dynamicData = {},
      }}})
    end
  end
  return api.fail(req, 404, "not_found", "assetId", "no asset with this id")
end

-- Adds the routes above.
function M.register(router, app)
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
    local scanned, out = inventory.scanned(app, r.index), array{}
    if scanned and scanned.scan == "failed" then
      out[1] = {id = ("P-%d"):format(100000 + r.index), severity = scanned.severity:upper()}
    end
    return api.json(200, out)
  end)
  router:add("POST", "/uai/v1/asset", function(req) return asset(app, req) end)
end

return M
