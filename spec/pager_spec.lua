-- prismacloud.pager and prismacloud.timerange: the time range model, and lazy
-- pagination against the emulator over real sockets (pages walked exactly once,
-- cursors, max_items, one page alive, the POST {pageToken} form, errors).
local server = require "spec.support.server"
local cjson = require "cjson"
local prismacloud = require "prismacloud"
local pager = require "prismacloud.pager"
local timerange = require "prismacloud.timerange"

describe("timerange", function()
  it("parses relative short forms into the API's JSON shape", function()
    assert.same({type = "relative", value = {amount = 24, unit = "hour"}}, timerange.parse("24h"))
    assert.same({type = "relative", value = {amount = 7, unit = "day"}}, timerange.parse("7d"))
    assert.same({type = "relative", value = {amount = 2, unit = "week"}}, timerange.parse("2w"))
    assert.same({type = "relative", value = {amount = 1, unit = "month"}}, timerange.parse("1mo"))
    assert.same({type = "relative", value = {amount = 3, unit = "year"}}, timerange.parse("3y"))
    assert.same({type = "relative", value = {amount = 5, unit = "day"}}, timerange.parse("5 days"))
    assert.equal("integer", math.type(timerange.parse("24h").value.amount))
  end)

  it("parses absolute and to_now forms", function()
    assert.same({type = "absolute", value = {startTime = 1000, endTime = 2000}},
      timerange.parse{from = 1000, to = 2000})
    assert.same({type = "to_now", value = "epoch"}, timerange.parse("to_now:epoch"))
    assert.same({type = "to_now", value = "login"}, timerange.parse{to_now = "login"})
    assert.same({type = "relative", value = {amount = 3, unit = "day"}}, timerange.parse{amount = 3, unit = "d"})
  end)

  it("passes a ready API table through after validating it", function()
    local ready = {type = "relative", value = {amount = 3, unit = "day"}}
    assert.equal(ready, timerange.parse(ready))
    local to_now = {type = "to_now", value = "day"}
    assert.equal(to_now, timerange.parse(to_now))
    assert.has_error(function() timerange.parse{type = "relative", value = {amount = 3, unit = "fortnight"}} end)
    assert.has_error(function() timerange.parse{type = "absolute", value = {startTime = 5, endTime = 1}} end)
    assert.has_error(function() timerange.parse{type = "sideways"} end)
  end)

  it("refuses a ready table whose numbers are not integers, with a clean error (found by fuzz/lua_fuzz.lua)", function()
    for _, v in ipairs{
      {type = "absolute", value = {startTime = "5", endTime = 10}},  -- once: attempt to compare
      {type = "absolute", value = {startTime = 0, endTime = "5"}},
      {type = "absolute", value = {startTime = 1.0, endTime = 2.0}}, -- returned as is: floats would reach the API
      {type = "relative", value = {amount = "24", unit = "day"}},
      {type = "relative", value = {amount = 24.0, unit = "day"}},
      {from = "1000", to = "2000"}, {amount = "3", unit = "d"},
    } do
      for _, f in ipairs{timerange.parse, timerange.query, timerange.future} do
        local ok, err = pcall(f, v)
        assert.is_false(ok)
        assert.matches("bad time range table", err)
      end
    end
  end)

  it("raises errors that name the bad value", function()
    local function message(v)
      local ok, err = pcall(timerange.parse, v)
      assert.is_false(ok)
      return err
    end
    assert.matches("bad time range '3x' %(unknown unit 'x'", message("3x"))
    assert.matches("bad time range '30m' %(the API has no minute unit", message("30m"))
    assert.matches("bad time range '0d' %(amount must be a positive integer", message("0d"))
    assert.matches("bad time range 'to_now:never'", message("to_now:never"))
    assert.matches("bad time range 'soon'", message("soon"))
    assert.matches("bad time range number", message(5))
    assert.matches("from is after to", message({from = 10, to = 5}))
    assert.matches("integer milliseconds", message({from = 1.5, to = 5}))
  end)

  it("gives the query-parameter form for GET endpoints", function()
    assert.same({timeType = "relative", timeAmount = 7, timeUnit = "day"}, timerange.query("7d"))
    assert.same({timeType = "absolute", startTime = 1, endTime = 2}, timerange.query{from = 1, to = 2})
    assert.same({timeType = "to_now", timeUnit = "login"}, timerange.query("to_now:login"))
    assert.has_error(function() timerange.query("x") end)
  end)

  it("gives dismissal (future) ranges", function()
    assert.same({type = "relative", value = {amount = 3, unit = "day"}}, timerange.future("3d"))
    assert.same({type = "absolute", value = {endTime = 99}}, timerange.future{["until"] = 99})
    assert.has_error(function() timerange.future("to_now:login") end)
  end)
end)

