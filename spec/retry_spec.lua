-- Retries, backoff, Retry-After and fault scenarios, played by the emulator.
local prismacloud = require "prismacloud"
local server = require "support.server"

local function now()
  local socket = require "socket"
  return socket.gettime()
end

describe("resilience", function()
  local srv, c

  setup(function()
    srv = server.start{}
    c = prismacloud.new{url = srv.url, access_key = "test-key", secret_key = "test-secret",
                        backoff_base = 0.01, backoff_cap = 0.05, timeout = 5}
    assert(c:login())
  end)
  teardown(function()
    if c then c:close() end
    if srv then srv.stop() end
  end)
  before_each(function() srv.clear() end)

  it("honours Retry-After: 1 through a 429 storm and measures the waits", function()
    local waits = {}
    local hooked <close> = prismacloud.new{url = srv.url, access_key = "test-key", secret_key = "test-secret",
      backoff_base = 0.01, on_retry = function(e) waits[#waits + 1] = e end}
    assert(hooked:login())
    srv.fault{path = "/v2/ping", status = 429, headers = {["Retry-After"] = "1"}, times = 2}
    local t0 = now()
    local body = hooked:send("GET", "/v2/ping")
    local elapsed = now() - t0
    assert.is_true(body.ok)
    assert.equal(3, hooked:last_response().attempts)
    assert.equal(2, #waits)
    for _, w in ipairs(waits) do
      assert.equal(1, w.wait)
      assert.equal(429, w.status)
      assert.equal("HTTP 429", w.reason)
    end
    assert.is_true(elapsed >= 2.0, "waited " .. elapsed)
    assert.equal(2, hooked:stats().rate_limited)
    assert.equal(2, hooked:stats().retries)
  end)

  it("honours Retry-After given as an HTTP-date on a 503", function()
    local waits = {}
    local hooked <close> = prismacloud.new{url = srv.url, access_key = "test-key", secret_key = "test-secret",
      on_retry = function(e) waits[#waits + 1] = e.wait end}
    assert(hooked:login())
    local date = os.date("!%a, %d %b %Y %H:%M:%S GMT", os.time() + 2)
    srv.fault{path = "/v2/ping", status = 503, headers = {["Retry-After"] = date}, times = 1}
    local t0 = now()
    assert(hooked:send("GET", "/v2/ping"))
    assert.equal(1, #waits)
    assert.is_true(waits[1] > 0.5 and waits[1] <= 2.5, "wait " .. waits[1])
    assert.is_true(now() - t0 >= waits[1] - 0.05)
  end)

  it("retries a 500 on a GET", function()
    srv.fault{path = "/v2/ping", status = 500, times = 2}
    local body = c:send("GET", "/v2/ping")
    assert.is_true(body.ok)
    assert.equal(3, c:last_response().attempts)
  end)

  it("never sends a create POST twice after a 500", function()
    srv.fault{method = "POST", path = "/v2/ping", status = 500, times = 1}
    local body, err = c:send("POST", "/v2/ping", {body = {name = "new"}})
    assert.is_nil(body)
    assert.equal("server", err.kind)
    assert.equal(500, err.status)
    assert.equal(1, err.attempts)
    assert.equal(1, #srv.requests("/v2/ping"))
  end)

  it("retries a 500 on a POST marked idempotent", function()
    srv.fault{method = "POST", path = "/v2/ping", status = 500, times = 1}
    local body = c:send("POST", "/v2/ping", {body = {}, idempotent = true})
    assert.is_true(body.ok)
    assert.equal(2, c:last_response().attempts)
  end)

  it("retries 502, 503 and 504", function()
    for _, status in ipairs{502, 503, 504} do
      srv.fault{path = "/v2/ping", status = status, times = 1}
      assert(c:send("GET", "/v2/ping"))
      assert.equal(2, c:last_response().attempts)
    end
  end)

  it("retries after a connection reset mid-body", function()
    srv.fault{path = "/v2/ping", reset = true, times = 1}
    assert(c:send("GET", "/v2/ping"))
    assert.equal(2, c:last_response().attempts)
  end)

  it("retries after a stall longer than the timeout", function()
    srv.fault{path = "/v2/ping", stall_ms = 3000, times = 1}
    assert(c:send("GET", "/v2/ping", {timeout = 0.5}))
    assert.equal(2, c:last_response().attempts)
  end)

  it("retries after a truncated body", function()
    srv.fault{path = "/v2/ping", truncate = true, times = 1}
    assert(c:send("GET", "/v2/ping"))
    assert.equal(2, c:last_response().attempts)
  end)

  it("gives a decode error for malformed JSON with 200, without retrying", function()
    srv.fault{path = "/v2/ping", malformed = true, times = 1}
    local body, err = c:send("GET", "/v2/ping")
    assert.is_nil(body)
    assert.equal("decode", err.kind)
    assert.equal(1, err.attempts)
  end)

  it("says how many attempts and the last status when retries run out", function()
    srv.fault{path = "/v2/ping", status = 503, times = 10}
    local body, err = c:send("GET", "/v2/ping", {retries = 2})
    assert.is_nil(body)
    assert.equal(503, err.status)
    assert.equal(3, err.attempts)
    assert.is_true(err.retryable)
    assert.matches("after 3 attempts", tostring(err))
    assert.equal(3, #srv.requests("/v2/ping"))
  end)

  it("gives every request its own budget", function()
    srv.fault{path = "/v2/ping", status = 503, times = 3}
    local _, err = c:send("GET", "/v2/ping", {retries = 2})
    assert.equal(3, err.attempts)
    srv.fault{path = "/v2/ping", status = 503, times = 2}
    local body = c:send("GET", "/v2/ping", {retries = 2})
    assert.is_true(body.ok)
    assert.equal(3, c:last_response().attempts)
  end)

  it("stops retrying at the deadline", function()
    srv.fault{path = "/v2/ping", status = 503, headers = {["Retry-After"] = "5"}, times = 5}
    local t0 = now()
    local _, err = c:send("GET", "/v2/ping", {deadline = 1})
    assert.equal(503, err.status)
    assert.equal(1, err.attempts)
    assert.is_true(now() - t0 < 1)
  end)

  it("retries a refused connection and reports it when it persists", function()
    local dead = server.start{}
    local url = dead.url
    dead.stop()
    local d <close> = prismacloud.new{url = url, retries = 2, backoff_base = 0.01}
    local res, err = d:request("GET", "/x")
    assert.is_nil(res)
    assert.equal("transport", err.kind)
    assert.equal(3, err.attempts)
  end)

  it("parses X-RateLimit-* headers into client:rate_limit()", function()
    local fresh <close> = prismacloud.new{url = srv.url, token = "x"}
    assert.is_nil(fresh:rate_limit())
    srv.fault{path = "/_test/echo", status = 200, body = {}, headers = {
      ["X-RateLimit-Remaining"] = "7", ["X-RateLimit-Replenish-Rate"] = "2",
      ["X-RateLimit-Burst-Capacity"] = "10", ["X-RateLimit-Requested-Tokens"] = "1"}}
    assert(fresh:request("GET", "/_test/echo"))
    local rl = fresh:rate_limit()
    assert.same({remaining = 7, replenish_rate = 2, burst_capacity = 10, requested_tokens = 1},
      {remaining = rl.remaining, replenish_rate = rl.replenish_rate, burst_capacity = rl.burst_capacity,
       requested_tokens = rl.requested_tokens})
    assert.is_number(rl.updated_at)
  end)

  it("reports a failing hook without propagating it", function()
    local calls = 0
    local h <close> = prismacloud.new{url = srv.url, on_request = function() calls = calls + 1; error("boom") end,
                                      on_response = function(e) assert(e.status == 200) end}
    local res = assert(h:request("GET", "/_test/echo"))
    assert.equal(200, res.status)
    assert.equal(1, calls)
    local s = h:stats()
    assert.equal(1, s.hook_errors)
    assert.matches("boom", s.last_hook_error)
  end)

  it("refuses a close from a hook: the request goes on, the client stays open", function()
    local h
    h = prismacloud.new{url = srv.url, on_request = function() h:close() end}
    assert.equal(200, assert(h:request("GET", "/_test/echo")).status)
    assert.matches("client used from its own hook", h:stats().last_hook_error)
    assert.equal(200, assert(h:request("GET", "/_test/echo")).status)
    h:close()
    assert.error_matches(function() h:request("GET", "/_test/echo") end, "closed client")
  end)

  it("checks the retry options strictly", function()
    assert.error_matches(function() prismacloud.new{url = "x", retries = -1} end, "'retries'")
    assert.error_matches(function() prismacloud.new{url = "x", on_retry = 1} end, "'on_retry'")
    assert.error_matches(function() c:request("GET", "/", {retries = "2"}) end, "'retries'")
    assert.error_matches(function() c:request("GET", "/", {deadline = 0}) end, "'deadline'")
  end)
end)

describe("secrets", function()
  it("never appear in anything the library builds through the fault scenarios", function()
    local srv = server.start{}
    local SECRET, KEY = "S3cr3t-Value-xyz", "test-key"
    local strings = {}
    local function collect(v, depth)
      depth = depth or 0
      if depth > 5 then return end
      if type(v) == "string" then strings[#strings + 1] = v
      elseif type(v) == "table" then
        strings[#strings + 1] = tostring(v)
        for k, x in pairs(v) do collect(k, depth + 1); collect(x, depth + 1) end
      elseif v ~= nil then strings[#strings + 1] = tostring(v) end
    end
    local hook = function(e) collect(e) end
    local ok, failure = pcall(function()
      -- a wrong secret (login refused) and a right one
      for _, secret in ipairs{SECRET, "test-secret"} do
        local cl <close> = prismacloud.new{url = srv.url, access_key = KEY, secret_key = secret,
          backoff_base = 0.01, on_request = hook, on_response = hook, on_retry = hook, on_token = hook,
          trace = hook}
        collect(tostring(cl))
        for _, fault in ipairs{{status = 401}, {status = 503}, {reset = true}, {truncate = true},
                                {malformed = true}, {status = 500, times = 9}} do
          fault.path = "/v2/ping"
          fault.times = fault.times or 1
          srv.fault(fault)
          local r1, r2 = cl:send("GET", "/v2/ping", {retries = 1})
          collect(r1); collect(r2)
          srv.clear()
        end
        collect(cl:stats()); collect(cl:session()); collect(cl:rate_limit())
        local _, e = cl:login()
        collect(e)
      end
    end)
    srv.stop()
    assert(ok, failure)
    assert.is_true(#strings > 200) -- the trace lines included
    local tokens = 0
    for _, s in ipairs(strings) do
      assert.is_nil(s:find(SECRET, 1, true), s)
      assert.is_nil(s:find("test-secret", 1, true), s)
      if s:find("eyJ", 1, true) then tokens = tokens + 1 end
    end
    assert.equal(0, tokens)
  end)
end)
