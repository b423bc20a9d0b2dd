-- The emulator itself: its HTTP engine, auth, test routes and control plane,
-- over real sockets with lua-socket/luasec (never with the client under test).
local server = require "support.server"
local socket = require "socket"
local cjson = require "cjson"
local zlib = require "zlib"
local http = require "prismacloud.emulator.http"
local jwt = require "prismacloud.emulator.jwt"

-- A raw TCP connection to srv (bounded by a 5 s timeout per operation).
local function connect(srv)
  local host, port = srv.url:match("^https?://([^:/]+):(%d+)$")
  local c = assert(socket.connect(host, tonumber(port)))
  c:settimeout(5)
  return c
end

-- Reads one response: status, headers (lower-case names), body, and the
-- transport error when the body came short. no_body: the answer to a HEAD.
local function read_response(c, no_body)
  local line = assert(c:receive("*l"))
  local status = tonumber(line:match("^HTTP/1%.1 (%d%d%d) "))
  local headers = {}
  while true do
    local l = assert(c:receive("*l"))
    if l == "" then break end
    local k, v = l:match("^([^:]+):%s*(.*)$")
    headers[k:lower()] = v
  end
  local n = tonumber(headers["content-length"] or "0")
  if n == 0 or no_body then return status, headers, "" end
  local body, err, partial = c:receive(n)
  return status, headers, body or partial, err
end

-- Sends raw request text on c and reads the response.
local function exchange(c, text, no_body)
  assert(c:send(text))
  return read_response(c, no_body)
end

local function get(path, extra)
  return ("GET %s HTTP/1.1\r\nHost: test\r\n%s\r\n"):format(path, extra or "")
end

local function is_closed(c)
  local data, err = c:receive(1)
  return data == nil and err == "closed"
end

