-- Packaging: the rockspecs build with Debian's luarocks as they are (no LIBCURL_INCDIR), the
-- rock alone is enough to require the library, to run the CLI and, with the emulator's
-- dependencies, the emulator; without them the emulator says in one line which package is
-- missing instead of dying with a traceback. Builds into a temporary tree from a copy of the
-- sources (luarocks leaves its objects beside them); skipped where luarocks is not installed
-- (.ci/deps installs it).
local files = require "spec.support.files"
local q = files.shell_quote

local ROCKSPEC = "prismacloud-0.1.0-1.rockspec"
local EMULATOR_ROCKSPEC = "prismacloud-emulator-0.1.0-1.rockspec"

-- Runs a shell command without the sanitizer preload and the suite's Lua paths: stdout, stderr, ok.
local function run(cmd, dir)
  local out, err = os.tmpname(), os.tmpname()
  local ok = os.execute(("cd %s && (unset LD_PRELOAD LUA_PATH LUA_CPATH LUA_INIT; %s) >%s 2>%s </dev/null")
    :format(q(dir or "."), cmd, q(out), q(err)))
  local o, e = files.read(out), files.read(err)
  os.remove(out)
  os.remove(err)
  return o, e, ok == true
end

local HAVE_LUAROCKS = select(3, run("sh -c 'command -v luarocks'"))

