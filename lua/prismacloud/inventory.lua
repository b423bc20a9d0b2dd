--- prismacloud.inventory: the asset inventory dashboard (`client.inventory`), v3 (v2 on request).
--
--   local snap = client.inventory:summary{cloud_type = "aws", group_by = {"cloud.account"}}
--   print(snap.summary.totalResources, snap.summary.failedResources)
--   for _, point in ipairs(client.inventory:trend{scan_status = "failed"}) do ... end
--   local names = client.inventory:filters()           -- filter names and their options
--
-- Filters use short names (below) or the API's dotted names; a value may be a list. A filter goes
-- out as GET query parameters when the GET endpoint declares every name and the URL stays under
-- filters.MAX_URL (prismacloud.filters); otherwise as a POST body {filters = [{name, operator =
-- "=", value}], groupBy}.
-- v2 (`version = 2`) also takes a time range (GET: relative only; "24h" by default).
local verbs = require "prismacloud.verbs"
local timerange = require "prismacloud.timerange"
local filters = require "prismacloud.filters"
local json = require "prismacloud.json"

local F = verbs.family()

-- Short filter names -> the API's names.
F.FILTERS = {
  cloud_type = "cloud.type", account = "cloud.account", account_group = "account.group", region = "cloud.region",
  service = "cloud.service", resource_type = "resource.type", scan_status = "scan.status",
  compliance_standard = "policy.complianceStandard", compliance_requirement = "policy.complianceRequirement",
  compliance_section = "policy.complianceSection", severity = "asset.severity",
  vulnerability_severity = "vulnerability.severity",
}

local SUMMARY = filters.define{what = "inventory", names = F.FILTERS,
                               settings = {group_by = true, time_range = true, version = true}}
local OPS = {
  summary = {[2] = {"asset-inventory-v2", "post-method-for-asset-inventory-v2"},
             [3] = {"asset-inventory-v3", "post-method-for-asset-inventory-v3"}},
  trend = {[2] = {"asset-inventory-trend-v2", "post-method-asset-inventory-trend-v2"},
           [3] = {"asset-inventory-trend-v3", "post-method-asset-inventory-trend-v3"}},
}

-- The operation and args of a summary or trend request.
local function request(kind, filter, fname)
  local f = SUMMARY:split(filter, fname, 3)
  local names, settings = f.names, f.settings
  local version = settings.version or 3
  if version ~= 2 and version ~= 3 then
    error(("bad option 'version' to '%s' (2 or 3 expected, got %s)"):format(fname, tostring(version)), 3)
  end
  if settings.time_range ~= nil and version ~= 2 then
    error(("option 'time_range' to '%s' needs version = 2 (v3 has no time range)"):format(fname), 3)
  end
  local group_by = settings.group_by
  if type(group_by) == "string" then group_by = {group_by} end
  if group_by ~= nil and kind == "trend" then error(("'%s' takes no group_by"):format(fname), 3) end
  local tr = version == 2 and timerange.parse(settings.time_range or "24h") or nil
  local get_op, post_op = OPS[kind][version][1], OPS[kind][version][2]
  local query = filters.query(names)
  if group_by then query.groupBy = table.concat(group_by, ",") end
  if tr then
    if tr.type == "relative" then
      timerange.query(tr, query)
      query.timeAmount = tostring(query.timeAmount)
    else
      query = nil -- GET v2 takes relative ranges only
    end
  end
  if query and filters.fits(get_op, query) then return get_op, {query = query} end
  local body = {filters = filters.body(names), timeRange = tr}
  if group_by then body.groupBy = setmetatable(group_by, json.array_mt) end
  return post_op, {body = body}
end

--- The inventory snapshot ({summary, groupedAggregates, timestamp}) for a filter; nil, err on failure.
-- syntax: snap, err = client.inventory:summary{cloud_type =, account =, region =, group_by =, version =, ...}
function F:summary(filter)
  local op, args = request("summary", filter, "summary")
  return self.client:call(op, args)
end

--- The pass/fail trend: an array of summaries over time (oldest first); nil, err on failure.
-- syntax: points, err = client.inventory:trend{cloud_type =, scan_status =, version =, time_range =, ...}
function F:trend(filter)
  local op, args = request("trend", filter, "trend")
  return self.client:call(op, args)
end

--- The filter names of the inventory and their default options ({["cloud.type"] = {options = {...}}, ...}).
-- syntax: filters, err = client.inventory:filters()
function F:filters()
  return self.client:call("get-asset-inventory-v2-filters-and-options")
end

--- Autocomplete for one filter: the values of filter_name starting with query ({suggestions = {...}}).
-- syntax: info, err = client.inventory:suggest(filter_name [, query])
function F:suggest(filter_name, query)
  if type(filter_name) ~= "string" then
    error(("bad argument #1 to 'suggest' (string expected, got %s)"):format(type(filter_name)), 2)
  end
  if query ~= nil and type(query) ~= "string" then
    error(("bad argument #2 to 'suggest' (string expected, got %s)"):format(type(query)), 2)
  end
  return self.client:call("get-asset-inventory-v2-dashboard-filter-options",
    {body = {filterName = filter_name, query = query or ""}})
end

-- get_filter, save_filter, update_filter and delete_filter: the shared shape (verbs.crud).
local saved = verbs.crud{
  get = "get-saved-asset-inventory-filter", create = "save-asset-inventory-filter",
  delete = "delete-saved-asset-inventory-filter",
  fnames = {get = "get_filter", create = "save_filter", delete = "delete_filter"},
}

--- The saved inventory filters: an array, or nil, err.
-- syntax: list, err = client.inventory:saved_filters()
function F:saved_filters()
  return self.client:call("get-all-saved-asset-inventory-filters")
end

--- One saved inventory filter by id.
-- syntax: filter, err = client.inventory:get_filter(id)
F.get_filter = saved.get

--- Saves an inventory filter (a FilterModel: {filters = {{name =, operator = "=", value =}}, groupBy =, ...}):
-- true, as POST /filter/inventory answers without a body (nor the new filter's id: saved_filters()
-- lists it).
-- syntax: ok, err = client.inventory:save_filter(model [, {dry_run = true}])
F.save_filter = saved.create

--- Replaces a saved inventory filter, and returns it as read back after (PUT /filter/inventory/{id}
-- answers without a body); a dry run returns the PUT. When the PUT succeeded but reading the filter
-- back failed: nil, err with err.written = true ("updated; reading it back failed: ...").
-- syntax: filter, err = client.inventory:update_filter(id, model [, {dry_run = true}])
function F:update_filter(id, model, opts)
  verbs.check_id(id, 1, "update_filter")
  verbs.check_table(model, 2, "update_filter")
  opts = verbs.options(opts, verbs.DRY_RUN, "update_filter")
  local ok, err = verbs.call(self.client, "update-saved-asset-inventory-filter", {id = id, body = model}, opts)
  if ok ~= true then return ok, err end -- nil, err; the request of a dry run; a body the API sent
  local filter, read_err = self:get_filter(id)
  if filter == nil then return verbs.written(read_err) end
  return filter
end

--- Deletes a saved inventory filter.
-- syntax: ok, err = client.inventory:delete_filter(id [, {dry_run = true}])
F.delete_filter = saved.delete

return F
