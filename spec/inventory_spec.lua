-- The asset inventory (client.inventory) and resources (client.resources)
-- against the emulator over real sockets: GET while the filter fits the
-- GET endpoint and the URL, POST otherwise; scan_info walks every page
-- exactly once (checked against the emulator's one-page answer fetched
-- with lua-socket), resumes from a cursor, stops at max_items, and moves
-- the page token into a POST body once it would push the URL past 8 KB;
-- every request fits the catalog; dry runs send nothing; errors are nil, err.
local server = require "spec.support.server"
local requests = require "spec.support.requests"

local body_of, query_of = requests.body_of, requests.query_of

describe("inventory and resources", function()
  local fx = server.fixture{resources = 700}
  local srv, client, token

  setup(function()
    srv, client = fx.srv, fx.client
    token = srv.login()
  end)

  local function auth() return {["x-redlock-auth"] = token} end

  -- Live resources of a config query, counted by the config search (one page, not through the client).
  local function live_count(where)
    local q = "config from cloud.resource where resource.status = 'Active'" .. (where and (" AND " .. where) or "")
    local status, res = srv.request("POST", "/search/config", {query = q, limit = 10000, withResourceJson = false},
      auth())
    assert.equal(200, status)
    srv.clear()
    return res.data.totalRows
  end

  -- The emulator's whole scan_info answer for a query string, in one page.
  local function scan_oracle(qs)
    local status, res = srv.request("GET", "/v2/resource/scan_info?limit=10000" .. (qs or ""), nil, auth())
    assert.equal(200, status)
    assert.is_nil(res.nextPageToken)
    srv.clear()
    return res.resources
  end

  local function rrns(list)
    local out, seen = {}, {}
    for _, r in ipairs(list) do
      assert.is_nil(seen[r.rrn], "duplicate " .. tostring(r.rrn))
      seen[r.rrn] = true
      out[#out + 1] = r.rrn
    end
    table.sort(out)
    return out
  end

  local drain = requests.drain

  local function sum_totals(snap)
    local n = 0
    for _, g in ipairs(snap.groupedAggregates) do n = n + g.totalResources end
    return n
  end

  describe("inventory", function()
    it("summary: GET /v3/inventory, totals match the live resources", function()
      local snap = assert(client.inventory:summary())
      local entry = requests.check(requests.only(srv, "/v3/inventory"), "asset-inventory-v3")
      assert.equal("GET", entry.method)
      local s = snap.summary
      assert.equal(live_count(), s.totalResources)
      assert.equal(s.totalResources, s.passedResources + s.failedResources + s.unscannedResources)
      assert.equal(s.totalResources, sum_totals(snap))
      for _, g in ipairs(snap.groupedAggregates) do assert.is_string(g.cloudTypeName) end
    end)

    it("summary: filters and group_by as query parameters", function()
      local snap = assert(client.inventory:summary{cloud_type = "aws", group_by = {"cloud.account", "cloud.region"}})
      local entry = requests.check(requests.only(srv, "/v3/inventory"), "asset-inventory-v3")
      assert.same({["cloud.type"] = "aws", groupBy = "cloud.account,cloud.region"}, query_of(entry))
      assert.equal(live_count("cloud.type = 'aws'"), snap.summary.totalResources)
      assert.equal(snap.summary.totalResources, sum_totals(snap))
      for _, g in ipairs(snap.groupedAggregates) do
        assert.is_string(g.accountName)
        assert.is_string(g.regionName)
      end
    end)

    it("summary: a filter the GET lacks, or a URL past 8 KB, goes out as POST filters[]", function()
      local snap = assert(client.inventory:summary{compliance_section = "1.1", cloud_type = "aws"})
      local entry = requests.check(requests.only(srv, "/v3/inventory"), "post-method-for-asset-inventory-v3")
      assert.equal("POST", entry.method)
      assert.same({{name = "cloud.type", operator = "=", value = "aws"},
                   {name = "policy.complianceSection", operator = "=", value = "1.1"}}, body_of(entry).filters)
      assert.equal(live_count("cloud.type = 'aws'"), snap.summary.totalResources)
      srv.clear()
      local many = {}
      for i = 1, 400 do many[i] = ("account-that-does-not-exist-%04d"):format(i) end
      local none = assert(client.inventory:summary{account = many})
      assert.equal(0, none.summary.totalResources)
      entry = requests.check(requests.only(srv, "/v3/inventory"), "post-method-for-asset-inventory-v3")
      assert.equal("POST", entry.method)
      assert.equal(400, #body_of(entry).filters)
    end)

    it("summary v2: the time range as GET parameters, POST for an absolute one", function()
      local snap = assert(client.inventory:summary{version = 2, time_range = "7d", cloud_type = "gcp"})
      local entry = requests.check(requests.only(srv, "/v2/inventory"), "asset-inventory-v2")
      assert.same({timeType = "relative", timeAmount = "7", timeUnit = "day", ["cloud.type"] = "gcp"}, query_of(entry))
      assert.is_number(snap.summary.highSeverityFailedResources)
      srv.clear()
      assert(client.inventory:summary{version = 2, time_range = {from = 0, to = 1000}})
      entry = requests.check(requests.only(srv, "/v2/inventory"), "post-method-for-asset-inventory-v2")
      assert.same({type = "absolute", value = {startTime = 0, endTime = 1000}}, body_of(entry).timeRange)
    end)

    it("summary: a bad group_by is nil, err (400)", function()
      local snap, err = client.inventory:summary{group_by = "policy.name"}
      assert.is_nil(snap)
      assert.equal(400, err.status)
      assert.equal("bad_request", err.code)
    end)

    it("trend: GET /v3/inventory/trend, oldest first, ending at the live total", function()
      local points = assert(client.inventory:trend{cloud_type = "azure"})
      requests.check(requests.only(srv, "/v3/inventory/trend"), "asset-inventory-trend-v3")
      assert.equal(7, #points)
      for k = 2, #points do
        assert.is_true(points[k].timestamp > points[k - 1].timestamp)
        assert.is_true(points[k].totalResources >= points[k - 1].totalResources)
      end
      assert.equal(live_count("cloud.type = 'azure'"), points[#points].totalResources)
      srv.clear()
      local many = {}
      for i = 1, 400 do many[i] = ("account-that-does-not-exist-%04d"):format(i) end
      local none = assert(client.inventory:trend{account = many})
      assert.equal(0, none[#none].totalResources)
      requests.check(requests.only(srv, "/v3/inventory/trend"), "post-method-asset-inventory-trend-v3")
    end)

    it("filters and suggest", function()
      local f = assert(client.inventory:filters())
      requests.check(requests.only(srv, "/filter/v2/inventory/suggest"), "get-asset-inventory-v2-filters-and-options")
      assert.is_truthy(table.concat(f["cloud.type"].options, ","):find("aws", 1, true))
      srv.clear()
      local info = assert(client.inventory:suggest("cloud.account", "aws"))
      local entry = requests.check(requests.only(srv, "/filter/v2/inventory/suggest"),
        "get-asset-inventory-v2-dashboard-filter-options")
      assert.same({filterName = "cloud.account", query = "aws"}, body_of(entry))
      assert.is_true(#info.suggestions > 0)
      for _, s in ipairs(info.suggestions) do assert.equal("aws", s:sub(1, 3)) end
      local none, err = client.inventory:suggest("")
      assert.is_nil(none)
      assert.equal(400, err.status)
      assert.equal("missing_required_parameter", err.code)
    end)

    it("saved filters: save, list, get, update, delete; dry runs send nothing", function()
      local model = {filters = {{name = "cloud.type", operator = "=", value = "aws"}}, groupBy = {"cloud.account"}}
      local req = client.inventory:save_filter(model, {dry_run = true})
      assert.equal("POST", req.method)
      assert.equal(0, #srv.requests())
      -- POST answers without a body, as documented: true, and the new filter is among the saved ones
      assert.is_true(client.inventory:save_filter(model))
      requests.check(requests.only(srv, "/filter/inventory"), "save-asset-inventory-filter")
      local list = assert(client.inventory:saved_filters())
      assert.equal(1, #list)
      local saved = list[1]
      assert.is_string(saved.id)
      srv.clear()
      local got = assert(client.inventory:get_filter(saved.id))
      requests.check(requests.only(srv, "/filter/inventory/" .. saved.id), "get-saved-asset-inventory-filter")
      assert.equal("aws", got.filters[1].value)
      srv.clear()
      model.filters[1].value = "gcp"
      -- PUT answers without a body, as documented: the filter is read back after it
      local updated = assert(client.inventory:update_filter(saved.id, model))
      assert.equal("gcp", updated.filters[1].value)
      requests.sequence(srv, "update-saved-asset-inventory-filter", "get-saved-asset-inventory-filter")
      assert.equal("gcp", assert(client.inventory:get_filter(saved.id)).filters[1].value)
      srv.clear()
      assert.equal("DELETE", client.inventory:delete_filter(saved.id, {dry_run = true}).method)
      assert.equal(0, #srv.requests())
      assert.is_true(client.inventory:delete_filter(saved.id))
      requests.check(requests.only(srv, "/filter/inventory/" .. saved.id), "delete-saved-asset-inventory-filter")
      local gone, err = client.inventory:get_filter(saved.id)
      assert.is_nil(gone)
      assert.equal(404, err.status)
      local bad, err2 = client.inventory:save_filter({filters = {{name = "nope", value = "x"}}})
      assert.is_nil(bad)
      assert.equal("failed_add_inventory_saved_filter", err2.code)
    end)

    it("update_filter: a PUT applied whose read-back fails is nil, err with err.written", function()
      assert.is_true(client.inventory:save_filter{filters = {{name = "cloud.type", operator = "=", value = "aws"}}})
      local saved = assert(client.inventory:saved_filters())[1]
      srv.clear()
      srv.fault{path = "/filter/inventory/" .. saved.id, method = "GET", status = 500, times = 1}
      local model = {filters = {{name = "cloud.type", operator = "=", value = "gcp"}}}
      local none, err = client.inventory:update_filter(saved.id, model)
      assert.is_nil(none)
      assert.is_true(err.written)
      assert.equal(500, err.status)
      assert.truthy(err.message:find("^updated; reading it back failed: "), err.message)
      requests.sequence(srv, "update-saved-asset-inventory-filter", "get-saved-asset-inventory-filter")
      assert.equal("gcp", assert(client.inventory:get_filter(saved.id)).filters[1].value)
      assert.is_true(client.inventory:delete_filter(saved.id))
    end)

    it("raises on misuse", function()
      assert.has_error(function() client.inventory:summary{colour = "red"} end,
        "unknown inventory filter 'colour' in 'summary'")
      assert.has_error(function() client.inventory:summary{time_range = "1d"} end,
        "option 'time_range' to 'summary' needs version = 2 (v3 has no time range)")
      assert.has_error(function() client.inventory:get_filter(nil) end,
        "bad argument #1 to 'get_filter' (id expected, got nil)")
      assert.equal(0, #srv.requests())
    end)
  end)

  describe("resources", function()
    it("scan_info walks every page exactly once with GET and pageToken in the query", function()
      local want = scan_oracle("&cloud.type=aws")
      assert.is_true(#want > 150)
      local got = drain(client.resources:scan_info{cloud_type = "AWS", page_size = 70})
      assert.same(rrns(want), rrns(got))
      local log = srv.requests("/v2/resource/scan_info")
      assert.equal(math.ceil(#want / 70), #log)
      for k, entry in ipairs(log) do
        requests.check(entry, "get-resource-scan-info-v2")
        local q = query_of(entry)
        assert.equal("aws", q["cloud.type"])
        assert.equal("70", q.limit)
        if k == 1 then assert.is_nil(q.pageToken) else assert.is_string(q.pageToken) end
      end
    end)

    it("scan_info resumes from a cursor and stops at max_items", function()
      local want = scan_oracle("&scan.status=failed")
      local first = client.resources:scan_info{scan_status = "failed", page_size = 20, max_items = 40}
      local head = drain(first)
      assert.equal(40, #head)
      assert.equal(2, #srv.requests("/v2/resource/scan_info"))
      for _, r in ipairs(head) do assert.is_false(r.overallPassed) end
      local rest = drain(client.resources:scan_info{scan_status = "failed", page_size = 20, cursor = first:cursor()})
      for _, r in ipairs(rest) do head[#head + 1] = r end
      assert.same(rrns(want), rrns(head))
    end)

    it("scan_info moves a token that would push the URL past 8 KB into a POST body", function()
      local accounts, qs = {}, {}
      for _, a in ipairs(assert(client:call("get-cloud-accounts"))) do
        if a.cloudType:lower() == "aws" then
          accounts[#accounts + 1] = a.name
          qs[#qs + 1] = "&cloud.account=" .. a.name
        end
      end
      local want = scan_oracle(table.concat(qs))
      assert.is_true(#want > 100)
      for i = 1, 110 do accounts[#accounts + 1] = ("no-such-account-%06d"):format(i) end
      srv.clear()
      local got = drain(client.resources:scan_info{account = accounts, page_size = 50})
      assert.same(rrns(want), rrns(got))
      local log = srv.requests("/v2/resource/scan_info")
      assert.equal(math.ceil(#want / 50), #log)
      assert.equal("GET", log[1].method)
      requests.check(log[1], "get-resource-scan-info-v2")
      local first_length = #log[1].path + 1 + #(log[1].rawquery or "")
      assert.is_true(first_length < 8000)
      for k = 2, #log do
        local entry = log[k]
        assert.equal("POST", entry.method)
        requests.check(entry, "post-resource-scan-info-v2")
        assert.equal("", entry.rawquery or "")
        local b = body_of(entry)
        assert.is_true(first_length + #"&pageToken=" + #b.pageToken > 8000)
        assert.equal(50, b.limit)
        assert.equal(#accounts, #b.filters)
      end
    end)

    it("scan_info: an unknown token is nil, err (400 invalid_parameter_value)", function()
      local item, err = client.resources:scan_info{cursor = "bogus"}:next()
      assert.is_nil(item)
      assert.equal(400, err.status)
      assert.equal("invalid_parameter_value", err.code)
    end)

    it("scan_info version 1 takes a time range; scan_info_pages gives whole pages", function()
      local pages = client.resources:scan_info_pages{version = 1, time_range = "24h", page_size = 100, max_pages = 2}
      local n = 0
      for page in pages do
        n = n + 1
        assert.equal(100, #page.resources)
        assert.is_true(page.totalMatchedCount > 200)
      end
      assert.equal(2, n)
      local log = srv.requests("/resource/scan_info")
      assert.equal(2, #log)
      for _, entry in ipairs(log) do
        requests.check(entry, "get-resource-scan-info")
        assert.equal("relative", query_of(entry).timeType)
      end
    end)

    it("get and raw: a resource by rrn; an unknown rrn is nil, err (404)", function()
      local first = assert(client.resources:scan_info{max_items = 1}:next())
      srv.clear()
      local r = assert(client.resources:get(first.rrn))
      local entry = requests.check(requests.only(srv, "/resource"), "get-resource")
      assert.same({rrn = first.rrn}, body_of(entry))
      assert.equal(first.rrn, r.rrn)
      assert.is_table(r.data)
      local raw = assert(client.resources:raw(first.rrn))
      requests.check(requests.only(srv, "/resource/raw"), "get-resource-raw")
      assert.same(r.data, raw)
      local none, err = client.resources:get(first.rrn .. "0")
      assert.is_nil(none)
      assert.equal(404, err.status)
      assert.equal("not_found", err.code)
      assert.has_error(function() client.resources:get(nil) end, "bad argument #1 to 'get' (rrn expected, got nil)")
    end)

    it("timeline, network and alerts of a resource", function()
      local sg, failed
      for r in client.resources:scan_info{page_size = 500} do
        if not sg and r.rrn:find("aws-ec2-describe-security-groups", 1, true) then sg = r end
        if not failed and not r.overallPassed and #r.scannedPolicies > 0 then failed = r end
        if sg and failed then break end
      end
      assert.is_table(sg)
      assert.is_table(failed)
      srv.clear()
      local items = assert(client.resources:timeline(failed.rrn))
      local entry = requests.check(requests.only(srv, "/resource/timeline"), "get-timeline-for-resource")
      assert.same({rrn = failed.rrn}, body_of(entry))
      assert.is_true(#items >= 1)
      assert.is_true(items[#items].firstState)
      for k = 2, #items do assert.is_true(items[k - 1].timestamp > items[k].timestamp) end
      assert.same(assert(client.resources:raw(failed.rrn)), assert(client.resources:raw(failed.rrn, items[1].id)))
      local alerts = assert(client.resources:alerts(failed.rrn))
      requests.check(requests.only(srv, "/resource/alert"), "get-alerts-for-resource")
      assert.equal(1, #alerts)
      assert.same(items[1].alertIds, {alerts[1].id})
      local rules = assert(client.resources:network(sg.rrn))
      requests.check(requests.only(srv, "/resource/network"), "get-network-for-resource")
      local doc = assert(client.resources:get(sg.rrn)).data
      assert.equal(#doc.ipPermissions, #rules)
      for k, rule in ipairs(rules) do assert.equal(doc.ipPermissions[k].ipv4Ranges[1].cidrIp, rule.ips) end
      local none, err = client.resources:timeline("rrn:aws:nothing")
      assert.is_nil(none)
      assert.equal(404, err.status)
    end)

    it("asset: by asset id (Get Asset), the asset and its raw config", function()
      local first = assert(client.resources:scan_info{max_items = 1}:next())
      srv.clear()
      local res = assert(client.resources:asset(first.unifiedAssetId))
      local entry = requests.check(requests.only(srv, "/uai/v1/asset"), "get-asset-details-by-id")
      assert.same({assetId = first.unifiedAssetId, type = "asset"}, body_of(entry))
      assert.equal(first.name, res.data.asset.name)
      local raw = assert(client.resources:asset(first.unifiedAssetId, "raw_config"))
      assert.same(assert(client.resources:raw(first.rrn)), raw.data.asset.data)
      local none, err = client.resources:asset("0000000000000000")
      assert.is_nil(none)
      assert.equal(404, err.status)
      assert.equal("not_found", err.code)
      assert.has_error(function() client.resources:asset(nil) end,
        "bad argument #1 to 'asset' (asset id expected, got nil)")
    end)
  end)
end)
