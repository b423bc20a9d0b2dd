--- prismacloud.licensing: licensed resource usage and credit allocation rules (`client.licensing`).
--
--   local stats = client.licensing:counts{time_range = "30d"}     -- resource type -> workloads
--   for row in client.licensing:each{cloud_types = {"aws"}} do print(row.account.name, row.total) end
--   for rule in client.licensing:rules() do print(rule.name, rule.usedCredits) end
--
-- Usage filters: {account_ids = {...} (all accounts when absent), cloud_types = {"aws", ...},
-- time_range = "30d" (relative only, the default)}. Usage rows and rules are paged by pageToken.
local json = require("prismacloud.core").json
local pager = require "prismacloud.pager"
local verbs = require "prismacloud.verbs"
local timerange = require "prismacloud.timerange"

local F = verbs.family()


-- A list of strings from a string or an array (nil stays nil); raises naming the field.
local function strings(v, field, fname)
  if v == nil then return nil end
  if type(v) == "string" then return {v} end
  if type(v) == "table" then
    for _, x in ipairs(v) do
      if type(x) ~= "string" then error(("bad %s to '%s' (strings expected)"):format(field, fname), 4) end
    end
    return v
  end
  error(("bad %s to '%s' (string or array expected, got %s)"):format(field, fname, type(v)), 4)
end

-- The relative time range the usage endpoints take ("30d" by default).
local function relative(v, fname)
  local tr = timerange.parse(v or "30d")
  if tr.type ~= "relative" then
    error(("bad time_range to '%s' (relative only, e.g. '30d' or '1y')"):format(fname), 4)
  end
  return tr
end

-- The body of a usage request from a filter table; v1: one cloud type (the query), no cloudTypes.
local function usage_body(filter, fname, v1)
  filter = verbs.options(filter, {account_ids = true, cloud_types = true, time_range = true}, fname)
  if v1 and filter.cloud_types ~= nil then
    error(("bad filter to '%s' (the cloud type is its first argument)"):format(fname), 3)
  end
  local ids = setmetatable({}, json.array_mt) -- [] (every account) unless given
  for i, id in ipairs(strings(filter.account_ids, "account_ids", fname) or {}) do ids[i] = id end
  return {
    accountIds = ids,
    cloudTypes = strings(filter.cloud_types, "cloud_types", fname),
    timeRange = relative(filter.time_range, fname),
  }
end

-- v2 usage pages: POST {accountIds, cloudTypes, timeRange, limit}, then {..., pageToken}.
local function usage_style(body)
  return pager.token{op = "license-usage-count-by-cloud-paginated-v2", body = body}
end

--- One page of usage rows ({account, cloudType, total, resourceTypeCount}): {items =,
-- next_token =, body =} (next_token nil at the end, body the API's answer {totalRows, stats,
-- planType, ...}); or nil, err.
-- syntax: page, err = client.licensing:usage([filter] [, {page_size =, cursor =}])
function F:usage(filter, paging)
  local style = usage_style(usage_body(filter, "usage"))
  paging = verbs.options(paging, {page_size = true, cursor = true}, "usage")
  local page, err = pager.page(self.client, style, paging)
  if not page then return nil, err end
  return pager.list_page(type(page.items) == "table" and page.items or {}, page.nextPageToken, page)
end

--- Every usage row, lazily page by page (a for-loop raises a prismacloud.Error on failure).
-- syntax: for row in client.licensing:each([filter] [, {page_size =, max_items =, cursor =}]) do ... end
function F:each(filter, paging)
  return pager.items(self.client, usage_style(usage_body(filter, "each")), paging)
end

--- Pages of usage rows (each page the decoded body {items, stats, totalRows, nextPageToken}).
-- syntax: for page in client.licensing:pages([filter] [, {page_size =, max_pages =, cursor =}]) do ... end
function F:pages(filter, paging)
  return pager.pages(self.client, usage_style(usage_body(filter, "pages")), paging)
end

--- The usage counts: workloads per resource type ({[resource type] = n}; one row is fetched). The
-- number of accounts (totalRows) and the plan (planType) are in the page usage() returns third.
-- syntax: stats, err = client.licensing:counts([filter])
function F:counts(filter)
  local body = usage_body(filter, "counts")
  body.limit = 1
  local page, err = verbs.table_body(self.client,
    self.client:call("license-usage-count-by-cloud-paginated-v2", {body = body}))
  if not page then return nil, err end
  return page.stats or {}
end

--- Usage over time: {dataPoints = {{timeRange, counts = {cloud = {type = n}}}}, workloadsPurchased, timeUnit}.
-- syntax: graph, err = client.licensing:time_series([filter])
function F:time_series(filter)
  return self.client:call("license-usage-graph-v2", {body = usage_body(filter, "time_series")})
end

--- The usage rows of one cloud type (v1), lazily page by page.
-- syntax: for row in client.licensing:cloud_usage(cloud_type [, filter] [, paging]) do ... end
function F:cloud_usage(cloud_type, filter, paging)
  local cloud = verbs.check_string(cloud_type, 1, "cloud_usage", "cloud type string"):lower()
  local body = usage_body(filter, "cloud_usage", true)
  body.cloudType = cloud
  local style = pager.token{op = "license-usage-count-by-cloud-paginated_1", query = {cloud_type = cloud},
                            body = body}
  return pager.items(self.client, style, paging)
