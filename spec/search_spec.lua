-- RQL search (client.search) and saved searches (client.saved_searches)
-- against the emulator over real sockets: each iterator walks a multi-page
-- result exactly once (checked against the emulator's full answer fetched
-- in one page with lua-socket), resumes from a cursor, stops at max_items;
-- continuation pages go to the kind's own /page path with the token in the
-- body; every request fits the catalog; dry runs send nothing; errors come
-- back as nil, err with the documented status and i18n key.
local server = require "spec.support.server"
local requests = require "spec.support.requests"

local body_of = requests.body_of

local CONFIG_Q = "config from cloud.resource where cloud.type = 'aws'"
local EVENT_Q = "event from cloud.audit_logs where cloud.type = 'aws'"
local IAM_Q = "config from iam where dest.cloud.type = 'AWS'"

describe("search", function()
  local fx = server.fixture{resources = 600}
  local srv, client, token

  setup(function()
    srv, client = fx.srv, fx.client
    token = srv.login()
  end)

  -- The emulator's whole answer for a query, in one page (not through the client).
  local function oracle(path, body)
    local status, res = srv.request("POST", path, body, {["x-redlock-auth"] = token})
    assert.equal(200, status)
    assert.is_nil(res.data.nextPageToken)
    srv.clear()
    return res.data.items
  end

  local function ids_of(list, field)
    local out, seen = {}, {}
    for _, item in ipairs(list) do
      local id = item[field]
      assert.is_nil(seen[id], "duplicate " .. tostring(id))
      seen[id] = true
      out[#out + 1] = id
    end
    table.sort(out, function(a, b) return tostring(a) < tostring(b) end)
    return out
  end

  local drain = requests.drain

  -- The first request goes to first_path, every later one to page_path with the token in the body.
  local function check_log(first_path, first_op, page_path, page_op, pages, size)
    local first = requests.only(srv, first_path)
    requests.check(first, first_op)
    assert.equal("", first.rawquery or "")
    assert.equal(size, body_of(first).limit)
    local later = srv.requests(page_path)
    assert.equal(pages - 1, #later)
    for _, entry in ipairs(later) do
      requests.check(entry, page_op)
      assert.equal("", entry.rawquery or "")
      local b = body_of(entry)
      assert.is_string(b.pageToken)
      assert.is_true(#b.pageToken > 0)
      assert.equal(size, b.limit)
    end
  end

  describe("config", function()
    it("walks every page exactly once, first /search/config then /search/config/page", function()
      local want = oracle("/search/config", {query = CONFIG_Q, limit = 10000, withResourceJson = false})
      assert.is_true(#want > 120)
      local items = client.search:config(CONFIG_Q, {page_size = 40, with_resource_json = false})
      assert(items:next())
      assert.equal(#want, items.total) -- read from the first answer's data
      srv.clear()
      local got = drain(client.search:config(CONFIG_Q, {page_size = 40, with_resource_json = false}))
      assert.same(ids_of(want, "rrn"), ids_of(got, "rrn"))
      check_log("/search/config", "search-config", "/search/config/page", "search-config-page",
        math.ceil(#want / 40), 40)
      assert.is_false(body_of(requests.only(srv, "/search/config")).withResourceJson)
      for _, entry in ipairs(srv.requests("/search/config/page")) do
        assert.is_false(body_of(entry).withResourceJson)
      end
    end)

    it("sends the time range, heuristicSearch and sort in the first body", function()
      local items = client.search:config(CONFIG_Q, {time_range = "7d", heuristic_search = true, max_items = 1,
                                                    sort = {{field = "insert_ts", direction = "desc"}}})
      assert.is_table(items:next())
      local b = body_of(requests.check(requests.only(srv, "/search/config"), "search-config"))
      assert.same({type = "relative", value = {amount = 7, unit = "day"}}, b.timeRange)
      assert.is_true(b.heuristicSearch)
      assert.same({{field = "insert_ts", direction = "desc"}}, b.sort)
      assert.equal(CONFIG_Q, b.query)
    end)

    it("resumes from a cursor taken at a page boundary", function()
      local want = oracle("/search/config", {query = CONFIG_Q, limit = 10000, withResourceJson = false})
      local first = client.search:config(CONFIG_Q, {page_size = 50, max_items = 50})
      local head = drain(first)
      assert.equal(50, #head)
      local cursor = first:cursor()
      assert.is_string(cursor)
      srv.clear()
      local rest = drain(client.search:config(CONFIG_Q, {page_size = 50, cursor = cursor}))
      assert.equal(0, #srv.requests("/search/config"))
      assert.is_true(#srv.requests("/search/config/page") >= 1)
      for _, r in ipairs(rest) do head[#head + 1] = r end
      assert.same(ids_of(want, "rrn"), ids_of(head, "rrn"))
    end)

    it("stops at max_items without fetching further pages", function()
      local got = drain(client.search:config(CONFIG_Q, {page_size = 30, max_items = 70}))
      assert.equal(70, #got)
      assert.equal(1, #srv.requests("/search/config"))
      assert.equal(2, #srv.requests("/search/config/page"))
    end)

    it("config_pages gives the first answer, then the continuation pages", function()
      local pages = client.search:config_pages(CONFIG_Q, {page_size = 100, max_pages = 2})
      local p1 = assert(pages:next())
      assert.equal("config", p1.searchType)
      assert.equal(100, #p1.data.items)
      local p2 = assert(pages:next())
      assert.equal(100, #p2.items)
      assert.is_nil(pages:next())
      assert.is_string(pages:cursor())
    end)

    it("an unknown page token comes back as nil, err (400 invalid_parameter_value)", function()
      local items = client.search:config(CONFIG_Q, {cursor = "not-a-token"})
      local item, err = items:next()
      assert.is_nil(item)
      assert.equal(400, err.status)
      assert.equal("invalid_parameter_value", err.code)
      requests.check(requests.only(srv, "/search/config/page"), "search-config-page")
    end)

    it("a bad query comes back as nil, err (400 invalid_rql_query)", function()
      local item, err = client.search:config("config from cloud.resource where ("):next()
      assert.is_nil(item)
      assert.equal(400, err.status)
      assert.equal("invalid_rql_query", err.code)
    end)

    it("api_version 1 and 2: first page from /search/api/v1|v2/config, then /search/config/page", function()
      local want = oracle("/search/config", {query = CONFIG_Q, limit = 10000, withResourceJson = false})
      local got = drain(client.search:config(CONFIG_Q, {api_version = 1, page_size = 60, time_range = "1y",
                                                        with_resource_json = false}))
      assert.same(ids_of(want, "rrn"), ids_of(got, "rrn"))
      check_log("/search/api/v1/config", "search-config-by-query", "/search/config/page", "search-config-page",
        math.ceil(#want / 60), 60)
      local b = body_of(requests.only(srv, "/search/api/v1/config"))
      assert.same({type = "relative", value = {amount = 1, unit = "year"}}, b.timeRange)
      assert.equal(CONFIG_Q, b.query)
      srv.clear()
      got = drain(client.search:config(CONFIG_Q, {api_version = 2, page_size = 100, start_time = 0}))
      assert.same(ids_of(want, "rrn"), ids_of(got, "rrn"))
      check_log("/search/api/v2/config", "search-config-v2", "/search/config/page", "search-config-page",
        math.ceil(#want / 100), 100)
      assert.equal(0, body_of(requests.only(srv, "/search/api/v2/config")).startTime)
      assert.has_error(function() client.search:config(CONFIG_Q, {api_version = 3}) end,
        "bad option 'api_version' to 'config' (1 or 2 expected, got 3)")
      assert.has_error(function() client.search:event(EVENT_Q, {api_version = 1}) end,
        "unknown option 'api_version' to 'event'")
      assert.has_error(function() client.search:config(CONFIG_Q, {api_version = 2, time_range = "1d"}) end,
        "unknown option 'time_range' to 'config'")
    end)

    it("config_by_id runs a saved config search by its id (v1, or v2)", function()
      local want = oracle("/search/config", {query = CONFIG_Q, limit = 10000, withResourceJson = false})
      local saved = assert(client.saved_searches:create{name = "by id", query = CONFIG_Q})
      srv.clear()
      local path = "/search/api/v1/config/" .. saved.id
      local got = drain(client.search:config_by_id(saved.id, {page_size = 80}))
      assert.same(ids_of(want, "rrn"), ids_of(got, "rrn"))
      check_log(path, "search-config-by-search-id", "/search/config/page", "search-config-page",
        math.ceil(#want / 80), 80)
      assert.is_nil(body_of(requests.only(srv, path)).query)
      srv.clear()
      local first = assert(client.search:config_by_id(saved.id, {api_version = 2, max_items = 1}):next())
      assert.is_string(first.rrn)
      requests.check(requests.only(srv, "/search/api/v2/config/" .. saved.id), "search-config-by-search-id-v2")
      local none, err = client.search:config_by_id("no-such-search"):next()
      assert.is_nil(none)
      assert.equal(404, err.status)
      assert.equal("not_found", err.code)
    end)

    it("raises on misuse", function()
      assert.has_error(function() client.search:config(nil) end,
        "bad argument #1 to 'config' (string expected, got nil)")
      assert.has_error(function() client.search:config("  ") end, "bad argument #1 to 'config' (the query is empty)")
      assert.has_error(function() client.search:config(CONFIG_Q, {bogus = 1}) end, "unknown option 'bogus' to 'config'")
      assert.has_error(function() client.search:iam(IAM_Q, {time_range = "1d"}) end,
        "unknown option 'time_range' to 'iam'")
      assert.equal(0, #srv.requests())
    end)
  end)

  describe("event", function()
    it("walks every page exactly once, first /search/event then /search/event/page", function()
      local want = oracle("/search/event", {query = EVENT_Q, limit = 10000})
      assert.is_true(#want > 150)
      local got = drain(client.search:event(EVENT_Q, {page_size = 60}))
      assert.same(ids_of(want, "id"), ids_of(got, "id"))
      check_log("/search/event", "search-events", "/search/event/page", "search-events-page",
        math.ceil(#want / 60), 60)
      for _, e in ipairs(got) do assert.equal("AWS", e.objects[1].cloudType) end
    end)

    it("keeps to the time range", function()
      local got = drain(client.search:event(EVENT_Q, {time_range = "2d", page_size = 100}))
      local b = body_of(requests.only(srv, "/search/event"))
      assert.same({type = "relative", value = {amount = 2, unit = "day"}}, b.timeRange)
      local now = os.time() * 1000
      assert.is_true(#got > 0)
      for _, e in ipairs(got) do assert.is_true(e.eventTs >= now - 2 * 86400000 - 60000) end
    end)

    it("resumes from a cursor and stops at max_items", function()
      local want = oracle("/search/event", {query = EVENT_Q, limit = 10000})
      local first = client.search:event(EVENT_Q, {page_size = 25, max_items = 75})
      local head = drain(first)
      assert.equal(75, #head)
      assert.equal(2, #srv.requests("/search/event/page"))
      local rest = drain(client.search:event(EVENT_Q, {page_size = 25, cursor = first:cursor()}))
      for _, r in ipairs(rest) do head[#head + 1] = r end
      assert.same(ids_of(want, "id"), ids_of(head, "id"))
    end)

    it("a token of another kind of search is refused (400)", function()
      local config_pages = client.search:config_pages(CONFIG_Q, {page_size = 10, max_pages = 1})
      assert(config_pages:next())
      local item, err = client.search:event(EVENT_Q, {cursor = config_pages:cursor()}):next()
      assert.is_nil(item)
      assert.equal(400, err.status)
      assert.equal("invalid_parameter_value", err.code)
    end)

    it("filters: the first page from /search/event/filtered, later ones from /search/event/page", function()
      local q = "event from cloud.audit_logs where cloud.type = 'aws' AND user = 'root'"
      local want = oracle("/search/event", {query = q, limit = 10000})
      assert.is_true(#want > 30)
      local got = drain(client.search:event(EVENT_Q, {filters = {user = "root"}, page_size = 20}))
      assert.same(ids_of(want, "id"), ids_of(got, "id"))
      local first = requests.check(requests.only(srv, "/search/event/filtered"), "search-events-filtered")
      assert.same({{name = "user", operator = "=", value = "root"}}, body_of(first).filters)
      local later = srv.requests("/search/event/page")
      assert.equal(math.ceil(#want / 20) - 1, #later)
      for _, entry in ipairs(later) do requests.check(entry, "search-events-page") end
      local item, err = client.search:event(EVENT_Q, {filters = {colour = "red"}}):next()
      assert.is_nil(item)
      assert.equal(400, err.status)
    end)

    it("event_aggregate counts the events by service and user", function()
      local want = oracle("/search/event", {query = EVENT_Q, limit = 10000})
      local res = assert(client.search:event_aggregate(EVENT_Q, {time_range = "1y"}))
      local b = body_of(requests.check(requests.only(srv, "/search/event/aggregate"), "search-events-aggregated"))
      assert.same({type = "relative", value = {amount = 1, unit = "year"}}, b.timeRange)
      local total, counted = 0, {}
      for _, g in ipairs(res.data) do total = total + g.events end
      for _, e in ipairs(want) do
        local key = e.source .. "/" .. e.subject
        counted[key] = (counted[key] or 0) + 1
      end
      assert.equal(#want, total)
      for _, g in ipairs(res.data) do assert.equal(counted[g.service .. "/" .. g.user], g.events) end
    end)

    it("event_raw: one event by id with its raw record; an unknown id is nil, err (404)", function()
      local e = assert(client.search:event(EVENT_Q, {max_items = 1}):next())
      srv.clear()
      local raw = assert(client.search:event_raw(e.id))
      requests.check(requests.only(srv, "/search/event/raw/" .. e.id), "search-events-raw")
      assert.equal(e.name, raw.rawEvent.eventName)
      assert.equal(e.eventTs, raw.eventTs)
      local none, err = client.search:event_raw(1)
      assert.is_nil(none)
      assert.equal(404, err.status)
      assert.equal("not_found", err.code)
      assert.has_error(function() client.search:event_raw("x") end,
        "bad argument #1 to 'event_raw' (event id expected, got string)")
    end)

    it("event_pages walks the pages", function()
      local n, pages = 0, client.search:event_pages(EVENT_Q, {page_size = 200})
      for page in pages do
        n = n + 1
        assert.is_table(page.data and page.data.items or page.items)
      end
      assert.is_true(n >= 2)
    end)
  end)

  describe("iam", function()
    it("walks every page exactly once, first /api/v1/permission then /api/v1/permission/page", function()
      local want = oracle("/api/v1/permission", {query = IAM_Q, limit = 10000})
      assert.is_true(#want > 100)
      local got = drain(client.search:iam(IAM_Q, {page_size = 45}))
      assert.same(ids_of(want, "id"), ids_of(got, "id"))
      check_log("/api/v1/permission", "get-permissions-with-post", "/api/v1/permission/page",
        "get-next-permissions-page-with-post", math.ceil(#want / 45), 45)
      for _, p in ipairs(got) do assert.equal("AWS", p.destCloudType) end
    end)

    it("resumes from a cursor; iam_pages stops at max_pages", function()
      local pages = client.search:iam_pages(IAM_Q, {page_size = 100, max_pages = 1})
      local p1 = assert(pages:next())
      assert.equal(100, #p1.data.items)
      assert.is_nil(pages:next())
      local rest = drain(client.search:iam(IAM_Q, {page_size = 100, cursor = pages:cursor()}))
      assert.equal(p1.data.totalRows - 100, #rest)
    end)

    it("iam_access walks the last accesses of one permission through /api/v1/permission/access/page", function()
      local perm = assert(client.search:iam(IAM_Q, {max_items = 1}):next())
      local status, res = srv.request("POST", "/api/v1/permission/access",
        {permissionId = perm.id, query = IAM_Q, limit = 10000}, {["x-redlock-auth"] = token})
      assert.equal(200, status)
      local want = {}
      for _, a in ipairs(res.data.items) do want[#want + 1] = a.destCloudResourceName end
      table.sort(want)
      srv.clear()
      local got = {}
      for a in client.search:iam_access(perm.id, IAM_Q, {page_size = 4}) do got[#got + 1] = a.destCloudResourceName end
      table.sort(got)
      assert.same(want, got)
      local first = requests.check(requests.only(srv, "/api/v1/permission/access"), "get-permissions-access-with-post")
      assert.same({permissionId = perm.id, query = IAM_Q, limit = 4}, body_of(first))
      local later = srv.requests("/api/v1/permission/access/page")
      assert.equal(math.ceil(#want / 4) - 1, #later)
      for _, entry in ipairs(later) do
        requests.check(entry, "get-next-permissions-access-with-post")
        assert.is_string(body_of(entry).pageToken)
      end
      local item, err = client.search:iam_access("no-such-permission", IAM_Q):next()
      assert.is_nil(item)
      assert.equal(404, err.status)
      assert.has_error(function() client.search:iam_access(perm.id, nil) end,
        "bad argument #2 to 'iam_access' (string expected, got nil)")
    end)

    it("iam_suggest: IAM query autocomplete", function()
      local info = assert(client.search:iam_suggest("config from iam where action."))
      assert.same({"action.name"}, info.suggestions)
      requests.check(requests.only(srv, "/api/v1/suggest"), "get-suggestions-with-post")
    end)

    it("an expired token (another tenant state) is refused as nil, err", function()
      local pages = client.search:iam_pages(IAM_Q, {page_size = 10, max_pages = 1})
      assert(pages:next())
      local cursor = pages:cursor()
      srv.config{seed = 99}
      local item, err = client.search:iam(IAM_Q, {cursor = cursor}):next()
      srv.config{seed = 1}
      assert.is_nil(item)
      assert.equal(400, err.status)
      assert.equal("invalid_parameter_value", err.code)
    end)
  end)

  describe("network and suggest", function()
    it("network: one request (24h by default), the graph in data", function()
      local res = assert(client.search:network("network from vpc.flow_record where protocol = 'TCP'"))
      assert.equal("network", res.searchType)
      assert.is_true(#res.data.connections > 0)
      for _, c in ipairs(res.data.connections) do assert.equal("TCP", c.protocol) end
      local b = body_of(requests.check(requests.only(srv, "/search"), "search-network"))
      assert.same({type = "relative", value = {amount = 24, unit = "hour"}}, b.timeRange)
    end)

    it("network: a bad query is nil, err", function()
      local res, err = client.search:network("network from nowhere")
      assert.is_nil(res)
      assert.equal(400, err.status)
      assert.equal("unsupported_rql_query", err.code)
    end)

    it("for_alert: the search behind a network alert; a config alert is nil, err (404)", function()
      local net = assert(client.alerts:list{policy_type = "network", time_range = "1y", limit = 1}).items[1]
      local config = assert(client.alerts:list{policy_type = "config", time_range = "1y", limit = 1}).items[1]
      srv.clear()
      local res = assert(client.search:for_alert(net.id))
      local entry = requests.check(requests.only(srv, "/search/alert"), "search-for-alert-by-id")
      assert.same({alertId = net.id}, requests.query_of(entry))
      assert.equal("network", res.searchType)
      assert.equal(net.id, res.alertId)
      assert.is_true(#res.data > 0)
      for _, c in ipairs(res.data) do assert.is_string(c.protocol) end
      local none, err = client.search:for_alert(config.id)
      assert.is_nil(none)
      assert.equal(404, err.status)
      assert.equal("not_found", err.code)
    end)

    it("suggest: what may follow a partial query", function()
      local info = assert(client.search:suggest("config from cloud.resource where api."))
      assert.same({"api.name"}, info.suggestions)
      local b = body_of(requests.check(requests.only(srv, "/search/suggest"), "search-suggest"))
      assert.equal("config from cloud.resource where api.", b.query)
      -- the time range the reference requires: the last 24h by default, or the one given
      assert.same({type = "relative", value = {amount = 24, unit = "hour"}}, b.timeRange)
      assert(client.search:suggest("config from cloud.resource where api.", {time_range = "7d"}))
      local log = srv.requests("/search/suggest")
      b = body_of(requests.check(log[#log], "search-suggest"))
      assert.same({type = "relative", value = {amount = 7, unit = "day"}}, b.timeRange)
      assert.has_error(function() client.search:suggest(1) end,
        "bad argument #1 to 'suggest' (string expected, got number)")
      assert.has_error(function() client.search:suggest("config", {timerange = "7d"}) end,
        "unknown option 'timerange' to 'suggest'")
    end)
  end)
end)

describe("saved_searches", function()
  local fx = server.fixture{resources = 300}
  local srv, client
  setup(function() srv, client = fx.srv, fx.client end)

  it("list: the saved searches (system defaults to begin with)", function()
    local list = assert(client.saved_searches:list())
    assert.is_true(#list >= 3)
    for _, s in ipairs(list) do assert.is_true(s.searchModel.saved) end
    local entry = requests.check(requests.only(srv, "/search/history"), "search-history")
    assert.same({filter = "saved"}, requests.query_of(entry))
    assert.has_error(function() client.saved_searches:list{filter = "old"} end,
      "bad option 'filter' to 'list' (saved or recent expected, got old)")
  end)

  it("list and each with filter = 'recent': the searches just run, newest first", function()
    local pages = client.search:config_pages(CONFIG_Q, {max_pages = 1})
    local first = assert(pages:next())
    local recent = assert(client.saved_searches:list{filter = "recent", limit = 5})
    assert.equal(first.id, recent[1].id)
    assert.is_false(recent[1].searchModel.saved)
    local entry = requests.check(srv.requests("/search/history")[1], "search-history")
    assert.same({filter = "recent", limit = "5"}, requests.query_of(entry))
    local n = 0
    for s in client.saved_searches:each{filter = "recent"} do
      n = n + 1
      assert.is_false(s.searchModel.saved)
    end
    assert.is_true(n >= 1)
  end)

  it("create: runs the search once for an id, then saves it under a name", function()
    local s = assert(client.saved_searches:create{name = "aws resources", query = CONFIG_Q, time_range = "7d",
                                                  description = "every AWS resource"})
    assert.is_true(s.saved)
    assert.equal("aws resources", s.name)
    local probe = body_of(requests.check(requests.only(srv, "/search/config"), "search-config"))
    assert.equal(1, probe.limit)
    local save = requests.check(requests.only(srv, "/search/history/" .. s.id), "search-history-manage")
    local b = body_of(save)
    assert.is_true(b.saved)
    assert.equal("config", b.searchType)
    assert.equal(CONFIG_Q, b.query)
    assert.same({type = "relative", value = {amount = 7, unit = "day"}}, b.timeRange)

    local found = assert(client.saved_searches:by_name("aws resources"))
    assert.equal(s.id, found.id)
    local got = assert(client.saved_searches:get(s.id))
    requests.check(srv.requests("/search/history/" .. s.id)[2], "search-history-by-id")
    assert.equal(CONFIG_Q, got.query)
    assert.is_nil(client.saved_searches:by_name("no such search"))
  end)

  it("create: a duplicate name is nil, err (400 duplicate_search_name); dry_run sends nothing", function()
    assert(client.saved_searches:create{name = "dup", query = EVENT_Q})
    srv.clear()
    local req = client.saved_searches:create({name = "dup2", query = EVENT_Q}, {dry_run = true})
    assert.equal("/search/event", req.path)
    assert.equal(0, #srv.requests())
    local s, err = client.saved_searches:create{name = "dup", query = EVENT_Q}
    assert.is_nil(s)
    assert.equal(400, err.status)
    assert.equal("duplicate_search_name", err.code)
  end)

  it("run: a saved search runs again with its query, time range and id", function()
    local s = assert(client.saved_searches:create{name = "to run", query = CONFIG_Q, time_range = "1y"})
    srv.clear()
    local got = {}
    for r in assert(client.saved_searches:run(s.id, {page_size = 50})) do got[#got + 1] = r end
    assert.is_true(#got > 50)
    local first = requests.check(srv.requests("/search/config")[1], "search-config")
    local b = body_of(first)
    assert.equal(s.id, b.id)
    assert.equal(CONFIG_Q, b.query)
    assert.same({type = "relative", value = {amount = 1, unit = "year"}}, b.timeRange)
    assert.is_true(#srv.requests("/search/config/page") >= 1)
  end)

  it("run: an event and an IAM saved search use their own paths", function()
    local e = assert(client.saved_searches:create{name = "events", query = EVENT_Q})
    local i = assert(client.saved_searches:create{name = "perms", query = IAM_Q})
    assert.equal("audit_event", assert(client.saved_searches:get(e.id)).searchType)
    srv.clear()
    assert.is_table(assert(client.saved_searches:run(e.id, {max_items = 3})):next())
    assert.equal(1, #srv.requests("/search/event"))
    assert.is_table(assert(client.saved_searches:run(i.id, {max_items = 3})):next())
    assert.equal(1, #srv.requests("/api/v1/permission"))
  end)

  it("update: changes the description, keeping the rest", function()
    local s = assert(client.saved_searches:create{name = "upd", query = CONFIG_Q})
    srv.clear()
    local dry = client.saved_searches:update(s.id, {description = "new"}, {dry_run = true})
    assert.equal("new", dry.body.description)
    assert.equal(1, #srv.requests()) -- only the GET
    local u = assert(client.saved_searches:update(s.id, {description = "changed"}))
    assert.equal("changed", u.description)
    assert.equal("upd", u.name)
    local log = srv.requests("/search/history/" .. s.id)
    requests.check(log[#log], "search-history-manage")
  end)

  it("delete: 204, then get is nil, err (404 not_found); dry_run sends nothing", function()
    local s = assert(client.saved_searches:create{name = "gone", query = CONFIG_Q})
    srv.clear()
    local req = client.saved_searches:delete(s.id, {dry_run = true})
    assert.equal("DELETE", req.method)
    assert.equal(0, #srv.requests())
    assert.is_true(client.saved_searches:delete(s.id))
    requests.check(requests.only(srv, "/search/history/" .. s.id), "search-history-delete")
    local got, err = client.saved_searches:get(s.id)
    assert.is_nil(got)
    assert.equal(404, err.status)
    assert.equal("not_found", err.code)
    local ok, err2 = client.saved_searches:run(s.id)
    assert.is_nil(ok)
    assert.equal(404, err2.status)
  end)

  it("a system default search cannot be deleted (403)", function()
    local default
    for _, s in ipairs(assert(client.saved_searches:list())) do
      if s.systemDefault then default = s end
    end
    local ok, err = client.saved_searches:delete(default.id)
    assert.is_nil(ok)
    assert.equal(403, err.status)
  end)

  it("raises on misuse", function()
    assert.has_error(function() client.saved_searches:get(nil) end, "bad argument #1 to 'get' (id expected, got nil)")
    assert.has_error(function() client.saved_searches:create{query = CONFIG_Q} end,
      "bad argument #1 to 'create' (name expected, got nil)")
    assert.has_error(function() client.saved_searches:run(42) end,
      "bad argument #1 to 'run' (search id or table expected, got number)")
    assert.equal(0, #srv.requests())
  end)
end)
