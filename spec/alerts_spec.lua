-- The alert family (client.alerts) against the emulator over real sockets: list, each and
-- pages (GET or POST /v2/alert by filter), get, count, dismiss, reopen, snooze, dry runs; and
-- families hanging off the client. The alert jobs: spec/alerts_jobs_spec.lua.
local server = require "spec.support.server"
local prismacloud = require "prismacloud"
local requests = require "spec.support.requests"
local query_of, body_of = requests.query_of, requests.body_of

describe("alerts family", function()
  local fx = server.fixture{alerts = 500}
  local srv, client
  setup(function() srv, client = fx.srv, fx.client end)
  local only = fx.only

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
end)
