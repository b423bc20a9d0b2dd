-- The emulator's resource families over real sockets, with lua-socket (never
-- the client under test): alerts (paging, filters, time ranges, dismiss and
-- reopen), policies, account groups, cloud accounts, compliance, audit logs,
-- JSON shapes, determinism, a million lazily generated alerts, rate limits.
local server = require "spec.support.server"
local cjson = require "cjson"
local http = require "socket.http"
local ltn12 = require "ltn12"

local DAY = 86400000

-- Raw call: status, body text, headers (for checks on the JSON text itself).
local function raw(srv, method, path, token, body)
  local chunks = {}
  local headers = {["x-redlock-auth"] = token}
  if body then
    body = cjson.encode(body)
    headers["content-type"] = "application/json"
    headers["content-length"] = #body
  end
  local _, status, rheaders = http.request{
    url = srv.url .. path, method = method, headers = headers,
    source = body and ltn12.source.string(body), sink = ltn12.sink.table(chunks),
  }
  return status, table.concat(chunks), rheaders
end

-- An authenticated client over srv: api(method, path, body) -> status, body, headers.
local function client(srv)
  local token = srv.login()
  return function(method, path, body)
    return srv.request(method, path, body, {["x-redlock-auth"] = token})
  end, token
end

-- The x-redlock-status i18nKey of a response's headers.
local function i18n(headers)
  local value = headers["x-redlock-status"]
  return value and cjson.decode(value)[1].i18nKey
end

