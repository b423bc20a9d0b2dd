--- prismacloud.policies: the policy family (`client.policies`).
--
--   for p in client.policies:each{severity = "high", enabled = true} do print(p.name) end
--   local p = client.policies:by_name("AWS S3 bucket publicly readable")
--   client.policies:set_enabled(p.policyId, false)
--   local mapping = client.policies:compliance()    -- standard name -> its sections
local pager = require "prismacloud.pager"
local verbs = require "prismacloud.verbs"
local filters = require "prismacloud.filters"

local F = verbs.family()

-- Short filter names -> the query parameters of GET /v2/policy.
F.FILTERS = {
  name = "policy.name", severity = "policy.severity", label = "policy.label", type = "policy.type",
  subtype = "policy.subtype", compliance_standard = "policy.complianceStandard", enabled = "policy.enabled",
  mode = "policy.policyMode", remediable = "policy.remediable", cloud_type = "cloud.type",
  allow_deleted = "policy.allowDeleted", compliance_requirement = "policy.complianceRequirement",
  compliance_section = "policy.complianceSection", rule_type = "policy.rule.type",
}
local FILTER_SET = filters.define{what = "policy", names = F.FILTERS, enums = "get-policies-v2"}

--- Policies matching a filter (GET /v2/policy): an array, or nil, err.
-- syntax: list, err = client.policies:list{name =, severity =, type =, enabled =, cloud_type =, label =, ...}
function F:list(filter)
  return self.client:call("get-policies-v2", {query = FILTER_SET:query(filter, "list")})
end

--- The matching policies one by one (a for-loop raises a prismacloud.Error on failure).
-- syntax: for policy in client.policies:each(filter) do ... end
function F:each(filter, paging)
  local style = pager.single{op = "get-policies-v2", query = FILTER_SET:query(filter, "each")}
  return pager.items(self.client, style, paging)
end

-- get, create, update, delete and by_name: the shared shape (verbs.crud).
local crud = verbs.crud{
  get = "get-policy", create = "add-policy", update = "update-policy", delete = "delete-policy",
  names = function(self, name) return self.client:call("get-policies-v2", {query = {["policy.name"] = name}}) end,
}

--- One policy by id.
-- syntax: policy, err = client.policies:get(id)
F.get = crud.get

--- Creates a policy from a table (name, policyType, severity, rule, ...).
-- syntax: policy, err = client.policies:create(policy [, {dry_run = true}])
F.create = crud.create

--- Replaces a policy (send back what get returned, edited).
-- syntax: policy, err = client.policies:update(id, policy [, {dry_run = true}])
F.update = crud.update

--- Deletes a custom policy.
-- syntax: ok, err = client.policies:delete(id [, {dry_run = true}])
F.delete = crud.delete

--- The policy with exactly this name: policy, or nil when there is none, or nil, err.
-- syntax: policy, err = client.policies:by_name(name)
F.by_name = crud.by_name

--- Enables or disables a policy (PATCH /policy/{id}/status/{enabled}).
-- syntax: ok, err = client.policies:set_enabled(id, enabled [, {dry_run = true}])
function F:set_enabled(id, enabled, opts)
  verbs.check_boolean(enabled, 2, "set_enabled")
  return verbs.call(self.client, "update-policy-status", {id = id, enabled = tostring(enabled)}, opts, "set_enabled")
end

--- The compliance mapping policies can use: standard name -> array of its sections
-- ({complianceId, standardName, requirementId, sectionId, ...}).
-- syntax: mapping, err = client.policies:compliance()
function F:compliance()
  return self.client:call("get-compliance-standards")
end

--- Pre-validates a policy's rule ({policyType, rule = {criteria, ...}}) without creating it:
-- true, or nil, err (a 400 names what is wrong in err.code).
-- syntax: ok, err = client.policies:validate(policy)
function F:validate(policy)
  verbs.check_table(policy, 1, "validate")
  return verbs.call(self.client, "policy-rule-validate", {body = policy})
end

--- The policy filters and their default or recent options ({["policy.severity"] = {options = ...}, ...}).
-- syntax: filters, err = client.policies:filters()
function F:filters()
  return self.client:call("get-policy-filters-and-options")
end

--- The options of one policy filter, optionally narrowed by a case-insensitive substring.
-- syntax: options, err = client.policies:filter_options(filter_name [, query])
function F:filter_options(name, query)
  if type(name) ~= "string" then
    error(("bad argument #1 to 'filter_options' (string expected, got %s)"):format(type(name)), 2)
  end
  if query ~= nil and type(query) ~= "string" then
    error(("bad argument #2 to 'filter_options' (string expected, got %s)"):format(type(query)), 2)
  end
  return self.client:call("get-policy-filter-options", {body = {filterName = name, query = query}})
end

return F
