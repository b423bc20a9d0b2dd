-- Client-side pacing (rate_limit = true) at the documented rates.
local prismacloud = require "prismacloud"
local limiter = require "prismacloud.limiter"
local server = require "support.server"

describe("limiter", function()
  it("turns path templates into anchored patterns", function()
    local p = limiter.template_pattern("/alert/{id}/remediation.v2")
    assert.equal("^/alert/[^/]+/remediation%.v2$", p)
    assert.truthy(("/alert/P-1/remediation.v2"):find(p))
    assert.falsy(("/alert/P-1/x/remediation.v2"):find(p))
  end)

  it("paces with a token bucket and reserves what it grants", function()
    local now = 100.0
    local ops = {
      a = {method = "GET", path = "/v2/alert", rate = {rate = 2, burst = 3}},
      b = {method = "POST", path = "/v2/alert", rate = {rate = 2, burst = 3}},
      c = {method = "GET", path = "/slow/{id}", rate = {rate = 60, period = 60}},
    }
    local pace = limiter.new(ops, function() return now end, 1)
    assert.equal(0, pace("GET", "/v2/alert"))
    assert.equal(0, pace("POST", "/v2/alert")) -- one budget for the endpoint
    assert.equal(0, pace("GET", "/v2/alert?detailed=true"))
    assert.equal(0.5, pace("GET", "/v2/alert"))
    assert.equal(1.0, pace("GET", "/v2/alert"))
    now = now + 1.0 -- two tokens back: the debt of two is paid
    assert.equal(0.5, pace("GET", "/v2/alert"))
    assert.equal(0, pace("GET", "/undocumented"))
    for _ = 1, 60 do assert.equal(0, pace("GET", "/slow/x")) end
    assert.equal(1, pace("GET", "/slow/y"))
  end)

  it("knows the documented rate of /v2/alert and stays under it by default", function()
    local now = 0
    local exact = limiter.new(nil, function() return now end, 1)
    for _ = 1, 10 do assert.equal(0, exact("GET", "/v2/alert")) end
    assert.equal(0.5, exact("POST", "/v2/alert"))
    local safe = limiter.new(nil, function() return now end)
    for _ = 1, 9 do assert.equal(0, safe("GET", "/v2/alert")) end
    assert.is_true(math.abs(safe("GET", "/v2/alert") - 1 / 1.8) < 1e-9)
    assert.error_matches(function() limiter.new(nil, nil, 2) end, "margin")
  end)

  describe("against an emulator that enforces the rates", function()
    local srv

    setup(function() srv = server.start{rate_limits = true} end)
    teardown(function() if srv then srv.stop() end end)

    local function burst(opts)
      local c <close> = prismacloud.new(opts)
      assert(c:login())
      local results = {}
      for i = 1, 14 do
        results[i] = assert(c:request("GET", "/v2/alert", {query = {limit = 1}, retries = 0}))
      end
      return results, c:stats()
    end

    it("gets 429s without pacing and none with it", function()
      local base = {url = srv.url, access_key = "test-key", secret_key = "test-secret"}
      local _, unpaced = burst(base)
      assert.is_true(unpaced.rate_limited > 0)
      require("prismacloud.core").sleep(6) -- let the emulator's bucket refill
      local paced_opts = {rate_limit = true}
      for k, v in pairs(base) do paced_opts[k] = v end
      local results, paced = burst(paced_opts)
      assert.equal(0, paced.rate_limited)
      for _, res in ipairs(results) do assert.equal(200, res.status) end
    end)

    it("paces client:parallel too", function()
      require("prismacloud.core").sleep(6)
      local c <close> = prismacloud.new{url = srv.url, access_key = "test-key", secret_key = "test-secret",
                                        rate_limit = true}
      local reqs = {}
      for i = 1, 14 do reqs[i] = {method = "GET", path = "/v2/alert", query = {limit = 1}, retries = 0} end
      local results = c:parallel(reqs, {concurrency = 4})
      for _, res in ipairs(results) do assert.equal(200, res.status) end
      assert.equal(0, c:stats().rate_limited)
    end)
  end)
end)