-- package.path / cpath entries of this machine's system folders only (no ./, no /usr/local, no
-- ~/.luarocks: nothing installed by hand may stand in for the rock).
local function system_only(path)
  local keep = {}
  for entry in path:gmatch("[^;]+") do
    if entry:find("^/usr/") and not entry:find("^/usr/local/") then keep[#keep + 1] = entry end
  end
  return table.concat(keep, ";")
end

describe("the rock", function()
  local tree, src
  local luarocks = "luarocks --lua-version 5.4 --tree "

  setup(function()
    if not HAVE_LUAROCKS then return end
    tree, src = files.temp_dir(), files.temp_dir()
    local _, err, ok = run(("tar -cf - src lua bin doc types %s %s | tar -xf - -C %s"):format(ROCKSPEC,
      EMULATOR_ROCKSPEC, q(src)))
    assert(ok, "cannot copy the sources: " .. err)
  end)

  teardown(function()
    if tree then files.remove_dir(tree) end
    if src then files.remove_dir(src) end
  end)

  -- The environment of a program that sees the tree's and the system's Lua folders only.
  local function tree_env()
    local path = ("%s/share/lua/5.4/?.lua;%s/share/lua/5.4/?/init.lua;%s"):format(tree, tree, system_only(package.path))
    local cpath = ("%s/lib/lua/5.4/?.so;%s"):format(tree, system_only(package.cpath))
    return ("env LUA_PATH=%s LUA_CPATH=%s "):format(q(path), q(cpath))
  end

  it("builds with `luarocks make` unchanged (no LIBCURL_INCDIR) into a tree, and the library loads from it", function()
    if not HAVE_LUAROCKS then return pending("luarocks is not installed") end
    -- the CLI's argparse and lua-term are Debian's lua-argparse and lua-term here, which luarocks is told
    -- of (rocks_provided), as the README says
    local config = src .. "/luarocks-config.lua"
    files.write(config, 'rocks_provided = {argparse = "0.7.1-1", ["lua-term"] = "0.07-1"}\n')
    local out, err, ok = run(("LUAROCKS_CONFIG=%s %s%s make %s"):format(q(config), luarocks, q(tree), ROCKSPEC), src)
    assert(ok, "luarocks make failed:\n" .. out .. err)
    assert.matches("prismacloud 0.1.0-1 is now installed", out, 1, true)
    out, err, ok = run(tree_env() .. "lua5.4 -e " .. q([[
      local pc = require "prismacloud"
      local json = require "prismacloud.json"
      assert(package.searchpath("prismacloud.core", package.cpath):find("/lib/lua/5.4/", 1, true))
      io.write(pc._VERSION, " ", json.encode(json.decode('{"a":[1,2.5]}')), " ", type(pc.new), "\n")]]))
    assert(ok, err)
    assert.equal('0.1.0 {"a":[1,2.5]} function\n', out)
    -- the editor type definitions and the guides come along, in the rock's folder
    out, err, ok = run(luarocks .. q(tree) .. " show --rock-dir prismacloud")
    assert(ok, err)
    local dir = out:match("^%s*(.-)%s*$")
    assert.is_truthy(files.read(dir .. "/types/prismacloud.lua"), "no types/ in " .. dir)
    assert.is_truthy(files.read(dir .. "/doc/config.md"), "no doc/ in " .. dir)
  end)

  it("runs the CLI and the emulator from the tree", function()
    if not HAVE_LUAROCKS then return pending("luarocks is not installed") end
    local cli = q(tree .. "/bin/prismacloud")
    local out, err, ok = run(cli .. " help")
    assert(ok, err)
    assert.matches("usage: prismacloud <command>", out, 1, true)
    -- the emulator from the tree (its dependencies: Debian's), stopped when the watching shell ends
    local emu = files.temp_dir()
    finally(function() files.remove_dir(emu) end)
    local log = q(emu .. "/out")
    local script = ([[%s emulator --port 0 --watch-pid $$ > %s 2>&1 &
      for i in $(seq 100); do grep -q listening %s && break; sleep 0.1; done
      url=$(sed -n 's/^listening //p' %s)
      [ -n "$url" ] || exit 9
      PC_URL=$url PC_IDENTITY=test-key PC_SECRET=test-secret %s accounts list -o json]]):format(
      cli, log, log, log, cli)
    out, err, ok = run(tree_env() .. "sh -c " .. q(script))
    assert(ok, err .. (files.read(emu .. "/out") or ""))
    local accounts = require("prismacloud.json").decode(out)
    assert.is_true(#accounts > 0)
    assert.is_string(accounts[1].name)
  end)

  it("names the package of a missing dependency of the emulator in one line", function()
    if not HAVE_LUAROCKS then return pending("luarocks is not installed") end
    -- C modules from the tree only: Debian's cqueues and luaossl are out of reach
    for _, command in ipairs{"prismacloud emulator", "prismacloud-emulator"} do
      local out, err, ok = run(("env LUA_CPATH=%s %s/bin/%s"):format(q(tree .. "/lib/lua/5.4/?.so"), q(tree), command))
      assert.is_false(ok)
      assert.equal("", out)
      assert.equal("prismacloud-emulator: the emulator needs the Lua module 'cqueues': install Debian's lua-cqueues "
        .. "or the LuaRocks rock cqueues (luarocks install prismacloud-emulator brings all it needs)\n", err)
    end
  end)

  it("the emulator's rockspec declares what the emulator needs and installs beside the library", function()
    if not HAVE_LUAROCKS then return pending("luarocks is not installed") end
    -- no LuaRocks server here: the dependencies are Debian's packages
    local out, err, ok = run(luarocks .. q(tree) .. " make --deps-mode none " .. EMULATOR_ROCKSPEC, src)
    assert(ok, "luarocks make failed:\n" .. out .. err)
    out, err, ok = run(luarocks .. q(tree) .. " show prismacloud-emulator")
    assert(ok, err)
    for _, dep in ipairs{"prismacloud 0%.1%.0", "cqueues", "luaossl", "lua%-zlib"} do
      assert.matches(dep, out)
    end
    -- every module the emulator requires outside the library is declared there
    local declared = files.read(EMULATOR_ROCKSPEC)
    local rocks = {cjson = "lua-cjson", cqueues = "cqueues", openssl = "luaossl", zlib = "lua-zlib"}
    local p = io.popen("cat lua/prismacloud/emulator/*.lua bin/prismacloud-emulator")
    for name in p:read("a"):gmatch('require%s*%(?%s*"([%w_]+)[%w_.]*"') do
      if name ~= "prismacloud" then
        assert(rocks[name], "the emulator requires '" .. name .. "', which no rock is known for")
        assert.truthy(declared:find('"' .. rocks[name], 1, true), rocks[name] .. " is not declared")
      end
    end
    p:close()
  end)
end)

describe("the release files", function()
  it("LICENSE is the licence the rockspecs declare", function()
    local license = files.read("LICENSE")
    assert.is_truthy(license, "no LICENSE")
    assert.matches("^MIT License\n\nCopyright %(c%) %d%d%d%d the prismacloud for Lua authors\n", license)
    for _, rockspec in ipairs{ROCKSPEC, EMULATOR_ROCKSPEC} do
      assert.matches('\n  license = "MIT",\n', files.read(rockspec), 1, true)
    end
  end)

  it("CHANGELOG.md has this version, with the numbers the code has", function()
    local changelog = files.read("CHANGELOG.md")
    assert.is_truthy(changelog, "no CHANGELOG.md")
    assert.matches("\n## " .. require("prismacloud")._VERSION:gsub("%.", "%%.") .. " ", changelog)
    assert.matches(("all %d operations"):format(require("prismacloud.catalog").count()), changelog, 1, true)
    local families = 0
    for _ in pairs(require("prismacloud").families) do families = families + 1 end
    assert.matches(("%d resource families"):format(families), changelog, 1, true)
  end)
end)