describe("pager", function()
  local srv, client

  setup(function()
    srv = server.start{alerts = 500}
    client = prismacloud.new{url = srv.url, access_key = "test-key", secret_key = "test-secret",
                             backoff_base = 0.01, backoff_cap = 0.05}
  end)

  teardown(function()
    if client then client:close() end
    if srv then srv.stop() end
  end)

  before_each(function() srv.clear() end)

  local function walk(iter)
    local ids, seen, dup = {}, {}, 0
    for a in iter do
      if seen[a.id] then dup = dup + 1 end
      seen[a.id] = true
      ids[#ids + 1] = a.id
    end
    return ids, seen, dup
  end

  it("walks a multi-page alert listing exactly once", function()
    local it = client.alerts:each{page_size = 50}
    local ids, _, dup = walk(it)
    assert.equal(500, #ids)
    assert.equal(0, dup)
    assert.equal(500, it.total)
    assert.equal(10, #srv.requests("/v2/alert"))
    assert.is_nil(it:cursor())
  end)

  it("walks a filtered listing: as many as the count endpoint says", function()
    local open = assert(client.alerts:count("open"))
    local ids, _, dup = walk(client.alerts:each{status = "open", page_size = 40})
    assert.equal(open, #ids)
    assert.equal(0, dup)
  end)

  it("sends only {pageToken} in a POST body for later pages, never in a URL", function()
    walk(client.alerts:each{status = {"open", "resolved"}, severity = {"high", "medium", "low"},
                           time_range = "1y", page_size = 30})
    local log = srv.requests("/v2/alert")
    assert.is_true(#log > 2)
    for i, r in ipairs(log) do
      assert.is_nil((r.rawquery or ""):find("pageToken", 1, true))
      if i > 1 then
        assert.equal("POST", r.method)
        local body = cjson.decode(r.body)
        local keys = {}
        for k in pairs(body) do keys[#keys + 1] = k end
        assert.same({"pageToken"}, keys)
        assert.equal("string", type(body.pageToken))
      end
    end
  end)

  it("marks later pages idempotent: a 500 on one is retried", function()
    local it = client.alerts:each{page_size = 100}
    for _ = 1, 100 do assert.is_table(it:next()) end
    srv.fault{path = "/v2/alert", method = "POST", status = 500, times = 1}
    local n = 100
    for _ in it do n = n + 1 end
    assert.equal(500, n)
    assert.equal(6, #srv.requests("/v2/alert")) -- 5 pages and one retry
  end)

  it("stops at max_items without fetching more pages", function()
    local ids = walk(client.alerts:each{page_size = 50, max_items = 30})
    assert.equal(30, #ids)
    assert.equal(1, #srv.requests("/v2/alert"))
    ids = walk(client.alerts:each{page_size = 50, max_items = 120})
    assert.equal(120, #ids)
    assert.equal(1 + 3, #srv.requests("/v2/alert"))
    -- :next() stops at the same place, mid-page, and stays stopped
    local it = client.alerts:each{page_size = 50, max_items = 70}
    for i = 1, 70 do assert.is_table(it:next(), "item " .. i) end
    assert.is_nil(it:next())
    assert.is_nil(it:next())
    assert.equal(1 + 3 + 2, #srv.requests("/v2/alert"))
  end)

  it("keeps next_token and total current as pages are fetched, mixing :next() and a for-loop", function()
    local it = client.alerts:each{page_size = 50}
    assert.is_nil(it.next_token) -- nothing fetched yet
    assert.is_nil(it.total)
    local first = it:next()
    assert.is_table(first)
    local token1 = it.next_token
    assert.equal("string", type(token1))
    assert.equal(500, it.total)
    for _ = 2, 50 do it:next() end
    assert.equal(token1, it:cursor()) -- still on page 1
    local n = 50
    for _ in it do
      n = n + 1
      if n == 51 then assert.is_true(it.next_token ~= token1, "page 2 has a token of its own") end
    end
    assert.equal(500, n)
    assert.is_nil(it.next_token)
    assert.is_nil(it:next())
  end)

  it("resumes from a cursor", function()
    local first = client.alerts:each{page_size = 50, max_items = 100}
    local a = walk(first)
    local token = first:cursor()
    assert.equal("string", type(token))
    assert.equal(token, first.next_token)
    local second = client.alerts:each{cursor = token}
    local b = walk(second)
    assert.equal(100, #a)
    assert.equal(400, #b)
    local all = {}
    for _, id in ipairs(a) do all[id] = true end
    for _, id in ipairs(b) do
      assert.is_nil(all[id])
      all[id] = true
    end
    local n = 0
    for _ in pairs(all) do n = n + 1 end
    assert.equal(500, n)
  end)

  it("keeps only one page alive", function()
    local weak = setmetatable({}, {__mode = "v"})
    local it = client.alerts:each{page_size = 50}
    for i = 1, 50 do weak[i] = it:next() end
    for _ = 1, 120 do it:next() end -- now on page 4
    collectgarbage("collect")
    collectgarbage("collect")
    assert.is_nil(next(weak))

    local pages = client.alerts:pages{page_size = 50}
    local weak_pages = setmetatable({}, {__mode = "v"})
    weak_pages[1] = pages:next()
    pages:next()
    collectgarbage("collect")
    collectgarbage("collect")
    assert.is_nil(weak_pages[1])
  end)

  it("pages(): nil, err from :next(), a raised prismacloud.Error in a for-loop", function()
    local pages = client.alerts:pages{page_size = 100}
    assert.is_table(pages:next())
    srv.fault{path = "/v2/alert", method = "POST", status = 400, times = 1}
    local page, err = pages:next()
    assert.is_nil(page)
    assert.is_true(prismacloud.is_error(err))
    assert.equal("invalid_request", err.kind)
    assert.is_nil(pages:next()) -- done after a failure

    srv.clear()
    local loop = client.alerts:pages{page_size = 100}
    local n = 0
    local ok, raised = pcall(function()
      for _ in loop do
        n = n + 1
        if n == 2 then srv.fault{path = "/v2/alert", method = "POST", status = 404, times = 1} end
      end
    end)
    assert.is_false(ok)
    assert.is_true(prismacloud.is_error(raised))
    assert.equal("not_found", raised.kind)
    assert.equal(2, n)
  end)

  it("each(): a for-loop raises the error object; :next() returns nil, err", function()
    srv.fault{path = "/v2/alert", status = 403, times = 1}
    local ok, raised = pcall(function()
      for _ in client.alerts:each{} do end
    end)
    assert.is_false(ok)
    assert.is_true(prismacloud.is_error(raised))
    assert.equal("forbidden", raised.kind)
    assert.matches("forbidden", tostring(raised))
    srv.fault{path = "/v2/alert", status = 403, times = 1}
    local item, err = client.alerts:each{}:next()
    assert.is_nil(item)
    assert.equal("forbidden", err.kind)
  end)

  it("the generic token style pages POST and GET endpoints", function()
    local post = pager.items(client, pager.token{op = "post-alerts-v2"}, {page_size = 100})
    local ids, _, dup = walk(post)
    assert.equal(500, #ids)
    assert.equal(0, dup)
    srv.clear()
    local get = pager.items(client, pager.token{op = "get-alerts-v2",
      query = {timeType = "relative", timeAmount = 10, timeUnit = "year", detailed = false}}, {page_size = 200})
    ids, _, dup = walk(get)
    assert.equal(500, #ids)
    assert.equal(0, dup)
    local log = srv.requests("/v2/alert")
    assert.equal(3, #log)
    assert.matches("pageToken=", log[2].rawquery)
  end)

  it("the single style makes one request", function()
    local it = pager.items(client, pager.single{op = "get-account-groups"})
    local n = 0
    for g in it do
      n = n + 1
      assert.is_string(g.id)
    end
    assert.is_true(n > 0)
    assert.equal(1, #srv.requests("/cloud/group"))
  end)

  it("every paging style names its operation: an unknown id raises, and no family holds a literal API path", function()
    assert.has_error(function() pager.single{op = "get-nothing"} end, "unknown operation 'get-nothing'")
    assert.has_error(function() pager.token{op = "get-nothing"} end, "unknown operation 'get-nothing'")
    assert.has_error(function() pager.continued{first = function() end, next_op = "get-nothing"} end,
      "unknown operation 'get-nothing'")
    local gen = require "tools.gen_docs"
    for _, fam in ipairs(gen.families(".")) do
      for n, line in ipairs(gen.parse(fam.file).lines) do
        local code = line:gsub("%-%-.*$", "")
        for literal in code:gmatch("([\"'][^\"']*[\"'])") do
          assert(not literal:find("^.%/%a"), ("%s:%d: a literal API path %s (name its operation)"):format(fam.file, n,
            literal))
        end
      end
    end
  end)

  it("rejects bad pager options", function()
    assert.has_error(function() client.alerts:each{max_items = 0} end,
      "pager option 'max_items' must be a positive integer")
    assert.has_error(function() pager.items(client, pager.single{op = "get-cloud-accounts"}, {bogus = 1}) end,
      "unknown pager option 'bogus'")
  end)
  it("raises a clear error when the client is closed during iteration", function()
    local c = prismacloud.new{url = srv.url, access_key = "test-key", secret_key = "test-secret"}
    local seen = 0
    local ok, err = pcall(function()
      for _ in c.alerts:each{status = "open", limit = 10} do
        seen = seen + 1
        if seen == 5 then c:close() end
      end
    end)
    assert.is_false(ok)
    assert.matches("closed client", tostring(err))
    assert.equal(10, seen) -- the page in hand is finished, the next fetch refuses
    collectgarbage()
    collectgarbage()
  end)
end)