end

--- Usage over time of one cloud type (v1).
-- syntax: graph, err = client.licensing:cloud_time_series(cloud_type [, filter])
function F:cloud_time_series(cloud_type, filter)
  local cloud = verbs.check_string(cloud_type, 1, "cloud_time_series", "cloud type string"):lower()
  local body = usage_body(filter, "cloud_time_series", true)
  body.cloudType = cloud
  return self.client:call("license-usage-graph", {body = body})
end

--------------------------------------------------------------------------
-- Credit allocation rules.
--------------------------------------------------------------------------

local THRESHOLDS = {above = "AboveThreshold", below = "BelowThreshold"}

-- The body of a rule listing from {names =, account_group_ids =, threshold = "above"|"below", time_range =}.
local function rules_body(filter, fname)
  filter = verbs.options(filter, {names = true, account_group_ids = true, threshold = true, time_range = true}, fname)
  local threshold = filter.threshold
  if threshold ~= nil and not THRESHOLDS[threshold] then
    error(("bad threshold to '%s' ('above' or 'below' expected, got %s)"):format(fname, tostring(threshold)), 3)
  end
  return {
    ruleNames = strings(filter.names, "names", fname),
    accountGroupIds = strings(filter.account_group_ids, "account_group_ids", fname),
    thresholdFilter = threshold and THRESHOLDS[threshold],
    timeRange = filter.time_range ~= nil and timerange.parse(filter.time_range) or nil,
  }
end

-- The rules of a page ("null when no rules").
local function rules_of(body)
  return type(body) == "table" and type(body.rules) == "table" and body.rules or {}
end

-- get, create, update, delete and by_name of rules: the shared shape (verbs.crud).
local crud = verbs.crud{
  get = "getCreditAllocationRule", create = "createCreditAllocationRule", update = "updateCreditAllocationRule",
  delete = "deleteCreditAllocationRule", id = "ruleId",
  fnames = {get = "rule", create = "create_rule", update = "update_rule", delete = "delete_rule",
            by_name = "rule_by_name"},
  names = function(self, name)
    local style = pager.token{op = "getCreditAllocationRules", body = {ruleNames = {name}},
                              items = rules_of,
                              next_token = function(body) return body.pageToken end}
    return pager.items(self.client, style)
  end,
}

--- Credit allocation rules with their usage, lazily page by page (a for-loop raises on failure);
-- filter: {names =, account_group_ids =, threshold = "above"|"below", time_range =}.
-- syntax: for rule in client.licensing:rules([filter] [, {page_size =, max_items =, cursor =}]) do ... end
function F:rules(filter, paging)
  local style = pager.token{op = "getCreditAllocationRules", body = rules_body(filter, "rules"),
                            items = rules_of,
                            next_token = function(body) return body.pageToken end}
  return pager.items(self.client, style, paging)
end

--- One credit allocation rule by id (without usage).
-- syntax: rule, err = client.licensing:rule(id)
F.rule = crud.get

--- Creates a credit allocation rule {name, targetType = "AccountGroup", allocatedCredits,
-- alarmThreshold, accountGroups}.
-- syntax: rule, err = client.licensing:create_rule(rule [, {dry_run = true}])
F.create_rule = crud.create

-- The fields of a rule an update writes.
local RULE = {"id", "name", "targetType", "allocatedCredits", "alarmThreshold", "accountGroups"}

--- Updates a credit allocation rule: only the fields given change. The reference requires the
-- whole rule of the PATCH (its id the path's, as a string: an integer id is sent as its text), so
-- the rule is read first and sent back whole with the changes over it (a dry run reads it too, and
-- returns the PATCH).
-- syntax: rule, err = client.licensing:update_rule(id, changes [, {dry_run = true}])
function F:update_rule(id, changes, opts)
  verbs.check_id(id, 1, "update_rule")
  verbs.check_table(changes, 2, "update_rule")
  opts = verbs.options(opts, verbs.DRY_RUN, "update_rule")
  local current, err = verbs.table_body(self.client, self:rule(id))
  if not current then return nil, err end
  local body = verbs.merge(current, RULE, changes, "updateCreditAllocationRule")
  body.id = tostring(id) -- the reference types it as a string, the path's
  return verbs.call(self.client, "updateCreditAllocationRule", {ruleId = id, body = body}, opts)
end

--- Deletes a credit allocation rule.
-- syntax: ok, err = client.licensing:delete_rule(id [, {dry_run = true}])
F.delete_rule = crud.delete

--- The credit allocation rule with exactly this name: rule, or nil when there is none, or nil, err.
-- syntax: rule, err = client.licensing:rule_by_name(name)
F.rule_by_name = crud.by_name

--- The names of every credit allocation rule (an array of strings).
-- syntax: names, err = client.licensing:rule_names()
function F:rule_names()
  local body, err = verbs.table_body(self.client, self.client:call("getCreditAllocationRuleNames"))
  if not body then return nil, err end
  return body.names or {}
end

--- Purchased and used credits over a time range ("30d" by default): {purchased, usage}.
-- syntax: summary, err = client.licensing:credit_summary([time_range])
function F:credit_summary(time_range)
  local body = {timeRange = timerange.parse(time_range or "30d")}
  return self.client:call("getCreditAllocationRuleSummary", {body = body})
end

return F
