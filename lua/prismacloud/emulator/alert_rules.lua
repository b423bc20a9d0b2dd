-- prismacloud.emulator.alert_rules: alert rules (AlertRules.json).
--
--   GET /v2/alert/rule[?enabled=]    every rule, without notification configs or open alert counts
--   GET /alert/rule/{id}             one rule, with its notification configs
--   POST /alert/rule                 create
--   PUT /alert/rule/{id}             replace
--   DELETE /alert/rule/{id}          delete (204)
--
-- Errors as documented: an id that is not a UUID is 400 invalid_policy_id;
-- an unknown one is 404 no_results (GET), 404 not_found (PUT), 400
-- invalid_policy_id (DELETE). Bodies: 400 missing_required_param (subject:
-- the field; name, description, enabled, allowAutoRemediate, scanAll, target,
-- target.accountGroups are required), invalid_param_value (subject: the
-- field; a name in use, unknown account groups, policies, integrations or
-- templates, policyLabels with scanAll, a bad notification type or email),
-- non_notification_state_selected (notification configs while every
-- notifyOn* is false) and auto_remediation_only_for_config_remediable_policies.
-- Seeded deterministically: RULES rules over the seeded account groups,
-- some sending to the seeded integrations and templates.
local api = require "prismacloud.emulator.api"
local data = require "prismacloud.emulator.data"
local integrations = require "prismacloud.emulator.integrations"
local json = require "prismacloud.json"
local notification_templates = require "prismacloud.emulator.notification_templates"
local state_mod = require "prismacloud.emulator.state"

local M = {}

local array = api.array
local SALT = 400
M.RULES = 12
local NOTIFY = {"notifyOnOpen", "notifyOnDismissed", "notifyOnSnoozed", "notifyOnResolved"}
local NOTIFY_DEFAULT = {notifyOnOpen = true, notifyOnDismissed = false, notifyOnSnoozed = false,
                        notifyOnResolved = false}
local NOTIFICATION_TYPES = {}
for _, t in ipairs{"email", "slack", "splunk", "amazon_sqs", "jira", "microsoft_teams", "webhook",
                   "aws_security_hub", "google_cscc", "service_now", "pager_duty", "azure_service_bus_queue",
                   "demisto", "aws_s3", "snowflake"} do
  NOTIFICATION_TYPES[t] = true
end
local TEMPLATED = {email = true, jira = true, service_now = true}
local FREQUENCIES = {as_it_happens = true, daily = true, weekly = true, monthly = true}

-- Whether s is shaped as a UUID (rule ids are).
local function is_uuid(s)
  return type(s) == "string" and s:find("^%x+%-%x+%-%x+%-%x+%-%x+$") ~= nil
end
M.is_uuid = is_uuid

--------------------------------------------------------------------------
-- The store (made on first use; rebuilt with the state).
--------------------------------------------------------------------------

