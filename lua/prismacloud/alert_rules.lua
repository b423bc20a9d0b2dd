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
local verbs = require "prismacloud.verbs"
local filters = require "prismacloud.filters"

local F = verbs.family()

-- The list filter: only `enabled` is documented.
local FILTER_SET = filters.define{what = "alert rule", params = {enabled = {"enabled", "boolean"}}}

-- get, create, update, delete and by_name: the shared shape (verbs.crud).
local crud = verbs.crud{
  get = "get-alert-rule", create = "add-alert-rule", update = "update-alert-rule", delete = "delete-alert-rule",
  names = function(self) return self.client:call("get-alert-rules-v2") end,
}

--- Alert rules you may see (GET /v2/alert/rule), all or only {enabled = true|false}: an array, or nil, err.
-- syntax: rules, err = client.alert_rules:list([{enabled = true}])
function F:list(filter)
  return self.client:call("get-alert-rules-v2", {query = FILTER_SET:query(filter, "list")})
end

--- The alert rules one by one (a for-loop raises a prismacloud.Error on failure).
-- syntax: for rule in client.alert_rules:each([{enabled = true}]) do ... end
function F:each(filter, paging)
  local style = pager.single{op = "get-alert-rules-v2", query = FILTER_SET:query(filter, "each")}
  return pager.items(self.client, style, paging)
end

--- One alert rule by id (policyScanConfigId), with its notification configs.
-- syntax: rule, err = client.alert_rules:get(id)
F.get = crud.get

--- Creates an alert rule {name, description, enabled, scanAll, allowAutoRemediate, target = {accountGroups}, ...}.
-- syntax: rule, err = client.alert_rules:create(rule [, {dry_run = true}])
F.create = crud.create

--- Replaces an alert rule (send back what get returned, edited).
-- syntax: rule, err = client.alert_rules:update(id, rule [, {dry_run = true}])
F.update = crud.update

--- Deletes an alert rule.
-- syntax: ok, err = client.alert_rules:delete(id [, {dry_run = true}])
F.delete = crud.delete

--- Enables or disables an alert rule: reads it, then sends it back with `enabled` changed (the API
-- has no status call). A dry run reads the rule and returns the update it would send.
-- syntax: rule, err = client.alert_rules:set_enabled(id, enabled [, {dry_run = true}])
function F:set_enabled(id, enabled, opts)
  verbs.check_id(id, 1, "set_enabled")
  verbs.check_boolean(enabled, 2, "set_enabled")
  opts = verbs.options(opts, verbs.DRY_RUN, "set_enabled")
  local rule, err = verbs.table_body(self.client, self.client:call("get-alert-rule", {id = id}))
  if not rule then return nil, err end
  rule.enabled = enabled
  return verbs.call(self.client, "update-alert-rule", {id = id, body = rule}, opts)
end

--- The alert rule with exactly this name: rule (as the list gives it), or nil when there is none, or nil, err.
-- syntax: rule, err = client.alert_rules:by_name(name)
F.by_name = crud.by_name

return F
