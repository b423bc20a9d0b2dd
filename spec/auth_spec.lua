-- The JWT lifecycle against the emulator: login, proactive renewal,
-- refresh after a 401, fallbacks, and sessions. Real sockets, real JWTs.
local prismacloud = require "prismacloud"
local server = require "support.server"

local FAST = {backoff_base = 0.01, backoff_cap = 0.05}

local function new_client(srv, extra)
  local opts = {url = srv.url, access_key = "test-key", secret_key = "test-secret",
                backoff_base = FAST.backoff_base, backoff_cap = FAST.backoff_cap}
  for k, v in pairs(extra or {}) do opts[k] = v end
  return prismacloud.new(opts)
end

-- A JWT with the given claims, signed with nothing the emulator knows.
local function fake_jwt(claims)
  local json = prismacloud.json.encode(claims)
  local b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
  local out = {}
  for i = 1, #json, 3 do
    local a, b, c = json:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local chars = 2 + (b and 1 or 0) + (c and 1 or 0)
    for j = 1, chars do
      local idx = (n >> (18 - 6 * (j - 1))) & 63
      out[#out + 1] = b64:sub(idx + 1, idx + 1)
    end
  end
  return "eyJhbGciOiJIUzI1NiJ9." .. table.concat(out) .. ".c2ln"
end

describe("authentication", function()
  local srv

  setup(function() srv = server.start{token_ttl = 600} end)
  teardown(function() if srv then srv.stop() end end)
  before_each(function() srv.clear() end)

  it("logs in lazily on the first request and sends the token", function()
    local c <close> = new_client(srv)
    assert.is_false(c:session().authenticated)
    local body = assert(c:send("GET", "/v2/ping"))
    assert.is_true(body.ok)
    local s = c:stats()
    assert.equal(1, s.logins)
    assert.equal(2, s.requests)
    local session = c:session()
    assert.is_true(session.authenticated)
    assert.same({"emulator"}, session.customer_names)
    assert.same({{name = "emulator", prisma_id = "806775661100000001"}}, session.customers)
    assert.is_nil(session.prisma_id) -- not given as an option
    assert.is_true(session.expires_in > 590 and session.expires_in <= 600)
    for _, v in pairs(session) do assert.not_matches("^eyJ", tostring(v)) end
  end)

  it("keeps the session's customers through an extend, and reports a prisma_id option", function()
    local c <close> = prismacloud.new{url = srv.url, access_key = "test-key", secret_key = "test-secret",
                                      prisma_id = "806775661100000001", retries = 0}
    assert.is_true(c:login())
    assert.equal("806775661100000001", c:session().prisma_id)
    assert.same({{name = "emulator", prisma_id = "806775661100000001"}}, c:session().customers)
    srv.config{token_ttl = 1}
    local ok, failure = pcall(function()
      local fresh <close> = prismacloud.new{url = srv.url, token = assert(srv.login()), retries = 0}
      assert.is_nil(fresh:session().customers) -- a bare token says nothing of the tenant
      require("socket").sleep(0.9)             -- past 80% of its life: the next request extends it
      assert(fresh:send("GET", "/v2/ping"))
      assert.equal(1, fresh:stats().extends)
      assert.same({{name = "emulator", prisma_id = "806775661100000001"}}, fresh:session().customers)
    end)
    srv.config{token_ttl = 600}
    assert(ok, failure)
  end)

  it("logs in explicitly with client:login()", function()
    local c <close> = new_client(srv)
    assert.is_true(c:login())
    assert.equal(1, c:stats().logins)
    local log = srv.requests("/login")
    assert.equal(1, #log)
    local sent = prismacloud.json.decode(log[1].body)
    assert.equal("test-key", sent.username)
    assert.equal("test-secret", sent.password)
  end)

  it("sends customerName and prismaId when given", function()
    local c <close> = new_client(srv, {customer_name = "acme", prisma_id = "123"})
    assert(c:login())
    local sent = prismacloud.json.decode(srv.requests("/login")[1].body)
    assert.equal("acme", sent.customerName)
    assert.equal("123", sent.prismaId)
  end)

  it("fails once and quickly with a wrong secret (no retry loop)", function()
    local c <close> = new_client(srv, {secret_key = "wrong"})
    local body, err = c:send("GET", "/v2/ping")
    assert.is_nil(body)
    assert.equal("auth", err.kind)
    assert.equal(401, err.status)
    assert.equal("invalid_credentials", err.code)
    assert.equal("/login", err.path)
    assert.is_false(err.retryable)
    assert.equal(1, c:stats().requests)
    local ok, err2 = c:login()
    assert.is_nil(ok)
    assert.equal("auth", err2.kind)
  end)

  it("refreshes once and replays after an early 401", function()
    local c <close> = new_client(srv)
    assert(c:login())
    srv.fault{path = "/v2/ping", status = 401, times = 1}
    local body = assert(c:send("GET", "/v2/ping"))
    assert.is_true(body.ok)
    local s = c:stats()
    assert.equal(1, s.refreshes)
    assert.equal(1, s.extends) -- the token was still valid by our clock: extend, not login
    assert.equal(1, s.logins)
    assert.equal(2, #srv.requests("/v2/ping"))
  end)

  it("falls back to login when extend fails", function()
    for _, status in ipairs{401, 500} do
      local c <close> = new_client(srv)
      assert(c:login())
      srv.fault{path = "/v2/ping", status = 401, times = 1}
      srv.fault{path = "/auth_token/extend", status = status, times = 1}
      assert(c:send("GET", "/v2/ping"))
      local s = c:stats()
      assert.equal(1, s.extends)
      assert.equal(2, s.logins)
    end
  end)

  it("does not loop when the server keeps refusing the token", function()
    local c <close> = new_client(srv)
    srv.fault{path = "/v2/ping", status = 401, times = 5}
    local _, err = c:send("GET", "/v2/ping")
    assert.equal("auth", err.kind)
    assert.equal(1, c:stats().refreshes)
    assert.equal(2, #srv.requests("/v2/ping"))
  end)

  it("anchors the lifetime to the local clock (exp - iat), whatever the claims' epoch", function()
    local c <close> = prismacloud.new{url = srv.url, token = fake_jwt{iat = 1000, exp = 1600}}
    local s = c:session()
    assert.is_true(s.authenticated)
    assert.is_true(s.expires_in > 599 and s.expires_in <= 600)
    -- used as it is (the emulator rejects the forged signature with 401; no login possible)
    local res = assert(c:request("GET", "/v2/ping"))
    assert.equal(401, res.status)
    assert.equal(0, c:stats().logins)
    assert.equal("yes", srv.requests("/v2/ping")[1].auth_present and "yes")
  end)

  it("refuses an expired pre-minted token without sending it", function()
    local now = os.time()
    local c <close> = prismacloud.new{url = srv.url, token = fake_jwt{exp = now - 10}}
    assert.is_false(c:session().authenticated)
    local res, err = c:request("GET", "/v2/ping")
    assert.is_nil(res)
    assert.equal("auth", err.kind)
    assert.matches("expired", err.message)
    assert.equal(0, c:stats().requests)
  end)

  it("uses a pre-minted token from the emulator", function()
    local anon <close> = prismacloud.new{url = srv.url}
    local login = assert(anon:send("POST", "/login", {body = {username = "test-key", password = "test-secret"}}))
    local c <close> = prismacloud.new{url = srv.url, token = login.token}
    assert.is_true(assert(c:send("GET", "/v2/ping")).ok)
    assert.equal(0, c:stats().logins)
  end)

  it("calls on_token with the event, never the token", function()
    local events = {}
    local c <close> = new_client(srv, {on_token = function(e) events[#events + 1] = e end})
    assert(c:login())
    srv.fault{path = "/v2/ping", status = 401, times = 1}
    assert(c:send("GET", "/v2/ping"))
    assert.equal(2, #events)
    assert.equal("login", events[1].event)
    assert.equal("extend", events[2].event)
    assert.is_number(events[1].expires_in)
    assert.is_nil(events[1].token)
  end)
end)

describe("token renewal", function()
  local srv

  setup(function() srv = server.start{token_ttl = 2} end)
  teardown(function() if srv then srv.stop() end end)

  it("renews before expiry during a long pagination: every item once", function()
    local c <close> = new_client(srv)
    local seen, count, page = {}, 0, 0
    repeat
      local body = assert(c:send("GET", "/_test/auth/pages", {query = {page = page, stall_ms = 150}}))
      for _, item in ipairs(body.items) do
        assert.is_nil(seen[item])
        seen[item] = true
        count = count + 1
      end
      page = body.next
    until page == prismacloud.null
    assert.equal(20 * 5, count)
    local s = c:stats()
    assert.is_true(s.extends >= 1, "expected a proactive extend")
    assert.equal(0, s.refreshes)
  end)

  it("logs in again when the token expired between calls", function()
    local c <close> = new_client(srv)
    assert(c:login())
    os.execute("sleep 2.2")
    assert(c:send("GET", "/v2/ping"))
    assert.equal(2, c:stats().logins)
    assert.equal(0, c:stats().extends)
  end)
end)
