-- client:parallel over curl multi, against the emulator.
local prismacloud = require "prismacloud"
local server = require "support.server"

describe("client:parallel", function()
  local srv, c

  setup(function()
    srv = server.start{}
    c = prismacloud.new{url = srv.url, access_key = "test-key", secret_key = "test-secret",
                        backoff_base = 0.01, backoff_cap = 0.05}
    assert(c:login())
  end)
  teardown(function()
    if c then c:close() end
    if srv then srv.stop() end
  end)
  before_each(function() srv.clear() end)

  local function echoes(n, extra)
    local reqs = {}
    for i = 1, n do
      reqs[i] = {method = "GET", path = "/_test/echo", query = {i = i}}
      for k, v in pairs(extra or {}) do reqs[i][k] = v end
    end
    return reqs
  end

  it("returns every result in request order", function()
    local results = c:parallel(echoes(50), {concurrency = 8})
    assert.equal(50, #results)
    for i, res in ipairs(results) do
      assert.is_false(prismacloud.is_error(res))
      assert.equal(200, res.status)
      assert.equal(tostring(i), res.body.query.i)
      assert.equal(1, res.attempts)
    end
  end)

  it("really overlaps requests: a stalled batch uses as many connections as the concurrency", function()
    srv.fault{path = "/_test/echo", stall_ms = 300, times = 16}
    local results = c:parallel(echoes(16), {concurrency = 8})
    local conns, n = {}, 0
    for _, res in ipairs(results) do
      assert.equal(200, res.status)
      if not conns[res.body.conn] then
        conns[res.body.conn] = true
        n = n + 1
      end
    end
    assert.equal(8, n)
  end)

  it("sends bodies, encoded tables and strings as they are", function()
    local results = c:parallel{
      {method = "POST", path = "/_test/echo", body = {a = prismacloud.json.empty_array}},
      {method = "PUT", path = "/_test/echo", body = '{"raw": 1}'},
      {method = "DELETE", path = "/_test/echo"},
    }
    assert.equal('{"a":[]}', results[1].body.body)
    assert.equal("POST", results[1].body.method)
    assert.equal('{"raw": 1}', results[2].body.body)
    assert.equal("DELETE", results[3].body.method)
  end)

  it("keeps going when one request fails", function()
    local reqs = echoes(6)
    reqs[3] = {method = "GET", path = "/_test/reset", retries = 0}
    reqs[5] = {method = "GET", path = "/_test/status/404"}
    local results = c:parallel(reqs, {concurrency = 3})
    for i, res in ipairs(results) do
      if i == 3 then
        assert.is_true(prismacloud.is_error(res))
        assert.equal("transport", res.kind)
        assert.equal("/_test/reset", res.path)
      elseif i == 5 then
        assert.equal(404, res.status)
      else
        assert.equal(200, res.status)
      end
    end
  end)

  it("retries with backoff without holding up the others", function()
    srv.fault{path = "/v2/ping", status = 503, times = 2}
    local reqs = echoes(4)
    reqs[#reqs + 1] = {method = "GET", path = "/v2/ping"}
    local results = c:parallel(reqs, {concurrency = 2})
    assert.equal(200, results[5].status)
    assert.equal(3, results[5].attempts)
    for i = 1, 4 do assert.equal(1, results[i].attempts) end
  end)

  it("refreshes the token once for many concurrent 401s (single flight)", function()
    -- a token the server refuses (bad signature) but the client believes valid for 10 minutes:
    -- every request in flight comes back 401, and exactly one refresh must follow
    local now = os.time()
    local payload = prismacloud.json.encode{iat = now, exp = now + 600}
    local b64 = require("mime").b64(payload):gsub("=", ""):gsub("+", "-"):gsub("/", "_")
    local forged = "eyJhbGciOiJIUzI1NiJ9." .. b64 .. ".c2ln"
    local d <close> = prismacloud.new{url = srv.url, token = forged, access_key = "test-key",
                                      secret_key = "test-secret"}
    local reqs = {}
    for i = 1, 6 do reqs[i] = {method = "GET", path = "/v2/ping"} end
    local results = d:parallel(reqs, {concurrency = 6})
    for _, res in ipairs(results) do
      assert.equal(200, res.status)
      assert.is_true(res.body.ok)
    end
    local s = d:stats()
    assert.equal(1, s.refreshes)
    assert.equal(1, s.extends) -- refused too: the forged token is still "valid" by our clock
    assert.equal(1, s.logins)
    assert.equal(12, #srv.requests("/v2/ping"))
  end)

  it("logs in once when the client has no token yet", function()
    local fresh <close> = prismacloud.new{url = srv.url, access_key = "test-key", secret_key = "test-secret"}
    local results = fresh:parallel(echoes(10, {path = "/v2/ping"}), {concurrency = 5})
    for _, res in ipairs(results) do assert.equal(200, res.status) end
    assert.equal(1, fresh:stats().logins)
  end)

  it("raises on a bad request before sending anything", function()
    local reqs = echoes(3)
    reqs[2] = {method = "BOGUS", path = "/x"}
    assert.error_matches(function() c:parallel(reqs) end, "method must be")
    reqs[2] = {method = "POST", path = "/x", body = {0 / 0}}
    assert.error_matches(function() c:parallel(reqs) end, "NaN")
    reqs[2] = {method = "GET", path = "/x", bogus = 1}
    assert.error_matches(function() c:parallel(reqs) end, "unknown request option 'bogus'")
    reqs[2] = "GET /x"
    assert.error_matches(function() c:parallel(reqs) end, "bad request #2")
    assert.equal(0, #srv.requests("/_test/echo"))
    -- and the client still works afterwards
    assert.equal(3, #c:parallel(echoes(3)))
  end)

  it("checks its options", function()
    assert.error_matches(function() c:parallel({}, {concurrency = 0}) end, "'concurrency'")
    assert.error_matches(function() c:parallel({}, {concurrency = 1000}) end, "'concurrency'")
    assert.error_matches(function() c:parallel({}, {concurency = 2}) end, "unknown parallel option")
    assert.same({}, c:parallel({}))
  end)

  it("works again with a bigger pool and after close refuses use", function()
    assert.equal(3, #c:parallel(echoes(3), {concurrency = 2}))
    assert.equal(20, #c:parallel(echoes(20), {concurrency = 16}))
    local d = prismacloud.new{url = srv.url}
    assert.equal(4, #d:parallel(echoes(4)))
    d:close()
    assert.error_matches(function() d:parallel(echoes(1)) end, "closed client")
  end)
end)
