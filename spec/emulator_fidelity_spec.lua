-- The emulator answers as the API reference says where it once answered as the client expected
-- (issue 14, section 3), over real sockets. The referee (spec/support/referee.lua) checks every
-- exchange too; these say what each fix is about.
local server = require "spec.support.server"

describe("emulator fidelity", function()
  local srv, api
  setup(function()
    srv = server.start{alerts = 200}
    local token = srv.login()
    api = function(method, path, body)
      return srv.request(method, path, body, {["x-redlock-auth"] = token})
    end
  end)
  teardown(function() srv.stop() end)

  it("an access key created through POST /access_keys logs in; deleted or disabled, it does not", function()
    local status, key = api("POST", "/access_keys", {name = "fidelity key"})
    assert.equal(200, status)
    assert.is_string(key.id)
    assert.is_string(key.secretKey)
    local s, body = srv.request("POST", "/login", {username = key.id, password = key.secretKey})
    assert.equal(200, s)
    assert.is_string(body.token)
    s = srv.request("GET", "/access_keys", nil, {["x-redlock-auth"] = body.token})
    assert.equal(200, s)
    assert.equal(401, (srv.request("POST", "/login", {username = key.id, password = key.secretKey .. "x"})))
    assert.equal(200, (api("PATCH", "/access_keys/" .. key.id .. "/status/false")))
    assert.equal(401, (srv.request("POST", "/login", {username = key.id, password = key.secretKey})))
    assert.equal(200, (api("DELETE", "/access_keys/" .. key.id)))
    assert.equal(401, (srv.request("POST", "/login", {username = key.id, password = key.secretKey})))
  end)

  it("an onboarded account's accountType is the answers' enum (ACCOUNT), not the request's spelling", function()
    local _, groups = api("GET", "/cloud/group")
    local status = api("POST", "/cas/v1/aws_account", {accountId = "210987654321", accountType = "account",
      name = "fidelity aws", roleArn = "arn:aws:iam::210987654321:role/prisma", groupIds = {groups[1].id}})
    assert.equal(200, status)
    local _, account = api("GET", "/cloud/aws/210987654321")
    assert.equal("ACCOUNT", account.cloudAccount and account.cloudAccount.accountType or account.accountType)
    local _, list = api("GET", "/cloud")
    for _, a in ipairs(list) do
      assert.matches("^[A-Z_]+$", a.accountType, 1)
    end
  end)

  it("onboarding status checks: statusMessage is an object whose staticMessage is a boolean", function()
    local status, checks = api("POST", "/cas/v1/cloud_account/status/aws", {accountId = "210987654322",
      accountType = "account", name = "fidelity status", roleArn = "arn:aws:iam::999999999999:role/x"})
    assert.equal(200, status)
    assert.is_true(#checks >= 2)
    for _, c in ipairs(checks) do
      assert.is_table(c.statusMessage, c.name)
      assert.is_boolean(c.statusMessage.staticMessage, c.name)
      assert.is_string(c.statusMessage.message, c.name)
    end
  end)

  it("v2 reports carry target.timeRange, even when made without one", function()
    local status, made = api("POST", "/v2/report", {name = "fidelity report", cloudType = "aws"})
    assert.equal(200, status)
    local _, report = api("GET", "/report/" .. made.id)
    assert.same({type = "to_now", value = "epoch"}, report.target.timeRange)
  end)

  it("error bodies give timestamp as a string", function()
    local status, body = api("GET", "/report/no-such-report")
    assert.is_true(status >= 400)
    assert.is_string(body.timestamp)
    local s2, spring = api("GET", "/no/such/route")
    assert.equal(404, s2)
    assert.matches("^%d%d%d%d%-%d%d%-%d%dT", spring.timestamp)
  end)

  it("integrations and notification templates carry customerId", function()
    local _, login = srv.request("POST", "/login", {username = "test-key", password = "test-secret"})
    local prisma_id = login.customerNames[1].prismaId
    for _, what in ipairs{"integration", "template"} do
      local status, list = api("GET", ("/api/v1/tenant/%s/%s"):format(prisma_id, what))
      assert.equal(200, status)
      assert.is_true(#list > 0)
      for _, item in ipairs(list) do assert.is_number(item.customerId, what) end
    end
  end)

  it("an alert's policy is whole in lists (name, severity, rule), not trimmed", function()
    local status, page = api("POST", "/v2/alert", {limit = 3, timeRange = {type = "to_now", value = "epoch"}})
    assert.equal(200, status)
    for _, a in ipairs(page.items) do
      assert.is_string(a.policy.name)
      assert.is_string(a.policy.severity)
      assert.is_table(a.policy.rule)
    end
  end)

  it("v2 users carry roleId", function()
    local status, users = api("GET", "/v2/user")
    assert.equal(200, status)
    for _, u in ipairs(users) do assert.equal(u.defaultRoleId, u.roleId) end
  end)

  it("some seeded policies run a saved search: savedSearch true, criteria the id of a saved search", function()
    local _, policies = api("GET", "/v2/policy")
    local _, saved = api("GET", "/search/history?filter=saved")
    local by_id = {}
    for _, s in ipairs(saved) do by_id[s.id] = s end
    local found = 0
    for _, p in ipairs(policies) do
      if p.rule.parameters.savedSearch == "true" then
        found = found + 1
        local s = by_id[p.rule.criteria]
        assert(s, "policy " .. p.name .. " names no saved search")
        assert.matches("^config from cloud%.resource where", s.query)
      end
    end
    assert.is_true(found > 0)
  end)
end)
