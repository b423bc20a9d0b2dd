--- prismacloud.policies: the policy family (`client.policies`).
--
--   for p in client.policies:each{severity = "high", enabled = true} do print(p.name) end
--   local p = client.policies:by_name("AWS S3 bucket publicly readable")
--   client.policies:set_enabled(p.policyId, false)
local pager = require "prismacloud.pager"

local F = {}
F.__index = F

-- Short filter names -> the query parameters of GET /v2/policy.
F.FILTERS = {
  name = "policy.name", severity = "policy.severity", label = "policy.label", type = "policy.type",
  subtype = "policy.subtype", compliance_standard = "policy.complianceStandard", enabled = "policy.enabled",
  mode = "policy.policyMode", remediable = "policy.remediable", cloud_type = "cloud.type",
  allow_deleted = "policy.allowDeleted",
}
local DRY = {dry_run = true}

-- The query of a filter table; raises on an unknown key.
local function query_of(filter, fname)
  if filter ~= nil and type(filter) ~= "table" then
    error(("bad argument #1 to '%s' (filter table expected, got %s)"):format(fname, type(filter)), 3)
  end
  local query = {}
  for k, v in pairs(filter or {}) do
    local name = F.FILTERS[k] or (type(k) == "string" and k:find(".", 1, true) and k)
    if not name then error(("unknown policy filter '%s' in '%s'"):format(tostring(k), fname), 3) end
    query[name] = type(v) == "boolean" and tostring(v) or v
  end
  return query
end

--- Policies matching a filter (GET /v2/policy): an array, or nil, err.
-- syntax: list, err = client.policies:list{name =, severity =, type =, enabled =, cloud_type =, label =, ...}
function F:list(filter)
  return self.client:call("get-policies-v2", {query = query_of(filter, "list")})
end

--- The matching policies one by one (a for-loop raises a prismacloud.Error on failure).
-- syntax: for policy in client.policies:each(filter) do ... end
function F:each(filter, paging)
  local style = pager.single{path = "/v2/policy", query = query_of(filter, "each")}
  return pager.items(self.client, style, paging)
end

--- One policy by id.
-- syntax: policy, err = client.policies:get(id)
function F:get(id)
  return self.client:call("get-policy", {id = id})
end

--- Creates a policy from a table (name, policyType, severity, rule, ...).
-- syntax: policy, err = client.policies:create(policy [, {dry_run = true}])
function F:create(policy, opts)
  opts = pager.options(opts, DRY, "create")
  return pager.call(self.client, "add-policy", {body = policy}, opts)
end

--- Replaces a policy (send back what get returned, edited).
-- syntax: policy, err = client.policies:update(id, policy [, {dry_run = true}])
function F:update(id, policy, opts)
  opts = pager.options(opts, DRY, "update")
  return pager.call(self.client, "update-policy", {id = id, body = policy}, opts)
end

--- Deletes a custom policy.
-- syntax: ok, err = client.policies:delete(id [, {dry_run = true}])
function F:delete(id, opts)
  opts = pager.options(opts, DRY, "delete")
  return pager.call(self.client, "delete-policy", {id = id}, opts)
end

--- Enables or disables a policy.
-- syntax: ok, err = client.policies:set_enabled(id, enabled [, {dry_run = true}])
function F:set_enabled(id, enabled, opts)
  if type(enabled) ~= "boolean" then
    error(("bad argument #2 to 'set_enabled' (boolean expected, got %s)"):format(type(enabled)), 2)
  end
  opts = pager.options(opts, DRY, "set_enabled")
  return pager.call(self.client, "update-policy-status", {id = id, enabled = tostring(enabled)}, opts)
end

--- The policy with exactly this name: policy, or nil when there is none, or nil, err.
-- syntax: policy, err = client.policies:by_name(name)
function F:by_name(name)
  if type(name) ~= "string" then error("bad argument #1 to 'by_name' (string expected)", 2) end
  local list, err = self.client:call("get-policies-v2", {query = {["policy.name"] = name}})
  if not list then return nil, err end
  for _, p in ipairs(list) do
    if p.name == name then return p end
  end
  return nil
end

return F
