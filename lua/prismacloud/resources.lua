--- prismacloud.resources: cloud resources (`client.resources`): lookups by rrn and scan info.
--
--   local r = client.resources:get("rrn:aws:aws-s3api-get-bucket-acl:us-east-1:123456789012:my-bucket")
--   for res in client.resources:scan_info{cloud_type = "aws", scan_status = "failed", page_size = 500} do
--     print(res.name, res.overallPassed)
--   end
--
-- scan_info pages by pageToken (Resource Scan Info V2; `version = 1` for the older endpoint, which
-- takes a time range). Each page goes out as GET with the filters and the token in the query while
-- the GET declares them and the URL stays under filters.MAX_URL; a longer one (a big token, many
-- filter values, or a filter the GET does not declare) goes out as POST {filters, limit, pageToken}
-- to the same path, as the API offers.
local pager = require "prismacloud.pager"
local verbs = require "prismacloud.verbs"
local timerange = require "prismacloud.timerange"
local inventory = require "prismacloud.inventory"
local filters = require "prismacloud.filters"

local F = verbs.family()

--- A resource by rrn, with its JSON in `data` (ResourceMetaModel); nil, err on failure.
-- syntax: resource, err = client.resources:get(rrn)
function F:get(rrn)
  verbs.check_string(rrn, 1, "get", "rrn")
  return self.client:call("get-resource", {body = {rrn = rrn}})
end

--- The raw configuration JSON of a resource (at a timeline item, when given); nil, err on failure.
-- syntax: json, err = client.resources:raw(rrn [, timeline_item_id])
function F:raw(rrn, timeline_item_id)
  verbs.check_string(rrn, 1, "raw", "rrn")
  if timeline_item_id ~= nil and type(timeline_item_id) ~= "string" then
    error(("bad argument #2 to 'raw' (string expected, got %s)"):format(type(timeline_item_id)), 2)
  end
  return self.client:call("get-resource-raw", {body = {rrn = rrn, timelineItemId = timeline_item_id}})
end

--- The timeline of a resource: its state changes, newest first (ids usable with raw); nil, err on failure.
-- syntax: items, err = client.resources:timeline(rrn)
function F:timeline(rrn)
  verbs.check_string(rrn, 1, "timeline", "rrn")
  return self.client:call("get-timeline-for-resource", {body = {rrn = rrn}})
end

--- The network settings (security group rules) of a resource: an array; nil, err on failure.
-- syntax: rules, err = client.resources:network(rrn)
function F:network(rrn)
  verbs.check_string(rrn, 1, "network", "rrn")
  return self.client:call("get-network-for-resource", {body = {rrn = rrn}})
end

--- The alerts of a resource: an array of {id, severity}; nil, err on failure.
-- syntax: alerts, err = client.resources:alerts(rrn)
function F:alerts(rrn)
  verbs.check_string(rrn, 1, "alerts", "rrn")
  return self.client:call("get-alerts-for-resource", {body = {rrn = rrn}})
end

--- An asset by its id (Get Asset, the newer lookup): `data.asset`, or another view with type
-- ("raw_config", "timeline", "alerts", ...; "asset" by default); more fields go in `extra`.
-- syntax: asset, err = client.resources:asset(asset_id [, type [, extra]])
function F:asset(asset_id, kind, extra)
  verbs.check_string(asset_id, 1, "asset", "asset id")
  if kind ~= nil and type(kind) ~= "string" then
    error(("bad argument #2 to 'asset' (string expected, got %s)"):format(type(kind)), 2)
  end
  if extra ~= nil and type(extra) ~= "table" then
    error(("bad argument #3 to 'asset' (table expected, got %s)"):format(type(extra)), 2)
  end
  local body = {}
  for k, v in pairs(extra or {}) do body[k] = v end
  body.assetId, body.type = asset_id, kind or "asset"
  return self.client:call("get-asset-details-by-id", {body = body})
end

local SCAN_FILTERS = filters.define{what = "inventory", names = inventory.FILTERS,
  settings = {version = true, time_range = true, page_size = true, max_items = true, max_pages = true, cursor = true}}
-- Per version: the GET and the POST operation (the same path).
local OPS = {[1] = {"get-resource-scan-info", "post-resource-scan-info"},
             [2] = {"get-resource-scan-info-v2", "post-resource-scan-info-v2"}}

-- The style of a scan_info walk, and the paging options.
local function scan_style(filter, fname)
  local f = SCAN_FILTERS:split(filter, fname, 3)
  local names, settings = f.names, f.settings
  local version = settings.version or 2
  if not OPS[version] then
    error(("bad option 'version' to '%s' (1 or 2 expected, got %s)"):format(fname, tostring(version)), 3)
  end
  if settings.time_range ~= nil and version ~= 1 then
    error(("option 'time_range' to '%s' needs version = 1 (v2 has no time range)"):format(fname), 3)
  end
  local tr = version == 1 and timerange.parse(settings.time_range or "to_now:epoch") or nil
  if names["cloud.type"] then -- the GET declares lower-case cloud types
    for i, v in ipairs(names["cloud.type"]) do names["cloud.type"][i] = v:lower() end
  end
  local get_op, post_op = OPS[version][1], OPS[version][2]
  local base = filters.query(names)
  if tr then
    timerange.query(tr, base)
    if tr.type == "relative" then base.timeAmount = tostring(base.timeAmount) end
    if tr.type == "to_now" and tr.value == "epoch" then base.timeUnit = nil end -- the GET's to_now is epoch
    -- the v1 GET takes relative and to_now (epoch) ranges only
    if tr.type == "absolute" or (tr.type == "to_now" and tr.value ~= "epoch") then base = nil end
  end
  local size = settings.page_size
  local function request(token)
    if base then
      local query = {}
      for k, v in pairs(base) do query[k] = v end
      query.limit = size and tostring(size) or nil
      query.pageToken = token
      if filters.fits(get_op, query) then return {op = get_op, args = {query = query}} end
    end
    local body = {filters = filters.body(names), limit = size, pageToken = token, timeRange = tr}
    return {op = post_op, args = {body = body}}
  end
  local style = {
    first = function() return request(nil) end,
    after = function(token) return request(token) end,
    items = function(page) return page.resources or {} end,
    token = function(page)
      local t = page.nextPageToken
      if type(t) ~= "string" or t == "" then return nil end
      return t
    end,
  }
  return style, {page_size = settings.page_size, max_items = settings.max_items, max_pages = settings.max_pages,
                 cursor = settings.cursor}
end

--- Resources with their scan results (passed/failed policies), lazily, following pageToken.
-- syntax: items = client.resources:scan_info{cloud_type =, scan_status =, page_size =, max_items =, cursor =, ...}
function F:scan_info(filter)
  local style, paging = scan_style(filter, "scan_info")
  return pager.items(self.client, style, paging)
end

--- The pages of scan_info ({resources, totalMatchedCount, nextPageToken}).
-- syntax: pages = client.resources:scan_info_pages(filter); for page in pages do ... end
function F:scan_info_pages(filter)
  local style, paging = scan_style(filter, "scan_info_pages")
  return pager.pages(self.client, style, paging)
end

return F
