-- The resource families (client.alerts, .policies, .account_groups,
-- .cloud_accounts, .compliance, .audit_logs) against the emulator over real
-- sockets: each verb sends the method, path, query and body the catalog
-- defines; name lookups; dry runs send nothing; errors as documented.
local server = require "spec.support.server"
local prismacloud = require "prismacloud"

local requests = require "spec.support.requests"
local query_of, body_of = requests.query_of, requests.body_of

describe("families", function()
  local fx = server.fixture{alerts = 500}
  local srv, client
  setup(function() srv, client = fx.srv, fx.client end)

  -- The one request logged for path.
  local function only(path) return requests.only(srv, path) end

  it("hangs off the client, one object per client", function()
    assert.equal(client.alerts, client.alerts)
    assert.equal(client, client.policies.client)
    for _, name in ipairs{"alerts", "policies", "account_groups", "cloud_accounts", "compliance", "audit_logs"} do
      assert.is_table(client[name])
      assert.equal(require("prismacloud." .. name), getmetatable(client[name]))
    end
  end)

  describe("alerts", function()
    it("list: a simple filter goes out as GET /v2/alert with query parameters", function()
      local page, err = client.alerts:list{status = "open", severity = {"high", "medium"},
                                          time_range = "1y", limit = 20}
      assert.is_nil(err)
      local items = page.items
      assert.equal(20, #items)
      assert.is_string(page.next_token)
      assert.is_true(page.body.totalRows > 20)
      local r = only("/v2/alert")
      assert.equal("GET", r.method)
      local q = query_of(r)
      assert.same({timeType = "relative", timeAmount = "1", timeUnit = "year", detailed = "false", limit = "20",
                   ["alert.status"] = "open", ["policy.severity"] = {"high", "medium"}}, q)
      for _, a in ipairs(items) do
        assert.equal("open", a.status)
      end
    end)

    it("list: a complex filter (absolute time, raw filters) goes out as POST", function()
      local now = os.time() * 1000
      local items = assert(client.alerts:list{cloud_type = "aws", time_range = {from = 0, to = now},
                                              ["policy.label"] = "x", limit = 5, detailed = true}).items
      assert.is_table(items)
      local r = only("/v2/alert")
      assert.equal("POST", r.method)
      assert.equal("detailed=true", r.rawquery)
      local body = body_of(r)
      assert.same({type = "absolute", value = {startTime = 0, endTime = now}}, body.timeRange)
      assert.equal(5, body.limit)
      assert.same({{name = "cloud.type", operator = "=", value = "aws"},
                   {name = "policy.label", operator = "=", value = "x"}}, body.filters)
    end)

    it("list: a filter that would make a long URL goes out as POST", function()
      local ids = {}
      for i = 1, 800 do ids[i] = "P-" .. i end
      local items = assert(client.alerts:list{alert_id = ids, time_range = "10y", limit = 1000}).items
      assert.equal(500, #items)
      local r = only("/v2/alert")
      assert.equal("POST", r.method)
      assert.is_true(#(r.rawquery or "") < 100)
      assert.equal(800, #body_of(r).filters)
    end)

    it("list: the next page from a cursor POSTs {pageToken} only", function()
      local first = assert(client.alerts:list{limit = 100})
      local second = assert(client.alerts:list{cursor = first.next_token})
      assert.equal(100, #first.items)
      assert.equal(100, #second.items)
      assert.is_string(second.next_token)
      assert.not_equal(first.items[1].id, second.items[1].id)
      local log = srv.requests("/v2/alert")
      assert.same({pageToken = first.next_token}, body_of(log[2]))
    end)

    it("rejects unknown filters and values outside the API's enums", function()
      assert.has_error(function() client.alerts:list{colour = "red"} end)
      local ok, err = pcall(client.alerts.list, client.alerts, {status = "closed"})
      assert.is_false(ok)
      assert.matches("alert filter 'status' is 'closed'; allowed values: open", err)
      assert.has_error(function() client.alerts:each{time_range = "3x"} end)
      assert.equal(0, #srv.requests("/v2/alert"))
    end)

    it("get: GET /alert/{id} with detailed", function()
      local a = assert(client.alerts:get("P-7", {detailed = true}))
      assert.equal("P-7", a.id)
      local r = only("/alert/P-7")
      assert.equal("GET", r.method)
      assert.equal("detailed=true", r.rawquery)
      local missing, err = client.alerts:get("P-999999")
      assert.is_nil(missing)
      assert.is_true(prismacloud.is_error(err))
      assert.equal("not_found", err.kind)
      assert.equal(404, err.status)
    end)

    it("count: GET /alert/count/{status}, open by default", function()
      local open = client.alerts:count()
      assert.equal("integer", math.type(open))
      only("/alert/count/open")
      local n = 0
      for _ in client.alerts:each{status = "dismissed"} do n = n + 1 end
      assert.equal(n, client.alerts:count("dismissed"))
      assert.has_error(function() client.alerts:count("closed") end)
    end)

    it("dismiss, reopen and snooze send the documented bodies", function()
      assert.is_true(client.alerts:dismiss({"P-1", "P-2"}, "accepted"))
      local body = body_of(only("/alert/dismiss"))
      assert.same({"P-1", "P-2"}, body.alerts)
      assert.equal("accepted", body.dismissalNote)
      assert.same({type = "to_now", value = "epoch"}, body.filter.timeRange)
      assert.equal("dismissed", client.alerts:get("P-1").status)

      assert.is_true(client.alerts:reopen{"P-1"})
      body = body_of(only("/alert/reopen"))
      assert.same({"P-1"}, body.alerts)
      assert.is_nil(body.dismissalNote)
      assert.equal("open", client.alerts:get("P-1").status)

      srv.clear()
      assert.is_true(client.alerts:snooze({"P-1"}, "3d", "later"))
      body = body_of(only("/alert/dismiss"))
      assert.same({type = "relative", value = {amount = 3, unit = "day"}}, body.dismissalTimeRange)
      assert.equal("snoozed", client.alerts:get("P-1").status)
      assert.is_true(client.alerts:reopen("P-1"))
    end)

    it("dismiss by filter names the policies", function()
      local a = client.alerts:get("P-3")
      local req = client.alerts:dismiss({policy_id = a.policyId, status = "open"}, "n", {dry_run = true})
      assert.equal("POST", req.method)
      assert.equal("/alert/dismiss", req.path)
      assert.same({a.policyId}, req.body.policies)
      assert.equal("alert.status", req.body.filter.filters[1].name)
      assert.has_error(function() client.alerts:dismiss({status = "open"}, "n") end)
      assert.equal(0, #srv.requests("/alert/dismiss"))
    end)

    it("dry_run returns the request and sends nothing", function()
      local req = client.alerts:dismiss({"P-5"}, "why", {dry_run = true})
      assert.same({method = "POST", path = "/alert/dismiss", body = req.body}, req)
      assert.same({"P-5"}, req.body.alerts)
      req = client.alerts:snooze({"P-5"}, {["until"] = 4102444800000}, nil, {dry_run = true})
      assert.same({type = "absolute", value = {endTime = 4102444800000}}, req.body.dismissalTimeRange)
      assert.equal("/alert/reopen", client.alerts:reopen({"P-5"}, {dry_run = true}).path)
      assert.equal(0, #srv.requests())
      assert.has_error(function() client.alerts:dismiss({"P-5"}, "x", {dryrun = true}) end,
        "unknown option 'dryrun' to 'dismiss'")
    end)
  end)

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

  describe("account_groups", function()
    it("list, get, create, update, delete, by_name", function()
      local groups = assert(client.account_groups:list())
      assert.is_true(#groups > 0)
      requests.check(only("/cloud/group"), "get-account-groups")
      srv.clear()
      client.account_groups:list{details = false}
      assert.same({excludeCloudAccountDetails = "true"}, query_of(requests.check(only("/cloud/group"),
        "get-account-groups")))

      local account = client.cloud_accounts:names()[1]
      srv.clear()
      local g = assert(client.account_groups:create{name = "lua-fam", description = "d", accountIds = {account.id}})
      assert.same({name = "lua-fam", description = "d", accountIds = {account.id}},
        body_of(requests.check(only("/cloud/group"), "add-account-group")))
      assert.equal("lua-fam", assert(client.account_groups:get(g.id)).name)
      requests.check(only("/cloud/group/" .. g.id), "get-account-group")

      srv.clear()
      local u = assert(client.account_groups:update(g.id, {name = "lua-fam2", description = "e",
                                                             accountIds = {account.id}}))
      assert.equal("lua-fam2", u.name)
      requests.check(only("/cloud/group/" .. g.id), "update-account-group")

      srv.clear()
      local found = assert(client.account_groups:by_name("lua-fam2"))
      assert.equal(g.id, found.id)
      requests.check(only("/cloud/group/name"), "get-account-group-name")
      assert.is_nil(client.account_groups:by_name("nope"))

      local n = 0
      for _ in client.account_groups:each() do n = n + 1 end
      assert.equal(#groups + 1, n)

      srv.clear()
      assert.same({method = "DELETE", path = "/cloud/group/" .. g.id},
        client.account_groups:delete(g.id, {dry_run = true}))
      assert.equal(0, #srv.requests())
      assert.is_true(client.account_groups:delete(g.id))
      requests.check(only("/cloud/group/" .. g.id), "delete-account-group")
    end)

    it("surfaces API errors as nil, err", function()
      local dup = client.account_groups:list()[1].name
      local g, err = client.account_groups:create{name = dup}
      assert.is_nil(g)
      assert.equal("invalid_request", err.kind)
      assert.equal("account_group_name_already_exists", err.code)
    end)
  end)

  describe("cloud_accounts", function()
    it("list, names, get, set_enabled, by_name", function()
      local list = assert(client.cloud_accounts:list())
      assert.is_true(#list > 0)
      requests.check(only("/cloud"), "get-cloud-accounts")

      srv.clear()
      local aws = assert(client.cloud_accounts:names{cloud_type = "aws", only_active = true})
      assert.same({cloudType = "aws", onlyActive = "true"},
        query_of(requests.check(only("/cloud/name"), "get-cloud-account-names")))
      for _, a in ipairs(aws) do assert.equal("AWS", a.cloudType) end

      local a = aws[1]
      srv.clear()
      local acc = assert(client.cloud_accounts:get("AWS", a.id))
      requests.check(only("/cloud/aws/" .. a.id), "get-cloud-account")
      assert.is_table(acc)

      srv.clear()
      local byname = assert(client.cloud_accounts:by_name(a.name))
      assert.same(acc.cloudAccount or acc, byname.cloudAccount or byname)
      assert.is_nil(client.cloud_accounts:by_name("no-such-account"))

      srv.clear()
      assert.same({method = "PATCH", path = "/cloud/" .. a.id .. "/status/false"},
        client.cloud_accounts:set_enabled(a.id, false, {dry_run = true}))
      assert.equal(0, #srv.requests())
      assert.is_true(client.cloud_accounts:set_enabled(a.id, false))
      requests.check(only("/cloud/" .. a.id .. "/status/false"), "update-cloud-account-status")
      assert.is_true(client.cloud_accounts:set_enabled(a.id, true))

      local n = 0
      for _ in client.cloud_accounts:each() do n = n + 1 end
      assert.equal(#list, n)
    end)
  end)

  describe("compliance", function()
    it("standards, standard, requirements, sections", function()
      local standards = assert(client.compliance:standards())
      assert.is_true(#standards > 0)
      requests.check(only("/compliance"), "get-all-standards")
      local std = standards[1]
      srv.clear()
      assert.equal(std.id, assert(client.compliance:standard(std.id)).id)
      requests.check(only("/compliance/" .. std.id), "get-standards-by-id")
      local reqs = assert(client.compliance:requirements(std.id))
      assert.is_true(#reqs > 0)
      requests.check(only("/compliance/" .. std.id .. "/requirement"), "get-requirements")
      local secs = assert(client.compliance:sections(reqs[1].id))
      assert.is_true(#secs > 0)
      requests.check(only("/compliance/" .. reqs[1].id .. "/section"), "get-sections")
      assert.equal(std.id, assert(client.compliance:by_name(std.name)).id)
      local none, err = client.compliance:standard("no-such-standard")
      assert.is_nil(none)
      assert.equal("not_found", err.kind)
    end)
  end)

  describe("audit_logs", function()
    it("list: GET /audit/redlock, 24 hours by default", function()
      local day = assert(client.audit_logs:list())
      assert.same({timeType = "relative", timeAmount = "24", timeUnit = "hour"}, query_of(only("/audit/redlock")))
      srv.clear()
      local week = assert(client.audit_logs:list("7d"))
      assert.same({timeType = "relative", timeAmount = "7", timeUnit = "day"}, query_of(only("/audit/redlock")))
      assert.is_true(#week >= #day)
      local n = 0
      for _ in client.audit_logs:each("7d") do n = n + 1 end
      assert.equal(#week, n)
      assert.has_error(function() client.audit_logs:list("to_now:epoch") end)
      assert.has_error(function() client.audit_logs:list("3x") end)
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

  describe("account_groups: names", function()
    it("names: all, or those holding an account of one cloud type", function()
      local all = assert(client.account_groups:names())
      requests.check(only("/cloud/group/name"), "get-account-group-name")
      local azure = assert(client.account_groups:names("AZURE"))
      requests.check(only("/cloud/group/name/azure"), "get-account-group-name-by-cloudType")
      assert.is_true(#azure > 0 and #azure < #all)
      for _, g in ipairs(azure) do
        local members = client.account_groups:get(g.id).accounts
        local ok = false
        for _, a in ipairs(members) do ok = ok or a.type == "azure" end
        assert.is_true(ok)
      end
      srv.clear()
      assert.error_matches(function() client.account_groups:names("vax") end,
        "path parameter 'cloud_type' is 'vax'; allowed values: aws, azure, gcp", 1, true)
      assert.equal(0, #srv.requests()) -- outside the documented enum: raised, nothing sent
      assert.has_error(function() client.account_groups:names(3) end,
        "bad argument #1 to 'names' (cloud type string expected, got number)")
    end)
  end)

  describe("cloud_accounts: onboarding", function()
    local check = requests.check
    local group

    before_each(function()
      group = group or client.account_groups:list{details = false}[1]
      srv.clear()
    end)

    local AWS_ID = "123456789012"
    local function aws_body(name)
      return {accountId = AWS_ID, accountType = "account", name = name,
              roleArn = "arn:aws:iam::" .. AWS_ID .. ":role/PrismaCloudRole", groupIds = {group.id}}
    end

    it("status, create, get, update, patch, delete an AWS account", function()
      local statuses = assert(client.cloud_accounts:status("aws", aws_body("lua-aws")))
      check(only("/cas/v1/cloud_account/status/aws"), "get-aws-cloud-account-status")
      assert.equal("Authentication", statuses[1].name)
      assert.equal("ok", statuses[1].status)
      local bad_arn = aws_body("lua-aws")
      bad_arn.roleArn = "arn:aws:iam::999999999999:role/x"
      assert.equal("error", client.cloud_accounts:status("aws", bad_arn)[1].status)

      srv.clear()
      assert.is_true(client.cloud_accounts:create("AWS", aws_body("lua-aws"), {skip_status_checks = true}))
      local r = check(only("/cas/v1/aws_account"), "add-aws-cloud-account")
      assert.same({skipStatusChecks = "true"}, query_of(r))
      assert.same(aws_body("lua-aws"), body_of(r))
      local a = assert(client.cloud_accounts:get("aws", AWS_ID))
      assert.equal("lua-aws", a.name)
      local in_group = false
      for _, id in ipairs(client.account_groups:get(group.id).accountIds) do in_group = in_group or id == AWS_ID end
      assert.is_true(in_group)

      srv.clear()
      assert.is_true(client.cloud_accounts:update("aws", AWS_ID, aws_body("lua-aws-2")))
      r = check(only("/cas/v1/aws_account/" .. AWS_ID), "update-aws-cloud-account")
      assert.equal("PUT", r.method)
      assert.is_nil(r.rawquery ~= "" and r.rawquery or nil)
      assert.equal("lua-aws-2", client.cloud_accounts:get("aws", AWS_ID).name)

      srv.clear()
      assert.is_true(client.cloud_accounts:patch("aws", AWS_ID, {enabled = false}))
      assert.same({enabled = false}, body_of(check(only("/cloud/aws/" .. AWS_ID), "patch-cloud-account")))
      assert.is_false(client.cloud_accounts:get("aws", AWS_ID).enabled)
      local ok, err = client.cloud_accounts:patch("aws", AWS_ID, {enabled = false})
      assert.is_nil(ok)
      assert.equal(405, err.status)
      assert.equal("cloud_account_already_disabled", err.code)

      srv.clear()
      local statuses2 = assert(client.cloud_accounts:config_status(AWS_ID))
      check(only("/account/" .. AWS_ID .. "/config/status"), "list-cloud-account-status-details")
      local disabled = false
      for _, x in ipairs(statuses2) do disabled = disabled or x.status == "error" end
      assert.is_true(disabled)

      srv.clear()
      local owners = assert(client.cloud_accounts:owners(AWS_ID))
      check(only("/cloud/" .. AWS_ID .. "/owners"), "get-cloud-account-owners")
      assert.is_string(owners[1])

      srv.clear()
      assert.is_true(client.cloud_accounts:delete("aws", AWS_ID))
      check(only("/cloud/aws/" .. AWS_ID), "delete-cloud-account")
      local gone
      gone, err = client.cloud_accounts:get("aws", AWS_ID)
      assert.is_nil(gone)
      assert.equal(404, err.status)
      for _, id in ipairs(client.account_groups:get(group.id).accountIds) do assert.not_equal(AWS_ID, id) end
      ok, err = client.cloud_accounts:delete("aws", AWS_ID)
      assert.is_nil(ok)
      assert.equal("invalid_account_id_format", err.code)
    end)

    it("Azure, GCP, Alibaba and OCI go to their own operations", function()
      local azure_id = "0b6a1f8e-3c2d-4e5f-8a9b-1c2d3e4f5a6b"
      local azure = {cloudAccount = {accountId = azure_id, accountType = "account", name = "lua-azure",
                                     groupIds = {group.id}},
                     clientId = "c", key = "k", tenantId = "t", environmentType = "azure"}
      assert.is_true(client.cloud_accounts:create("azure", azure))
      check(only("/cas/v1/azure_account"), "add-azure-cloud-account")
      srv.clear()
      azure.cloudAccount.name = "lua-azure-2"
      assert.is_true(client.cloud_accounts:update("azure", azure_id, azure))
      check(only("/cas/v1/azure_account/" .. azure_id), "update-azure-cloud-account")
      srv.clear()
      assert.equal("ok", client.cloud_accounts:status("azure", azure)[1].status)
      check(only("/cas/v1/cloud_account/status/azure"), "get-azure-cloud-account-status")

      srv.clear()
      local gcp = {cloudAccount = {accountId = "lua-project-1", accountType = "account", name = "lua-gcp"},
                   credentials = {type = "service_account"}, defaultAccountGroupId = group.id}
      assert.is_true(client.cloud_accounts:create("gcp", gcp))
      check(only("/cas/v1/gcp_account"), "add-gcp-cloud-account")
      srv.clear()
      assert.is_true(client.cloud_accounts:update("gcp", "lua-project-1", gcp))
      check(only("/cas/v1/gcp_account/lua-project-1"), "update-gcp-cloud-account")
      srv.clear()
      client.cloud_accounts:status("gcp", gcp)
      check(only("/cas/v1/cloud_account/status/gcp"), "get-gcp-cloud-account-status")

      srv.clear()
      local ali = {accountId = "5512345678", name = "lua-ali", groupIds = {group.id}, ramArn = "acs:ram::1:role/x"}
      assert.is_true(client.cloud_accounts:create("alibaba", ali))
      check(only("/cloud/alibaba_cloud"), "add-cloud-account")
      srv.clear()
      assert.is_true(client.cloud_accounts:update("alibaba_cloud", "5512345678", ali))
      check(only("/cloud/alibaba_cloud/5512345678"), "update-cloud-account")
      srv.clear()
      local oci = {accountId = "ocid1.tenancy.oc1..aaaa", name = "lua-oci", groupIds = {group.id}}
      client.cloud_accounts:status("oci", oci)
      check(only("/cloud/status/oci"), "get-cloud-account-status")
      assert.is_true(client.cloud_accounts:create("OCI", oci))

      srv.clear()
      local types = assert(client.cloud_accounts:types{accessible = true})
      local r = check(only("/cloud/type"), "get-cloud-types")
      assert.same({onlyAccessible = "true"}, query_of(r))
      assert.same({"aws", "azure", "gcp", "alibaba_cloud", "oci"}, types)

      for _, x in ipairs{{"azure", azure_id}, {"gcp", "lua-project-1"}, {"alibaba_cloud", "5512345678"},
                         {"oci", "ocid1.tenancy.oc1..aaaa"}} do
        assert.is_true(client.cloud_accounts:delete(x[1], x[2]))
      end
      assert.same({"aws", "azure", "gcp"}, client.cloud_accounts:types{accessible = true})
    end)

    it("onboarding errors come back as nil, err with the documented keys", function()
      local existing = client.cloud_accounts:names{cloud_type = "aws"}[1]
      local ok, err = client.cloud_accounts:create("aws", aws_body(existing.name))
      assert.is_nil(ok)
      assert.equal(400, err.status)
      assert.equal("duplicate_cloud_account_name", err.code)
      local body = aws_body("lua-x")
      body.accountId, body.roleArn = existing.id, "arn:aws:iam::" .. existing.id .. ":role/x"
      ok, err = client.cloud_accounts:create("aws", body)
      assert.is_nil(ok)
      assert.equal("duplicate_cloud_account", err.code)
      body = aws_body("lua-x")
      body.groupIds = {}
      ok, err = client.cloud_accounts:create("aws", body)
      assert.is_nil(ok)
      assert.equal("cannot_select_zero_account_groups", err.code)
      body.groupIds = {"no-such-group"}
      ok, err = client.cloud_accounts:create("aws", body)
      assert.is_nil(ok)
      assert.equal("invalid_account_group_ids", err.code)
      body = aws_body("lua-x")
      body.accountId = "12ab"
      ok, err = client.cloud_accounts:create("aws", body)
      assert.is_nil(ok)
      assert.equal(404, err.status)
      assert.equal("invalid_account_id_format", err.code)
    end)

    it("dry_run returns the request and sends nothing; bad arguments raise", function()
      local body = aws_body("dry")
      assert.same({method = "POST", path = "/cas/v1/aws_account", body = body},
        client.cloud_accounts:create("aws", body, {dry_run = true}))
      assert.same({method = "PUT", path = "/cloud/oci/o1", query = {skipStatusChecks = true}, body = body},
        client.cloud_accounts:update("oci", "o1", body, {dry_run = true, skip_status_checks = true}))
      assert.same({method = "PUT", path = "/cas/v1/azure_account/a1", body = body},
        client.cloud_accounts:update("azure", "a1", body, {dry_run = true}))
      assert.same({method = "PATCH", path = "/cloud/gcp/p1", body = {enabled = true}},
        client.cloud_accounts:patch("gcp", "p1", {enabled = true}, {dry_run = true}))
      assert.same({method = "DELETE", path = "/cloud/aws/1"},
        client.cloud_accounts:delete("aws", "1", {dry_run = true}))
      assert.equal(0, #srv.requests())
      assert.has_error(function() client.cloud_accounts:create("ibm", {}) end,
        "bad argument #1 to 'create' (cloud type aws, azure, gcp, alibaba_cloud or oci expected, got 'ibm')")
      assert.has_error(function() client.cloud_accounts:update("aws", nil, {}) end,
        "bad argument #2 to 'update' (account id string expected, got nil)")
      assert.has_error(function() client.cloud_accounts:delete("aws", "1", {force = true}) end,
        "unknown option 'force' to 'delete'")
      assert.equal(0, #srv.requests())
    end)
  end)

  describe("compliance: custom standards", function()
    local check = requests.check

    it("create, update, add_requirement, add_section, update and delete them, clone, delete", function()
      assert.is_true(client.compliance:create{name = "lua standard", description = "d"})
      check(only("/compliance"), "add-standard")
      local std = assert(client.compliance:by_name("lua standard"))
      assert.is_false(std.systemDefault)

      srv.clear()
      assert.is_true(client.compliance:update(std.id, {name = "lua standard 2", description = "e"}))
      assert.same({name = "lua standard 2", description = "e"},
        body_of(check(only("/compliance/" .. std.id), "update-standard")))
      assert.equal("lua standard 2", client.compliance:standard(std.id).name)

      srv.clear()
      assert.is_true(client.compliance:add_requirement(std.id, {name = "Req", requirementId = "1"}))
      check(only("/compliance/" .. std.id .. "/requirement"), "add-requirement")
      local req = client.compliance:requirements(std.id)[1]
      assert.equal("Req", req.name)
      srv.clear()
      assert.equal("Req", assert(client.compliance:requirement(req.id)).name)
      check(only("/compliance/requirement/" .. req.id), "get-requirement-by-id")

      srv.clear()
      assert.is_true(client.compliance:update_requirement(req.id, {name = "Req 2", requirementId = "1"}))
      check(only("/compliance/requirement/" .. req.id), "update-requirement")

      srv.clear()
      assert.is_true(client.compliance:add_section(req.id, {sectionId = "1.1", description = "s"}))
      check(only("/compliance/" .. req.id .. "/section"), "add-section")
      local sec = client.compliance:sections(req.id)[1]
      assert.equal("1.1", sec.sectionId)
      srv.clear()
      assert.is_true(client.compliance:update_section(sec.id, {sectionId = "1.2", description = "t"}))
      check(only("/compliance/requirement/section/" .. sec.id), "update-section")
      assert.equal("1.2", client.compliance:sections(req.id)[1].sectionId)

      srv.clear()
      assert.is_true(client.compliance:clone(std.id, {name = "lua clone"}))
      check(only("/compliance/clone/" .. std.id), "clone-standard")
      local clone = assert(client.compliance:by_name("lua clone"))
      local creqs = client.compliance:requirements(clone.id)
      assert.equal(1, #creqs)
      assert.equal("1.2", client.compliance:sections(creqs[1].id)[1].sectionId)
      assert.is_true(client.compliance:delete(clone.id))

      srv.clear()
      assert.is_true(client.compliance:delete_section(sec.id))
      check(only("/compliance/requirement/section/" .. sec.id), "delete-section")
      assert.equal(0, #client.compliance:sections(req.id))
      srv.clear()
      assert.is_true(client.compliance:delete_requirement(req.id))
      check(only("/compliance/requirement/" .. req.id), "delete-requirement")
      srv.clear()
      assert.is_true(client.compliance:delete(std.id))
      check(only("/compliance/" .. std.id), "delete-standard")
      assert.is_nil(client.compliance:by_name("lua standard 2"))
    end)

    it("errors: missing names, duplicates, built-in standards are read-only", function()
      local builtin = client.compliance:standards()[1]
      local ok, err = client.compliance:create{description = "no name"}
      assert.is_nil(ok)
      assert.equal(400, err.status)
      assert.equal("missing_required_parameter", err.code)
      ok, err = client.compliance:create{name = builtin.name}
      assert.is_nil(ok)
      assert.equal("duplicate_name", err.code)
      ok, err = client.compliance:update(builtin.id, {name = "renamed"})
      assert.is_nil(ok)
      assert.equal("bad_request", err.code)
      ok, err = client.compliance:delete(builtin.id)
      assert.is_nil(ok)
      assert.equal("bad_request", err.code)
      ok, err = client.compliance:add_requirement(builtin.id, {name = "x", requirementId = "9"})
      assert.is_nil(ok)
      assert.equal("bad_request", err.code)
      ok, err = client.compliance:clone(builtin.id, {name = builtin.name})
      assert.is_nil(ok)
      assert.equal("duplicate_name", err.code)
    end)

    it("dry_run returns the request and sends nothing", function()
      assert.same({method = "POST", path = "/compliance", body = {name = "n"}},
        client.compliance:create({name = "n"}, {dry_run = true}))
      assert.same({method = "POST", path = "/compliance/clone/s1", body = {name = "n"}},
        client.compliance:clone("s1", {name = "n"}, {dry_run = true}))
      assert.same({method = "POST", path = "/compliance/s1/requirement", body = {name = "n"}},
        client.compliance:add_requirement("s1", {name = "n"}, {dry_run = true}))
      assert.same({method = "POST", path = "/compliance/r1/section", body = {sectionId = "1"}},
        client.compliance:add_section("r1", {sectionId = "1"}, {dry_run = true}))
      assert.same({method = "DELETE", path = "/compliance/requirement/section/x"},
        client.compliance:delete_section("x", {dry_run = true}))
      assert.same({method = "PUT", path = "/compliance/requirement/r1", body = {name = "n"}},
        client.compliance:update_requirement("r1", {name = "n"}, {dry_run = true}))
      assert.equal(0, #srv.requests())
      assert.has_error(function() client.compliance:requirement(nil) end,
        "bad argument #1 to 'requirement' (id expected, got nil)")
      assert.has_error(function() client.compliance:delete_section("x", {now = true}) end,
        "unknown option 'now' to 'delete_section'")
    end)
  end)

  describe("compliance: posture", function()
    local check = requests.check
    local std, req

    before_each(function()
      std = std or client.compliance:by_name("PCI DSS v3.2.1")
      req = req or client.compliance:requirements(std.id)[1]
      srv.clear()
    end)

    -- The one posture request sent (any path under /compliance/posture or /v2/...).
    local function sent()
      local all = srv.requests()
      assert.equal(1, #all)
      return all[1]
    end

    it("overall: POST /v2/compliance/posture (its GET needs a time range), a detail per standard", function()
      local p = assert(client.compliance:posture())
      assert.same({filters = {}}, body_of(check(sent(), "post-compliance-posture-v2")))
      assert.is_true(#p.complianceDetails >= 6)
      local failed, total = 0, 0
      for _, d in ipairs(p.complianceDetails) do
        failed, total = failed + d.failedResources, total + d.totalResources
        assert.equal(d.totalResources, d.failedResources + d.passedResources)
      end
      assert.equal(failed, p.summary.failedResources)
      assert.equal(total, p.summary.totalResources)
    end)

    it("per standard and requirement, simple filters as GET query parameters", function()
      local p = assert(client.compliance:posture{standard_id = std.id, cloud_type = "aws"})
      local r = check(sent(), "get-compliance-posture-for-standard-v2")
      assert.same({["cloud.type"] = "aws"}, query_of(r))
      assert.equal(#client.compliance:requirements(std.id), #p.complianceDetails)
      assert.equal(#p.complianceDetails, #p.requirementSummaries)
      local all = client.compliance:posture{standard_id = std.id}
      assert.is_true(p.summary.totalResources < all.summary.totalResources)

      srv.clear()
      local rp = assert(client.compliance:posture{standard_id = std.id, requirement_id = req.id})
      check(sent(), "get-compliance-posture-for-requirement-v2")
      assert.equal(#client.compliance:sections(req.id), #rp.complianceDetails)
      assert.has_error(function() client.compliance:posture{requirement_id = req.id} end)
      assert.has_error(function() client.compliance:posture{colour = "red"} end)
    end)

    it("a time range on a standard goes to v1 (GET when relative, POST when absolute)", function()
      client.compliance:posture{standard_id = std.id, time_range = "30d"}
      local r = check(sent(), "get-compliance-posture-for-standard")
      assert.same({timeType = "relative", timeAmount = "30", timeUnit = "day"}, query_of(r))
      srv.clear()
      local now = os.time() * 1000
      assert(client.compliance:posture{standard_id = std.id, time_range = {from = now - 86400000, to = now}})
      r = check(sent(), "post-compliance-posture-for-standard")
      assert.same({type = "absolute", value = {startTime = now - 86400000, endTime = now}}, body_of(r).timeRange)
      srv.clear()
      client.compliance:posture{time_range = "7d", cloud_type = "gcp"}
      check(sent(), "get-compliance-posture-v2")
    end)

    it("filters a GET cannot carry, or a URL past 8 KB, go out as POST", function()
      local p = assert(client.compliance:posture{standard_id = std.id, account_group = "AWS Accounts"})
      local r = check(sent(), "post-compliance-posture-for-standard-v2")
      assert.same({{name = "account.group", operator = "=", value = "AWS Accounts"}}, body_of(r).filters)
      assert.is_true(p.summary.totalResources > 0)

      srv.clear()
      local many = {}
      for i = 1, 700 do many[i] = ("account-%04d"):format(i) end
      assert(client.compliance:posture{account = many})
      r = check(sent(), "post-compliance-posture-v2")
      assert.equal(700, #body_of(r).filters)
      assert.is_true(#(r.rawquery or "") < 100)
    end)

    it("trend: a summary per point in time, GET or POST the same way", function()
      local points = assert(client.compliance:trend())
      check(sent(), "get-compliance-posture-trend-v2")
      assert.equal(7, #points)
      for i = 2, #points do assert.is_true(points[i].timestamp > points[i - 1].timestamp) end
      srv.clear()
      local month = assert(client.compliance:trend{time_range = "30d"})
      check(sent(), "post-compliance-posture-trend-v2")
      assert.equal(30, #month)
      srv.clear()
      assert(client.compliance:trend{standard_id = std.id, requirement_id = req.id, time_range = "2w"})
      check(sent(), "get-compliance-posture-trend-for-requirement")
    end)

    it("posture filters and their options", function()
      local filters = assert(client.compliance:posture_filters())
      check(only("/filter/compliance/posture/suggest"), "get-compliance-posture-filters-and-options")
      assert.is_table(filters["policy.complianceStandard"].options)
      srv.clear()
      local o = assert(client.compliance:posture_filter_options("policy.complianceStandard", "cis"))
      check(only("/filter/compliance/posture/suggest"), "get-compliance-posture-filter-options")
      assert.equal(3, #o.suggestions)
    end)

    it("errors come back as nil, err", function()
      local p, err = client.compliance:posture{standard_id = "no-such-standard"}
      assert.is_nil(p)
      assert.equal(400, err.status)
      assert.equal("bad_request", err.code)
      p, err = client.compliance:posture{standard_id = std.id, requirement_id = "nope"}
      assert.is_nil(p)
      assert.equal("bad_request", err.code)
    end)
  end)
end)
