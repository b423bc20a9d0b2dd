-- Hostile servers: whatever a server sends, the client answers with a clear
-- result or error, never a crash (these also run under ASan and valgrind).
local prismacloud = require "prismacloud"
local server = require "support.server"

describe("hostile server", function()
  local srv, c

  setup(function()
    srv = server.start{}
    c = prismacloud.new{url = srv.url, token = "t", retries = 0}
  end)
  teardown(function()
    if c then c:close() end
    if srv then srv.stop() end
  end)
  before_each(function() srv.clear() end)

  local function serve(body, headers, status)
    srv.fault{path = "/_test/echo", status = status or 200, body = body,
              headers = headers or {["Content-Type"] = "application/json"}}
    return c:request("GET", "/_test/echo")
  end

  it("refuses JSON nested 100,000 deep with a decode error", function()
    local res, err = serve(("["):rep(100000) .. ("]"):rep(100000))
    assert.is_nil(res)
    assert.equal("decode", err.kind)
    assert.matches("nesting deeper than 1000 at byte offset 1000", err.message)
  end)

  it("handles a number of 10,000 digits", function()
    local res, err = serve("[" .. ("9"):rep(10000) .. "]")
    if res then
      assert.equal("float", math.type(res.body[1]))
    else
      assert.equal("decode", err.kind)
      assert.matches("byte offset 1", err.message)
    end
  end)

  it("refuses invalid UTF-8 in a JSON string", function()
    local res, err = serve('{"name": "bad \255\254 bytes"}')
    assert.is_nil(res)
    assert.equal("decode", err.kind)
    assert.matches("UTF%-8 at byte offset 14", err.message)
  end)

  it("refuses a raw NUL byte in a JSON string but keeps an escaped one", function()
    local res, err = serve('{"a": "x\0y"}')
    assert.is_nil(res)
    assert.equal("decode", err.kind)
    res = assert(serve('{"a": "x\\u0000y"}'))
    assert.equal("x\0y", res.body.a)
  end)

  it("takes 10,000 response headers", function()
    local headers = {["Content-Type"] = "application/json"}
    for i = 1, 10000 do headers["X-H-" .. i] = ("v"):rep(20) end
    local res, err = serve("{}", headers)
    if res then
      assert.equal(("v"):rep(20), res.headers["x-h-9999"])
    else
      assert.equal("transport", err.kind) -- libcurl's own header limits
    end
    assert.equal(200, assert(c:request("GET", "/_test/text")).status)
  end)

  it("returns a non-JSON error body of any size as a string, kept short in messages", function()
    local big = ("<html>" .. ("x"):rep(100000) .. "</html>")
    srv.fault{path = "/_test/echo", status = 502, body = big, headers = {["Content-Type"] = "text/html"}}
    local body, err = c:send("GET", "/_test/echo")
    assert.is_nil(body)
    assert.equal("server", err.kind)
    assert.is_true(#err.message < 300)
    assert.is_true(#tostring(err) < 400)
  end)

  it("stops a gzip bomb at max_body, counted after decompression (ratio check off)", function()
    local small <close> = prismacloud.new{url = srv.url, max_body = 8 * 1024 * 1024, retries = 0, max_ratio = 0}
    local res, err = small:request("GET", "/_test/gzip_bomb", {query = {mb = 64}})
    assert.is_nil(res)
    assert.equal("transport", err.kind)
    assert.matches("max_body", err.message)
    assert.is_false(err.retryable)
    res = assert(small:request("GET", "/_test/gzip_bomb", {query = {mb = 4}}))
    assert.equal("gzip", res.headers["content-encoding"])
    assert.equal(4 * 1024 * 1024, #res.body)
  end)

  it("refuses an endless body past max_body and stays usable", function()
    local small <close> = prismacloud.new{url = srv.url, max_body = 64 * 1024, retries = 0}
    local res, err = small:request("GET", "/_test/bytes", {query = {size = 4 * 1024 * 1024}})
    assert.is_nil(res)
    assert.matches("max_body", err.message)
    assert.equal(200, assert(small:request("GET", "/_test/text")).status)
  end)

  it("reads header lines that end in LF alone (no CR)", function()
    srv.fault{path = "/_test/echo", status = 200, body = '{"ok": true}', bare_lf = true,
              headers = {["Content-Type"] = "application/json", ["X-Trace-Id"] = "abc"}}
    local res = assert(c:request("GET", "/_test/echo"))
    assert.equal(200, res.status)
    assert.is_true(res.body.ok)
    assert.equal("abc", res.headers["x-trace-id"])    -- no stray CR kept in names or values
    assert.equal("application/json", res.headers["content-type"])
    assert.equal(200, assert(c:request("GET", "/_test/text")).status)
  end)

  it("a header block that never ends is a clear transport error, and the client stays usable", function()
    srv.fault{path = "/_test/echo", status = 200, body = "{}", unterminated = true}
    local res, err = c:request("GET", "/_test/echo")
    assert.is_nil(res)
    assert.equal("transport", err.kind)
    assert.is_string(err.message)
    assert.equal("GET", err.method)
    assert.equal(200, assert(c:request("GET", "/_test/text")).status)
  end)
end)
