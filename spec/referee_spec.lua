-- The referee (spec/support/referee.lua, the emulator's --referee mode, prismacloud.schema): it
-- catches what breaks the API reference, explains the reference's own defects, and keeps each
-- known defect of the client visible: a test per known bug below is pending ("known, to be fixed")
-- while the referee still finds it, and fails once it is gone, until its entry is removed.
local server = require "spec.support.server"
local referee = require "spec.support.referee"
local json = require "prismacloud.json"
local prismacloud = require "prismacloud"

describe("the referee", function()
  local srv, client
  setup(function()
    srv = server.start{alerts = 50}
    client = prismacloud.new{url = srv.url, access_key = "test-key", secret_key = "test-secret", retries = 0}
    assert(client:login())
  end)
  teardown(function()
    client:close()
    srv.take_violations() -- what the known bugs left behind
    srv.stop()
  end)
  before_each(function() srv.take_violations() end)

  it("catches a request that breaks the reference and was accepted, and an answer that breaks it", function()
    local token = srv.login()
    -- {} where the reference wants an array: the emulator accepts it (200)
    local status = srv.request("POST", "/cloud/group", '{"name":"referee group","accountIds":{}}',
      {["x-redlock-auth"] = token, ["content-type"] = "application/json"})
    assert.equal(200, status)
    local bad = referee.unexplained(srv.take_violations())
    assert.equal(1, #bad)
    assert.same({"request", "add-account-group", "body", "/accountIds", "object, array expected"},
      {bad[1].side, bad[1].operation, bad[1].where, bad[1].pointer, bad[1].message})
    assert.has_error(function()
      srv.request("POST", "/cloud/group", '{"name":"referee group 2","accountIds":{}}',
        {["x-redlock-auth"] = token, ["content-type"] = "application/json"})
      referee.check(srv, "this test")
    end)
  end)

  it("lets through a refused request, a defect of the reference (waived) and a known bug", function()
    local list = {
      {side = "request", operation = "add-policy", status = 400, where = "body", pointer = "", message = "x"},
      {side = "response", operation = "get-policies", status = 200, where = "body", pointer = "/0/policyType",
       message = "string, object expected", waived = "a bare object: ..."},
      {side = "request", operation = "add-resource-list", status = 200, where = "body", pointer = "/members",
       message = "array, string expected"},
      {side = "response", operation = "get-policies", status = 200, where = "body", pointer = "/0/name",
       message = "integer, string expected"},
    }
    -- a known bug (as an entry of KNOWN_CLIENT_BUGS names one), for the time of this test
    local bug = {verb = "resource_lists:create", op = "add-resource-list", where = "body", pointer = "/members",
                 message = "^array, string expected$", finding = "members sent as an array"}
    table.insert(referee.KNOWN_CLIENT_BUGS, bug)
    local ok, bad = pcall(referee.unexplained, list)
    table.remove(referee.KNOWN_CLIENT_BUGS)
    assert(ok, bad)
    assert.equal(1, #bad)
    assert.equal("/0/name", bad[1].pointer)
    assert.equal(2, #referee.unexplained(list)) -- without the entry, the bug fails the suite
  end)

  it("explains the reference's defects by where they are in it, with a reason", function()
    local defects = require("prismacloud.schema.defects")
    assert.is_true(#defects.entries > 0)
    for _, e in ipairs(defects.entries) do
      assert.is_string(e.kind)
      assert.is_string(e.reason)
      assert.truthy(e.schema or e.op or e.test, e.reason)
    end
    -- the comma-joined enum of anomaly settings: "Low" is one of "Low, Medium, High"
    local schema = require "prismacloud.schema"
    local v = schema.check_request("updateSettings", {path_params = {policyid = "x"}, content_type = "application/json",
      body = '{"alertDisposition":"Conservative","trainingModelThreshold":"High"}'})
    assert.is_true(#v > 0)
    for _, x in ipairs(v) do assert.matches("^an enum written as one joined string", x.waived) end
    -- but a value that is no part of it is not excused
    v = schema.check_request("updateSettings", {path_params = {policyid = "x"}, content_type = "application/json",
      body = '{"alertDisposition":"Reckless"}'})
    assert.equal(1, #v)
    assert.is_nil(v[1].waived)
  end)

  it("waives a required field the operation's own description says it does without, and nothing else", function()
    local schema = require "prismacloud.schema"
    local function check(op, body, params)
      return schema.check_request(op, {path_params = params or {}, content_type = "application/json",
                                       body = json.encode(body)})
    end
    -- a PATCH that "updates only the specified parameters"
    local v = check("patch-oauth2-config", {isJitEnabled = false})
    assert.is_true(#v > 0)
    for _, x in ipairs(v) do assert.matches("^a whole model required of a partial update", x.waived) end
    v = check("patch-oauth2-config", {isJitEnabled = "no"})
    local unwaived = 0
    for _, x in ipairs(v) do if not x.waived then unwaived = unwaived + 1 end end
    assert.equal(1, unwaived) -- the wrong type is not excused
    -- a new rule's id, "Ignored on create"; but not the rest of the rule
    v = check("createCreditAllocationRule", {name = "r", targetType = "AccountGroup", accountGroups = {"g"},
                                             allocatedCredits = 1, alarmThreshold = 80})
    assert.equal(1, #v)
    assert.matches("^a field required that the operation ignores", v[1].waived)
    v = check("createCreditAllocationRule", {name = "r", targetType = "AccountGroup", accountGroups = {"g"},
                                             allocatedCredits = 1})
    for _, x in ipairs(v) do
      if x.message:find("alarmThreshold", 1, true) then assert.is_nil(x.waived) end
    end
    -- an email template tested without an integration
    v = check("test-template-v1", {name = "t1234", integrationType = "email", templateConfig = {}}, {prismaId = "1"})
    assert.equal(1, #v)
    assert.matches("^a field required that the operation ignores", v[1].waived)
  end)

  -- The known bugs, each driven by the verb that has it.
  local DRIVES = {
  }

  for _, list in ipairs{referee.KNOWN_CLIENT_BUGS, referee.KNOWN_EMULATOR_BUGS} do
    for _, bug in ipairs(list) do
      it("known bug, to be fixed: " .. bug.verb .. ": " .. bug.finding, function()
        local drive = assert(DRIVES[bug.verb], "no drive for " .. bug.verb)
        pcall(drive)
        local still = false
        for _, v in ipairs(srv.take_violations()) do
          if not v.waived and referee.known(v) == bug then still = true end
        end
        if still then return pending("known bug: " .. bug.finding) end
        error(("the referee no longer finds the known bug of %s: remove its entry from spec/support/referee.lua")
          :format(bug.verb), 0)
      end)
    end
  end
end)
