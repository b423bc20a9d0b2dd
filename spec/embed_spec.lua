-- Embedding: a C host runs two lua_States on two threads, each loading the
-- module and making requests at the same time; clean under helgrind.
local server = require "support.server"

local function run(cmd)
  local p = io.popen(cmd .. " 2>&1")
  local out = p:read("a")
  local ok, _, code = p:close()
  return ok, code, out
end

describe("embedding in a threaded host", function()
  local srv, dir, host

  setup(function()
    srv = server.start{}
    dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir))
    host = dir .. "/host"
    -- the compiler runs without the sanitizer runtime the ASan suite preloads
    local ok, _, out = run(("env -u LD_PRELOAD cc -std=c99 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -O1 -g "
      .. "spec/embed/host.c -o %s $(pkg-config --cflags --libs lua5.4) -lpthread -ldl"):format(host))
    assert(ok, out)
  end)

  teardown(function()
    if srv then srv.stop() end
    if dir then os.execute("rm -rf " .. dir) end
  end)

  it("serves two lua_States on two threads at once", function()
    local ok, code, out = run(("%s %s 200"):format(host, srv.url))
    assert(ok, ("exit %s: %s"):format(tostring(code), out))
    assert.matches("thread 1: 203 requests", out)
    assert.matches("thread 2: 203 requests", out)
  end)

  it("keeps the core loaded after its last lua_State closes, and a new state uses it again", function()
    -- Unloading it would unmap libcurl and its TLS libraries under their own process-wide
    -- state (thread-local blocks, key destructors, atexit handlers); LeakSanitizer's exit
    -- scan crashed on those stale blocks.
    local ok, code, out = run(("%s %s 3"):format(host, srv.url))
    assert(ok, ("exit %s: %s"):format(tostring(code), out))
    assert.matches("core still loaded", out)
    assert.matches("thread 3: 6 requests", out)
  end)

  it("has no data race helgrind can see", function()
    if (os.getenv("LD_PRELOAD") or ""):find("asan") then
      -- valgrind cannot run an ASan build; the plain run of the suite covers this
      return pending("skipped under AddressSanitizer")
    end
    local ok, code, out = run(("valgrind --tool=helgrind --suppressions=spec/embed/helgrind.supp "
      .. "--error-exitcode=9 %s %s 20"):format(host, srv.url))
    assert(ok, ("exit %s: %s"):format(tostring(code), out))
    assert.matches("ERROR SUMMARY: 0 errors", out)
  end)
end)
