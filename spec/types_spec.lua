-- Editor support: types/ holds lua-language-server definitions generated from the doc comments
-- (tools/doc_types.lua through tools/gen_docs.lua). They are current, cover every public function
-- of every library module and every client method, name the options of option tables (as the
-- code accepts them), and are well-formed: each file a `---@meta` Lua file, each `---@param` a
-- parameter of the function below it, each type named somewhere defined.
local gen = require "tools.gen_docs"
local types = require "tools.doc_types"
local files = require "spec.support.files"

-- The environment prefix of a child generator: without valgrind's preload, which only works
-- under valgrind (the ASan preload stays: the core it loads is built with ASan then).
local function child_env()
  local preload = os.getenv("LD_PRELOAD") or ""
  return preload:find("vgpreload") and "env -u LD_PRELOAD" or "env"
end

-- Runs the generator (tools/gen_docs.lua with args) in dir, in a process of its own (not slowed by
-- the suite's GC stress): ok, its stdout and stderr.
local function generator(dir, args)
  local out, err = os.tmpname(), os.tmpname()
  local ok = os.execute(("cd %s && %s LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./?.so;;' "
    .. "lua5.4 tools/gen_docs.lua %s >%s 2>%s"):format(files.shell_quote(dir), child_env(), args,
    files.shell_quote(out), files.shell_quote(err)))
  local o, e = files.read(out), files.read(err)
  os.remove(out)
  os.remove(err)
  return ok == true, o, e
end

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- Every definition file: {path = text}.
local function definitions()
  local out = {}
  local p = io.popen("ls types/*.lua types/*/*.lua")
  for path in p:lines() do out[path] = read(path) end
  p:close()
  return out
end

describe("type definitions", function()
  it("are current (make generate)", function()
    local ok, _, err = generator(".", "--check")
    assert(ok, err)
  end)

  it("are installed by make install (and shipped in the rock: spec/rock_spec.lua)", function()
    local dir = files.temp_dir()
    finally(function() files.remove_dir(dir) end)
    assert(os.execute("env -u LD_PRELOAD make -s install DESTDIR=" .. dir .. " PREFIX=/usr/local >/dev/null"))
    for path in pairs(definitions()) do
      local installed = dir .. "/usr/local/share/prismacloud/" .. path
      assert.equal(read(path), files.read(installed), path .. " not installed as " .. installed)
    end
  end)

  it("the check can fail: a changed, a missing and an extra file are reported, and regenerated", function()
    local root = files.temp_dir()
    finally(function() files.remove_dir(root) end)
    local here = assert(io.popen("pwd")):read("l")
    for _, name in ipairs{"lua", "src", "bin", "tools", "prismacloud", "README.md"} do
      assert(os.execute(("ln -s %s/%s %s/%s"):format(here, name, root, name)))
    end
    assert(os.execute(("cp -r types %s/types"):format(root)))
    local path = root .. "/types/prismacloud/alerts.lua"
    files.write(path, read(path):gsub("---@field status%? any\n", "", 1))
    os.remove(root .. "/types/prismacloud/jobs.lua")
    files.write(root .. "/types/prismacloud/gone.lua", "---@meta\n")
    local ok, _, err = generator(root, "--check")
    assert.is_false(ok)
    assert.equal("types/prismacloud/alerts.lua, types/prismacloud/gone.lua, types/prismacloud/jobs.lua stale: "
      .. "run make generate (lua5.4 tools/gen_docs.lua)\n", err)
    -- make generate's command puts them right
    assert(generator(root, ""))
    assert(generator(root, "--check"))
    assert.is_nil(files.read(root .. "/types/prismacloud/gone.lua"))
    assert.equal(read("types/prismacloud/alerts.lua"), files.read(path))
  end)

  it("declare every public function of every library module, and every client method", function()
    local defs = definitions()
    local missing = {}
    for _, mod in ipairs(gen.modules(".")) do
      local base = mod.module:match("([%w_]+)$")
      local path = mod.module == "prismacloud" and "types/prismacloud.lua" or "types/prismacloud/" .. base .. ".lua"
      local text = defs[path]
      if not text then
        missing[#missing + 1] = path
      else
        assert.matches("^%-%-%-@meta " .. mod.module:gsub("%p", "%%%0") .. "\n", text)
        local owner = gen.families(".")[1] and nil
        for _, fam in ipairs(gen.families(".")) do
          if fam.module == mod.module then owner = "F" end
        end
        for _, fn in ipairs(gen.parse(mod.file).functions) do
          if gen.public(fn.name) and fn.owner == (owner or "M") then
            local holder = mod.module == "prismacloud" and "prismacloud" or base
            if not text:find("\nfunction " .. holder .. "[.:]" .. fn.name .. "%(") then
              missing[#missing + 1] = mod.module .. "." .. fn.name
            end
          end
        end
      end
    end
    local main = defs["types/prismacloud.lua"]
    for name, v in pairs(require("prismacloud.core").Client) do
      if type(v) == "function" and gen.public(name) and not main:find("\nfunction Client:" .. name .. "%(") then
        missing[#missing + 1] = "client:" .. name
      end
    end
    for name, module in pairs(require("prismacloud").families) do
      if not main:find("\n%-%-%-@field " .. name .. " " .. module:gsub("%p", "%%%0") .. "\n") then
        missing[#missing + 1] = "client." .. name
      end
    end
    table.sort(missing)
    assert(#missing == 0, "not declared: " .. table.concat(missing, ", "))
  end)

  it("name the options of option tables, as the code accepts them", function()
    local defs = definitions()
    local alerts = defs["types/prismacloud/alerts.lua"]
    -- client.alerts:list{...} takes a filter whose names are the alert family's
    local before = alerts:sub(1, alerts:find("\nfunction alerts:list(", 1, true))
    local class = before:match(".*\n%-%-%-@param filter%? ([%w_.]+)\n")
    assert.equal("prismacloud.alerts.list.filter", class)
    local fields = alerts:match("\n%-%-%-@class " .. class:gsub("%p", "%%%0") .. "\n(.-)\n\n")
    for name in pairs(require("prismacloud.alerts").FILTERS) do
      assert.matches("---@field " .. name .. "? ", fields, 1, true)
    end
    for _, name in ipairs{"time_range", "detailed", "limit", "page_size", "cursor"} do
      assert.matches("---@field " .. name .. "? ", fields, 1, true)
    end
    -- prismacloud.new's options are the README's table; client:request's are the core's
    local main = defs["types/prismacloud.lua"]
    assert.matches("\n---@param opts prismacloud.Options\n", main, 1, true)
    for _, name in ipairs{"url", "access_key", "secret_key", "timeout", "retries", "trace", "rate_limit", "dry_run"} do
      assert.matches("\n%-%-%-@field " .. name .. "%?? ", main)
    end
    for _, name in ipairs(types.request_keys(".")) do
      assert.matches("---@field " .. name .. "? ",
        main:match("\n%-%-%-@class prismacloud%.Client%.request%.opts\n(.-)\n\n"), 1, true)
    end
    assert.is_true(#types.request_keys(".") >= 10)
  end)

  it("the option reader follows the code: verbs.options, lookups while walking pairs(), helpers", function()
    local file = os.tmpname()
    files.write(file, table.concat({
      "--- m: a module.", "local verbs = require 'prismacloud.verbs'", "local F = {}",
      "F.FILTERS = {status = 'a.status', ['region'] = 1}", "local EXTRA = {limit = true, time_range = true}",
      "local function split(filter, allowed)", "  for k, v in pairs(filter or {}) do",
      "    if allowed[k] then print(v) elseif F.FILTERS[k] then print(k) end", "  end", "end",
      "--- Lists.", "-- syntax: items = client.m:list{status =, ...}", "function F:list(filter, opts)",
      "  opts = verbs.options(opts, {dry_run = true}, 'list')", "  return split(filter, EXTRA)", "end", ""}, "\n"))
    local doc = gen.parse(file)
    os.remove(file)
    local fn = doc.functions[1]
    assert.same({"limit", "region", "status", "time_range"}, types.code_keys(doc, fn, "filter"))
    assert.same({"dry_run"}, types.code_keys(doc, fn, "opts"))
    local sig = types.signature(doc, fn, "m")
    assert.equal("m.list.filter", sig.params[1].type)
    assert.is_true(sig.params[1].optional and sig.params[1].open)
  end)

  it("are well-formed: meta files that load, params that exist, types that are defined", function()
    local defs = definitions()
    local defined = {}
    local BUILTIN = {any = true, string = true, number = true, integer = true, boolean = true, table = true,
                     ["function"] = true, lightuserdata = true, ["nil"] = true}
    for _, text in pairs(defs) do
      for name in text:gmatch("\n%-%-%-@class ([%w_.]+)") do defined[name] = true end
      for name in text:gmatch("\n%-%-%-@alias ([%w_.]+)") do defined[name] = true end
    end
    local problems = {}
    for path, text in pairs(defs) do
      if not text:find("^%-%-%-@meta ") then problems[#problems + 1] = path .. ": no ---@meta line" end
      local ok, err = load(text, "@" .. path)
      if not ok then problems[#problems + 1] = err end
      -- each ---@param names a parameter of the stub that follows its block, in order
      local block, stubs = {}, 0
      for line in text:gmatch("[^\n]*") do
        local param = line:match("^%-%-%-@param ([%w_.]+)")
        if param then block[#block + 1] = param end
        local stub = line:match("^function [%w_]+[.:][%w_]+(%b())")
        if stub then
          stubs = stubs + 1
          local params = {}
          for name in stub:gmatch("[%w_.]+") do params[#params + 1] = name end
          if table.concat(params, ",") ~= table.concat(block, ",") then
            problems[#problems + 1] = ("%s: @param %s for %s"):format(path, table.concat(block, ","), line)
          end
        end
        if not line:find("^%-%-%-") then block = {} end
      end
      if stubs == 0 and not path:find("json") then problems[#problems + 1] = path .. ": no function" end
      for _, tag in ipairs{"param [%w_.]+%??", "return", "field [%w_%[%]]+%??", "alias [%w_.]+"} do
        for spec in text:gmatch("\n%-%-%-@" .. tag .. " ([^%s]+)") do
          for t in spec:gsub("table<[^>]*>", "table"):gmatch("[^|%s]+") do
            t = t:gsub("%?$", ""):gsub("%[%]$", "")
            if not (BUILTIN[t] or defined[t] or not t:find("%.") and not t:find("^prismacloud")) then
              problems[#problems + 1] = ("%s: type %s is not defined"):format(path, t)
            end
          end
        end
      end
    end
    table.sort(problems)
    assert(#problems == 0, table.concat(problems, "\n"))
  end)
end)
