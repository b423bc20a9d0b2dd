-- The operation catalog: the generated file against the OpenAPI reference,
-- and client:call / client:operations against the emulator (real sockets).
local prismacloud = require "prismacloud"
local catalog = require "prismacloud.catalog"
local operations = require "prismacloud.operations"
local server = require "support.server"
local cjson = require "cjson"

local OPENAPI_DIR = os.getenv("PC_OPENAPI_DIR") or "../shared/reference/openapi"
local GENERATED = "lua/prismacloud/operations.lua"
local METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local shell_quote = require("spec.support.files").shell_quote

local function have_reference()
  return read(OPENAPI_DIR .. "/Alerts.json") ~= nil
end

-- Every OpenAPI document, by file name without ".json".
local function documents()
  local docs = {}
  local p = assert(io.popen("ls -1 " .. shell_quote(OPENAPI_DIR)))
  for name in p:lines() do
    if name:match("%.json$") then docs[name:gsub("%.json$", "")] = cjson.decode(read(OPENAPI_DIR .. "/" .. name)) end
  end
  p:close()
  return docs
end

local function ids()
  local out = {}
  for id in pairs(operations) do out[#out + 1] = id end
  table.sort(out)
  return out
end

local function encode(s)
  return (s:gsub("[^%w%-._~]", function(c) return ("%%%02X"):format(c:byte()) end))
end

local function decode(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

-- rawquery -> {name = {values...}} with every name and value decoded.
local function parse_query(raw)
  local out = {}
  for pair in (raw or ""):gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=?(.*)$")
    k, v = decode(k), decode(v)
    out[k] = out[k] or {}
    table.insert(out[k], v)
  end
  for _, list in pairs(out) do table.sort(list) end
  return out
end

local function text(v)
  if math.type(v) == "integer" then return ("%d"):format(v) end
  return tostring(v)
end

-- A valid value for a query parameter of the catalog.
local function sample_value(p)
  local one
  if p.enum then one = p.enum[#p.enum]
  elseif p.type == "boolean" then one = true
  elseif p.type == "integer" or p.type == "number" then one = 7
  else one = "q v&=/" .. p.name end
  if p.array then
    return {one, p.enum and p.enum[1] or "second"}
  end
  return one
end

-- Arguments for op: every path parameter (awkward bytes included), its
-- required query parameters and the first optional one, required headers,
-- a body when it takes one. Returns args, expected path, expected query.
local function sample_args(id, op)
  local args, expected_query = {}, {}
  local params = op.params or {}
  for _, p in ipairs(params.path or {}) do
    args[p.name] = p.enum and p.enum[1] or ("v " .. p.name .. "/%ä?#")
  end
  local path = op.path:gsub("{([^}]+)}", function(name) return encode(text(args[name])) end)
  local query, optional_done = {}, false
  for _, p in ipairs(params.query or {}) do
    if p.required or not optional_done then
      if not p.required then optional_done = true end
      local v = sample_value(p)
      query[p.name] = v
      local list = {}
      for _, x in ipairs(type(v) == "table" and v or {v}) do list[#list + 1] = text(x) end
      table.sort(list)
      expected_query[p.name] = list
    end
  end
  if next(query) then args.query = query end
  for _, p in ipairs(params.header or {}) do
    if p.required and p.name:lower() ~= "x-redlock-auth" then
      args.headers = args.headers or {}
      args.headers[p.name] = "h-" .. p.name
    end
  end
  if op.body then args.body = {probe = id} end
  return args, path, expected_query
end

describe("operations.lua (generated)", function()
  it("is what tools/gen_operations.lua generates from the reference", function()
    if not have_reference() then return pending("no OpenAPI reference at " .. OPENAPI_DIR) end
    local tmp = os.tmpname()
    local ok = os.execute(("lua5.4 tools/gen_operations.lua %s %s > /dev/null"):format(
      shell_quote(OPENAPI_DIR), shell_quote(tmp)))
    local fresh = read(tmp)
    os.remove(tmp)
    assert.is_true(ok)
    assert.truthy(fresh == read(GENERATED),
      GENERATED .. " is stale: run lua5.4 tools/gen_operations.lua " .. OPENAPI_DIR .. " " .. GENERATED)
  end)

  it("--check passes on the committed file and fails on a stale one", function()
    if not have_reference() then return pending("no OpenAPI reference at " .. OPENAPI_DIR) end
    local cmd = "lua5.4 tools/gen_operations.lua --check " .. shell_quote(OPENAPI_DIR) .. " "
    assert.is_true(os.execute(cmd .. GENERATED .. " > /dev/null 2>&1"))
    local tmp = os.tmpname()
    local f = assert(io.open(tmp, "wb"))
    f:write((read(GENERATED):gsub('summary = "List Alerts V2 %- GET"', 'summary = "stale"')))
    f:close()
    local p = io.popen(cmd .. shell_quote(tmp) .. " 2>&1; echo rc=$?")
    local out = p:read("a")
    p:close()
    os.remove(tmp)
    assert.matches("rc=1", out, 1, true)
    assert.matches("is stale: 1 of", out, 1, true)
  end)

  it("holds 545 operations, one per (path, method) of the reference", function()
    assert.equal(545, catalog.count())
    if not have_reference() then return end
    local pairs_seen, index = 0, {}
    for _, id in ipairs(ids()) do
      local op = operations[id]
      index[op.method .. " " .. op.path .. " " .. op.file] = id
    end
    for file, doc in pairs(documents()) do
      for path, item in pairs(doc.paths) do
        for _, m in ipairs(METHODS) do
          if item[m] then
            pairs_seen = pairs_seen + 1
            assert.truthy(index[m:upper() .. " " .. path .. " " .. file], ("%s %s (%s) missing"):format(m, path, file))
          end
        end
      end
    end
    assert.equal(545, pairs_seen)
  end)

  it("keeps every parameter's name, place, required flag and enum from the reference", function()
    if not have_reference() then return pending("no OpenAPI reference at " .. OPENAPI_DIR) end
    local index = {}
    for _, op in pairs(operations) do index[op.method .. " " .. op.path .. " " .. op.file] = op end
    for file, doc in pairs(documents()) do
      for path, item in pairs(doc.paths) do
        for _, m in ipairs(METHODS) do
          local raw = item[m]
          if raw then
            local op = index[m:upper() .. " " .. path .. " " .. file]
            local expected = {}
            for _, p in ipairs(raw.parameters or {}) do
              if p["$ref"] then
                local node = doc
                for part in p["$ref"]:sub(3):gmatch("[^/]+") do node = node[part] end
                p = node
              end
              local schema = p.schema or {}
              local enum = schema.enum or (schema.items or {}).enum
              local got_enum
              if enum then
                got_enum = {}
                for i, v in ipairs(enum) do got_enum[i] = tostring(v) end
              end
              expected[p["in"]] = expected[p["in"]] or {}
              table.insert(expected[p["in"]], {name = p.name, required = p.required == true, enum = got_enum})
            end
            for _, where in ipairs{"path", "query", "header"} do
              local got = {}
              for i, p in ipairs(op.params and op.params[where] or {}) do
                local e
                if p.enum then
                  e = {}
                  for j, v in ipairs(p.enum) do e[j] = tostring(v) end
                end
                got[i] = {name = p.name, required = p.required == true, enum = e}
              end
              assert.same(expected[where] or {}, got, ("%s %s (%s) %s parameters"):format(m, path, file, where))
            end
            assert.equal(raw.requestBody ~= nil, op.body == true, path)
          end
        end
      end
    end
  end)

  it("describes /v2/alert: method, path, paging, rate limit, idempotency", function()
    local get = catalog.get("get-alerts-v2")
    assert.equal("GET", get.method)
    assert.equal("/v2/alert", get.path)
    assert.equal("Alerts", get.file)
    assert.equal("alert_v2", get.paging)
    assert.equal("query", get.page_token)
    assert.same({rate = 2, burst = 10}, get.rate)
    assert.is_true(get.idempotent)
    local post = catalog.get("post-alerts-v2")
    assert.equal("POST", post.method)
    assert.equal("alert_v2", post.paging)
    assert.equal("body", post.page_token)
    assert.is_true(post.idempotent)
    assert.is_true(post.body)
  end)

  it("marks the paging styles of the other families", function()
    assert.equal("config_page", catalog.get("search-config").paging)
    assert.equal("/search/config", catalog.get("search-config").path)
    assert.equal("event_page", catalog.get("search-events").paging)
    assert.equal("iam_page", catalog.get("get-permissions-with-post").paging)
    assert.equal("token", catalog.get("get-resource-scan-info").paging)
    assert.equal("query", catalog.get("get-resource-scan-info").page_token)
    assert.equal("token", catalog.get("search-config-page").paging)
    assert.is_nil(catalog.get("save-asset-inventory-filter").paging) -- a write with a pageToken field
    -- a read whose body takes a pageToken but whose answer holds none is not paged
    assert.is_nil(catalog.get("post-compliance-posture").paging)
    assert.is_nil(catalog.get("post-alerts").paging)
    -- an answer whose token is called pageToken is
    assert.equal("token", catalog.get("getCreditAllocationRules").paging)
  end)

  it("has path parameters, required query parameters and enums", function()
    local alert = catalog.get("get-alert")
    assert.equal("/alert/{id}", alert.path)
    assert.same({{name = "id", required = true, type = "string"}}, alert.params.path)
    assert.same({rate = 5, burst = 10}, alert.rate)
    local v2 = catalog.get("get-alerts-v2").params.query
    assert.same({name = "timeType", required = true, type = "string", enum = {"relative"}}, v2[1])
    assert.same({"minute", "hour", "day", "week", "month", "year"}, v2[3].enum)
    local cve = catalog.get("cve-overview")
    local asset_type
    for _, p in ipairs(cve.params.query) do if p.name == "asset_type" then asset_type = p end end
    assert.is_true(asset_type.array)
    assert.truthy(#asset_type.enum > 1)
  end)

  it("parses rate limits per minute", function()
    assert.same({rate = 80, period = 60}, catalog.get("bulkExportResourceArchives").rate)
  end)

  it("marks reads idempotent and writes not", function()
    assert.is_true(catalog.get("search-config").idempotent)
    assert.is_true(catalog.get("search-events").idempotent)
    assert.is_true(catalog.get("search-network").idempotent)
    assert.is_true(catalog.get("post-alerts").idempotent)
    assert.is_true(catalog.get("get-alert-count").idempotent)
    assert.is_false(catalog.get("add-account-group").idempotent)
    assert.is_false(catalog.get("dismiss-alerts").idempotent)
    assert.is_false(catalog.get("submit-job-for-listing-alerts").idempotent)
    for _, id in ipairs(ids()) do
      local op = operations[id]
      if op.method == "GET" then assert.is_true(op.idempotent, id) end
      if op.method == "PUT" or op.method == "DELETE" or op.method == "PATCH" then assert.is_false(op.idempotent, id) end
    end
  end)

  it("makes duplicate and missing operationIds unique, keeping the original", function()
    assert.is_nil(catalog.get("list-reports"))
    assert.equal("list-reports", catalog.get("list-reports-Reports").original_id)
    assert.equal("/report", catalog.get("list-reports-Reports").path)
    assert.equal("list-reports", catalog.get("list-reports-BackgroundJobsMicroService").original_id)
    local derived = catalog.get("post-appid-search-api-v1-app")
    assert.equal("POST", derived.method)
    assert.equal("/appid/search/api/v1/app", derived.path)
    assert.is_nil(derived.original_id)
    for _, id in ipairs(ids()) do assert.matches("^[%w_.%-]+$", id) end
  end)
end)

describe("client:operations", function()
  local client
  setup(function() client = prismacloud.new{url = "http://127.0.0.1:9", token = "t"} end)
  teardown(function() client:close() end)

  it("lists every operation sorted by id without a pattern", function()
    local all = client:operations()
    assert.equal(545, #all)
    for i = 2, #all do assert.truthy(all[i - 1].id < all[i].id) end
    local first = all[1]
    assert.same({id = first.id, method = operations[first.id].method, path = operations[first.id].path,
      summary = operations[first.id].summary}, first)
  end)

  it("matches a Lua pattern against id, path or summary", function()
    local by_id = client:operations("^get%-alert")
    assert.truthy(#by_id >= 3)
    for _, op in ipairs(by_id) do assert.matches("^get%-alert", op.id) end
    local by_path = client:operations("^/v2/alert$")
    assert.same({"get-alerts-v2", "post-alerts-v2"}, {by_path[1].id, by_path[2].id})
    local by_summary = client:operations("Perform Config Search")
    assert.truthy(#by_summary >= 1)
    for _, op in ipairs(by_summary) do assert.matches("Perform Config Search", op.summary, 1, true) end
  end)

  it("falls back to a plain substring for a malformed pattern", function()
    assert.same({}, client:operations("(%"))
    local list = client:operations("[Alerts")
    assert.same({}, list)
    local plain = client:operations("/alert/{id}")
    assert.truthy(#plain >= 1)
  end)

  local function ids_of(list)
    local out = {}
    for i, op in ipairs(list) do out[i] = op.id end
    return out
  end

  it("finds text and patterns without regard to case", function()
    local want = {"add-alert-rule", "delete-alert-rule", "get-alert-rule", "get-alert-rules-v2", "update-alert-rule"}
    for _, needle in ipairs{"alert rule", "Alert Rule", "ALERT RULE", "aLeRt RuLe"} do
      assert.same(want, ids_of(client:operations(needle)), needle)
    end
    assert.same(ids_of(client:operations("^get%-alert")), ids_of(client:operations("^GET%-ALERT")))
    assert.same(ids_of(client:operations("perform config search")), ids_of(client:operations("Perform Config Search")))
    -- a class keeps its meaning: %S is not lowered to %s
    assert.same(ids_of(client:operations("^get%-alerts%-v2$")), ids_of(client:operations("^GET%-ALERTS%-V%d$")))
    assert.same({"get-alert-rules-v2"}, ids_of(client:operations("^get%-alert%-rule%S")))
    -- an id with dashes is found as text even where the dash means something in a pattern
    assert.same({"get-alert-rule", "get-alert-rules-v2"}, ids_of(client:operations("Get-Alert-Rule")))
  end)

  it("is the CLI's search: `prismacloud operations TEXT` lists the same operations", function()
    for _, needle in ipairs{"alert rule", "Alert Rule", "^get%-alert", "/alert/{id}", "[Alerts", "get-alert-rule"} do
      local p = io.popen(("env -u PC_URL LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./?.so;;' "
        .. "lua5.4 bin/prismacloud operations %s -o csv --columns id 2>&1"):format(
          require("spec.support.files").shell_quote(needle)))
      local out = p:read("a")
      p:close()
      local got = {}
      for line in out:gmatch("[^\r\n]+") do -- CSV lines end in CRLF
        if line ~= "id" then got[#got + 1] = line end
      end
      assert.same(ids_of(client:operations(needle)), got, needle)
    end
  end)
end)

describe("client:call", function()
  local srv, client

  setup(function()
    srv = server.start{}
    client = prismacloud.new{url = srv.url, token = "t", retries = 0}
  end)

  teardown(function()
    if client then client:close() end
    if srv then srv.stop() end
  end)

  before_each(function() srv.clear() end)

  -- Calls id with generated arguments; asserts what the emulator received.
  local function check_sent(id)
    local op = operations[id]
    local args, path, expected_query = sample_args(id, op)
    client:call(id, args)
    local log = srv.requests()
    assert.equal(1, #log, id .. ": requests sent")
    local sent = log[1]
    assert.equal(op.method, sent.method, id)
    assert.equal(path, sent.path, id)
    assert.same(expected_query, parse_query(sent.rawquery), id .. " query")
    if args.body then assert.same({probe = id}, cjson.decode(sent.body)) end
    for name, value in pairs(args.headers or {}) do assert.equal(value, sent.headers[name:lower()], id) end
    srv.clear()
  end

  it("takes the request options of the core's one list, output among them (the answer streams to a file)", function()
    for _, name in ipairs(require("prismacloud.core").request_options) do
      local value = ({query = {}, headers = {}, body = {}})[name] or 1
      local req = catalog.prepare("get-alert-count", {status = "open", [name] = value})
      assert.equal(value, req.options[name], name)
    end
    assert.error_matches(function() catalog.prepare("get-alert-count", {status = "open", outptu = "x"}) end,
      "has no path parameter or option 'outptu'")
    local path = os.tmpname()
    finally(function() os.remove(path) end)
    local c <close> = prismacloud.new{url = srv.url, access_key = "test-key", secret_key = "test-secret"}
    assert.is_true(c:call("get-alert-count", {status = "open", output = path}))
    assert.equal(200, c:last_response().status)
    local count = cjson.decode(read(path)).count
    assert.equal("number", type(count))
    assert.equal(1, #srv.requests("/alert/count/open"))
  end)

  it("sends a sample of operations of every family as the catalog says", function()
    local per_file = {}
    for _, id in ipairs(ids()) do
      local file = operations[id].file
      if not per_file[file] then per_file[file] = id end
    end
    local n = 0
    for _, id in pairs(per_file) do
      check_sent(id)
      n = n + 1
    end
    for _, id in ipairs{"get-alerts-v2", "post-alerts-v2", "search-config", "get-permissions-with-post",
                        "bulkExportResourceArchives", "cve-overview", "addClusterInfo"} do
      check_sent(id)
      n = n + 1
    end
    assert.truthy(n >= 30)
  end)

  it("fills and encodes the path of every operation with path parameters", function()
    local n = 0
    for _, id in ipairs(ids()) do
      if operations[id].path:find("{", 1, true) then
        check_sent(id)
        n = n + 1
      end
    end
    assert.truthy(n > 200)
  end)

  it("percent-encodes a path parameter instead of splitting the path", function()
    client:call("get-alert", {id = "a/b c%2F"})
    local log = srv.requests()
    assert.equal(1, #log)
    assert.equal("/alert/a%2Fb%20c%252F", log[1].path)
    client:call("get-alert", {id = 42})
    assert.equal("/alert/42", srv.requests()[2].path)
  end)

  it("never lets a '.' or '..' path parameter become a dot segment (issue 13, finding 8)", function()
    -- a server whose root answers DELETE with 200: a request that escaped its
    -- segment would reach it and look like a success
    srv.fault{path = "/", method = "DELETE", status = 200, body = "{}", times = 100,
              headers = {["Content-Type"] = "application/json"}}
    local cases = {
      {function() return client.policies:delete("..") end, "/policy/%2E%2E"},
      {function() return client:call("delete-policy", {id = ".."}) end, "/policy/%2E%2E"},
      {function() return client.policies:delete(".") end, "/policy/%2E"},
      {function() return client:call("get-alert", {id = "..."}) end, "/alert/%2E%2E%2E"},
    }
    for _, case in ipairs(cases) do
      srv.clear_requests()
      local body, err = case[1]()
      assert.is_nil(body, "a dot segment reached another path and was taken for a success")
      assert.truthy(prismacloud.is_error(err))
      local log = srv.requests()
      assert.equal(1, #log)
      assert.equal(case[2], log[1].path)
      assert.equal(0, #srv.requests("/"))
    end
    assert.equal("%2E%2E", catalog.encode_segment(".."))
    assert.equal("%2E", catalog.encode_segment("."))
    assert.equal("a..b", catalog.encode_segment("a..b")) -- not a dot segment: left alone
    assert.equal(".a", catalog.encode_segment(".a"))
  end)

  it("returns what client:send returns", function()
    local body, err = client:call("get-alert", {id = "x"})
    assert.is_nil(body)
    assert.truthy(prismacloud.is_error(err))
    assert.equal("GET", err.method)
  end)

  it("sets idempotent from the catalog (a 500 is retried only for reads)", function()
    local c = prismacloud.new{url = srv.url, token = "t", retries = 1, backoff_base = 0, backoff_cap = 0}
    srv.fault{path = "/v2/alert", status = 500, times = 1}
    c:call("post-alerts-v2", {body = {}})
    assert.equal(2, #srv.requests("/v2/alert"))
    srv.clear()
    srv.fault{path = "/cloud/group", status = 500, times = 1}
    c:call("add-account-group", {body = {name = "g"}})
    assert.equal(1, #srv.requests("/cloud/group"))
    srv.clear()
    srv.fault{path = "/cloud/group", status = 500, times = 1}
    c:call("add-account-group", {body = {name = "g"}, idempotent = true}) -- the caller may override
    assert.equal(2, #srv.requests("/cloud/group"))
    c:close()
  end)

  it("passes request options through", function()
    local res_attempts
    local c = prismacloud.new{url = srv.url, token = "t", retries = 3, backoff_base = 0, backoff_cap = 0}
    srv.fault{path = "/alert/x", status = 503, times = 3}
    local _, err = c:call("get-alert", {id = "x", retries = 0, timeout = 5})
    res_attempts = err.attempts
    assert.equal(1, res_attempts)
    c:close()
  end)

  describe("raises, sending nothing,", function()
    after_each(function() assert.same({}, srv.requests()) end)

    it("for an unknown operation, suggesting close ones", function()
      assert.has_error(function() client:call("get-alertz") end,
        "unknown operation 'get-alertz'; did you mean 'get-alert', 'get-alerts'?")
      local ok, err = pcall(client.call, client, "no-such-thing-at-all")
      assert.is_false(ok)
      assert.matches("unknown operation 'no-such-thing-at-all'", err, 1, true)
      assert.has_error(function() client:call(42) end)
    end)

    it("for a huge unknown id, with bounded work and a short message (issue 13, finding 21)", function()
      -- Work is counted in Lua VM instructions (a count hook), not in time: the
      -- hook raises once suggest() has run more than BUDGET of them. A normal
      -- typo needs well under a million; the old unbounded edit distance needed
      -- hundreds of millions for a 4,000-character id.
      local BUDGET = 3000000
      local function bounded(f, ...)
        local co = coroutine.create(f)
        debug.sethook(co, function() error("suggest did more than " .. BUDGET .. " VM instructions", 2) end,
          "", BUDGET)
        local res = table.pack(coroutine.resume(co, ...))
        assert(res[1], res[2])
        return table.unpack(res, 2, res.n)
      end
      assert.same({"get-alert", "get-alerts"}, bounded(catalog.suggest, "get-alertz"))
      for _, n in ipairs{300, 4000, 100000} do
        local id = ("get-alertz"):rep(n // 10)
        assert.same({}, bounded(catalog.suggest, id))
        local ok, err = bounded(pcall, client.call, client, id)
        assert.is_false(ok)
        assert.matches("unknown operation 'get%-alertz", err)
        assert.is_true(#err < 300, "the message holds the whole id: " .. #err .. " bytes")
        assert.matches(("(%d bytes)"):format(#id), err, 1, true)
      end
    end)

    it("for a missing path parameter, naming it", function()
      local ok, err = pcall(client.call, client, "get-alert", {})
      assert.is_false(ok)
      assert.matches("missing path parameter 'id'", err, 1, true)
      ok, err = pcall(client.call, client, "get-alert", {id = ""})
      assert.is_false(ok)
      assert.matches("path parameter 'id' must be", err, 1, true)
      ok, err = pcall(client.call, client, "get-alert", {id = {}})
      assert.is_false(ok)
      assert.matches("path parameter 'id'", err, 1, true)
    end)

    it("for a missing required query parameter, naming it", function()
      local ok, err = pcall(client.call, client, "get-alerts-v2", {query = {timeType = "relative"}})
      assert.is_false(ok)
      assert.matches("missing required query parameter 'timeAmount'", err, 1, true)
      ok, err = pcall(client.call, client, "get-alerts-v2")
      assert.is_false(ok)
      assert.matches("missing required query parameter 'timeType'", err, 1, true)
    end)

    it("for a query value outside its enum, naming the parameter and the allowed values", function()
      local ok, err = pcall(client.call, client, "get-alerts-v2",
        {query = {timeType = "relative", timeAmount = "1", timeUnit = "fortnight", detailed = false}})
      assert.is_false(ok)
      assert.matches("query parameter 'timeUnit' is 'fortnight'", err, 1, true)
      assert.matches("allowed values: minute, hour, day, week, month, year", err, 1, true)
      local args = sample_args("cve-overview", operations["cve-overview"])
      args.query.asset_type = {"bogus"}
      ok, err = pcall(client.call, client, "cve-overview", args)
      assert.is_false(ok)
      assert.matches("query parameter 'asset_type' is 'bogus'", err, 1, true)
    end)

    it("for an unknown query parameter, naming it and the operation", function()
      local ok, err = pcall(client.call, client, "get-alert", {id = "x", query = {nope = 1}})
      assert.is_false(ok)
      assert.matches("operation 'get-alert' has no query parameter 'nope'", err, 1, true)
      ok, err = pcall(client.call, client, "get-account-groups", {query = {x = 1}})
      assert.is_false(ok)
      assert.matches("operation 'get-account-groups' has no query parameter 'x'", err, 1, true)
    end)

    it("for an argument that is neither a path parameter nor an option", function()
      local ok, err = pcall(client.call, client, "get-alert", {id = "x", detailed = true})
      assert.is_false(ok)
      assert.matches("no path parameter or option 'detailed'", err, 1, true)
      assert.has_error(function() client:call("get-alert", "x") end)
    end)

    it("for a path parameter outside its enum", function()
      local ok, err = pcall(client.call, client, "add-cloud-account", {cloud_type = "vax", body = {}})
      assert.is_false(ok)
      assert.matches("path parameter 'cloud_type' is 'vax'; allowed values: alibaba_cloud, oci", err, 1, true)
      assert.equal(0, #srv.requests())
    end)

    it("for a missing required body or header", function()
      local ok, err = pcall(client.call, client, "add-account-group", {})
      assert.is_false(ok)
      assert.matches("requires a body", err, 1, true)
      ok, err = pcall(client.call, client, "addClusterInfo", {body = {}})
      assert.is_false(ok)
      assert.matches("missing required header 'x-prisma-tenant-id'", err, 1, true)
    end)
  end)
end)

describe("dry runs", function()
  local srv, client, dry

  setup(function()
    srv = server.start{}
    client = prismacloud.new{url = srv.url, access_key = "test-key", secret_key = "test-secret", retries = 0}
    dry = prismacloud.new{url = srv.url, access_key = "test-key", secret_key = "test-secret", retries = 0,
                          dry_run = true}
    assert(client:login())
    assert(dry:login())
  end)

  teardown(function()
    if client then client:close() end
    if dry then dry:close() end
    if srv then srv.stop() end
  end)

  before_each(function() srv.clear() end)

  it("client:call with dry_run = true returns the request and sends nothing", function()
    local req = client:call("add-account-group", {body = {name = "g"}, dry_run = true})
    assert.same({method = "POST", path = "/cloud/group", body = {name = "g"}}, req)
    req = client:call("delete-account-group", {id = "a/b", dry_run = true})
    assert.equal("/cloud/group/a%2Fb", req.path)
    assert.equal("DELETE", req.method)
    assert.equal(0, #srv.requests())
  end)

  it("a dry run still checks the arguments against the catalog", function()
    assert.error_matches(function() client:call("add-account-group", {dry_run = true}) end, "requires a body")
    assert.error_matches(function() client:call("delete-account-group", {dry_run = true}) end,
      "missing path parameter 'id'")
    local verbs = require "prismacloud.verbs"
    assert.error_matches(function() verbs.request_for("get-alert", {id = "x", nope = 1}) end,
      "no path parameter or option 'nope'")
    assert.error_matches(function() client.policies:create(nil, {dry_run = true}) end, "create")
    assert.equal(0, #srv.requests())
  end)

  it("a client made with dry_run = true reads but does not write", function()
    local groups = assert(dry:call("get-account-groups"))
    assert.is_true(#groups > 0)
    local req = assert(dry:call("add-account-group", {body = {name = "dry"}}))
    assert.equal("POST", req.method)
    local via_family = assert(dry.account_groups:create({name = "dry2", accountIds = {}}))
    assert.equal("/cloud/group", via_family.path)
    assert.same({name = "dry2", accountIds = {}}, via_family.body)
    local log = srv.requests()
    for _, entry in ipairs(log) do assert.equal("GET", entry.method) end
    local group, err = client.account_groups:by_name("dry")
    assert.is_nil(err)
    assert.is_nil(group) -- never created
    assert.error_matches(function() prismacloud.new{url = srv.url, dry_run = "yes"} end,
      "bad option 'dry_run' (boolean expected, got string)", 1, true)
  end)
end)
