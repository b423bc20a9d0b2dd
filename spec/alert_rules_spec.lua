-- client.alert_rules against the emulator over real sockets: every verb sends
-- what the catalog defines, errors come back as nil, err with the documented
-- status and i18n key, dry runs send nothing, the iterator walks once.
local server = require "spec.support.server"
local prismacloud = require "prismacloud"
local requests = require "spec.support.requests"

local query_of, body_of = requests.query_of, requests.body_of

describe("alert_rules", function()
  local fx = server.fixture{}
  local srv, client, group_id

  setup(function()
    srv, client = fx.srv, fx.client
    group_id = assert(client.account_groups:list())[1].id
  end)

  local only = fx.only

  -- A valid new rule body named name.
  local function new_rule(name, extra)
    local rule = {name = name, description = "made by the spec", enabled = true, scanAll = true,
                  allowAutoRemediate = false, target = {accountGroups = {group_id}}}
    for k, v in pairs(extra or {}) do rule[k] = v end
    return rule
  end

  -- The i18n key and subject of an error, from the x-redlock-status details.
  local function key_of(err)
    assert.is_true(prismacloud.is_error(err), "expected a prismacloud.Error, got " .. tostring(err))
    return err.code, err.details and err.details[1] and err.details[1].subject
  end

  describe("list and each", function()
    it("list: GET /v2/alert/rule returns every seeded rule", function()
      local rules = assert(client.alert_rules:list())
      assert.equal(12, #rules)
      local r = requests.check(only("/v2/alert/rule"), "get-alert-rules-v2")
      assert.same({}, query_of(r))
      for _, rule in ipairs(rules) do
        assert.is_string(rule.policyScanConfigId)
        assert.is_nil(rule.alertRuleNotificationConfig) -- the list leaves it out, as documented
      end
    end)

    it("list{enabled = true}: the query says enabled=true and only enabled rules come back", function()
      local all = assert(client.alert_rules:list())
      srv.clear()
      local enabled = assert(client.alert_rules:list{enabled = true})
      local r = requests.check(only("/v2/alert/rule"), "get-alert-rules-v2")
      assert.same({enabled = "true"}, query_of(r))
      assert.is_true(#enabled > 0 and #enabled < #all)
      for _, rule in ipairs(enabled) do assert.is_true(rule.enabled) end
    end)

    it("each: walks every rule exactly once, and stops at max_items", function()
      local seen, n = {}, 0
      for rule in client.alert_rules:each() do
        assert.is_nil(seen[rule.policyScanConfigId], "a rule came twice")
        seen[rule.policyScanConfigId] = true
        n = n + 1
      end
      assert.equal(#assert(client.alert_rules:list()), n)
      local it3 = client.alert_rules:each({enabled = true}, {max_items = 3})
      local got = 0
      for _ in it3 do got = got + 1 end
      assert.equal(3, got)
    end)

    it("bad filters raise naming the filter", function()
      assert.has_error(function() client.alert_rules:list{severity = "high"} end,
        "unknown alert rule filter 'severity' in 'list'")
      assert.has_error(function() client.alert_rules:list{enabled = "yes"} end,
        "bad filter 'enabled' to 'list' (boolean expected, got string)")
    end)
  end)

  describe("get", function()
    it("returns the rule with its notification configs", function()
      local id = assert(client.alert_rules:list())[1].policyScanConfigId
      srv.clear()
      local rule = assert(client.alert_rules:get(id))
      assert.equal(id, rule.policyScanConfigId)
      assert.is_table(rule.alertRuleNotificationConfig)
      requests.check(only("/alert/rule/" .. id), "get-alert-rule")
    end)

    it("an unknown id is nil, err 404 no_results; a malformed one 400 invalid_policy_id", function()
      local rule, err = client.alert_rules:get("00000000-0000-4000-8000-000000000000")
      assert.is_nil(rule)
      assert.equal(404, err.status)
      assert.equal("no_results", key_of(err))
      rule, err = client.alert_rules:get("not-a-rule")
      assert.is_nil(rule)
      assert.equal(400, err.status)
      assert.equal("invalid_policy_id", key_of(err))
    end)

    it("raises on a missing id", function()
      assert.has_error(function() client.alert_rules:get() end, "bad argument #1 to 'get' (id expected, got nil)")
    end)
  end)

  describe("create, update, delete", function()
    it("create: POST /alert/rule with the body; the rule is listed and found by name", function()
      local rule = assert(client.alert_rules:create(new_rule("spec create")))
      assert.is_string(rule.policyScanConfigId)
      assert.is_true(rule.notifyOnOpen) -- the documented default
      local r = requests.check(only("/alert/rule"), "add-alert-rule")
      assert.same(new_rule("spec create"), body_of(r))
      local found = assert(client.alert_rules:by_name("spec create"))
      assert.equal(rule.policyScanConfigId, found.policyScanConfigId)
    end)

    it("create: documented errors come back as nil, err", function()
      assert(client.alert_rules:create(new_rule("spec duplicate")))
      local cases = {
        {new_rule("SPEC DUPLICATE"), "invalid_param_value", "name"},
        {new_rule("spec no groups", {target = {}}), "missing_required_param", "target.accountGroups"},
        {new_rule("spec no scanAll", {scanAll = prismacloud.null}), "missing_required_param", "scanAll"},
        {new_rule("spec bad group", {target = {accountGroups = {"nope"}}}), "invalid_param_value",
         "target.accountGroups"},
        {new_rule("spec labels", {policyLabels = {"PCI"}}), "invalid_param_value", "policyLabels"},
        {new_rule("spec silent", {notifyOnOpen = false, alertRuleNotificationConfig = {
          {type = "email", recipients = {"soc@example.com"}}}}), "non_notification_state_selected", "notifyOnOpen"},
        {new_rule("spec bad email", {alertRuleNotificationConfig = {{type = "email", recipients = {"soc"}}}}),
         "invalid_param_value", "alertRuleNotificationConfig.recipients"},
      }
      for _, case in ipairs(cases) do
        srv.clear()
        local rule, err = client.alert_rules:create(case[1])
        assert.is_nil(rule, case[1].name)
        assert.equal(400, err.status)
        local key, subject = key_of(err)
        assert.equal(case[2], key, case[1].name)
        assert.equal(case[3], subject, case[1].name)
        requests.check(only("/alert/rule"), "add-alert-rule")
      end
    end)

    it("create: auto-remediation needs remediable config policies", function()
      local policies = assert(client.policies:list())
      local plain
      for _, p in ipairs(policies) do
        if not p.remediable then plain = p.policyId break end
      end
      local rule, err = client.alert_rules:create(new_rule("spec auto", {scanAll = false, allowAutoRemediate = true,
                                                                           policies = {plain}}))
      assert.is_nil(rule)
      assert.equal("auto_remediation_only_for_config_remediable_policies", key_of(err))
    end)

    it("create: a notification config to a seeded integration is kept", function()
      local slack = assert(client.integrations:by_name("Slack secops channel"))
      local rule = assert(client.alert_rules:create(new_rule("spec notify", {alertRuleNotificationConfig = {
        {type = "slack", recipients = {slack.id}, frequency = "as_it_happens"}}})))
      local got = assert(client.alert_rules:get(rule.policyScanConfigId))
      assert.equal(1, #got.alertRuleNotificationConfig)
      assert.same({slack.id}, got.alertRuleNotificationConfig[1].recipients)
      assert.is_string(got.alertRuleNotificationConfig[1].id)
    end)

    it("update: PUT /alert/rule/{id} with what get returned, edited", function()
      local rule = assert(client.alert_rules:create(new_rule("spec update")))
      local id = rule.policyScanConfigId
      rule.description = "edited"
      srv.clear()
      local updated = assert(client.alert_rules:update(id, rule))
      assert.equal("edited", updated.description)
      local r = requests.check(only("/alert/rule/" .. id), "update-alert-rule")
      assert.equal("edited", body_of(r).description)
      assert.equal("edited", assert(client.alert_rules:get(id)).description)
    end)

    it("update: an unknown id is nil, err 404 not_found", function()
      local rule, err = client.alert_rules:update("00000000-0000-4000-8000-000000000001", new_rule("spec ghost"))
      assert.is_nil(rule)
      assert.equal(404, err.status)
      assert.equal("not_found", key_of(err))
    end)

    it("set_enabled: reads the rule and sends it back with enabled changed", function()
      local rule = assert(client.alert_rules:create(new_rule("spec toggle")))
      local id = rule.policyScanConfigId
      srv.clear()
      local updated = assert(client.alert_rules:set_enabled(id, false))
      assert.is_false(updated.enabled)
      local log = srv.requests("/alert/rule/" .. id)
      assert.equal(2, #log)
      requests.check(log[1], "get-alert-rule")
      requests.check(log[2], "update-alert-rule")
      local sent = body_of(log[2])
      assert.is_false(sent.enabled)
      assert.equal("spec toggle", sent.name)
      assert.is_false(assert(client.alert_rules:get(id)).enabled)
      assert.has_error(function() client.alert_rules:set_enabled(id, "no") end,
        "bad argument #2 to 'set_enabled' (boolean expected, got string)")
    end)

    it("delete: DELETE /alert/rule/{id} answers 204, then the rule is gone", function()
      local rule = assert(client.alert_rules:create(new_rule("spec delete")))
      local id = rule.policyScanConfigId
      srv.clear()
      assert.is_true(client.alert_rules:delete(id))
      requests.check(only("/alert/rule/" .. id), "delete-alert-rule")
      local gone, err = client.alert_rules:get(id)
      assert.is_nil(gone)
      assert.equal(404, err.status)
      assert.is_nil(client.alert_rules:by_name("spec delete"))
      local ok, err2 = client.alert_rules:delete(id)
      assert.is_nil(ok)
      assert.equal(400, err2.status)
      assert.equal("invalid_policy_id", key_of(err2))
    end)

    it("dry runs send nothing and return the request", function()
      local id = assert(client.alert_rules:list())[1].policyScanConfigId
      srv.clear()
      local req = assert(client.alert_rules:create(new_rule("spec dry"), {dry_run = true}))
      assert.same({method = "POST", path = "/alert/rule", body = new_rule("spec dry")}, req)
      req = assert(client.alert_rules:update(id, new_rule("spec dry"), {dry_run = true}))
      assert.equal("PUT", req.method)
      assert.equal("/alert/rule/" .. id, req.path)
      req = assert(client.alert_rules:delete(id, {dry_run = true}))
      assert.same({method = "DELETE", path = "/alert/rule/" .. id}, req)
      assert.equal(0, #srv.requests())
      assert.is_nil(client.alert_rules:by_name("spec dry"))
      assert.truthy(assert(client.alert_rules:get(id)))
      -- set_enabled reads the rule, and sends no update
      srv.clear()
      req = assert(client.alert_rules:set_enabled(id, false, {dry_run = true}))
      assert.equal("PUT", req.method)
      assert.is_false(req.body.enabled)
      local log = srv.requests("/alert/rule/" .. id)
      assert.equal(1, #log)
      assert.equal("GET", log[1].method)
    end)

    it("unknown options and bad bodies raise", function()
      assert.has_error(function() client.alert_rules:create(new_rule("x"), {force = true}) end,
        "unknown option 'force' to 'create'")
      assert.has_error(function() client.alert_rules:create("rule") end,
        "bad argument #1 to 'create' (table expected, got string)")
    end)
  end)

  it("by_name: nil when no rule has the name", function()
    assert.is_nil(client.alert_rules:by_name("no such rule"))
    requests.check(only("/v2/alert/rule"), "get-alert-rules-v2")
  end)

  it("server errors come back as nil, err", function()
    srv.fault{path = "/v2/alert/rule", status = 500, times = 1}
    local list, err = client.alert_rules:list()
    assert.is_nil(list)
    assert.equal(500, err.status)
  end)
end)
