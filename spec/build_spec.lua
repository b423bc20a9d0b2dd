-- Layout promises: exported symbols, rockspec completeness, no globals.
local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- The lines a shell command prints; it must succeed. The system tools run without the sanitizer
-- preload of `make asan` (find leaks under it and at times aborts, which left a list empty and a
-- test passing on nothing); commands that load the library (lua5.4) keep it: lua_lines.
local function run_lines(cmd)
  local p = assert(io.popen(cmd))
  local out = {}
  for l in p:lines() do out[#out + 1] = l end
  assert(p:close(), "command failed: " .. cmd)
  return out
end

local function lines_of(cmd)
  return run_lines("env -u LD_PRELOAD sh -c '" .. cmd:gsub("'", "'\\''") .. "'")
end
local lua_lines = run_lines

describe("build", function()
  it("exports only luaopen_prismacloud_core from core.so", function()
    local syms = lines_of("nm -D --defined-only prismacloud/core.so | awk '$2 ~ /^[TDB]$/ {print $3}'")
    assert.same({"luaopen_prismacloud_core"}, syms)
  end)

  it("does not link liblua", function()
    local libs = lines_of("ldd prismacloud/core.so")
    assert.matches("libcurl", table.concat(libs, "\n")) -- the list is ldd's, not an empty one
    for _, l in ipairs(libs) do
      assert.not_matches("liblua", l)
    end
  end)

  it("lists every C source and Lua module in the rockspec", function()
    local spec = read("prismacloud-0.1.0-1.rockspec")
    for _, f in ipairs(lines_of("ls src/*.c")) do
      assert.truthy(spec:find('"' .. f .. '"', 1, true), f .. " missing from the rockspec")
    end
    for _, f in ipairs(lines_of("cd lua && find . -name '*.lua' | sort")) do
      local mod = f:gsub("^%./", ""):gsub("/init%.lua$", ""):gsub("%.lua$", ""):gsub("/", ".")
      assert.truthy(spec:find('["' .. mod .. '"] = "lua/' .. f:gsub("^%./", ""), 1, true),
        mod .. " missing from the rockspec")
    end
  end)

  it("has _VERSION equal to the rockspec version", function()
    local spec = read("prismacloud-0.1.0-1.rockspec")
    local version = spec:match('\nversion = "([%d.]+)%-%d+"')
    assert.equal(version, require("prismacloud")._VERSION)
    assert.equal(version, require("prismacloud.core")._VERSION)
  end)

  it("installs under DESTDIR and PREFIX where lua5.4 finds it", function()
    local dir = os.tmpname()
    os.remove(dir)
    -- (the tools run without the sanitizer preload of `make asan`: not ours to check)
    assert(os.execute("env -u LD_PRELOAD make -s install DESTDIR=" .. dir .. " PREFIX=/usr/local >/dev/null"))
    local files = lines_of("cd " .. dir .. " && find . -type f | sort")
    for _, want in ipairs{"./usr/local/lib/lua/5.4/prismacloud/core.so",
                          "./usr/local/share/lua/5.4/prismacloud/init.lua",
                          "./usr/local/share/lua/5.4/prismacloud/json.lua",
                          "./usr/local/bin/prismacloud-emulator", "./usr/local/bin/prismacloud"} do
      local found = false
      for _, f in ipairs(files) do found = found or f == want end
      assert.is_true(found, want .. " not installed")
    end
    -- the installed tree alone is enough to load the library
    local out = lua_lines(("LUA_PATH='%s/usr/local/share/lua/5.4/?.lua;%s/usr/local/share/lua/5.4/?/init.lua' "
      .. "LUA_CPATH='%s/usr/local/lib/lua/5.4/?.so' lua5.4 -e 'print(require(\"prismacloud\")._VERSION)'")
      :format(dir, dir, dir))
    os.execute("env -u LD_PRELOAD rm -rf " .. dir)
    assert.same({require("prismacloud")._VERSION}, out)
    -- Debian's lua5.4 looks there by default
    local default = lua_lines([[lua5.4 -e 'print(package.path); print(package.cpath)']])
    assert.truthy(default[1]:find("/usr/local/share/lua/5.4/?.lua", 1, true))
    assert.truthy(default[2]:find("/usr/local/lib/lua/5.4/?.so", 1, true))
  end)

  it("adds nothing to _G when required", function()
    local code = [[
      local before = {}
      for k in pairs(_G) do before[k] = true end
      require "prismacloud"
      require "prismacloud.json"
      for k in pairs(_G) do if not before[k] then print(k) end end
    ]]
    local out = lua_lines("LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./?.so;;' lua5.4 -e '"
      .. code:gsub("'", "'\\''") .. "'")
    assert.same({}, out)
  end)
end)
