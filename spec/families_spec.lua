-- The resource families (client.alerts, .policies, .account_groups,
-- .cloud_accounts, .compliance, .audit_logs) against the emulator over real
-- sockets: each verb sends the method, path, query and body the catalog
-- defines; name lookups; dry runs send nothing; errors as documented.
local server = require "spec.support.server"
local prismacloud = require "prismacloud"

local requests = require "spec.support.requests"
local query_of, body_of = requests.query_of, requests.body_of

describe("families", function()
  local srv, client

  setup(function()
    srv = server.start{alerts = 500}
    client = prismacloud.new{url = srv.url, access_key = "test-key", secret_key = "test-secret", retries = 0}
    assert(client:login())
  end)

  teardown(function()
    if client then client:close() end
    if srv then srv.stop() end
  end)

  before_each(function() srv.clear() end)

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
      local items, token, page = client.alerts:list{status = "open", severity = {"high", "medium"},
                                                   time_range = "1y", limit = 20}
      assert.equal(20, #items)
      assert.is_string(token)
      assert.is_true(page.totalRows > 20)
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
                                              ["policy.label"] = "x", limit = 5, detailed = true})
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
      local items = assert(client.alerts:list{alert_id = ids, time_range = "10y", limit = 1000})
      assert.equal(500, #items)
      local r = only("/v2/alert")
      assert.equal("POST", r.method)
      assert.is_true(#(r.rawquery or "") < 100)
      assert.equal(800, #body_of(r).filters)
    end)

    it("list: the next page from a cursor POSTs {pageToken} only", function()
      local first, token = client.alerts:list{limit = 100}
      local second, token2 = client.alerts:list{cursor = token}
      assert.equal(100, #first)
      assert.equal(100, #second)
      assert.is_string(token2)
      assert.not_equal(first[1].id, second[1].id)
      local log = srv.requests("/v2/alert")
      assert.same({pageToken = token}, body_of(log[2]))
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
              rule = {name = name, criteria = "config from cloud.resource where api.name = 'x'", type = "Config"}}
    end

    it("list: GET /v2/policy with the filter as query parameters", function()
      local list = assert(client.policies:list{severity = "high", enabled = true, cloud_type = "aws"})
      assert.is_true(#list > 0)
      for _, p in ipairs(list) do
        assert.equal("high", p.severity)
        assert.is_true(p.enabled)
      end
      local r = only("/v2/policy")
      assert.equal("GET", r.method)
      assert.same({["policy.severity"] = "high", ["policy.enabled"] = "true", ["cloud.type"] = "aws"}, query_of(r))
      assert.has_error(function() client.policies:list{color = "red"} end)
      local n = 0
      for _ in client.policies:each{severity = "high", enabled = true, cloud_type = "aws"} do n = n + 1 end
      assert.equal(#list, n)
    end)

    it("create, get, update, set_enabled, delete", function()
      local p = assert(client.policies:create(new_policy("lua family test")))
      local body = body_of(only("/policy"))
      assert.equal("lua family test", body.name)
      local id = p.policyId
      assert.equal("lua family test", assert(client.policies:get(id)).name)
      assert.equal("GET", only("/policy/" .. id).method)

      srv.clear()
      p.description = "edited"
      local updated = assert(client.policies:update(id, p))
      assert.equal("edited", updated.description)
      local r = only("/policy/" .. id)
      assert.equal("PUT", r.method)
      assert.equal("edited", body_of(r).description)

      assert.is_true(client.policies:set_enabled(id, false))
      assert.equal("PATCH", only("/policy/" .. id .. "/status/false").method)
      assert.is_false(client.policies:get(id).enabled)
      assert.has_error(function() client.policies:set_enabled(id, "no") end)

      srv.clear()
      assert.is_true(client.policies:delete(id))
      assert.equal("DELETE", only("/policy/" .. id).method)
      local gone, err = client.policies:get(id)
      assert.is_nil(gone)
      assert.equal("not_found", err.kind)
    end)

    it("by_name finds a policy by exact name", function()
      local any = client.policies:list()[1]
      srv.clear()
      local p = assert(client.policies:by_name(any.name))
      assert.equal(any.policyId, p.policyId)
      assert.equal(any.name, query_of(only("/v2/policy"))["policy.name"])
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
      assert.equal("GET", only("/cloud/group").method)
      srv.clear()
      client.account_groups:list{details = false}
      assert.same({excludeCloudAccountDetails = "true"}, query_of(only("/cloud/group")))

      local account = client.cloud_accounts:names()[1]
      srv.clear()
      local g = assert(client.account_groups:create{name = "lua-fam", description = "d", accountIds = {account.id}})
      assert.same({name = "lua-fam", description = "d", accountIds = {account.id}}, body_of(only("/cloud/group")))
      assert.equal("lua-fam", assert(client.account_groups:get(g.id)).name)

      srv.clear()
      local u = assert(client.account_groups:update(g.id, {name = "lua-fam2", description = "e",
                                                             accountIds = {account.id}}))
      assert.equal("lua-fam2", u.name)
      assert.equal("PUT", only("/cloud/group/" .. g.id).method)

      srv.clear()
      local found = assert(client.account_groups:by_name("lua-fam2"))
      assert.equal(g.id, found.id)
      assert.equal(1, #srv.requests("/cloud/group/name"))
      assert.is_nil(client.account_groups:by_name("nope"))

      local n = 0
      for _ in client.account_groups:each() do n = n + 1 end
      assert.equal(#groups + 1, n)

      srv.clear()
      assert.same({method = "DELETE", path = "/cloud/group/" .. g.id},
        client.account_groups:delete(g.id, {dry_run = true}))
      assert.equal(0, #srv.requests())
      assert.is_true(client.account_groups:delete(g.id))
      assert.equal("DELETE", only("/cloud/group/" .. g.id).method)
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
      assert.equal("GET", only("/cloud").method)

      srv.clear()
      local aws = assert(client.cloud_accounts:names{cloud_type = "aws", only_active = true})
      assert.same({cloudType = "aws", onlyActive = "true"}, query_of(only("/cloud/name")))
      for _, a in ipairs(aws) do assert.equal("AWS", a.cloudType) end

      local a = aws[1]
      srv.clear()
      local acc = assert(client.cloud_accounts:get("AWS", a.id))
      assert.equal("GET", only("/cloud/aws/" .. a.id).method)
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
      assert.equal("PATCH", only("/cloud/" .. a.id .. "/status/false").method)
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
      assert.equal("GET", only("/compliance").method)
      local std = standards[1]
      srv.clear()
      assert.equal(std.id, assert(client.compliance:standard(std.id)).id)
      only("/compliance/" .. std.id)
      local reqs = assert(client.compliance:requirements(std.id))
      assert.is_true(#reqs > 0)
      only("/compliance/" .. std.id .. "/requirement")
      local secs = assert(client.compliance:sections(reqs[1].id))
      assert.is_table(secs)
      only("/compliance/" .. reqs[1].id .. "/section")
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
end)