-- The alert rule store of the state (seeded on first use): RULES rules.
function M.store(app)
  local st = app.state
  if st.alert_rules then return st.alert_rules end
  local w = st.world
  local rules = state_mod.new_store()
  st.alert_rules = rules
  local hooks = integrations.store(app)
  local groups, policies = st.groups.order, w.policies
  local names = {"Production high severity", "All cloud accounts", "AWS config", "Azure exposure",
                 "GCP storage", "PCI scope", "Network anomalies", "Audit events", "Encryption gaps",
                 "IAM drift", "Weekly digest", "Sandbox"}
  for k = 1, M.RULES do
    local h = data.hash(w.seed, SALT, k)
    local id = data.uuid(w.seed, SALT, k)
    local scan_all = data.roll(h, 3, 0) ~= 0
    local chosen = array{}
    if not scan_all then
      for i = 1, 2 + data.roll(h, 4, 4) do
        chosen[i] = policies[(data.roll(h, #policies, 8) + i * 7) % #policies + 1].policyId
      end
    end
    local notify = array{}
    local hook_id = hooks.order[data.roll(h, #hooks.order, 16) + 1]
    local hook = hooks.by_id[hook_id]
    if data.roll(h, 2, 20) == 0 and hook and not TEMPLATED[hook.integrationType] then
      notify[1] = {id = data.uuid(w.seed, SALT + 1, k), type = hook.integrationType, enabled = true,
                   frequency = "as_it_happens", recipients = array{hook_id}, detailedReport = false,
                   withCompression = false, includeRemediation = false, lastUpdated = w.anchor_ms - k * data.DAY_MS}
    end
    if data.roll(h, 3, 24) == 0 then
      notify[#notify + 1] = {id = data.uuid(w.seed, SALT + 2, k), type = "email", enabled = true,
                             frequency = "daily", recipients = array{data.USERS[k % 3 + 1]},
                             detailedReport = true, withCompression = true, includeRemediation = false,
                             lastUpdated = w.anchor_ms - k * data.DAY_MS}
    end
    rules:put(id, {
      policyScanConfigId = id, name = names[(k - 1) % #names + 1] .. (k > #names and (" " .. k) or ""),
      description = "Seeded alert rule " .. k, enabled = k % 5 ~= 0, scanAll = scan_all, policies = chosen,
      policyLabels = array{}, allowAutoRemediate = false, delayNotificationMs = 0,
      notifyOnOpen = true, notifyOnDismissed = k % 4 == 0, notifyOnSnoozed = false, notifyOnResolved = k % 3 == 0,
      target = {accountGroups = array{groups[(k - 1) % #groups + 1]}, excludedAccounts = array{},
                regions = array{}, tags = array{}},
      alertRuleNotificationConfig = notify, owner = "emulator", readOnly = false, deleted = false,
      lastModifiedBy = data.USERS[k % #data.USERS + 1], lastModifiedOn = w.anchor_ms - (k * 3) * data.DAY_MS,
    })
  end
  return rules
end

-- The ids of integrations and templates the rules send to: a set.
function M.references(app)
  local used = {}
  for _, rule in ipairs(M.store(app):list()) do
    for _, n in ipairs(rule.alertRuleNotificationConfig or {}) do
      if n.templateId then used[n.templateId] = true end
      for _, r in ipairs(n.recipients or {}) do used[r] = true end
    end
  end
  return used
end

-- A rule as the list shows it: no notification configs, their types as channels.
local function list_view(rule)
  local out = api.copy(rule, {alertRuleNotificationConfig = true, deleted = true})
  local channels, seen = array{}, {}
  for _, n in ipairs(rule.alertRuleNotificationConfig) do
    if not seen[n.type] then
      seen[n.type] = true
      channels[#channels + 1] = n.type
    end
  end
  out.notificationChannels = channels
  return out
end

--------------------------------------------------------------------------
-- Validation.
--------------------------------------------------------------------------

-- A 400 missing_required_param naming field.
local function missing(req, field)
  return api.fail(req, 400, "missing_required_param", field, field .. " is required")
end

-- A 400 invalid_param_value naming field.
local function invalid(req, field, message)
  return api.fail(req, 400, "invalid_param_value", field, message)
end

-- Checks the notification configs; nil, or an error response.
local function check_notifications(app, req, list)
  if list == nil or list == json.null then return nil end
  local field = "alertRuleNotificationConfig"
  if not api.is_array(list) then return invalid(req, field, field .. " must be an array") end
  for _, n in ipairs(list) do
    if type(n) ~= "table" or not NOTIFICATION_TYPES[n.type] then
      return invalid(req, field .. ".type", "unknown notification type")
    end
    if n.frequency ~= nil and not FREQUENCIES[n.frequency] then
      return invalid(req, field .. ".frequency", "unknown frequency")
    end
    if not api.is_array(n.recipients) or #n.recipients == 0 then return missing(req, field .. ".recipients") end
    if n.templateId ~= nil and not notification_templates.store(app).by_id[n.templateId] then
      return invalid(req, field .. ".templateId", "no template " .. tostring(n.templateId))
    end
    for _, r in ipairs(n.recipients) do
      if n.type == "email" then
        if type(r) ~= "string" or not r:find("^[^@%s]+@[^@%s]+%.[^@%s]+$") then
          return invalid(req, field .. ".recipients", "not an email address: " .. tostring(r))
        end
      else
        local hook = integrations.store(app).by_id[r]
        local template = notification_templates.store(app).by_id[r]
        local ok = (hook and hook.integrationType == n.type) or (template and template.integrationType == n.type)
        if not ok then
          return invalid(req, field .. ".recipients", ("no %s integration %s"):format(n.type, tostring(r)))
        end
      end
    end
  end
  return nil
end

-- Checks a create/update body; nil, or an error response.
local function validate(app, req, body, self_id)
  local st = app.state
  if type(body.name) ~= "string" or not body.name:find("%S") then return missing(req, "name") end
  if type(body.description) ~= "string" then return missing(req, "description") end
  for _, f in ipairs{"enabled", "allowAutoRemediate", "scanAll"} do
    if body[f] == nil or body[f] == json.null then return missing(req, f) end
    if type(body[f]) ~= "boolean" then return invalid(req, f, f .. " must be a boolean") end
  end
  if type(body.target) ~= "table" then return missing(req, "target") end
  local groups = body.target.accountGroups
  if groups == nil or groups == json.null then return missing(req, "target.accountGroups") end
  if not api.is_array(groups) or #groups == 0 then return invalid(req, "target.accountGroups", "no account groups") end
  for _, g in ipairs(groups) do
    if not st.groups.by_id[g] then return invalid(req, "target.accountGroups", "no account group " .. tostring(g)) end
  end
  for _, rule in ipairs(M.store(app):list()) do
    if rule.policyScanConfigId ~= self_id and rule.name:lower() == body.name:lower() then
      return invalid(req, "name", "an alert rule named '" .. body.name .. "' exists")
    end
  end
  local policies = body.policies
  if policies ~= nil and policies ~= json.null then
    if not api.is_array(policies) then return invalid(req, "policies", "policies must be an array") end
    for _, id in ipairs(policies) do
      local p = st.policies.by_id[id]
      if not p then return invalid(req, "policies", "no policy " .. tostring(id)) end
      if body.allowAutoRemediate and not (p.remediable and p.policyType == "config") then
        return api.fail(req, 400, "auto_remediation_only_for_config_remediable_policies", id)
      end
    end
  end
  local labels = body.policyLabels
  if api.is_array(labels) and #labels > 0 and body.scanAll then
    return invalid(req, "policyLabels", "policyLabels need scanAll = false")
  end
  local bad = check_notifications(app, req, body.alertRuleNotificationConfig)
  if bad then return bad end
  if type(body.alertRuleNotificationConfig) == "table" and #body.alertRuleNotificationConfig > 0 then
    local any = false
    for _, f in ipairs(NOTIFY) do
      local v = body[f]
      if v == nil or v == json.null then v = NOTIFY_DEFAULT[f] end
      any = any or v == true
    end
    if not any then return api.fail(req, 400, "non_notification_state_selected", "notifyOnOpen") end
  end
  return nil
end

-- The stored rule for a validated body.
local function from_body(app, req, body, id)
  local rule = api.deep_copy(body)
  rule.policyScanConfigId = id
  for f, v in pairs(NOTIFY_DEFAULT) do
    if rule[f] == nil or rule[f] == json.null then rule[f] = v end
  end
  if rule.policies == nil or rule.policies == json.null then rule.policies = array{} end
  if rule.policyLabels == nil or rule.policyLabels == json.null then rule.policyLabels = array{} end
  if type(rule.alertRuleNotificationConfig) ~= "table" then rule.alertRuleNotificationConfig = array{} end
  for k, n in ipairs(rule.alertRuleNotificationConfig) do
    if n.id == nil then
      app.state.next_notification = (app.state.next_notification or 0) + 1
      n.id = data.uuid(app.state.world.seed, SALT + 5, app.state.next_notification + 1000 * k)
    end
    if n.frequency == nil then n.frequency = "as_it_happens" end
    if n.enabled == nil then n.enabled = true end
    n.lastUpdated = api.now_ms()
  end
  rule.delayNotificationMs = math.tointeger(rule.delayNotificationMs) or 0
  rule.deleted = false
  rule.owner, rule.readOnly = "emulator", false
  rule.lastModifiedBy = api.user_of(req)
  rule.lastModifiedOn = api.now_ms()
  return rule
end

--------------------------------------------------------------------------
-- Routes.
--------------------------------------------------------------------------

-- Adds the routes above.
function M.register(router, app)
  router:add("GET", "/v2/alert/rule", function(req)
    local enabled = api.bool(api.query(req, "enabled"))
    if enabled == "bad" then return invalid(req, "enabled", "enabled must be true or false") end
    local out = array{}
    for _, rule in ipairs(M.store(app):list()) do
      if enabled == nil or rule.enabled == enabled then out[#out + 1] = list_view(rule) end
    end
    return api.json(200, out)
  end)

  router:add("GET", "/alert/rule/:id", function(req, params)
    if not is_uuid(params.id) then return api.fail(req, 400, "invalid_policy_id", params.id) end
    local rule = M.store(app).by_id[params.id]
    if not rule then return api.fail(req, 404, "no_results", params.id, "no alert rule " .. params.id) end
    return api.json(200, rule)
  end)

  router:add("POST", "/alert/rule", function(req)
    local body, bad = api.body(req, true)
    if not body then return bad end
    local err = validate(app, req, body)
    if err then return err end
    local st = app.state
    st.next_rule = (st.next_rule or 0) + 1
    local id = data.uuid(st.world.seed, SALT + 10, st.next_rule)
    local rule = from_body(app, req, body, id)
    M.store(app):put(id, rule)
    return api.json(200, rule)
  end)

  router:add("PUT", "/alert/rule/:id", function(req, params)
    if not is_uuid(params.id) then return api.fail(req, 400, "invalid_policy_id", params.id) end
    local rules = M.store(app)
    if not rules.by_id[params.id] then return api.fail(req, 404, "not_found", params.id) end
    local body, bad = api.body(req, true)
    if not body then return bad end
    if body.policyScanConfigId ~= nil and body.policyScanConfigId ~= params.id then
      return api.fail(req, 400, "invalid_policy_id", tostring(body.policyScanConfigId))
    end
    local err = validate(app, req, body, params.id)
    if err then return err end
    local rule = from_body(app, req, body, params.id)
    rules:put(params.id, rule)
    return api.json(200, rule)
  end)

  router:add("DELETE", "/alert/rule/:id", function(req, params)
    local rules = M.store(app)
    if not is_uuid(params.id) or not rules.by_id[params.id] then
      return api.fail(req, 400, "invalid_policy_id", params.id)
    end
    rules:delete(params.id)
    return api.empty(204)
  end)
end

integrations.add_referrer(M.references) -- an integration the rules use is not deleted

return M
