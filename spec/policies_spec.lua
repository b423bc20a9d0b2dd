-- The policy family (client.policies) against the emulator over real sockets: list and each
-- (GET /v2/policy), the CRUD verbs, set_enabled, the compliance mapping, validation and filters.
local server = require "spec.support.server"
local requests = require "spec.support.requests"
local query_of, body_of = requests.query_of, requests.body_of

describe("policies family", function()
  local fx = server.fixture{alerts = 500}
  local srv, client
  setup(function() srv, client = fx.srv, fx.client end)
  local only = fx.only

  describe("policies", function()
    local function new_policy(name)
      return {name = name, policyType = "config", severity = "low", cloudType = "aws",
              rule = {name = name, criteria = "config from cloud.resource where api.name = 'x'", type = "Config",
                      parameters = {savedSearch = "false", withIac = "false"}}}
    end

    it("list: GET /v2/policy with the filter as query parameters", function()
      local list = assert(client.policies:list{severity = "high", enabled = true, cloud_type = "aws"})
      assert.is_true(#list > 0)
      for _, p in ipairs(list) do
        assert.equal("high", p.severity)
        assert.is_true(p.enabled)
      end
      local r = requests.check(only("/v2/policy"), "get-policies-v2")
      assert.same({["policy.severity"] = "high", ["policy.enabled"] = "true", ["cloud.type"] = "aws"}, query_of(r))
      assert.has_error(function() client.policies:list{color = "red"} end)
      local n = 0
      for _ in client.policies:each{severity = "high", enabled = true, cloud_type = "aws"} do n = n + 1 end
      assert.equal(#list, n)
    end)

    it("create, get, update, set_enabled, delete", function()
      local p = assert(client.policies:create(new_policy("lua family test")))
      local body = body_of(requests.check(only("/policy"), "add-policy"))
      assert.equal("lua family test", body.name)
      local id = p.policyId
      assert.equal("lua family test", assert(client.policies:get(id)).name)
      requests.check(only("/policy/" .. id), "get-policy")

      srv.clear()
      p.description = "edited"
      local updated = assert(client.policies:update(id, p))
      assert.equal("edited", updated.description)
      local r = requests.check(only("/policy/" .. id), "update-policy")
      assert.equal("edited", body_of(r).description)

      assert.is_true(client.policies:set_enabled(id, false))
      requests.check(only("/policy/" .. id .. "/status/false"), "update-policy-status")
      assert.is_false(client.policies:get(id).enabled)
      assert.has_error(function() client.policies:set_enabled(id, "no") end)

      srv.clear()
      assert.is_true(client.policies:delete(id))
      requests.check(only("/policy/" .. id), "delete-policy")
      local gone, err = client.policies:get(id)
      assert.is_nil(gone)
      assert.equal("not_found", err.kind)
    end)

    it("by_name finds a policy by exact name", function()
      local any = client.policies:list()[1]
      srv.clear()
      local p = assert(client.policies:by_name(any.name))
      assert.equal(any.policyId, p.policyId)
      assert.equal(any.name, query_of(requests.check(only("/v2/policy"), "get-policies-v2"))["policy.name"])
      local none, err = client.policies:by_name("no such policy anywhere")
      assert.is_nil(none)
      assert.is_nil(err)
    end)

    it("dry_run returns the request and sends nothing", function()
      local req = client.policies:create(new_policy("dry"), {dry_run = true})
      assert.same({method = "POST", path = "/policy", body = new_policy("dry")}, req)
      req = client.policies:update("a/b", new_policy("dry"), {dry_run = true})
      assert.equal("PUT", req.method)
      assert.equal("/policy/a%2Fb", req.path)
      assert.same({method = "DELETE", path = "/policy/x"}, client.policies:delete("x", {dry_run = true}))
      assert.same({method = "PATCH", path = "/policy/x/status/true"},
        client.policies:set_enabled("x", true, {dry_run = true}))
      assert.equal(0, #srv.requests())
    end)
  end)

  describe("policies: compliance mapping, validation, filters", function()
    local check = requests.check

    it("compliance: GET /policy/compliance maps standard names to their sections", function()
      local mapping = assert(client.policies:compliance())
      check(only("/policy/compliance"), "get-compliance-standards")
      local std = client.compliance:standards()[1]
      local sections = mapping[std.name]
      assert.is_table(sections)
      assert.is_true(#sections > 0)
      for _, sec in ipairs(sections) do
        assert.equal(std.name, sec.standardName)
        assert.is_string(sec.complianceId)
      end
    end)

    it("list filters by compliance requirement and section", function()
      local p
      for _, x in ipairs(client.policies:list()) do
        if #x.complianceMetadata > 0 then p = x break end
      end
      local c = p.complianceMetadata[1]
      srv.clear()
      local list = assert(client.policies:list{compliance_requirement = c.requirementName,
                                               compliance_section = c.sectionId, compliance_standard = c.standardName})
      local r = check(only("/v2/policy"), "get-policies-v2")
      assert.same({["policy.complianceRequirement"] = c.requirementName, ["policy.complianceSection"] = c.sectionId,
                   ["policy.complianceStandard"] = c.standardName}, query_of(r))
      local found = false
      for _, x in ipairs(list) do
        found = found or x.policyId == p.policyId
        local ok = false
        for _, m in ipairs(x.complianceMetadata) do ok = ok or m.sectionId == c.sectionId end
        assert.is_true(ok)
      end
      assert.is_true(found)
    end)

    it("validate: POST /policy/rule/validate, true or nil, err", function()
      assert.is_true(client.policies:validate{name = "v", severity = "low", policyType = "config",
        rule = {name = "v", type = "Config", parameters = {savedSearch = "false", withIac = "false"},
                criteria = "config from cloud.resource where api.name = 'aws-s3api-get-bucket-acl'"}})
      check(only("/policy/rule/validate"), "policy-rule-validate")
      local ok, err = client.policies:validate{policyType = "network",
        rule = {criteria = "config from cloud.resource where api.name = 'x'"}}
      assert.is_nil(ok)
      assert.equal(400, err.status)
      assert.equal("invalid_search_type_for_policy", err.code)
      ok, err = client.policies:validate{policyType = "config", rule = {}}
      assert.is_nil(ok)
      assert.equal("missing_required_parameter", err.code)
      ok, err = client.policies:validate{policyType = "config", rule = {criteria = "config from cloud.resource"}}
      assert.is_nil(ok)
      assert.equal("insufficient_query_for_policy_creation", err.code)
      assert.has_error(function() client.policies:validate("rql") end,
        "bad argument #1 to 'validate' (table expected, got string)")
    end)

    it("filters and filter_options: GET and POST /filter/policy/suggest", function()
      local filters = assert(client.policies:filters())
      check(only("/filter/policy/suggest"), "get-policy-filters-and-options")
      assert.same({"high", "low", "medium"}, filters["policy.severity"].options)
      srv.clear()
      local opts = assert(client.policies:filter_options("policy.severity", "HI"))
      assert.same({"high"}, opts.suggestions)
      local r = check(only("/filter/policy/suggest"), "get-policy-filter-options")
      assert.same({filterName = "policy.severity", query = "HI"}, body_of(r))
      local none, err = client.policies:filter_options("policy.colour")
      assert.is_nil(none)
      assert.equal("invalid_parameter_value", err.code)
      assert.has_error(function() client.policies:filter_options(nil) end)
    end)

    it("the shared verbs check their arguments and name the verb", function()
      assert.has_error(function() client.policies:get() end, "bad argument #1 to 'get' (id expected, got nil)")
      assert.has_error(function() client.policies:update("x") end,
        "bad argument #2 to 'update' (table expected, got nil)")
      assert.has_error(function() client.account_groups:delete("") end,
        "bad argument #1 to 'delete' (id expected, got an empty string)")
      assert.has_error(function() client.account_groups:create({}, {dry = true}) end,
        "unknown option 'dry' to 'create'")
      assert.equal(0, #srv.requests())
    end)
  end)
end)
