-- prismacloud.filters, the one home of the API's filter language: a family's filters declared
-- as data, checked (names, values, the catalog's enums), and sent as GET query parameters when
-- the GET operation declares them and the URL stays within the one limit (filters.MAX_URL), else
-- as a POST body's filters[]. Against the emulator: alerts and compliance posture switch from GET
-- to POST at the same limit.
local filters = require "prismacloud.filters"
local server = require "spec.support.server"
local requests = require "spec.support.requests"

describe("filters", function()
  local ALERTS = filters.define{what = "alert", names = {status = "alert.status", severity = "policy.severity"},
                                enums = "get-alerts-v2", settings = {time_range = true}}

  it("split: short and dotted names, values as text, enums checked without case and sent as spelt", function()
    local f = ALERTS:split({status = "OPEN", severity = {"high", "Critical"}, ["policy.label"] = 7,
                            ["resource.id"] = true, time_range = "7d"}, "list")
    assert.same({["alert.status"] = {"open"}, ["policy.severity"] = {"high", "critical"},
                 ["policy.label"] = {"7"}, ["resource.id"] = {"true"}}, f.names)
    assert.same({time_range = "7d"}, f.settings)
    assert.error_matches(function() ALERTS:split({status = "closed"}, "list") end,
      "alert filter 'status' is 'closed'; allowed values: open", 1, true)
    assert.error_matches(function() ALERTS:split({colour = "red"}, "each") end,
      "unknown alert filter 'colour' in 'each'")
    assert.error_matches(function() ALERTS:split("open", "list") end,
      "bad argument #1 to 'list' (filter table expected, got string)", 1, true)
  end)

  it("params: query parameters of their own, converted by kind; option sets speak of options", function()
    local set = filters.define{params = {details = {"excludeDetails", "negated"}, enabled = {"enabled", "boolean"},
                                         ids = {"ids", "csv"}, kind = {"kind", "enum", {"A", "B"}},
                                         pending = {"includePending", "flag"}},
                               defaults = {onlyEnabled = "false"}}
    assert.same({excludeDetails = true, enabled = "false", ids = "a,b", kind = "B", includePending = true,
                 onlyEnabled = "false"},
      set:query({details = false, enabled = false, ids = {"a", "b"}, kind = "B", pending = 1}, "list"))
    assert.same({onlyEnabled = "false"}, set:query(nil, "list"))
    assert.error_matches(function() set:query({kind = "C"}, "list") end,
      "bad option 'kind' to 'list' (A or B expected, got C)", 1, true)
    assert.error_matches(function() set:query({enabled = "yes"}, "list") end,
      "bad option 'enabled' to 'list' (boolean expected, got string)", 1, true)
    assert.error_matches(function() set:query({nope = 1}, "list") end, "unknown option 'nope' to 'list'")
  end)

  it("body: the POST filters[], sorted by name, a JSON array even when empty", function()
    local body = filters.body{["policy.severity"] = {"high", "low"}, ["alert.status"] = {"open"}}
    assert.same({{name = "alert.status", operator = "=", value = "open"},
                 {name = "policy.severity", operator = "=", value = "high"},
                 {name = "policy.severity", operator = "=", value = "low"}}, body)
    assert.equal("[]", require("prismacloud.json").encode(filters.body{}))
  end)

  it("fits: a GET only for declared names within their enums, required ones present, up to MAX_URL", function()
    local base = {timeType = "relative", timeAmount = 1, timeUnit = "day", detailed = false}
    local function with(extra)
      local q = {}
      for k, v in pairs(base) do q[k] = v end
      for k, v in pairs(extra) do q[k] = v end
      return q
    end
    assert.is_true(filters.fits("get-alerts-v2", with{["alert.status"] = "open"}))
    assert.is_false(filters.fits("get-alerts-v2", with{["no.such"] = "x"}))
    assert.is_false(filters.fits("get-alerts-v2", with{["alert.status"] = "closed"}))
    assert.is_false(filters.fits("get-alerts-v2", {["alert.status"] = "open"})) -- timeType and friends are required
    local q = with{["resource.name"] = ""}
    local room = filters.MAX_URL - filters.url_length("get-alerts-v2", q)
    q["resource.name"] = ("x"):rep(room)
    assert.equal(filters.MAX_URL, filters.url_length("get-alerts-v2", q))
    assert.is_true(filters.fits("get-alerts-v2", q))
    q["resource.name"] = ("x"):rep(room + 1)
    assert.is_false(filters.fits("get-alerts-v2", q))
  end)

  describe("against the emulator, one limit for every family", function()
    local fx = server.fixture{alerts = 200}
    local srv, client
    setup(function() srv, client = fx.srv, fx.client end)

    -- n distinct values of `each` digits.
    local function values(n, each)
      local out = {}
      for i = 1, n do out[i] = ("%0" .. each .. "d"):format(i) end
      return out
    end

    it("alerts: the first page is a GET within MAX_URL and a POST beyond it", function()
      assert(client.alerts:list{resource_name = values(100, 40), time_range = "1y", limit = 5})
      local r = requests.only(srv, "/v2/alert")
      assert.equal("GET", r.method)
      assert.is_true(#r.path + 1 + #r.rawquery <= filters.MAX_URL)
      srv.clear()
      assert(client.alerts:list{resource_name = values(400, 40), time_range = "1y", limit = 5})
      r = requests.only(srv, "/v2/alert")
      assert.equal("POST", r.method)
      assert.equal(400, #requests.body_of(r).filters)
    end)

    it("compliance posture: the same limit decides between its GET and its POST", function()
      assert(client.compliance:posture{account = values(100, 40), time_range = "7d"})
      local log = srv.requests()
      assert.equal(1, #log)
      assert.equal("GET", log[1].method)
      srv.clear()
      assert(client.compliance:posture{account = values(400, 40), time_range = "7d"})
      log = srv.requests()
      assert.equal(1, #log)
      assert.equal("POST", log[1].method)
    end)
  end)
end)
