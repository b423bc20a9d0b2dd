-- The audit log family (client.audit_logs) against the emulator over real sockets.
local server = require "spec.support.server"
local requests = require "spec.support.requests"
local query_of = requests.query_of

describe("audit_logs family", function()
  local fx = server.fixture{alerts = 500}
  local srv, client
  setup(function() srv, client = fx.srv, fx.client end)
  local only = fx.only

  describe("audit_logs", function()
    it("list: GET /audit/redlock, 24 hours by default", function()
      local day = assert(client.audit_logs:list())
      assert.same({timeType = "relative", timeAmount = "24", timeUnit = "hour"}, query_of(only("/audit/redlock")))
      srv.clear()
      local week = assert(client.audit_logs:list("7d"))
      assert.same({timeType = "relative", timeAmount = "7", timeUnit = "day"}, query_of(only("/audit/redlock")))
      assert.is_true(#week >= #day)
      local n = 0
      for _ in client.audit_logs:each("7d") do n = n + 1 end
      assert.equal(#week, n)
      assert.has_error(function() client.audit_logs:list("to_now:epoch") end)
      assert.has_error(function() client.audit_logs:list("3x") end)
    end)
  end)
end)
