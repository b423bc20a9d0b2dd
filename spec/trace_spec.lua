-- Client option trace: one redacted line per connection note, header line
-- and body size, delivered after each exchange (login, extend, requests,
-- parallel); credentials and bodies never shown.
local prismacloud = require "prismacloud"
local server = require "support.server"

local function has(lines, pattern, plain)
  for _, l in ipairs(lines) do
    if l:find(pattern, 1, plain) then return l end
  end
  return nil
end

describe("trace", function()
  local srv

  setup(function() srv = server.start{} end)
  teardown(function() if srv then srv.stop() end end)
  before_each(function() srv.clear() end)

  local function traced(opts)
    local lines = {}
    local o = {url = srv.url, access_key = "test-key", secret_key = "test-secret", retries = 0,
               trace = function(line) lines[#lines + 1] = line end}
    for k, v in pairs(opts or {}) do o[k] = v end
    return prismacloud.new(o), lines
  end

  it("shows login and request headers with credentials redacted, bodies by size only", function()
    local c <close>, lines = traced()
    local res = assert(c:request("GET", "/v2/policy", {query = {["policy.severity"] = "high"},
                                                        headers = {Authorization = "Bearer abc.def"}}))
    assert.equal(200, res.status)
    assert.truthy(has(lines, "> POST /login HTTP/1.1", true))
    assert.truthy(has(lines, "^> %[%d+ bytes of body%]$"))
    assert.truthy(has(lines, "> GET /v2/policy?policy.severity=high HTTP/1.1", true))
    assert.truthy(has(lines, "> x-redlock-auth: <redacted>", true))
    assert.truthy(has(lines, "> Authorization: <redacted>", true))
    assert.truthy(has(lines, "< HTTP/1.1 200 OK", true))
    assert.truthy(has(lines, "^< %[%d+ bytes of body%]$"))
    for _, l in ipairs(lines) do
      assert.is_nil(l:find("test-secret", 1, true), l)
      assert.is_nil(l:find("eyJ", 1, true), l)            -- no JWT, in a header or a body
      assert.is_nil(l:find("abc.def", 1, true), l)
      assert.is_nil(l:find("[%c]"), l)                   -- one line, no control characters
    end
  end)

  it("covers every exchange of client:parallel and of a retried request", function()
    local c <close>, lines = traced()
    assert(c:login())
    for i = #lines, 1, -1 do lines[i] = nil end
    local results = c:parallel{{method = "GET", path = "/_test/bytes", query = {size = 10}},
                               {method = "GET", path = "/_test/bytes", query = {size = 20}}}
    assert.equal(2, #results)
    local gets = 0
    for _, l in ipairs(lines) do
      if l:find("^> GET /_test/bytes%?size=") then gets = gets + 1 end
    end
    assert.equal(2, gets)
    assert.truthy(has(lines, "< [10 bytes of body]", true))
    assert.truthy(has(lines, "< [20 bytes of body]", true))

    for i = #lines, 1, -1 do lines[i] = nil end
    srv.fault{path = "/_test/bytes", status = 503, times = 1}
    local res = assert(c:request("GET", "/_test/bytes", {query = {size = 5}, retries = 1, backoff_base = 0.01}))
    assert.equal(200, res.status)
    assert.truthy(has(lines, "< HTTP/1.1 503", true))
    assert.truthy(has(lines, "< HTTP/1.1 200 OK", true))
  end)

  it("a failing trace function is counted and warned about, never fatal", function()
    local c <close> = prismacloud.new{url = srv.url, token = "t", retries = 0,
                                      trace = function() error("trace broke") end}
    local res = assert(c:request("GET", "/_test/bytes", {query = {size = 3}}))
    assert.equal(3, #res.body)
    assert.is_true(c:stats().hook_errors >= 1)
  end)

  it("trace = true writes the redacted lines to standard error", function()
    local script = ([[
      local prismacloud = require "prismacloud"
      local c = prismacloud.new{url = %q, access_key = "test-key", secret_key = "test-secret", trace = true}
      assert(c:request("GET", "/_test/bytes", {query = {size = 7}}))
      c:close()
    ]]):format(srv.url)
    local file = os.tmpname()
    local f = assert(io.open(file, "w"))
    f:write(script)
    f:close()
    local p = io.popen("LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./?.so;;' lua5.4 " .. file
      .. " 2>&1 >/dev/null")
    local err = p:read("a")
    p:close()
    os.remove(file)
    assert.matches("prismacloud: > POST /login HTTP/1.1", err, 1, true)
    assert.matches("prismacloud: > x-redlock-auth: <redacted>", err, 1, true)
    assert.matches("prismacloud: < [7 bytes of body]", err, 1, true)
    assert.is_nil(err:find("test-secret", 1, true))
  end)

  it("refuses a trace that is not a function or true", function()
    assert.has_error(function() prismacloud.new{url = srv.url, trace = "yes"} end,
      "bad option 'trace' (function expected, got string)")
  end)

  it("is off by default: nothing is collected without the option", function()
    local c <close> = prismacloud.new{url = srv.url, token = "t", retries = 0}
    local res = assert(c:request("GET", "/_test/bytes", {query = {size = 3}}))
    assert.equal(200, res.status)
  end)
end)
