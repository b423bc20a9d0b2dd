-- The HTML reference (`make doc`): built from the doc comments by tools/gen_docs.lua --html, it
-- has a page for every library module with every public function the module really exports
-- (found by loading the modules, not from a list) and every client method, each with its
-- arguments, returns and errors; the pages are well-formed (a strict parser below) and every
-- internal link reaches a page and an element that exist.
local files = require "spec.support.files"

-- The environment prefix of a child generator: without valgrind's preload, which only works
-- under valgrind (the ASan preload stays: the core it loads is built with ASan then).
local function child_env()
  local preload = os.getenv("LD_PRELOAD") or ""
  return preload:find("vgpreload") and "env -u LD_PRELOAD" or "env"
end

local VOID = {meta = true, br = true, hr = true, img = true, link = true, input = true}
local ENTITIES = {amp = true, lt = true, gt = true, quot = true, ["#39"] = true}

-- Parses a page strictly: every tag closed in order, attributes quoted, entities known, no stray
-- '<' or '&'. Returns {ids = {id = true}, hrefs = {...}, text = ...} or raises naming the problem.
local function parse(page, name)
  local stack, ids, hrefs, texts = {}, {}, {}, {}
  assert(page:sub(1, 16) == "<!DOCTYPE html>\n", name .. ": no doctype")
  local pos = 17
  local function check_text(t, at)
    for amp in t:gmatch("&([^;%s]*);?") do
      assert(ENTITIES[amp], ("%s: bad entity &%s; near byte %d"):format(name, amp, at))
    end
    assert(not t:find(">", 1, true), ("%s: stray '>' near byte %d"):format(name, at))
    texts[#texts + 1] = t
  end
  while pos <= #page do
    local lt = page:find("<", pos, true)
    if not lt then
      check_text(page:sub(pos), pos)
      break
    end
    check_text(page:sub(pos, lt - 1), pos)
    local gt = page:find(">", lt, true)
    assert(gt, name .. ": unclosed tag at byte " .. lt)
    local tag = page:sub(lt + 1, gt - 1)
    if tag:sub(1, 1) == "/" then
      local tname = tag:match("^/([%w]+)%s*$")
      assert(tname, name .. ": bad end tag " .. tag)
      assert(stack[#stack] == tname, ("%s: </%s> closes <%s> near byte %d"):format(name, tname,
        tostring(stack[#stack]), lt))
      stack[#stack] = nil
    else
      local tname, rest = tag:match("^([%w]+)(.-)%s*/?$")
      assert(tname, name .. ": bad tag <" .. tag .. ">")
      local attrs = rest
      for aname, value in attrs:gmatch('%s+([%w%-]+)="([^"<]*)"') do
        check_text(value, lt)
        if aname == "id" then
          assert(not ids[value], name .. ": id used twice: " .. value)
          ids[value] = true
        elseif aname == "href" then
          hrefs[#hrefs + 1] = value:gsub("&amp;", "&")
        end
      end
      assert(attrs:gsub('%s+[%w%-]+="[^"<]*"', ""):find("^%s*$"), name .. ": bad attributes in <" .. tag .. ">")
      if not VOID[tname] and not tag:find("/$") then stack[#stack + 1] = tname end
    end
    pos = gt + 1
  end
  assert(#stack == 0, name .. ": unclosed " .. table.concat(stack, ", "))
  return {ids = ids, hrefs = hrefs, text = table.concat(texts, " ")}
end

-- The section of a page whose element has id: its markup, up to the section's end.
local function section(page, id)
  local start = page:find('<section class="fn" id="' .. id .. '">', 1, true)
  if not start then return nil end
  return page:sub(start, (page:find("</section>", start, true)))
end

-- Public functions a module really exports: {name = true} (by loading it).
local function exported(module)
  local out = {}
  local ok, mod = pcall(require, module)
  if not ok or type(mod) ~= "table" then return out end
  for name, v in pairs(mod) do
    if type(v) == "function" and not name:find("^_") then out[name] = true end
  end
  return out
end

describe("the HTML reference", function()
  local dir, pages

  setup(function()
    dir = files.temp_dir()
    -- the command `make doc` runs, in a process of its own (not slowed by the suite's GC stress or
    -- valgrind, whose preload it cannot carry; the sanitizers' it keeps for the ASan-built core)
    assert(os.execute(("%s LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./?.so;;' "
      .. "lua5.4 tools/gen_docs.lua --html %s >/dev/null"):format(child_env(), files.shell_quote(dir))))
    pages = {}
    for _, name in ipairs(files.listing(dir)) do pages[name] = files.read(dir .. "/" .. name) end
  end)

  teardown(function()
    if dir then files.remove_dir(dir) end
  end)

  it("is what `make doc` writes, into build/doc", function()
    local makefile = files.read("Makefile")
    assert.matches("\ndoc: all\n", makefile, 1, true)
    assert.matches("\n\t$(RUN_ENV) $(LUA) tools/gen_docs.lua --html build/doc\n", makefile, 1, true)
  end)

  it("has a page for every library module and every public function each module exports", function()
    local p = io.popen("ls lua/prismacloud/*.lua")
    local missing, count = {}, 0
    for file in p:lines() do
      local base = file:match("([%w_]+)%.lua$")
      if base ~= "operations" then -- the generated catalog data, not a module of functions
        local module = base == "init" and "prismacloud" or "prismacloud." .. base
        local page = pages[module .. ".html"]
        if not page then
          missing[#missing + 1] = module .. ".html"
        else
          for name in pairs(exported(module)) do
            count = count + 1
            local s = section(page, name)
            if not s then
              missing[#missing + 1] = module .. "." .. name
            else
              for _, part in ipairs{"<h4>Arguments</h4>", "<h4>Returns</h4>", "<h4>Errors</h4>"} do
                if not s:find(part, 1, true) and not s:find("The same as", 1, true) then
                  missing[#missing + 1] = module .. "." .. name .. " " .. part
                end
              end
            end
          end
        end
      end
    end
    p:close()
    -- the client's methods, the C core's and the Lua layer's
    local client = pages["prismacloud.Client.html"]
    for name, v in pairs(require("prismacloud.core").Client) do
      if type(v) == "function" and not name:find("^_") then
        count = count + 1
        if not (client and section(client, name)) then missing[#missing + 1] = "client:" .. name end
      end
    end
    table.sort(missing)
    assert(#missing == 0, "not in the HTML reference: " .. table.concat(missing, ", "))
    assert.is_true(count > 300)
  end)

  it("shows option names, returns and errors as the source says them", function()
    local alerts = section(pages["prismacloud.alerts.html"], "list")
    assert.matches("<code>status</code>", alerts, 1, true)
    assert.matches("<code>time_range</code>", alerts, 1, true)
    assert.matches("<li><code>page</code></li>", alerts, 1, true)
    local get = section(pages["prismacloud.alerts.html"], "get")
    assert.matches("on failure returns <code>nil, err</code>", get, 1, true)
    local wait = section(pages["prismacloud.jobs.html"], "wait")
    assert.matches("raises <code>bad argument #1 to &#39;wait&#39; (function expected, got …)</code>", wait, 1, true)
    for _, option in ipairs{"interval", "factor", "max_interval", "timeout", "on_poll"} do
      assert.matches("<code>" .. option .. "</code>", wait, 1, true)
    end
    local request = section(pages["prismacloud.Client.html"], "request")
    assert.matches("<code>opts</code> (optional)", request, 1, true)
    assert.matches("<code>idempotent</code>", request, 1, true)
  end)

  it("is well-formed, and every internal link reaches a page and an element that exist", function()
    local parsed = {}
    for name, page in pairs(pages) do parsed[name] = parse(page, name) end
    local bad = {}
    for name, info in pairs(parsed) do
      for _, href in ipairs(info.hrefs) do
        if not href:find("^https?://") then
          local target, anchor = href:match("^([^#]*)#?(.*)$")
          target = target == "" and name or target
          if not parsed[target] then
            bad[#bad + 1] = name .. " -> " .. href .. " (no such page)"
          elseif anchor ~= "" and not parsed[target].ids[anchor] then
            bad[#bad + 1] = name .. " -> " .. href .. " (no such element)"
          end
        end
      end
    end
    table.sort(bad)
    assert(#bad == 0, table.concat(bad, "\n"))
    -- the README's own table of contents is among them
    assert.is_true(parsed["index.html"].ids["errors"])
    assert.matches('<a href="#prismacloudjobs"><code>prismacloud.jobs</code></a>', pages["index.html"], 1, true)
  end)

  it("the checker can fail: a misnested tag, a raw '<', a dangling link", function()
    assert.has_error(function() parse("<!DOCTYPE html>\n<p><b>x</p></b>", "t") end)
    assert.has_error(function() parse("<!DOCTYPE html>\n<p>a < b</p>", "t") end)
    assert.has_error(function() parse('<!DOCTYPE html>\n<p id="a"></p><p id="a"></p>', "t") end)
    local ok = parse('<!DOCTYPE html>\n<p><a href="#x">y</a><br /></p>', "t")
    assert.same({"#x"}, ok.hrefs)
  end)
end)