-- Every page of a POST /v2/alert query: the items in order and the first totalRows.
local function all_pages(api, query)
  local status, body = api("POST", "/v2/alert", query)
  assert.equal(200, status)
  local total, items, pages = body.totalRows, {}, 1
  for _, a in ipairs(body.items) do items[#items + 1] = a end
  while body.nextPageToken do
    status, body = api("POST", "/v2/alert", {pageToken = body.nextPageToken})
    assert.equal(200, status)
    pages = pages + 1
    for _, a in ipairs(body.items) do items[#items + 1] = a end
  end
  return items, total, pages
end

local function month() return {type = "relative", value = {amount = 1, unit = "month"}} end

describe("emulator families", function()
  local srv, api, token

  setup(function()
    srv = server.start{seed = 7, alerts = 3000}
    api, token = client(srv)
  end)

  teardown(function()
    if srv then srv.stop() end
  end)

  describe("alerts", function()
    it("needs a token", function()
      local status, _, headers = srv.request("GET", "/v2/alert")
      assert.equal(401, status)
      assert.equal("invalid_auth_token", i18n(headers))
    end)

    it("pages through a filtered query, visiting each alert exactly once", function()
      local items, total, pages = all_pages(api, {
        timeRange = month(), limit = 97, filters = {{name = "alert.status", operator = "=", value = "open"}},
      })
      assert.is_true(total > 300)
      assert.is_true(pages > 3)
      assert.equal(total, #items)
      local seen, last_time = {}, math.huge
      for _, a in ipairs(items) do
        assert.is_nil(seen[a.id], "seen twice: " .. a.id)
        seen[a.id] = true
        assert.equal("open", a.status)
        assert.is_true(a.alertTime <= last_time) -- newest first
        last_time = a.alertTime
      end
    end)

    it("pages with GET ?pageToken= and sends no token after the last page", function()
      local status, body = api("GET", "/v2/alert?limit=400&alert.status=resolved")
      assert.equal(200, status)
      local n, rounds = #body.items, 1
      while body.nextPageToken do
        assert.is_true(#body.nextPageToken > 40)
        status, body = api("GET", "/v2/alert?pageToken=" .. body.nextPageToken:gsub("[^%w%-_]", function(c)
          return ("%%%02X"):format(c:byte())
        end))
        assert.equal(200, status)
        n, rounds = n + #body.items, rounds + 1
      end
      assert.is_true(rounds >= 2)
      assert.equal(body.totalRows, n)
    end)

    it("takes only {pageToken} for the next page and refuses bad tokens", function()
      local _, body = api("POST", "/v2/alert", {limit = 10})
      assert.is_string(body.nextPageToken)
      local status, _, headers = api("POST", "/v2/alert", {pageToken = body.nextPageToken, limit = 5})
      assert.equal(400, status)
      assert.equal("invalid_parameter_value", i18n(headers))
      status, _, headers = api("POST", "/v2/alert", {pageToken = "bm90IGEgdG9rZW4"})
      assert.equal(400, status)
      assert.equal("pageToken", cjson.decode(headers["x-redlock-status"])[1].subject)
      local next_status, next_body = api("POST", "/v2/alert", {pageToken = body.nextPageToken})
      assert.equal(200, next_status)
      assert.equal(10, #next_body.items)
      assert.are_not.equal(body.items[1].id, next_body.items[1].id)
    end)

    it("counts add up across statuses and match totalRows", function()
      local _, all = api("GET", "/v2/alert?limit=1")
      assert.equal(3000, all.totalRows)
      local sum = 0
      for _, s in ipairs{"open", "dismissed", "snoozed", "resolved"} do
        local _, page = api("GET", "/v2/alert?limit=1&alert.status=" .. s)
        local _, count = api("GET", "/alert/count/" .. s)
        assert.equal(page.totalRows, count.count)
        sum = sum + page.totalRows
      end
      assert.equal(3000, sum)
      assert.equal(400, (api("GET", "/alert/count/bogus")))
    end)

    it("filters by severity, policy, cloud type and account", function()
      local _, body = api("POST", "/v2/alert", {
        detailed = true, limit = 200, filters = {{name = "policy.severity", operator = "=", value = "high"}},
      })
      assert.is_true(#body.items > 0)
      for _, a in ipairs(body.items) do assert.equal("high", a.policy.severity) end

      local policy_id = body.items[1].policy.policyId
      local items, total = all_pages(api, {limit = 50,
        filters = {{name = "policy.id", operator = "=", value = policy_id}}})
      assert.equal(total, #items)
      for _, a in ipairs(items) do assert.equal(policy_id, a.policyId) end

      local _, gcp = api("GET", "/v2/alert?limit=100&cloud.type=gcp")
      assert.is_true(gcp.totalRows > 0)
      for _, a in ipairs(gcp.items) do assert.equal("GCP", a.resource.cloudType) end

      local account = gcp.items[1].resource.accountId
      local _, by_account = api("GET", "/v2/alert?limit=100&cloud.accountId=" .. account)
      for _, a in ipairs(by_account.items) do assert.equal(account, a.resource.accountId) end

      -- Two values of one filter are OR'ed, two filters AND'ed.
      local _, either = api("POST", "/v2/alert", {limit = 1, filters = {
        {name = "alert.status", operator = "=", value = "open"},
        {name = "alert.status", operator = "=", value = "resolved"},
      }})
      local _, open = api("GET", "/v2/alert?limit=1&alert.status=open")
      local _, resolved = api("GET", "/v2/alert?limit=1&alert.status=resolved")
      assert.equal(open.totalRows + resolved.totalRows, either.totalRows)

      local status, _, headers = api("GET", "/v2/alert?policy.severity=extreme")
      assert.equal(400, status)
      assert.equal("invalid_parameter_value", i18n(headers))
    end)

    it("honours relative, absolute and to_now time ranges", function()
      local _, week = api("POST", "/v2/alert", {limit = 1,
        timeRange = {type = "relative", value = {amount = 1, unit = "week"}}})
      local _, quarter = api("POST", "/v2/alert", {limit = 1,
        timeRange = {type = "relative", value = {amount = 90, unit = "day"}}})
      assert.is_true(week.totalRows > 0 and week.totalRows < quarter.totalRows)
      local _, get_week = api("GET", "/v2/alert?limit=1&timeType=relative&timeAmount=1&timeUnit=week")
      assert.equal(week.totalRows, get_week.totalRows)

      local newest = week.items[1].alertTime
      local range = {type = "absolute", value = {startTime = newest - 3 * DAY, endTime = newest - DAY}}
      local items, total = all_pages(api, {limit = 500, timeRange = range})
      assert.is_true(total > 0)
      assert.equal(total, #items)
      for _, a in ipairs(items) do
        assert.is_true(a.alertTime >= range.value.startTime and a.alertTime <= range.value.endTime)
      end

      local _, epoch = api("POST", "/v2/alert", {limit = 1, timeRange = {type = "to_now", value = "epoch"}})
      assert.equal(3000, epoch.totalRows)
      local status, _, headers = api("POST", "/v2/alert", {timeRange = {type = "relative", value = {amount = 1}}})
      assert.equal(400, status)
      assert.equal("invalid_parameter_value", i18n(headers))
    end)

    it("dismisses, lists the alert as dismissed, and reopens it", function()
      local _, open = api("GET", "/v2/alert?limit=1&alert.status=open&detailed=true")
      local id = open.items[1].id
      local _, before = api("GET", "/alert/count/open")
      local status = api("POST", "/alert/dismiss", {
        alerts = {id}, dismissalNote = "accepted in spec",
        filter = {timeRange = {type = "to_now", value = "epoch"}},
      })
      assert.equal(200, status)

      local _, alert = api("GET", "/alert/" .. id)
      assert.equal("dismissed", alert.status)
      assert.equal("accepted in spec", alert.dismissalNote)
      local _, listed = api("POST", "/v2/alert", {filters = {
        {name = "alert.id", operator = "=", value = id}, {name = "alert.status", operator = "=", value = "dismissed"},
      }})
      assert.equal(1, listed.totalRows)
      assert.equal(id, listed.items[1].id)
      local _, after = api("GET", "/alert/count/open")
      assert.equal(before.count - 1, after.count)

      -- Dismissing it again: no longer in the expected state.
      local again, _, headers = api("POST", "/alert/dismiss", {alerts = {id}, filter = {}})
      assert.equal(404, again)
      assert.equal("alert_no_longer_in_expected_state", i18n(headers))

      assert.equal(200, (api("POST", "/alert/reopen", {alerts = {id}, filter = {}})))
      local _, reopened = api("GET", "/alert/" .. id)
      assert.equal("open", reopened.status)
      local _, final = api("GET", "/alert/count/open")
      assert.equal(before.count, final.count)
    end)

    it("snoozes with a dismissal time range, and validates dismiss bodies", function()
      local _, open = api("GET", "/v2/alert?limit=1&alert.status=open")
      local id = open.items[1].id
      assert.equal(200, (api("POST", "/alert/dismiss", {alerts = {id}, filter = {},
        dismissalTimeRange = {type = "relative", value = {amount = 2, unit = "day"}}})))
      local _, alert = api("GET", "/alert/" .. id)
      assert.equal("snoozed", alert.status)
      assert.is_true(alert.dismissalUntilTs > os.time() * 1000)
      local status, _, headers = api("POST", "/alert/dismiss", {alerts = {id}})
      assert.equal(400, status)
      assert.equal("missing_required_parameter", i18n(headers))
      status = api("POST", "/alert/dismiss", {alerts = {"P-999999999"}, filter = {}})
      assert.equal(400, status)
      assert.equal(404, (api("GET", "/alert/P-999999999")))
    end)

    it("encodes empty arrays as [] and times as integers", function()
      local status, text = raw(srv, "POST", "/v2/alert", token,
        {filters = {{name = "alert.id", operator = "=", value = "P-999999"}}})
      assert.equal(200, status)
      assert.matches('"items":%[%]', text)
      assert.matches('"totalRows":0', text)
      local _, one = raw(srv, "GET", "/alert/P-1", token)
      assert.matches('"alertRules":%[%]', one)
      assert.matches('"alertTime":%d+[,}]', one)
      assert.is_nil(one:find('"alertTime":%d+%.'))
      assert.is_nil(one:find("e%+1"))
    end)
  end)

  describe("policies", function()
    local new_policy = {
      name = "Spec policy: S3 without tags", policyType = "config", severity = "low", cloudType = "aws",
      description = "made by the spec", labels = require("prismacloud.json").empty_array,
      rule = {name = "Spec policy: S3 without tags", type = "Config",
              criteria = "config from cloud.resource where api.name = 'aws-s3api-get-bucket-acl'",
              parameters = {savedSearch = "false", withIac = "false"}},
    }

    it("lists and filters the generated policies", function()
      local _, all = api("GET", "/policy")
      assert.equal(300, #all)
      assert.is_number(all[1].openAlertsCount)
      local _, high = api("GET", "/v2/policy?policy.severity=high&cloud.type=aws")
      assert.is_true(#high > 0 and #high < #all)
      for _, p in ipairs(high) do
        assert.equal("high", p.severity)
        assert.equal("AWS", p.cloudType)
      end
      local _, one = api("GET", "/policy/" .. all[1].policyId)
      assert.equal(all[1].name, one.name)
    end)

    it("round-trips create, get, update, status, delete", function()
      local status, created = api("POST", "/policy", new_policy)
      assert.equal(200, status)
      assert.is_string(created.policyId)
      assert.equal("custom", created.policyMode)
      assert.is_false(created.systemDefault)
      local id = created.policyId

      local _, got = api("GET", "/policy/" .. id)
      assert.equal(new_policy.name, got.name)
      local _, text = raw(srv, "GET", "/policy/" .. id, token)
      assert.matches('"labels":%[%]', text)

      got.severity, got.description = "high", "updated"
      status = api("PUT", "/policy/" .. id, got)
      assert.equal(200, status)
      local _, updated = api("GET", "/policy/" .. id)
      assert.equal("high", updated.severity)
      assert.equal("updated", updated.description)

      assert.equal(200, (api("PATCH", "/policy/" .. id .. "/status/false")))
      local _, disabled = api("GET", "/policy/" .. id)
      assert.is_false(disabled.enabled)

      assert.equal(204, (api("DELETE", "/policy/" .. id)))
      local gone, _, headers = api("GET", "/policy/" .. id)
      assert.equal(404, gone)
      assert.equal("no_results", i18n(headers))
      assert.equal(404, (api("DELETE", "/policy/" .. id)))
    end)

    it("validates bodies with i18nKeys", function()
      local bad = {}
      for k, v in pairs(new_policy) do bad[k] = v end
      bad.name = nil
      local status, _, headers = api("POST", "/policy", bad)
      assert.equal(400, status)
      assert.equal("missing_required_parameter", i18n(headers))
      assert.equal("name", cjson.decode(headers["x-redlock-status"])[1].subject)

      bad.name, bad.severity = "x", "severe"
      status, _, headers = api("POST", "/policy", bad)
      assert.equal(400, status)
      assert.equal("invalid_parameter_value", i18n(headers))

      local _, all = api("GET", "/v2/policy")
      bad.severity, bad.name = "low", all[1].name
      status, _, headers = api("POST", "/policy", bad)
      assert.equal(400, status)
      assert.equal("duplicate_name", i18n(headers))

      status, _, headers = api("DELETE", "/policy/" .. all[1].policyId)
      assert.equal(403, status)
      assert.equal("cannot_delete_default_policy", i18n(headers))
      assert.equal(400, (api("PATCH", "/policy/" .. all[1].policyId .. "/status/maybe")))
    end)

    it("shows policy edits in the alerts that refer to them", function()
      local _, page = api("GET", "/v2/alert?limit=1&detailed=true")
      local id = page.items[1].policyId
      local _, p = api("GET", "/policy/" .. id)
      p.severity = p.severity == "low" and "medium" or "low"
      assert.equal(200, (api("PUT", "/policy/" .. id, p)))
      local _, alert = api("GET", "/alert/" .. page.items[1].id .. "?detailed=true")
      assert.equal(p.severity, alert.policy.severity)
    end)
  end)

  describe("account groups and cloud accounts", function()
    it("lists groups and accounts that refer to each other", function()
      local _, groups = api("GET", "/cloud/group")
      assert.equal(4, #groups)
      assert.equal("Default Account Group", groups[1].name)
      local _, accounts = api("GET", "/cloud")
      assert.equal(9, #accounts)
      for _, a in ipairs(accounts) do
        assert.is_true(#a.groupIds >= 2)
        assert.is_number(a.addedOn)
      end
      local _, names = api("GET", "/cloud/name?cloudType=azure")
      assert.equal(3, #names)
      local a = accounts[1]
      local status, one = api("GET", "/cloud/" .. a.cloudType:lower() .. "/" .. a.accountId)
      assert.equal(200, status)
      assert.equal(a.name, one.name)
      assert.equal(404, (api("GET", "/cloud/aws/000000000000")))

      assert.equal(200, (api("PATCH", "/cloud/" .. a.accountId .. "/status/false")))
      local _, active = api("GET", "/cloud/name?onlyActive=true")
      for _, x in ipairs(active) do assert.are_not.equal(a.accountId, x.id) end
      assert.equal(200, (api("PATCH", "/cloud/" .. a.accountId .. "/status/true")))
    end)

    it("creates, conflicts on duplicate names, updates and deletes", function()
      local _, accounts = api("GET", "/cloud/name")
      local status, g = api("POST", "/cloud/group", {name = "Spec Group", description = "spec",
                                                    accountIds = {accounts[1].id}})
      assert.equal(200, status)
      assert.equal(1, g.cloudAccountCount)
      local dup, _, headers = api("POST", "/cloud/group", {name = "spec group", accountIds = {}})
      assert.equal(400, dup)
      assert.equal("account_group_name_already_exists", i18n(headers))
      status, _, headers = api("POST", "/cloud/group", {name = "Bad", accountIds = {"nope"}})
      assert.equal(400, status)
      assert.equal("invalid_account_ids", i18n(headers))

      status = api("PUT", "/cloud/group/" .. g.id, {name = "Spec Group 2",
                                                    accountIds = require("prismacloud.json").empty_array})
      assert.equal(200, status)
      local _, text = raw(srv, "GET", "/cloud/group/" .. g.id, token)
      assert.matches('"accountIds":%[%]', text)
      assert.matches('"name":"Spec Group 2"', text)

      assert.equal(200, (api("DELETE", "/cloud/group/" .. g.id)))
      status, _, headers = api("GET", "/cloud/group/" .. g.id)
      assert.equal(400, status)
      assert.equal("invalid_id", i18n(headers))
    end)

    it("refuses to delete the last group of a cloud account", function()
      local _, lone = api("POST", "/cloud/group", {name = "Lone", accountIds = {}})
      local _, groups = api("GET", "/cloud/group")
      -- Empty every other group's hold on nothing: delete the AWS group, then Default holds AWS alone.
      local aws, default
      for _, g in ipairs(groups) do
        if g.name == "AWS Accounts" then aws = g end
        if g.name == "Default Account Group" then default = g end
      end
      assert.equal(200, (api("DELETE", "/cloud/group/" .. aws.id)))
      local status, _, headers = api("DELETE", "/cloud/group/" .. default.id)
      assert.equal(409, status)
      assert.equal("cannot_delete_an_account_group_associated_with_cloud_accounts", i18n(headers))
      assert.equal(200, (api("DELETE", "/cloud/group/" .. lone.id)))
    end)
  end)

  describe("compliance and audit logs", function()
    it("walks standards, requirements and sections", function()
      local _, standards = api("GET", "/compliance")
      assert.is_true(#standards >= 3)
      local std = standards[1]
      assert.is_true(std.policiesAssignedCount > 0)
      local _, reqs = api("GET", "/compliance/" .. std.id .. "/requirement")
      assert.is_true(#reqs > 0)
      assert.equal(std.id, reqs[1].complianceId)
      local _, sections = api("GET", "/compliance/requirement/" .. reqs[1].id .. "/section")
      local _, documented = api("GET", "/compliance/" .. reqs[1].id .. "/section")
      assert.is_true(#sections > 0)
      assert.same(sections, documented)
      assert.equal(reqs[1].id, sections[1].requirementId)
      assert.equal(404, (api("GET", "/compliance/nope/requirement")))
    end)

    it("lists audit logs in a relative time range", function()
      local _, day = api("GET", "/audit/redlock?timeType=relative&timeAmount=1&timeUnit=day")
      local _, week = api("GET", "/audit/redlock?timeType=relative&timeAmount=7&timeUnit=day")
      assert.is_true(#day > 0 and #week > #day)
      local now = os.time() * 1000
      for _, e in ipairs(day) do
        assert.is_true(e.timestamp >= now - DAY - 2000)
        assert.is_string(e.user)
        assert.is_string(e.action)
      end
      assert.equal(400, (api("GET", "/audit/redlock?timeType=relative&timeAmount=1&timeUnit=fortnight")))
    end)
  end)
end)

describe("emulator data", function()
  it("is deterministic per seed", function()
    local anchor = 1767225600000
    local a = server.start{seed = 42, alerts = 500, anchor_ms = anchor}
    local b = server.start{seed = 42, alerts = 500, anchor_ms = anchor}
    local c = server.start{seed = 43, alerts = 500, anchor_ms = anchor}
    local ok, err = pcall(function()
      local function first_page(srv)
        local api = client(srv)
        local status, body = api("POST", "/v2/alert", {limit = 50, detailed = true,
          timeRange = {type = "to_now", value = "epoch"}})
        assert.equal(200, status)
        body.nextPageToken = nil -- may differ in nothing but it is opaque
        return body
      end
      local pa, pb, pc = first_page(a), first_page(b), first_page(c)
      assert.equal(50, #pa.items)
      assert.same(pa, pb)
      assert.are_not.same(pa.items, pc.items)
      local _, pol_a = client(a)("GET", "/v2/policy")
      local _, pol_b = client(b)("GET", "/v2/policy")
      assert.same(pol_a, pol_b)
    end)
    a.stop()
    b.stop()
    c.stop()
    assert(ok, err)
  end)

  it("serves a million alerts lazily, with memory not growing", function()
    local srv = server.start{alerts = 1000000}
    local ok, err = pcall(function()
      local api = client(srv)
      local _, before = srv.request("GET", "/_emulator/stats?gc=1")
      assert.equal(1000000, before.alerts)
      local status, page = api("GET", "/v2/alert?limit=100")
      assert.equal(200, status)
      assert.equal(1000000, page.totalRows)
      assert.equal(100, #page.items)
      local status2, page2 = api("POST", "/v2/alert", {pageToken = page.nextPageToken})
      assert.equal(200, status2)
      assert.equal("P-101", page2.items[1].id)
      local _, recent = api("GET", "/v2/alert?limit=100&alert.status=open&timeType=relative&timeAmount=1&timeUnit=day")
      assert.is_true(recent.totalRows > 0)
      local _, after = srv.request("GET", "/_emulator/stats?gc=1")
      assert.is_true(after.memory_kb < 64 * 1024, "emulator uses " .. after.memory_kb .. " KiB")
      assert.is_true(after.memory_kb < before.memory_kb + 8 * 1024)
    end)
    srv.stop()
    assert(ok, err)
  end)

  it("reshapes the tenant through /_emulator/config", function()
    local srv = server.start{}
    local ok, err = pcall(function()
      local api = client(srv)
      local _, page = api("GET", "/v2/alert?limit=1")
      assert.equal(5000, page.totalRows)
      srv.config{alerts = 40, seed = 9}
      _, page = api("GET", "/v2/alert?limit=100")
      assert.equal(40, page.totalRows)
      assert.equal(40, #page.items)
      assert.is_nil(page.nextPageToken)
      local status = srv.request("POST", "/_emulator/config", {alerts = 0})
      assert.equal(400, status)
    end)
    srv.stop()
    assert(ok, err)
  end)

  it("rate-limits /v2/alert per user when asked to", function()
    local srv = server.start{rate_limits = true, alerts = 100}
    local ok, err = pcall(function()
      local api = client(srv)
      local limited, last_headers
      for _ = 1, 15 do
        local status, _, headers = api("GET", "/v2/alert?limit=1")
        if status == 429 then
          limited, last_headers = true, headers
          break
        end
        assert.equal("10", headers["x-ratelimit-burst-capacity"])
      end
      assert.is_true(limited)
      assert.equal("0", last_headers["x-ratelimit-remaining"])
      assert.equal("2", last_headers["x-ratelimit-replenish-rate"])
      -- Other routes are not limited.
      assert.equal(200, (api("GET", "/v2/policy")))
    end)
    srv.stop()
    assert(ok, err)
  end)
end)
