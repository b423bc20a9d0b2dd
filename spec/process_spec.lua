-- prismacloud.emulator.process: the emulator as a child process, started,
-- waited for and stopped by its PID; failures come back as nil, err.
local process = require "prismacloud.emulator.process"

local PATH = "./lua/?.lua;./lua/?/init.lua;;"

describe("emulator process", function()
  it("starts, listens, answers, and is gone after stop (stop is idempotent)", function()
    local emu = assert(process.start{script = "bin/prismacloud-emulator", args = {"--alerts", "10"},
                                     lua = "lua5.4", lua_path = PATH})
    assert.matches("^http://127%.0%.0%.1:%d+$", emu.url)
    assert.is_true(process.alive(emu.pid))
    local prismacloud = require "prismacloud"
    local c <close> = prismacloud.new{url = emu.url, access_key = "test-key", secret_key = "test-secret"}
    local open = assert(c.alerts:count())  -- open alerts of the 10 generated
    assert.is_true(open > 0 and open <= 10)
    emu.stop()
    assert.is_false(process.alive(emu.pid))
    emu.stop()
  end)

  it("runs the emulator in its own session, out of reach of the terminal's Ctrl-C (issue 15)", function()
    local function session_of(pid)
      local f = assert(io.open(("/proc/%s/stat"):format(pid)))
      local stat = f:read("a")
      f:close()
      return tonumber(stat:match("^%d+ %b() %a %d+ %d+ (%d+)"))
    end
    if not io.open("/proc/self/stat") then return end -- no /proc: cannot tell
    local emu = assert(process.start{script = "bin/prismacloud-emulator", args = {"--alerts", "1"},
                                     lua = "lua5.4", lua_path = PATH})
    local sid, own = session_of(emu.pid), session_of("self")
    emu.stop()
    assert.equal(emu.pid, sid)
    assert.are_not.equal(own, sid)
  end)

  it("an emulator that exits before listening gives nil and its stderr", function()
    local emu, err = process.start{script = "bin/prismacloud-emulator", args = {"--nonsense"},
                                   lua = "lua5.4", lua_path = PATH}
    assert.is_nil(emu)
    assert.matches("exited before listening", err, 1, true)
    assert.matches("nonsense", err, 1, true)
  end)

  it("a missing script gives nil and says so; bad arguments raise", function()
    local emu, err = process.start{script = "bin/no-such-emulator"}
    assert.is_nil(emu)
    assert.matches("cannot find the emulator script bin/no-such-emulator", err, 1, true)
    assert.has_error(function() process.start() end,
      "bad argument #1 to 'start' (table with a script path expected)")
  end)
end)