describe("emulator over HTTP", function()
  local srv

  setup(function() srv = server.start{} end)
  teardown(function() if srv then srv.stop() end end)
  before_each(function() srv.clear() end)

  describe("connections", function()
    it("keeps a connection alive: two requests get the same conn id", function()
      local c = connect(srv)
      local s1, _, b1 = exchange(c, get("/_test/echo"))
      local s2, _, b2 = exchange(c, get("/_test/echo?x=1"))
      c:close()
      assert.equal(200, s1)
      assert.equal(200, s2)
      b1, b2 = cjson.decode(b1), cjson.decode(b2)
      assert.equal(b1.conn, b2.conn)
      assert.equal(1, b1.conn_requests)
      assert.equal(2, b2.conn_requests)
    end)

    it("honours Connection: close", function()
      local c = connect(srv)
      local status, headers = exchange(c, get("/_test/echo", "Connection: close\r\n"))
      assert.equal(200, status)
      assert.equal("close", headers.connection)
      assert.is_true(is_closed(c))
      c:close()
    end)

    it("closes HTTP/1.0 connections unless asked to keep them", function()
      local c = connect(srv)
      assert(c:send("GET /_test/text HTTP/1.0\r\n\r\n"))
      local status, headers, body = read_response(c)
      assert.equal(200, status)
      assert.equal("hello", body)
      assert.equal("close", headers.connection)
      assert.is_true(is_closed(c))
      c:close()
    end)

    it("counts connections and requests in /_test/stats", function()
      local _, before = srv.request("GET", "/_test/stats")
      local c = connect(srv)
      exchange(c, get("/_test/echo"))
      exchange(c, get("/_test/echo"))
      c:close()
      local _, after = srv.request("GET", "/_test/stats")
      assert.equal(before.connections + 2, after.connections) -- the raw one and the helper's
      assert.equal(before.requests + 3, after.requests)
    end)

    it("serves many connections at once", function()
      local conns = {}
      for i = 1, 50 do
        conns[i] = connect(srv)
        assert(conns[i]:send(get("/_test/echo?i=" .. i)))
      end
      for i = 1, 50 do
        local status, _, body = read_response(conns[i])
        assert.equal(200, status)
        assert.equal(tostring(i), cjson.decode(body).query.i)
        conns[i]:close()
      end
    end)

    it("answers a stalled request late without blocking a concurrent one", function()
      local slow = connect(srv)
      local t0 = socket.gettime()
      assert(slow:send(get("/_test/stall?ms=1500")))
      socket.sleep(0.05)
      local fast = connect(srv)
      local status = exchange(fast, get("/_test/echo"))
      local fast_time = socket.gettime() - t0
      fast:close()
      assert.equal(200, status)
      assert.is_true(fast_time < 1.0, "concurrent request took " .. fast_time)
      local slow_status, _, body = read_response(slow)
      slow:close()
      assert.equal(200, slow_status)
      assert.equal(1500, cjson.decode(body).stalled_ms)
      assert.is_true(socket.gettime() - t0 >= 1.4)
    end)
  end)

  describe("request parsing", function()
    it("reads a chunked request body", function()
      local c = connect(srv)
      local status, _, body = exchange(c, "POST /_test/echo HTTP/1.1\r\nHost: t\r\n" ..
        "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n")
      assert.equal(200, status)
      assert.equal("hello world", cjson.decode(body).body)
      -- the connection is still in sync for the next request
      local s2, _, b2 = exchange(c, get("/_test/text"))
      c:close()
      assert.equal(200, s2)
      assert.equal("hello", b2)
    end)

    it("answers Expect: 100-continue before reading the body", function()
      local c = connect(srv)
      assert(c:send("POST /_test/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"))
      assert.equal("HTTP/1.1 100 Continue", c:receive("*l"))
      assert.equal("", c:receive("*l"))
      assert(c:send("ping"))
      local status, _, body = read_response(c)
      c:close()
      assert.equal(200, status)
      assert.equal("ping", cjson.decode(body).body)
    end)

    it("decodes the query and keeps the raw path", function()
      local c = connect(srv)
      local _, _, body = exchange(c, get("/_test/echo?a=1&a=2&b=x%20y%26z&c=p+q&flag"))
      c:close()
      body = cjson.decode(body)
      assert.same({"1", "2"}, body.query.a)
      assert.equal("x y&z", body.query.b)
      assert.equal("p q", body.query.c)
      assert.equal("", body.query.flag)
      assert.equal("a=1&a=2&b=x%20y%26z&c=p+q&flag", body.rawquery)
    end)

    it("lower-cases header names and joins repeated headers", function()
      local c = connect(srv)
      local _, _, body = exchange(c, get("/_test/echo", "X-One: a\r\nx-one: b\r\nX-Mixed-Case: V\r\n"))
      c:close()
      body = cjson.decode(body)
      assert.equal("a, b", body.headers["x-one"])
      assert.equal("V", body.headers["x-mixed-case"])
    end)

    it("refuses a too long request line with 414, too many header bytes with 431", function()
      local c = connect(srv)
      local status = exchange(c, get("/_test/echo?" .. ("x"):rep(10000)))
      assert.equal(414, status)
      assert.is_true(is_closed(c))
      c:close()
      c = connect(srv)
      status = exchange(c, get("/_test/echo", ("X-Big: " .. ("y"):rep(8000) .. "\r\n"):rep(10)))
      assert.equal(431, status)
      c:close()
    end)

    it("answers garbage with 400 and a body over the limit with 413", function()
      local c = connect(srv)
      assert.equal(400, (exchange(c, "HELLO\r\n\r\n")))
      c:close()
      c = connect(srv)
      assert.equal(413, (exchange(c, "POST /_test/echo HTTP/1.1\r\nContent-Length: 999999999999\r\n\r\n")))
      c:close()
    end)

    it("sends headers but no body for HEAD", function()
      local c = connect(srv)
      local status, headers = exchange(c, "HEAD /_test/text HTTP/1.1\r\nHost: t\r\n\r\n", true)
      assert.equal(200, status)
      assert.equal("5", headers["content-length"])
      local s2, _, b2 = exchange(c, get("/_test/text")) -- nothing stray before the next response
      c:close()
      assert.equal(200, s2)
      assert.equal("hello", b2)
    end)
  end)

  describe("responses", function()
    it("gzips when the client accepts it, and the body inflates to the JSON", function()
      local c = connect(srv)
      local status, headers, body = exchange(c, get("/_test/gzip?size=300", "Accept-Encoding: br, gzip;q=0.8\r\n"))
      assert.equal(200, status)
      assert.equal("gzip", headers["content-encoding"])
      local items = cjson.decode((zlib.inflate()(body)))
      assert.equal(300, #items)
      assert.equal(300, items[300].id)
      local _, plain_headers, plain = exchange(c, get("/_test/gzip?size=300"))
      c:close()
      assert.is_nil(plain_headers["content-encoding"])
      assert.equal(300, #cjson.decode(plain))
      assert.is_true(#body < #plain)
    end)

    it("does not gzip for gzip;q=0", function()
      local c = connect(srv)
      local _, headers = exchange(c, get("/_test/gzip?size=5", "Accept-Encoding: gzip;q=0\r\n"))
      c:close()
      assert.is_nil(headers["content-encoding"])
    end)

    it("serves the fixed test bodies", function()
      local _, text, th = srv.request("GET", "/_test/text")
      assert.equal("hello", text)
      assert.matches("^text/plain", th["content-type"])
      local _, bytes, bh = srv.request("GET", "/_test/bytes?size=1000")
      assert.equal(1000, #bytes)
      assert.equal("application/octet-stream", bh["content-type"])
      local status, malformed = srv.request("GET", "/_test/malformed")
      assert.equal(200, status)
      assert.equal('{"a": [1, 2,', malformed)
    end)

    it("gives any status, with Retry-After when asked", function()
      local status, body, headers = srv.request("GET", "/_test/status/503?retry_after=7")
      assert.equal(503, status)
      assert.same({status = 503}, body)
      assert.equal("7", headers["retry-after"])
      assert.equal(204, (srv.request("POST", "/_test/status/204")))
    end)

    it("shapes errors like the API", function()
      local status, body, headers = srv.request("GET", "/_test/redlock_error")
      assert.equal(400, status)
      assert.equal("BadArgument", body.error.code)
      assert.equal("policy.severity", body.error.target)
      assert.equal("test-req-1", headers["x-request-id"])
      assert.same({{i18nKey = "invalid_parameter_value", severity = "error", subject = "policy.severity"}},
        cjson.decode(headers["x-redlock-status"]))
      local s2, spring = srv.request("GET", "/_test/spring_error")
      assert.equal(404, s2)
      assert.equal(404, spring.status)
      assert.equal("Not Found", spring.error)
      assert.equal("no such thing", spring.message)
      assert.equal("/_test/spring_error", spring.path)
      assert.matches("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d%.%d%d%dZ$", spring.timestamp) -- a string, as documented
    end)

    it("reset sends half the body and closes; truncate announces more than it sends", function()
      for _, path in ipairs{"/_test/reset", "/_test/truncated"} do
        local c = connect(srv)
        local status, headers, body, err = exchange(c, get(path))
        c:close()
        assert.equal(200, status)
        assert.equal("closed", err, path)
        assert.is_true(#body < tonumber(headers["content-length"]), path)
      end
    end)

    it("answers 404 and 405 like Spring, after authentication", function()
      local token = srv.login()
      local status, body = srv.request("GET", "/no/such/path", nil, {["x-redlock-auth"] = token})
      assert.equal(404, status)
      assert.equal("/no/such/path", body.path)
      local s2, _, h2 = srv.request("POST", "/auth_token/extend", nil, {["x-redlock-auth"] = token})
      assert.equal(405, s2)
      assert.equal("GET", h2.allow)
      assert.equal(401, (srv.request("GET", "/no/such/path")))
      assert.equal(404, (srv.request("GET", "/_test/nothing-here")))
    end)
  end)

  describe("auth", function()
    local function redlock_key(headers)
      return cjson.decode(headers["x-redlock-status"])[1].i18nKey
    end

    it("logs in with the right keys", function()
      local status, body = srv.request("POST", "/login", {username = "test-key", password = "test-secret"})
      assert.equal(200, status)
      assert.equal("login_successful", body.message)
      assert.equal("emulator", body.customerNames[1].customerName)
      assert.is_true(body.customerNames[1].tosAccepted)
      assert.same({"System Admin"}, body.roles)
      local claims = cjson.decode(jwt.b64url_decode(body.token:match("^[^.]+%.([^.]+)%.")))
      assert.equal("test-key", claims.sub)
      assert.near(600, claims.exp - claims.iat, 0.001)
    end)

    it("refuses a bad secret with 401, x-redlock-status and an empty body", function()
      local status, body, headers = srv.request("POST", "/login", {username = "test-key", password = "nope"})
      assert.equal(401, status)
      assert.equal("", body)
      assert.equal('[{"i18nKey":"invalid_credentials","severity":"error","subject":null}]',
        headers["x-redlock-status"])
      assert.equal(401, (srv.request("POST", "/login", "not json")))
    end)

    it("requires a valid token on API routes", function()
      local status, _, headers = srv.request("GET", "/v2/ping")
      assert.equal(401, status)
      assert.equal("invalid_auth_token", redlock_key(headers))
      local token = srv.login()
      local s2, body = srv.request("GET", "/v2/ping", nil, {["x-redlock-auth"] = token})
      assert.equal(200, s2)
      assert.is_true(body.ok)
      local forged = token:gsub("%.[^.]+$", ".AAAA" .. ("A"):rep(39))
      local s3, _, h3 = srv.request("GET", "/v2/ping", nil, {["x-redlock-auth"] = forged})
      assert.equal(401, s3)
      assert.equal("invalid_auth_token", redlock_key(h3))
      local other_key = jwt.sign({sub = "test-key", exp = os.time() + 60}, "not-the-emulator-key")
      assert.equal(401, (srv.request("GET", "/v2/ping", nil, {["x-redlock-auth"] = other_key})))
    end)

    it("requires a token on /_test/auth/pages and pages through 20 x 5 items", function()
      assert.equal(401, (srv.request("GET", "/_test/auth/pages")))
      local token, seen, page = srv.login(), 0, 0
      repeat
        local status, body = srv.request("GET", "/_test/auth/pages?page=" .. page, nil, {["x-redlock-auth"] = token})
        assert.equal(200, status)
        assert.equal(page * 5 + 1, body.items[1])
        seen = seen + #body.items
        page = body.next
      until page == cjson.null
      assert.equal(100, seen)
    end)

    it("extends a valid token into a new one", function()
      local token = srv.login()
      local status, body = srv.request("GET", "/auth_token/extend", nil, {["x-redlock-auth"] = token})
      assert.equal(200, status)
      assert.is_string(body.token)
      assert.not_equal(token, body.token)
      assert.equal("emulator", body.customerNames[1].customerName)
      assert.equal(200, (srv.request("GET", "/v2/ping", nil, {["x-redlock-auth"] = body.token})))
      assert.equal(401, (srv.request("GET", "/auth_token/extend")))
    end)

    it("changes the token lifetime at run time", function()
      srv.config{token_ttl = 30}
      local token = srv.login()
      local claims = cjson.decode(jwt.b64url_decode(token:match("^[^.]+%.([^.]+)%.")))
      srv.config{token_ttl = 600}
      assert.near(30, claims.exp - claims.iat, 0.001)
      local status = srv.request("POST", "/_emulator/config", {token_tll = 5})
      assert.equal(400, status)
    end)
  end)

  describe("scripted faults", function()
    it("replaces exactly `times` responses, then routes normally", function()
      srv.fault{path = "/_test/echo", status = 503, times = 2, headers = {["Retry-After"] = "1"},
                body = {error = {code = "Busy"}}}
      for _ = 1, 2 do
        local status, body, headers = srv.request("GET", "/_test/echo")
        assert.equal(503, status)
        assert.equal("Busy", body.error.code)
        assert.equal("1", headers["retry-after"])
      end
      assert.equal(200, (srv.request("GET", "/_test/echo")))
      assert.equal(3, #srv.requests("/_test/echo"))
    end)

    it("matches the method when given", function()
      srv.fault{method = "post", path = "/_test/echo", status = 500}
      assert.equal(200, (srv.request("GET", "/_test/echo")))
      assert.equal(500, (srv.request("POST", "/_test/echo", "x")))
      assert.equal(200, (srv.request("POST", "/_test/echo", "x")))
    end)

    it("serves malformed JSON and string bodies", function()
      srv.fault{path = "/v2/ping", malformed = true}
      srv.fault{path = "/v2/ping", status = 502, body = "<html>bad gateway</html>",
                headers = {["Content-Type"] = "text/html"}}
      local s1, b1 = srv.request("GET", "/v2/ping")
      local s2, b2, h2 = srv.request("GET", "/v2/ping")
      assert.equal(200, s1)
      assert.equal('{"a": [1, 2,', b1)
      assert.equal(502, s2)
      assert.equal("<html>bad gateway</html>", b2)
      assert.equal("text/html", h2["content-type"])
    end)

    it("delays the normal response when it only has stall_ms", function()
      srv.fault{path = "/_test/text", stall_ms = 300}
      local t0 = socket.gettime()
      local status, body = srv.request("GET", "/_test/text")
      assert.equal(200, status)
      assert.equal("hello", body)
      assert.is_true(socket.gettime() - t0 >= 0.29)
    end)

    it("resets a normal response", function()
      srv.fault{path = "/login", reset = true}
      local c = connect(srv)
      local payload = cjson.encode{username = "test-key", password = "test-secret"}
      local status, headers, body, err = exchange(c, ("POST /login HTTP/1.1\r\nHost: t\r\n" ..
        "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"):format(#payload, payload))
      c:close()
      assert.equal(200, status)
      assert.equal("closed", err)
      assert.is_true(#body < tonumber(headers["content-length"]))
      assert.is_string(srv.login()) -- consumed: the next login works
    end)

    it("path '*' matches any API path but the control plane's; skip lets requests through first", function()
      srv.fault{path = "*", skip = 2, status = 418}
      assert.equal(200, (srv.request("GET", "/_test/echo")))
      assert.equal(200, (srv.request("GET", "/_emulator/faults"))) -- neither counted nor faulted
      assert.equal(200, (srv.request("GET", "/_test/text")))
      assert.equal(418, (srv.request("GET", "/_test/status/201")))
      assert.equal(201, (srv.request("GET", "/_test/status/201")))
      srv.fault{method = "POST", path = "/_test/echo", skip = 1, status = 500}
      assert.equal(200, (srv.request("GET", "/_test/echo")))
      assert.equal(200, (srv.request("POST", "/_test/echo", "x")))
      assert.equal(500, (srv.request("POST", "/_test/echo", "x")))
      assert.equal(400, (srv.request("POST", "/_emulator/faults", {path = "/a", skip = -1})))
      assert.equal(400, (srv.request("POST", "/_emulator/faults", {path = "a*"})))
    end)

    it("lists, clears and validates faults", function()
      srv.fault{path = "/a", status = 500, times = 3}
      local _, list = srv.request("GET", "/_emulator/faults")
      assert.equal(1, #list)
      assert.equal(3, list[1].times)
      srv.clear_faults()
      local _, empty = srv.request("GET", "/_emulator/faults")
      assert.same({}, empty)
      local status, body = srv.request("POST", "/_emulator/faults", {path = "/a", stauts = 500})
      assert.equal(400, status)
      assert.matches("stauts", body.error.message)
      assert.equal(400, (srv.request("POST", "/_emulator/faults", {status = 500})))
      assert.equal(400, (srv.request("POST", "/_emulator/faults", {path = "/a", times = 0})))
    end)
  end)

  describe("request log", function()
    it("records requests per path and redacts the token", function()
      local token = srv.login()
      srv.request("POST", "/_test/echo?x=1", {a = 1}, {["x-redlock-auth"] = token, ["X-Trace"] = "t1"})
      local log = srv.requests("/_test/echo")
      assert.equal(1, #log)
      local e = log[1]
      assert.equal("POST", e.method)
      assert.equal("/_test/echo", e.path)
      assert.equal("x=1", e.rawquery)
      assert.equal('{"a":1}', e.body)
      assert.equal("t1", e.headers["x-trace"])
      assert.equal("<redacted>", e.headers["x-redlock-auth"])
      assert.is_true(e.auth_present)
      assert.equal(200, e.status)
      assert.is_number(e.time_ms)
      local login = srv.requests("/login")[1]
      assert.is_false(login.auth_present)
      assert.same({}, srv.requests("/never"))
      srv.clear_requests()
      assert.same({}, srv.requests("/_test/echo"))
    end)

    it("keeps the last 1,000 requests", function()
      local c = connect(srv)
      local batch = {}
      for i = 1, 1005 do batch[i] = get("/_test/text?i=" .. i) end
      assert(c:send(table.concat(batch)))
      for _ = 1, 1005 do assert.equal(200, (read_response(c))) end
      c:close()
      local log = srv.requests("/_test/text")
      assert.equal(1000, #log)
      assert.equal("i=6", log[1].rawquery)
      assert.equal("i=1005", log[1000].rawquery)
    end)
  end)
end)

describe("emulator token expiry", function()
  local srv

  setup(function() srv = server.start{token_ttl = 1, access_key = "ak", secret_key = "sk"} end)
  teardown(function() if srv then srv.stop() end end)

  it("uses the configured keys", function()
    assert.equal(401, (srv.request("POST", "/login", {username = "test-key", password = "test-secret"})))
    assert.is_string(srv.login("ak", "sk"))
  end)

  it("answers 401 token_expired once the token has lived token_ttl seconds", function()
    local token = srv.login("ak", "sk")
    assert.equal(200, (srv.request("GET", "/v2/ping", nil, {["x-redlock-auth"] = token})))
    socket.sleep(1.2)
    local status, _, headers = srv.request("GET", "/v2/ping", nil, {["x-redlock-auth"] = token})
    assert.equal(401, status)
    assert.equal("token_expired", cjson.decode(headers["x-redlock-status"])[1].i18nKey)
    assert.equal(401, (srv.request("GET", "/auth_token/extend", nil, {["x-redlock-auth"] = token})))
  end)
end)

describe("emulator over HTTPS", function()
  local https = require "ssl.https"
  local ssl = require "ssl"
  local ltn12 = require "ltn12"
  local srv

  setup(function() srv = server.start{tls = true} end)
  teardown(function() if srv then srv.stop() end end)

  local function fetch(cafile)
    return https.request{url = srv.url .. "/_test/text", cafile = cafile, verify = "peer",
                         sink = ltn12.sink.table({})}
  end

  it("serves https:// and prints its CA", function()
    assert.matches("^https://127%.0%.0%.1:%d+$", srv.url)
    assert.matches("ca%.pem$", srv.ca)
  end)

  it("verifies against the generated CA", function()
    local ok, code = fetch(srv.ca)
    assert.equal(1, ok)
    assert.equal(200, code)
  end)

  it("fails verification against the other CA", function()
    local other = srv.ca:gsub("ca%.pem$", "other-ca.pem")
    local ok, err = fetch(other)
    assert.is_nil(ok)
    assert.matches("certificate verify failed", err)
  end)

  it("keeps a TLS connection alive", function()
    local c = connect(srv)
    c = assert(ssl.wrap(c, {mode = "client", protocol = "any", verify = "peer", cafile = srv.ca}))
    c:settimeout(5)
    assert(c:dohandshake())
    local _, _, b1 = exchange(c, get("/_test/echo"))
    local _, _, b2 = exchange(c, get("/_test/echo"))
    c:close()
    assert.equal(cjson.decode(b1).conn, cjson.decode(b2).conn)
  end)

  it("survives a plain-HTTP client on the TLS port", function()
    local c = connect(srv)
    c:send(get("/_test/echo"))
    c:receive("*a")
    c:close()
    local ok, code = fetch(srv.ca)
    assert.equal(1, ok)
    assert.equal(200, code)
  end)
end)

describe("emulator process", function()
  local function run(args)
    return os.execute("LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' lua5.4 bin/prismacloud-emulator " ..
      args .. " >/dev/null 2>&1")
  end

  it("shows help and refuses unknown arguments", function()
    assert.is_true(run("--help"))
    local ok, _, code = run("--bogus")
    assert.is_nil(ok)
    assert.equal(2, code)
  end)

  it("stops on SIGINT as on SIGTERM", function()
    local srv = server.start{}
    local ok = pcall(function()
      os.execute(("kill -INT %d"):format(srv.pid))
      assert.is_true(server.wait_exit(srv.pid, 5))
    end)
    srv.stop()
    assert.is_true(ok)
  end)

  it("says why it could not start", function()
    local srv = server.start{}
    local port = srv.url:match(":(%d+)$")
    local ok, err = pcall(server.start, {port = port})
    srv.stop()
    assert.is_false(ok)
    assert.matches("exited before listening", err)
    assert.matches("cannot listen", err)
  end)
end)

describe("emulator modules in process", function()
  describe("jwt", function()
    it("round-trips base64url", function()
      for _, s in ipairs{"", "f", "fo", "foo", "foob", "\0\255\254\1"} do
        assert.equal(s, jwt.b64url_decode(jwt.b64url_encode(s)))
      end
      assert.equal("Zm9vYg", jwt.b64url_encode("foob"))
      assert.equal("__79", jwt.b64url_encode("\255\254\253"))
      assert.is_nil(jwt.b64url_decode("a+b/"))
    end)

    it("signs and verifies HS256 with expiry", function()
      local token = jwt.sign({sub = "u", exp = 100}, "k")
      assert.equal("u", jwt.verify(token, "k", 99).sub)
      assert.same({nil, "expired"}, {jwt.verify(token, "k", 100)})
      assert.same({nil, "bad signature"}, {jwt.verify(token, "other", 99)})
      assert.same({nil, "malformed"}, {jwt.verify("a.b", "k", 99)})
      assert.same({nil, "malformed"}, {jwt.verify(nil, "k", 99)})
      local none = jwt.b64url_encode('{"alg":"none"}') .. "." .. token:match("%.([^.]+)%.") .. ".AAAA"
      assert.same({nil, "bad signature"}, {jwt.verify(none, "k", 99)})
    end)
  end)

  describe("app options", function()
    local emulator = require "prismacloud.emulator"

    it("refuses unknown options and wrong types, naming the key", function()
      assert.error_matches(function() emulator.new{token_tll = 1} end, "unknown option 'token_tll'")
      assert.error_matches(function() emulator.new{token_ttl = "1"} end, "bad option 'token_ttl'")
      local handler, app = emulator.new{token_ttl = 5}
      assert.is_function(handler)
      assert.equal(5, app.config.token_ttl)
      assert.equal("test-key", app.config.access_key)
    end)
  end)

  describe("http helpers and router", function()
    it("parses queries and Accept-Encoding", function()
      assert.same({a = {"1", "2"}, b = "c d", e = ""}, http.parse_query("a=1&a=2&b=c%20d&e"))
      assert.is_true(http.accepts_gzip("deflate, gzip"))
      assert.is_true(http.accepts_gzip("*"))
      assert.is_false(http.accepts_gzip("gzip;q=0, br"))
      assert.is_false(http.accepts_gzip(nil))
    end)

    it("routes by method and pattern, with params and 405 lists", function()
      local r = http.router()
      local function h() end
      r:add("GET", "/v2/alert/:id", h)
      r:add("POST", "/v2/alert/:id", h)
      r:add("*", "/files/*", h)
      local route, params = r:find("GET", "/v2/alert/a%20b")
      assert.equal("GET", route.method)
      assert.equal("a b", params.id)
      assert.equal("GET", r:find("HEAD", "/v2/alert/1").method)
      local none, allowed = r:find("DELETE", "/v2/alert/1")
      assert.is_nil(none)
      assert.same({"GET", "POST"}, allowed)
      assert.equal("x/y", select(2, r:find("PUT", "/files/x/y"))["*"])
      assert.same({}, select(2, r:find("GET", "/v2/alert")))
    end)
  end)

  describe("http engine", function()
    local cqueues = require "cqueues"
    local csocket = require "cqueues.socket"

    -- Runs client(server) inside a server's loop, bounded to 10 s.
    local function with_server(handler, client)
      local logged = {}
      local old_log = http.log
      http.log = function(fmt, ...) logged[#logged + 1] = fmt:format(...) end
      local srv = http.listen{handler = handler}
      local outcome
      srv:wrap(function()
        outcome = {pcall(client, srv)}
        srv:stop()
      end)
      srv:wrap(function()
        cqueues.sleep(10)
        srv:stop()
      end)
      srv:loop()
      http.log = old_log
      assert(outcome, "timed out")
      assert(outcome[1], outcome[2])
      return logged
    end

    local function raw_exchange(srv, text)
      local c = csocket.connect(srv.host, srv.port)
      c:setmode("b", "b")
      c:write(text)
      c:flush()
      local head = {}
      for _ = 1, 2 do head[#head + 1] = c:xread("*L", "b", 5) end
      return c, head
    end

    it("turns a raising handler into a 500 and keeps serving", function()
      local calls = 0
      local logged = with_server(function(req)
        calls = calls + 1
        if req.path == "/boom" then error("kaboom") end
        if req.path == "/nonsense" then return 42 end
        return {status = 200, body = "fine"}
      end, function(srv)
        local c = csocket.connect(srv.host, srv.port)
        c:setmode("b", "b")
        c:write("GET /boom HTTP/1.1\r\n\r\nGET /nonsense HTTP/1.1\r\n\r\nGET /ok HTTP/1.1\r\n\r\n")
        c:flush()
        local all = ""
        local deadline = cqueues.monotime() + 5
        while not all:find("fine", 1, true) and cqueues.monotime() < deadline do
          all = all .. (c:xread(-4096, "b", 1) or "")
        end
        c:close()
        local _, n500 = all:gsub("HTTP/1%.1 500", "")
        assert.equal(2, n500)
        assert.matches('"code":"InternalError"', all)
        assert.matches("HTTP/1%.1 200 OK.*fine$", all)
      end)
      assert.equal(3, calls)
      assert.matches("kaboom", logged[1])
      assert.matches("not a table", logged[2])
    end)

    it("closes a kept-alive connection after the idle timeout", function()
      local srv = http.listen{handler = function() return {status = 200, body = "ok"} end, idle_timeout = 0.2}
      local outcome
      srv:wrap(function()
        outcome = {pcall(function()
          local c = csocket.connect(srv.host, srv.port)
          c:setmode("b", "b")
          c:write("GET / HTTP/1.1\r\n\r\n")
          c:flush()
          assert.matches("^HTTP/1%.1 200", c:xread("*L", "b", 5))
          repeat local line = c:xread("*L", "b", 5) until line == "\r\n" -- the head
          assert.equal("ok", c:xread(2, "b", 5))
          local t0 = cqueues.monotime()
          local after = {}
          repeat -- then EOF and nothing else: no answer to a request that never came
            local data = c:xread(-4096, "b", 5)
            after[#after + 1] = data
          until not data
          local waited = cqueues.monotime() - t0
          c:close()
          assert.is_true(waited >= 0.15 and waited < 2, "closed after " .. waited)
          assert.equal("", table.concat(after))
        end)}
        srv:stop()
      end)
      srv:loop()
      assert(outcome and outcome[1], outcome and outcome[2])
    end)

    it("reports its URL and the real port", function()
      with_server(function() return {status = 204} end, function(srv)
        assert.matches("^http://127%.0%.0%.1:%d+$", srv:url())
        assert.is_true(srv.port > 0)
        local c, head = raw_exchange(srv, "GET / HTTP/1.1\r\n\r\n")
        c:close()
        assert.matches("^HTTP/1%.1 204 No Content", head[1])
      end)
    end)
  end)
end)
