--- prismacloud.alert_rules: the alert rule family (`client.alert_rules`).
--
--   for rule in client.alert_rules:each{enabled = true} do print(rule.name) end
--   local rule = client.alert_rules:by_name("Production high severity")
--   client.alert_rules:set_enabled(rule.policyScanConfigId, false)
--
-- Alert rules are identified by `policyScanConfigId`. The list
-- (GET /v2/alert/rule) leaves `alertRuleNotificationConfig` unpopulated;
-- `get` returns it.
local pager = require "prismacloud.pager"

local F = {}
F.__index = F
local DRY = {dry_run = true}

-- The query of a list filter: only `enabled` is documented.
local function query_of(filter, fname)
  if filter == nil then return nil end
  if type(filter) ~= "table" then
    error(("bad argument #1 to '%s' (filter table expected, got %s)"):format(fname, type(filter)), 3)
  end
  local query = {}
  for k, v in pairs(filter) do
    if k ~= "enabled" then error(("unknown alert rule filter '%s' in '%s'"):format(tostring(k), fname), 3) end
    if type(v) ~= "boolean" then
      error(("bad filter 'enabled' to '%s' (boolean expected, got %s)"):format(fname, type(v)), 3)
    end
    query.enabled = tostring(v)
  end
  return query
end

local function check_id(id, fname)
  if type(id) ~= "string" or id == "" then
    error(("bad argument #1 to '%s' (string expected, got %s)"):format(fname, id == "" and "empty string" or type(id)),
      3)
  end
end

local function check_rule(rule, n, fname)
  if type(rule) ~= "table" then
    error(("bad argument #%d to '%s' (alert rule table expected, got %s)"):format(n, fname, type(rule)), 3)
  end
end

--- Alert rules you may see (GET /v2/alert/rule), all or only {enabled = true|false}: an array, or nil, err.
-- syntax: rules, err = client.alert_rules:list([{enabled = true}])
function F:list(filter)
  return self.client:call("get-alert-rules-v2", {query = query_of(filter, "list")})
end

--- The alert rules one by one (a for-loop raises a prismacloud.Error on failure).
-- syntax: for rule in client.alert_rules:each([{enabled = true}]) do ... end
function F:each(filter, paging)
  local style = pager.single{path = "/v2/alert/rule", query = query_of(filter, "each")}
  return pager.items(self.client, style, paging)
end

--- One alert rule by id (policyScanConfigId), with its notification configs.
-- syntax: rule, err = client.alert_rules:get(id)
function F:get(id)
  check_id(id, "get")
  return self.client:call("get-alert-rule", {id = id})
end

--- Creates an alert rule {name, description, enabled, scanAll, allowAutoRemediate, target = {accountGroups}, ...}.
-- syntax: rule, err = client.alert_rules:create(rule [, {dry_run = true}])
function F:create(rule, opts)
  check_rule(rule, 1, "create")
  opts = pager.options(opts, DRY, "create")
  return pager.call(self.client, "add-alert-rule", {body = rule}, opts)
end

--- Replaces an alert rule (send back what get returned, edited).
-- syntax: rule, err = client.alert_rules:update(id, rule [, {dry_run = true}])
function F:update(id, rule, opts)
  check_id(id, "update")
  check_rule(rule, 2, "update")
  opts = pager.options(opts, DRY, "update")
  return pager.call(self.client, "update-alert-rule", {id = id, body = rule}, opts)
end

--- Deletes an alert rule.
-- syntax: ok, err = client.alert_rules:delete(id [, {dry_run = true}])
function F:delete(id, opts)
  check_id(id, "delete")
  opts = pager.options(opts, DRY, "delete")
  return pager.call(self.client, "delete-alert-rule", {id = id}, opts)
end

--- Enables or disables an alert rule: reads it, then sends it back with `enabled` changed (the API
-- has no status call). A dry run reads the rule and returns the update it would send.
-- syntax: rule, err = client.alert_rules:set_enabled(id, enabled [, {dry_run = true}])
function F:set_enabled(id, enabled, opts)
  check_id(id, "set_enabled")
  if type(enabled) ~= "boolean" then
    error(("bad argument #2 to 'set_enabled' (boolean expected, got %s)"):format(type(enabled)), 2)
  end
  opts = pager.options(opts, DRY, "set_enabled")
  local rule, err = self.client:call("get-alert-rule", {id = id})
  if not rule then return nil, err end
  rule.enabled = enabled
  return pager.call(self.client, "update-alert-rule", {id = id, body = rule}, opts)
end

--- The alert rule with exactly this name: rule (as the list gives it), or nil when there is none, or nil, err.
-- syntax: rule, err = client.alert_rules:by_name(name)
function F:by_name(name)
  if type(name) ~= "string" then
    error(("bad argument #1 to 'by_name' (string expected, got %s)"):format(type(name)), 2)
  end
  local list, err = self.client:call("get-alert-rules-v2")
  if not list then return nil, err end
  for _, rule in ipairs(list) do
    if rule.name == name then return rule end
  end
  return nil
end

return F
