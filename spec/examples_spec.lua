-- Every example in examples/ runs against the emulator and exits 0, with its
-- credentials taken from the environment as users would give them.
local server = require "support.server"

local function run(cmd)
  local p = io.popen(cmd .. " 2>&1")
  local out = p:read("a")
  local ok, _, code = p:close()
  return ok, code, out
end

describe("examples", function()
  local srv

  setup(function() srv = server.start{alerts = 2000} end)
  teardown(function() if srv then srv.stop() end end)

  local p = io.popen("ls examples/*.lua")
  for file in p:lines() do
    if not file:find("demo%.lua$") then -- the demo starts its own emulator: `make demo`
      it("runs " .. file, function()
        local env = ("PC_URL=%s PC_IDENTITY=test-key PC_SECRET=test-secret PC_CONFIG_DIR=/nonexistent "
          .. "LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./?.so;;'"):format(srv.url)
        local ok, code, out = run(env .. " lua5.4 " .. file)
        assert(ok, ("%s exited %s:\n%s"):format(file, tostring(code), out))
        assert.is_true(#out > 0)
        assert.is_nil(out:find("test-secret", 1, true))
      end)
    end
  end
  p:close()

  it("runs the demo (which starts and stops its own emulator)", function()
    local ok, code, out = run("LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./?.so;;' "
      .. "env -u PC_URL lua5.4 examples/demo.lua")
    assert(ok, ("demo exited %s:\n%s"):format(tostring(code), out))
    assert.matches("open alerts in %d+ pages", out)
    assert.matches("RQL:", out)
  end)
end)
