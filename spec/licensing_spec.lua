-- client.licensing against the emulator over real sockets: usage counts,
-- usage rows paged by pageToken (walk once, resume from a cursor, stop at
-- max_items), time series, credit allocation rules (paged, CRUD), dry runs
-- send nothing, errors come back as nil, err with the documented key.
local server = require "spec.support.server"
local prismacloud = require "prismacloud"
local requests = require "spec.support.requests"

local query_of, body_of, check = requests.query_of, requests.body_of, requests.check

local USAGE = "/license/api/v2/usage"
local RULES = "/license/api/v1/credit-allocation-rules"
local RULE = "/license/api/v1/credit-allocation-rule"

describe("licensing", function()
  local fx = server.fixture{seed = 3}
  local srv, client
  setup(function() srv, client = fx.srv, fx.client end)

  local only = fx.only

  -- Every row's account id from an iterator; fails on a duplicate.
  local function walk(it)
    local ids, seen = {}, {}
    for row in it do
      local id = row.account and row.account.id or row.id
      assert.is_nil(seen[id], "duplicate " .. tostring(id))
      seen[id] = true
      ids[#ids + 1] = id
    end
    return ids
  end

  describe("usage", function()
    it("counts: POST /license/api/v2/usage, every account, the last 30 days", function()
      local r = table.pack(client.licensing:counts())
      assert.equal(1, r.n) -- the stats alone: the page's totals come with usage()
      local stats = r[1]
      assert.is_table(stats)
      assert.equal("integer", math.type(stats.compute))
      local body = body_of(check(only(USAGE), "license-usage-count-by-cloud-paginated-v2"))
      assert.same({accountIds = {}, timeRange = {type = "relative", value = {amount = 30, unit = "day"}}, limit = 1},
        body)
      assert.equal("[]", only(USAGE).body:match('"accountIds":(%[%])'))
      srv.clear()
      local page = assert(client.licensing:usage(nil, {page_size = 1})).body
      assert.is_true(page.totalRows > 100)
      assert.equal("Enterprise", page.planType)
      assert.same(stats, page.stats)
    end)

    it("each walks every row once across pages; the totals add up to the counts", function()
      local stats = assert(client.licensing:counts{cloud_types = {"aws"}, time_range = "1y"})
      local page = assert(client.licensing:usage({cloud_types = {"aws"}, time_range = "1y"}, {page_size = 1})).body
      srv.clear()
      local total, rows = 0, 0
      local seen = {}
      for row in client.licensing:each({cloud_types = {"aws"}, time_range = "1y"}, {page_size = 20}) do
        assert.equal("aws", row.cloudType)
        assert.is_nil(seen[row.account.id])
        seen[row.account.id] = true
        rows = rows + 1
        total = total + row.total
      end
      local sum = 0
      for _, n in pairs(stats) do sum = sum + n end
      assert.equal(page.totalRows, rows)
      assert.equal(sum, total)
      local log = srv.requests(USAGE)
      assert.equal(math.ceil(rows / 20), #log)
      assert.is_true(#log >= 3)
      local first = body_of(check(log[1], "license-usage-count-by-cloud-paginated-v2"))
      assert.same({"aws"}, first.cloudTypes)
      assert.equal(20, first.limit)
      assert.same({type = "relative", value = {amount = 1, unit = "year"}}, first.timeRange)
      for i = 2, #log do
        assert.is_string(body_of(check(log[i], "license-usage-count-by-cloud-paginated-v2")).pageToken)
      end
    end)

    it("usage gives one page and a cursor; each resumes from it and stops at max_items", function()
      local all = walk(client.licensing:each(nil, {page_size = 1000}))
      assert.is_true(#all > 150)
      local page = assert(client.licensing:usage(nil, {page_size = 50}))
      local items, token = page.items, page.next_token
      assert.equal(50, #items)
      assert.is_string(token)
      assert.equal(#all, page.body.totalRows)
      for i = 1, 50 do assert.equal(all[i], items[i].account.id) end

      srv.clear()
      local rest = walk(client.licensing:each(nil, {cursor = token}))
      assert.equal(#all - 50, #rest)
      for i, id in ipairs(rest) do assert.equal(all[50 + i], id) end
      assert.equal(token, body_of(check(srv.requests(USAGE)[1], "license-usage-count-by-cloud-paginated-v2")).pageToken)

      srv.clear()
      local it = client.licensing:each(nil, {page_size = 40, max_items = 70})
      assert.equal(70, #walk(it))
      assert.equal(2, #srv.requests(USAGE))
      assert.is_string(it:cursor())

      local n = 0
      for p in client.licensing:pages({account_ids = {all[1], all[2], all[3]}}, {page_size = 2}) do
        n = n + 1
        assert.is_true(#p.items <= 2)
      end
      assert.equal(2, n)
    end)

    it("cloud_usage: the v1 endpoint with cloud_type in the query", function()
      local ids = walk(client.licensing:cloud_usage("GCP", nil, {page_size = 15}))
      assert.is_true(#ids > 30)
      local log = srv.requests("/license/api/v1/usage")
      assert.equal(math.ceil(#ids / 15), #log)
      for _, r in ipairs(log) do
        assert.same({cloud_type = "gcp"}, query_of(check(r, "license-usage-count-by-cloud-paginated_1")))
      end
      assert.equal("gcp", body_of(log[1]).cloudType)
      assert.has_error(function() client.licensing:cloud_usage("gcp", {cloud_types = {"aws"}}) end)
    end)

    it("time_series and cloud_time_series", function()
      local g = assert(client.licensing:time_series{time_range = "7d", cloud_types = {"azure"}})
      assert.equal(7, #g.dataPoints)
      assert.equal("day", g.timeUnit)
      assert.is_table(g.dataPoints[7].counts.azure)
      assert.is_nil(g.dataPoints[7].counts.aws)
      local body = body_of(check(only("/license/api/v2/time_series"), "license-usage-graph-v2"))
      assert.same({"azure"}, body.cloudTypes)
      local v1 = assert(client.licensing:cloud_time_series("aws", {time_range = "1y"}))
      assert.equal("month", v1.timeUnit)
      assert.equal("aws", body_of(check(only("/license/api/v1/usage/time_series"), "license-usage-graph")).cloudType)
    end)

    it("the usage rows and rules are a function of the seed", function()
      local function snapshot(seed)
        local s2 = server.start{seed = seed}
        local c2 = prismacloud.new{url = s2.url, access_key = "test-key", secret_key = "test-secret", retries = 0}
        local ok, out = pcall(function()
          local rows = {}
          for row in c2.licensing:each(nil, {page_size = 1000}) do
            rows[#rows + 1] = row.account.id .. "=" .. row.total
          end
          for rule in c2.licensing:rules() do rows[#rows + 1] = rule.id .. "=" .. rule.usedCredits end
          return rows
        end)
        c2:close()
        s2.stop()
        assert(ok, out)
        return out
      end
      local first = snapshot(3)
      assert.is_true(#first > 150)
      assert.same(first, snapshot(3))
      assert.not_same(first, snapshot(4))
    end)

    it("bad filters raise before sending; API errors come back as nil, err", function()
      assert.has_error(function() client.licensing:counts{time_range = {from = 0, to = 1}} end,
        "bad time_range to 'counts' (relative only, e.g. '30d' or '1y')")
      assert.has_error(function() client.licensing:each{colour = "red"} end, "unknown option 'colour' to 'each'")
      assert.has_error(function() client.licensing:usage{account_ids = {1}} end)
      assert.equal(0, #srv.requests())
      local stats, err = client.licensing:counts{cloud_types = {"vax"}}
      assert.is_nil(stats)
      assert.equal(400, err.status)
      assert.equal("invalid_parameter_value", err.code)
      local items
      items, err = client.licensing:usage(nil, {cursor = "forged"})
      assert.is_nil(items)
      assert.equal("invalid_parameter_value", err.code)
    end)
  end)

  describe("credit allocation rules", function()
    it("rules walks every page once; filters go in the body", function()
      local names = assert(client.licensing:rule_names())
      check(only(RULE .. "-names"), "getCreditAllocationRuleNames")
      assert.is_true(#names >= 25)
      srv.clear()
      local seen, n = {}, 0
      for r in client.licensing:rules(nil, {page_size = 10}) do
        assert.is_nil(seen[r.id])
        seen[r.id] = true
        n = n + 1
        assert.equal("integer", math.type(r.usedCredits))
      end
      assert.equal(#names, n)
      local log = srv.requests(RULES)
      assert.equal(math.ceil(n / 10), #log)
      assert.equal(10, body_of(check(log[1], "getCreditAllocationRules")).limit)
      for i = 2, #log do assert.is_string(body_of(check(log[i], "getCreditAllocationRules")).pageToken) end

      srv.clear()
      local above = 0
      for r in client.licensing:rules{threshold = "above", names = names} do
        assert.is_true(r.percentage >= r.alarmThreshold)
        above = above + 1
      end
      local body = body_of(check(only(RULES), "getCreditAllocationRules"))
      assert.equal("AboveThreshold", body.thresholdFilter)
      assert.equal(#names, #body.ruleNames)
      assert.is_true(above < n)
      assert.has_error(function() client.licensing:rules{threshold = "over"} end)

      srv.clear()
      local it = client.licensing:rules(nil, {page_size = 10, max_items = 12})
      local first = {}
      for r in it do first[#first + 1] = r.id end
      assert.equal(12, #first)
      local resumed = {}
      for r in client.licensing:rules(nil, {cursor = it:cursor()}) do resumed[#resumed + 1] = r.id end
      assert.equal(n - 20, #resumed)

      -- no match: the API sends rules = null
      local none = 0
      for _ in client.licensing:rules{names = {"no such rule"}} do none = none + 1 end
      assert.equal(0, none)
    end)

    it("create_rule, rule, update_rule, rule_by_name, delete_rule, credit_summary", function()
      local group = client.account_groups:list{details = false}[1]
      srv.clear()
      local new = {name = "lua rule", targetType = "AccountGroup", allocatedCredits = 500, alarmThreshold = 80,
                   accountGroups = {group.id}}
      local r = assert(client.licensing:create_rule(new))
      assert.same(new, body_of(check(only(RULE), "createCreditAllocationRule")))
      assert.is_string(r.id)

      srv.clear()
      assert.equal("lua rule", assert(client.licensing:rule(r.id)).name)
      check(only(RULE .. "/" .. r.id), "getCreditAllocationRule")

      srv.clear()
      local u = assert(client.licensing:update_rule(r.id, {allocatedCredits = 900}))
      assert.equal(900, u.allocatedCredits)
      assert.equal("lua rule", u.name)
      -- the reference requires the whole rule: read, and sent back whole with the change over it
      local _, patch = requests.sequence(srv, "getCreditAllocationRule", "updateCreditAllocationRule")
      assert.same({id = r.id, name = "lua rule", targetType = "AccountGroup", allocatedCredits = 900,
                   alarmThreshold = 80, accountGroups = {group.id}}, body_of(patch))

      srv.clear()
      assert.equal(r.id, assert(client.licensing:rule_by_name("lua rule")).id)
      assert.same({"lua rule"}, body_of(check(only(RULES), "getCreditAllocationRules")).ruleNames)
      assert.is_nil(client.licensing:rule_by_name("no such rule"))

      srv.clear()
      assert.is_true(client.licensing:delete_rule(r.id))
      check(only(RULE .. "/" .. r.id), "deleteCreditAllocationRule")
      local gone, err = client.licensing:rule(r.id)
      assert.is_nil(gone)
      assert.equal(400, err.status)
      assert.equal("invalid_parameter_value", err.code)

      srv.clear()
      local summary = assert(client.licensing:credit_summary("90d"))
      assert.equal("integer", math.type(summary.purchased))
      assert.equal("integer", math.type(summary.usage))
      assert.same({type = "relative", value = {amount = 90, unit = "day"}},
        body_of(check(only(RULE .. "-summary"), "getCreditAllocationRuleSummary")).timeRange)
    end)

    it("errors: missing fields, duplicate names, unknown groups", function()
      local r, err = client.licensing:create_rule{name = "x"}
      assert.is_nil(r)
      assert.equal(400, err.status)
      assert.equal("invalid_parameter_value", err.code)
      local existing = client.licensing:rule_names()[1]
      local group = client.account_groups:list{details = false}[1]
      r, err = client.licensing:create_rule{name = existing, targetType = "AccountGroup", allocatedCredits = 1,
                                            alarmThreshold = 1, accountGroups = {group.id}}
      assert.is_nil(r)
      assert.equal("invalid_parameter_value", err.code)
      r, err = client.licensing:create_rule{name = "new", targetType = "AccountGroup", allocatedCredits = 1,
                                            alarmThreshold = 101, accountGroups = {group.id}}
      assert.is_nil(r)
      assert.equal(400, err.status)
    end)

    it("dry_run returns the request and sends nothing; bad arguments name the verb", function()
      local new = {name = "dry", targetType = "AccountGroup", allocatedCredits = 1, alarmThreshold = 1,
                   accountGroups = {"g"}}
      assert.same({method = "POST", path = RULE, body = new}, client.licensing:create_rule(new, {dry_run = true}))
      assert.same({method = "DELETE", path = RULE .. "/r1"}, client.licensing:delete_rule("r1", {dry_run = true}))
      assert.equal(0, #srv.requests())
      -- an update reads the rule, a dry run too (the PATCH it returns is the one it would send)
      local r = assert(client.licensing:rules()())
      srv.clear()
      local req = client.licensing:update_rule(r.id, {name = "n"}, {dry_run = true})
      assert.same({method = "PATCH", path = RULE .. "/" .. r.id}, {method = req.method, path = req.path})
      assert.same({r.id, "n", r.allocatedCredits}, {req.body.id, req.body.name, req.body.allocatedCredits})
      requests.sequence(srv, "getCreditAllocationRule")
      -- an integer id: the body's id is the path's, a string as the reference types it
      srv.clear()
      srv.fault{path = RULE .. "/5", method = "GET", status = 200, headers = {["Content-Type"] = "application/json"},
                body = {id = "5", name = "r", targetType = "AccountGroup", allocatedCredits = 1, alarmThreshold = 1,
                        accountGroups = {"g"}}, times = 1}
      req = client.licensing:update_rule(5, {name = "n"}, {dry_run = true})
      assert.same({RULE .. "/5", "5", "n"}, {req.path, req.body.id, req.body.name})
      local none, err = client.licensing:update_rule("no-such-rule", {name = "n"}, {dry_run = true})
      assert.is_nil(none)
      assert.equal(400, err.status)
      srv.clear()
      assert.has_error(function() client.licensing:rule() end, "bad argument #1 to 'rule' (id expected, got nil)")
      assert.has_error(function() client.licensing:create_rule(nil) end,
        "bad argument #1 to 'create_rule' (table expected, got nil)")
      assert.has_error(function() client.licensing:delete_rule("r1", {force = true}) end,
        "unknown option 'force' to 'delete_rule'")
      assert.has_error(function() client.licensing:update_rule("r1") end,
        "bad argument #2 to 'update_rule' (table expected, got nil)")
      assert.has_error(function() client.licensing:update_rule("r1", {}, {force = true}) end,
        "unknown option 'force' to 'update_rule'")
      assert.equal(0, #srv.requests())
    end)
  end)
end)
