-- The C core's transport, over real sockets against the emulator process.
local prismacloud = require "prismacloud"
local server = require "support.server"
local cjson = require "cjson"

describe("client transport", function()
  local srv, client

  setup(function()
    srv = server.start{}
    client = prismacloud.new{url = srv.url, timeout = 10, retries = 0}
  end)

  teardown(function()
    if client then client:close() end
    if srv then srv.stop() end
  end)

  local function echo(method, opts)
    local res, err = client:request(method, "/_test/echo", opts)
    assert.is_nil(err)
    assert.equal(200, res.status)
    return res.body
  end

  describe("last_response", function()
    it("keeps the status, headers and attempts of the last response, never its body", function()
      local _, err = client:send("GET", "/_test/status/404")
      assert.equal(404, err.status)
      local last = client:last_response()
      assert.equal(404, last.status)
      assert.equal("GET", last.method)
      assert.equal("/_test/status/404", last.path)
      assert.equal(1, last.attempts)
      assert.is_string(last.headers["content-type"])
      assert.is_nil(last.body)
      assert(client:send("POST", "/_test/echo", {body = {a = 1}}))
      assert.equal(200, client:last_response().status)
      assert.equal("POST", client:last_response().method)
    end)

    it("is nil after a request that got no response", function()
      assert(client:send("GET", "/_test/echo"))
      local c <close> = prismacloud.new{url = "http://127.0.0.1:1", token = "t", retries = 0}
      assert.is_nil(c:last_response())
      assert(client:send("GET", "/_test/echo"))
      local _, err = c:request("GET", "/x")
      assert.equal("transport", err.kind)
      assert.is_nil(c:last_response())
    end)
  end)

  describe("methods", function()
    for _, m in ipairs{"GET", "POST", "PUT", "PATCH", "DELETE"} do
      it("sends " .. m, function()
        local body = echo(m)
        assert.equal(m, body.method)
        assert.equal("/_test/echo", body.path)
      end)
    end

    it("accepts a lower-case method name", function()
      assert.equal("PATCH", echo("patch").method)
    end)

    it("refuses an unknown method, naming the argument", function()
      assert.error_matches(function() client:request("TRACE", "/_test/echo") end, "method must be")
    end)

    it("goes back to GET after a POST on the reused handle", function()
      echo("POST", {body = {a = 1}})
      local body = echo("GET")
      assert.equal("GET", body.method)
      assert.equal("", body.body)
    end)

    it("sends DELETE with a body when given one", function()
      local body = echo("DELETE", {body = {ids = {"a"}}})
      assert.same({ids = {"a"}}, cjson.decode(body.body))
    end)
  end)

  describe("query and path", function()
    it("percent-encodes query values and sorts names", function()
      local body = echo("GET", {query = {
        ["policy.name"] = "a b&c=d/é", limit = 10, detailed = true, ratio = 1.5,
      }})
      assert.equal("detailed=true&limit=10&policy.name=a%20b%26c%3Dd%2F%C3%A9&ratio=1.5", body.rawquery)
      assert.equal("a b&c=d/é", body.query["policy.name"])
    end)

    it("repeats the name for array values", function()
      local body = echo("GET", {query = {["policy.severity"] = {"high", "medium"}}})
      assert.equal("policy.severity=high&policy.severity=medium", body.rawquery)
    end)

    it("appends to a query string already in the path", function()
      local res = assert(client:request("GET", "/_test/echo?x=1", {query = {y = 2}}))
      assert.equal("x=1&y=2", res.body.rawquery)
    end)

    it("percent-encodes a path's spaces and non-ASCII bytes but keeps %XX", function()
      local res = assert(client:request("GET", "/_test/echo/a b/é/%41"))
      assert.equal(404, res.status) -- no such route, but the server parsed the request line
      local log = srv.requests("/_test/echo/a%20b/%C3%A9/%41")
      assert.equal(1, #log)
    end)

    it("refuses control characters in the path", function()
      assert.error_matches(function() client:request("GET", "/a\r\nX-Evil: 1") end, "'path'")
      assert.error_matches(function() client:request("GET", "no-slash") end, "must start with '/'")
    end)

    it("refuses control characters in query keys", function()
      assert.error_matches(function()
        client:request("GET", "/_test/echo", {query = {["a\r\nX-Evil: 1"] = "v"}})
      end, "bad query key %(control character at byte 2%)")
    end)

    it("refuses query values it cannot encode, naming the key", function()
      assert.error_matches(function() client:request("GET", "/_test/echo", {query = {f = print}}) end,
        "'f'")
    end)
  end)

  describe("bodies", function()
    it("encodes a table as JSON with Content-Type application/json", function()
      local body = echo("POST", {body = {name = "p", ids = prismacloud.json.empty_array, n = 3}})
      assert.equal("application/json", body.headers["content-type"])
      local sent = prismacloud.json.decode(body.body)
      assert.same({name = "p", ids = {}, n = 3}, sent)
      assert.truthy(body.body:find('"ids":[]', 1, true))
    end)

    it("sends a string body byte for byte", function()
      local raw = '{"b": 1,\n "a":"\\u00e9"}  '
      assert.equal(raw, echo("POST", {body = raw}).body)
    end)

    it("raises on a body JSON cannot carry", function()
      assert.error_matches(function() client:request("POST", "/_test/echo", {body = {0/0}}) end, "NaN")
    end)

    it("refuses unknown request options", function()
      assert.error_matches(function() client:request("GET", "/_test/echo", {querry = {}}) end,
        "unknown request option 'querry'")
    end)
  end)

  describe("headers", function()
    it("sends the caller's headers and Accept: application/json", function()
      local body = echo("GET", {headers = {["X-Trace"] = "t-1", ["X-Num"] = 5}})
      assert.equal("t-1", body.headers["x-trace"])
      assert.equal("5", body.headers["x-num"])
      assert.equal("application/json", body.headers.accept)
      assert.matches("^prismacloud%-lua/", body.headers["user-agent"])
    end)

    it("lets the caller override Accept and Content-Type", function()
      local body = echo("POST", {body = "a,b", headers = {Accept = "text/csv", ["Content-Type"] = "text/csv"}})
      assert.equal("text/csv", body.headers.accept)
      assert.equal("text/csv", body.headers["content-type"])
    end)

    it("refuses CR, LF and NUL in header values and bad names", function()
      assert.error_matches(function() echo("GET", {headers = {X = "a\r\nY: b"}}) end, "CR, LF or NUL")
      assert.error_matches(function() echo("GET", {headers = {["X Y"] = "a"}}) end, "bad header name")
    end)

    it("returns response headers with lower-cased names", function()
      local res = assert(client:request("GET", "/_test/redlock_error"))
      assert.equal("test-req-1", res.headers["x-request-id"])
      assert.is_string(res.headers["x-redlock-status"])
      assert.matches("^application/json", res.headers["content-type"])
    end)

    it("sends x-redlock-auth when a token is held", function()
      local c <close> = prismacloud.new{url = srv.url, token = "tok-abc"}
      local res = assert(c:request("GET", "/_test/echo"))
      assert.equal("tok-abc", res.body.headers["x-redlock-auth"])
      local plain = echo("GET")
      assert.is_nil(plain.headers["x-redlock-auth"])
    end)
  end)

  describe("responses", function()
    it("decodes JSON with integers kept as integers", function()
      local res = assert(client:request("GET", "/_test/echo", {query = {n = 1736225516707}}))
      assert.equal("integer", math.type(res.body.conn))
      assert.equal(getmetatable(prismacloud.json.decode("[]")), prismacloud.json.array_mt)
    end)

    it("asks for gzip and decodes a compressed body", function()
      local body = echo("GET")
      assert.matches("gzip", body.headers["accept-encoding"])
      local res = assert(client:request("GET", "/_test/gzip", {query = {size = 2000}}))
      assert.equal(200, res.status)
      assert.equal(2000, #res.body)
      assert.equal("gzip", res.headers["content-encoding"])
    end)

    it("returns a non-JSON body as a string", function()
      local res = assert(client:request("GET", "/_test/text"))
      assert.equal("hello", res.body)
      res = assert(client:request("GET", "/_test/bytes", {query = {size = 100000}}))
      assert.equal(100000, #res.body)
    end)

    it("returns any HTTP status as a response, not an error", function()
      for _, code in ipairs{201, 204, 400, 401, 404, 429, 500, 503} do
        local res, err = client:request("GET", "/_test/status/" .. code)
        assert.is_nil(err)
        assert.equal(code, res.status)
      end
    end)

    it("gives a decode error for malformed JSON in a 200", function()
      local res, err = client:request("GET", "/_test/malformed")
      assert.is_nil(res)
      assert.equal("decode", err.kind)
      assert.equal(200, err.status)
      assert.matches("byte offset %d+", err.message)
      assert.equal("/_test/malformed", err.path)
    end)

    it("refuses a body larger than max_body", function()
      local c <close> = prismacloud.new{url = srv.url, max_body = 1000}
      local res, err = c:request("GET", "/_test/bytes", {query = {size = 5000}})
      assert.is_nil(res)
      assert.equal("transport", err.kind)
      assert.matches("max_body", err.message)
      assert.is_true(assert(c:request("GET", "/_test/bytes", {query = {size = 10}})).status == 200)
    end)
  end)

  describe("errors of the API", function()
    it("reads the error body, x-redlock-status and the request id", function()
      local body, err = client:send("GET", "/_test/redlock_error")
      assert.is_nil(body)
      assert.is_true(prismacloud.is_error(err))
      assert.equal("invalid_request", err.kind)
      assert.equal(400, err.status)
      assert.equal("BadArgument", err.code)
      assert.equal("bad severity", err.message)
      assert.equal("invalid_parameter_value", err.details[1].i18nKey)
      assert.equal("policy.severity", err.details[1].subject)
      assert.equal("test-req-1", err.request_id)
      assert.equal("GET", err.method)
      assert.equal("/_test/redlock_error", err.path)
      assert.is_false(err.retryable)
      local s = tostring(err)
      assert.matches("invalid_request", s)
      assert.matches("HTTP 400", s)
      assert.matches("/_test/redlock_error", s, 1, true)
      assert.matches("test%-req%-1", s)
    end)

    it("reads a Spring-style error body", function()
      local _, err = client:send("GET", "/_test/spring_error")
      assert.equal("not_found", err.kind)
      assert.equal("no such thing", err.message)
    end)

    it("maps statuses to kinds and marks retryable ones", function()
      local want = {[401] = "auth", [403] = "forbidden", [404] = "not_found", [409] = "conflict",
                    [429] = "rate_limited", [500] = "server", [503] = "server", [422] = "invalid_request"}
      for code, kind in pairs(want) do
        local _, err = client:send("GET", "/_test/status/" .. code)
        assert.equal(kind, err.kind)
        assert.equal(code == 429 or code == 503, err.retryable)
      end
    end)

    it("uses the i18nKey when the body says nothing", function()
      local c <close> = prismacloud.new{url = srv.url}
      local _, err = c:send("GET", "/v2/ping")
      assert.equal("auth", err.kind)
      assert.matches("invalid_auth_token", err.code)
    end)
  end)

  describe("connections", function()
    it("keeps one connection alive over 1,000 sequential requests", function()
      local c <close> = prismacloud.new{url = srv.url}
      local before = assert(c:request("GET", "/_test/stats")).body.connections
      local conn
      for i = 1, 1000 do
        local m = i % 2 == 0 and "GET" or "POST"
        local res = assert(c:request(m, "/_test/echo", {body = m == "POST" and {i = i} or nil}))
        conn = conn or res.body.conn
        assert.equal(conn, res.body.conn)
      end
      local after = assert(c:request("GET", "/_test/stats")).body.connections
      assert.equal(before, after)
    end)

    it("reports connection refused as a retryable transport error", function()
      local port = srv.url:match(":(%d+)$")
      local dead = server.start{}
      local url = dead.url
      dead.stop()
      assert.not_equal(port, url:match(":(%d+)$"))
      local c <close> = prismacloud.new{url = url, connect_timeout = 2, retries = 0}
      local res, err = c:request("GET", "/x")
      assert.is_nil(res)
      assert.equal("transport", err.kind)
      assert.is_true(err.retryable)
      assert.equal("GET", err.method)
      assert.equal("/x", err.path)
    end)

    it("times out on a stalled server", function()
      local c <close> = prismacloud.new{url = srv.url, timeout = 0.3, retries = 0}
      local t0 = os.clock()
      local res, err = c:request("GET", "/_test/stall", {query = {ms = 3000}})
      assert.is_nil(res)
      assert.equal("timeout", err.kind)
      assert.is_true(err.retryable)
      assert.is_true(os.clock() - t0 < 2) -- CPU time: the wait does not spin
    end)

    it("reports a reset mid-body and a truncated body as transport errors", function()
      local c <close> = prismacloud.new{url = srv.url, retries = 0}
      for _, p in ipairs{"/_test/reset", "/_test/truncated"} do
        local res, err = c:request("GET", p)
        assert.is_nil(res)
        assert.equal("transport", err.kind)
        assert.is_true(err.retryable)
      end
      assert.equal(200, assert(c:request("GET", "/_test/echo")).status)
    end)
  end)

  describe("lifecycle", function()
    it("closes idempotently and refuses use afterwards", function()
      local c = prismacloud.new{url = srv.url}
      c:close()
      c:close()
      assert.error_matches(function() c:request("GET", "/") end, "attempt to use a closed client")
      assert.matches("closed", tostring(c))
    end)

    it("closes at the end of a <close> scope", function()
      local escaped
      do
        local c <close> = prismacloud.new{url = srv.url}
        escaped = c
      end
      assert.error_matches(function() escaped:request("GET", "/") end, "closed client")
    end)

    it("shows type, host and state but no secret in tostring", function()
      local c <close> = prismacloud.new{url = srv.url, access_key = "AK-visible?", secret_key = "S3CRET",
                                        token = "eyJ.TOKEN.sig"}
      local s = tostring(c)
      assert.matches("^prismacloud%.Client", s)
      assert.matches("127%.0%.0%.1", s)
      assert.not_matches("S3CRET", s)
      assert.not_matches("TOKEN", s)
    end)

    it("keeps memory flat over 10,000 clients created, used and closed", function()
      local function rss_kb()
        local f = assert(io.open("/proc/self/statm"))
        local _, resident = f:read("n", "n")
        f:close()
        return resident * 4
      end
      local function churn(n)
        for i = 1, n do
          local c <close> = prismacloud.new{url = srv.url, token = "t" .. i, retries = 0}
          if i % 100 == 0 then assert(c:request("GET", "/_test/echo")) end
        end
        collectgarbage()
        collectgarbage()
      end
      local preload = os.getenv("LD_PRELOAD") or ""
      if preload:find("asan") or preload:find("vgpreload") then
        -- ASan's quarantine and valgrind's allocator hold freed memory on purpose;
        -- their leak checks cover this run instead
        return pending("RSS is not meaningful under ASan or valgrind")
      end
      churn(1000) -- warm up allocator and caches
      local before = rss_kb()
      churn(10000)
      local grown = rss_kb() - before
      assert.is_true(grown < 16 * 1024, ("RSS grew by %d KB"):format(grown))
    end)

    it("survives many clients created and dropped to the garbage collector", function()
      for _ = 1, 200 do prismacloud.new{url = srv.url} end
      collectgarbage()
      collectgarbage()
      assert.equal(200, assert(client:request("GET", "/_test/echo")).status)
    end)
  end)
end)

describe("client options", function()
  it("needs a url", function()
    assert.error_matches(function() prismacloud.new{} end, "missing option 'url'")
    assert.error_matches(function() prismacloud.new() end, "table of options expected")
  end)

  it("refuses unknown keys and wrong types, naming the key", function()
    assert.error_matches(function() prismacloud.new{url = "x", tmeout = 1} end, "unknown option 'tmeout'")
    assert.error_matches(function() prismacloud.new{url = "x", timeout = "1"} end,
      "bad option 'timeout' %(number expected, got string%)")
    assert.error_matches(function() prismacloud.new{url = "x", verify = "no"} end, "bad option 'verify'")
    assert.error_matches(function() prismacloud.new{url = "x", timeout = -1} end, "bad option 'timeout'")
    assert.error_matches(function() prismacloud.new{url = 42} end, "bad option 'url'")
  end)

  it("normalises the url and refuses bad ones", function()
    assert.matches("api%.prismacloud%.io", tostring(prismacloud.new{url = "api.prismacloud.io/"}))
    assert.error_matches(function() prismacloud.new{url = "ftp://x"} end, "scheme must be http or https")
    assert.error_matches(function() prismacloud.new{url = "https://"} end, "no host")
    assert.error_matches(function() prismacloud.new{url = "a b"} end, "control character or space")
  end)
end)

describe("TLS", function()
  local srv

  setup(function() srv = server.start{tls = true} end)
  teardown(function() if srv then srv.stop() end end)

  it("fails verification against an unknown CA", function()
    local c <close> = prismacloud.new{url = srv.url, cafile = srv.ca:gsub("ca%.pem$", "other-ca.pem")}
    local res, err = c:request("GET", "/_test/echo")
    assert.is_nil(res)
    assert.equal("tls", err.kind)
    assert.is_false(err.retryable)
  end)

  it("succeeds with the server's CA in cafile", function()
    local c <close> = prismacloud.new{url = srv.url, cafile = srv.ca}
    for _ = 1, 3 do
      local res = assert(c:request("GET", "/_test/echo"))
      assert.equal(200, res.status)
    end
  end)

  it("warns (Lua warning) when verification is turned off", function()
    local p = io.popen("LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./?.so;;' lua5.4 -W -e "
      .. "'local pc = require \"prismacloud\"; pc.new{url = \"x\"}; pc.new{url = \"x\", verify = false}' 2>&1")
    local out = p:read("a")
    p:close()
    local _, n = out:gsub("verification is off", "")
    assert.equal(1, n)
  end)

  describe("CA store from the environment (issue 13, finding 16)", function()
    local shell_quote = require("spec.support.files").shell_quote
    local other_ca

    setup(function() other_ca = srv.ca:gsub("ca%.pem$", "other-ca.pem") end)

    -- Runs prismacloud.new{url =, [cafile =]} and one request in a child lua5.4
    -- whose environment holds exactly the given CA variables; returns "ok 200"
    -- or "err <kind>".
    local function child(vars, cafile)
      local script = ("local pc = require 'prismacloud'; local c = pc.new{url = %q, retries = 0, cafile = %s}; "
        .. "local res, err = c:request('GET', '/_test/echo'); "
        .. "io.write(res and ('ok ' .. res.status) or ('err ' .. err.kind))"):format(srv.url,
          cafile and ("%q"):format(cafile) or "nil")
      local words = {}
      for _, v in ipairs(vars) do words[#words + 1] = shell_quote(v) end
      local p = io.popen(("env -u CURL_CA_BUNDLE -u SSL_CERT_FILE -u SSL_CERT_DIR %s "
        .. "LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./?.so;;' lua5.4 -e %s 2>&1")
        :format(table.concat(words, " "), shell_quote(script)))
      local out = p:read("a")
      p:close()
      return out
    end

    it("CURL_CA_BUNDLE, then SSL_CERT_FILE, give cafile when neither cafile nor capath is given", function()
      assert.equal("err tls", child{})
      assert.equal("ok 200", child{"SSL_CERT_FILE=" .. srv.ca})
      assert.equal("ok 200", child{"CURL_CA_BUNDLE=" .. srv.ca})
      assert.equal("err tls", child{"CURL_CA_BUNDLE=" .. other_ca, "SSL_CERT_FILE=" .. srv.ca})
      assert.equal("ok 200", child{"CURL_CA_BUNDLE=", "SSL_CERT_FILE=" .. srv.ca}) -- empty counts as unset
      assert.equal("err tls", child({"SSL_CERT_FILE=" .. srv.ca}, other_ca)) -- an explicit cafile wins
      assert.equal("ok 200", child({"CURL_CA_BUNDLE=" .. other_ca}, srv.ca))
    end)

    it("SSL_CERT_DIR gives capath (a directory hashed by openssl rehash)", function()
      if os.execute("command -v openssl > /dev/null 2>&1") ~= true then
        pending("openssl is not installed")
        return
      end
      local files = require "spec.support.files"
      local dir = files.temp_dir()
      os.execute(("cp %s %s/ca.pem && env -u LD_PRELOAD openssl rehash %s > /dev/null 2>&1")
        :format(shell_quote(srv.ca), shell_quote(dir), shell_quote(dir)))
      local ok, out = pcall(function()
        assert.equal("err tls", child{"SSL_CERT_DIR=" .. srv.ca:match("^(.*)/")}) -- not hashed: no use
        return child{"SSL_CERT_DIR=" .. dir}
      end)
      files.remove_dir(dir)
      assert(ok, out)
      assert.equal("ok 200", out)
    end)
  end)

  it("succeeds with verify = false", function()
    local c <close> = prismacloud.new{url = srv.url, verify = false}
    assert.equal(200, assert(c:request("GET", "/_test/echo")).status)
  end)
end)
