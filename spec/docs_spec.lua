-- The reference covers every public function: the README's families
-- section is generated from the source and current, every public function
-- of the library's modules carries its summary and `syntax:` line, and the
-- client's methods and the module's functions are described in the README.
local gen = require "tools.gen_docs"

-- The generated families reference, made once for the whole file.
local rendered
local function render()
  rendered = rendered or gen.render(".")
  return rendered
end

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- The library's Lua modules (not the emulator, the CLI or generated files).
local function library_files()
  local p = io.popen("ls lua/prismacloud/*.lua")
  local files = {}
  for file in p:lines() do
    if not file:find("operations%.lua$") then files[#files + 1] = file end
  end
  p:close()
  return files
end

describe("documentation", function()
  it("the README's families reference is current (lua5.4 tools/gen_docs.lua)", function()
    local readme = read("README.md")
    assert.is_truthy(readme:find(gen.BEGIN, 1, true), "README.md lacks the generated families section")
    assert.equal(gen.update(readme, render()), readme)
  end)

  it("the REPL's help() and the README read the same doc comments (one reader)", function()
    local repl = require "prismacloud.cli.repl"
    local readme = read("README.md")
    for _, fam in ipairs(gen.families(".")) do
      local help = repl.help_text(fam.name)
      local n = 0
      for _, fn in ipairs(gen.parse(fam.file).functions) do
        if fn.owner == "F" and gen.public(fn.name) and fn.syntax then
          n = n + 1
          assert(help:find(fn.syntax, 1, true), ("help(pc.%s) lacks %s"):format(fam.name, fn.syntax))
          assert(readme:find(fn.syntax, 1, true), "the README lacks " .. fn.syntax)
        end
      end
      assert(n > 0, fam.name)
    end
  end)

  it("the README shows the CLI's help as the CLI prints it, and an example of every command", function()
    local readme = read("README.md")
    local cli = gen.render_cli(".")
    assert.matches("Exit codes: 0 success", cli, 1, true)
    assert.equal(gen.update(readme, render(), cli), readme)
    local commands = 0
    for line in cli:gmatch("[^\n]+") do
      local words = line:match("^  (%l[%l ]-)%s%s") or line:match("^  (%l+) %u")
      if words then
        commands = commands + 1
        local first = words:match("^(%S+ ?%l*)"):gsub("%s+$", "")
        assert(readme:find("prismacloud " .. first, 1, true) or first == "help",
          "README has no example of 'prismacloud " .. first .. "'")
      end
    end
    assert.is_true(commands >= 12)
  end)

  it("every public function of the library's modules has a summary and a syntax line", function()
    local missing = {}
    for _, file in ipairs(library_files()) do
      for _, fn in ipairs(gen.parse(file).functions) do
        if gen.public(fn.name) and not (fn.summary and fn.syntax) then
          missing[#missing + 1] = ("%s:%d %s.%s lacks its %s"):format(file, fn.line, fn.owner, fn.name,
            fn.summary and "'-- syntax:' line" or "'--- summary' line")
        end
      end
    end
    assert(#missing == 0, "undocumented:\n" .. table.concat(missing, "\n"))
  end)

  it("every method of every registered family is in its source with a syntax line", function()
    local prismacloud = require "prismacloud"
    local families = gen.families(".")
    assert.is_true(#families >= 6)
    local missing = {}
    for _, fam in ipairs(families) do
      assert.equal(fam.module, prismacloud.families[fam.name])
      local documented = {}
      local doc = gen.parse(fam.file)
      for _, fn in ipairs(doc.functions) do
        if fn.syntax then documented[fn.name] = true end
      end
      for _, alias in ipairs(doc.aliases) do -- another name of a documented function
        if documented[alias.target] then documented[alias.name] = true end
      end
      for name, v in pairs(require(fam.module)) do
        if type(v) == "function" and gen.public(name) and not documented[name] then
          missing[#missing + 1] = fam.name .. ":" .. name
        end
      end
    end
    table.sort(missing)
    assert(#missing == 0, "family methods without a syntax line: " .. table.concat(missing, ", "))
  end)

  it("every client method and module function is described in the README", function()
    local core = require "prismacloud.core"
    local prismacloud = require "prismacloud"
    local readme = read("README.md")
    local missing = {}
    for name, v in pairs(core.Client) do
      if type(v) == "function" and gen.public(name) and not readme:find("client:" .. name .. "(", 1, true) then
        missing[#missing + 1] = "client:" .. name
      end
    end
    for name, v in pairs(prismacloud) do
      if type(v) == "function" and gen.public(name) and not readme:find("prismacloud." .. name .. "(", 1, true) then
        missing[#missing + 1] = "prismacloud." .. name
      end
    end
    table.sort(missing)
    assert(#missing == 0, "not in README.md: " .. table.concat(missing, ", "))
  end)

  it("every module's intro, which starts its README section, is whole sentences", function()
    for _, mod in ipairs(gen.modules(".")) do
      local summary = gen.parse(mod.file).summary
      assert(summary and summary:find("[.!?]%)?$"), mod.file .. ": its intro stops mid-sentence: " .. tostring(summary))
    end
    -- and the README shows them whole: every family section's first paragraph ends a sentence
    local readme = read("README.md")
    for _, fam in ipairs(gen.families(".")) do
      local intro = readme:match("\n### `client%." .. fam.name .. "`\n\n(.-)\n\n")
      assert(intro and intro:find("[.!?]%)?$"), "README: client." .. fam.name .. "'s intro: " .. tostring(intro))
    end
  end)

  it("a module's intro is its whole first paragraph, not its first line", function()
    local file = os.tmpname()
    local f = assert(io.open(file, "w"))
    f:write("--- m.x: the thing (`client.x`) for\n-- two lines.\n--\n--   example()\n-- More text.\nlocal M = {}\n")
    f:close()
    local doc = gen.parse(file)
    os.remove(file)
    assert.equal("the thing (`client.x`) for two lines.", doc.summary)
    assert.same({{kind = "text", lines = {"the thing (`client.x`) for", "two lines."}},
                 {kind = "code", lines = {"example()"}}, {kind = "text", lines = {"More text."}}}, doc.blocks)
  end)

  it("the README opens with a table of contents of its sections, current, whose links resolve", function()
    local readme = read("README.md")
    local a, b = readme:find(gen.TOC_BEGIN, 1, true), readme:find(gen.TOC_END, 1, true)
    assert(a and b, "README.md has no table of contents markers")
    assert(a < readme:find("\n## ", 1), "the table of contents comes before the first section")
    local toc = readme:sub(a, b + #gen.TOC_END - 1)
    assert.equal(gen.render_toc(readme), toc)
    local anchors, listed = {}, {}
    for _, h in ipairs(gen.headings(readme)) do anchors[h.anchor] = true end
    for target in toc:gmatch("%]%(#([^)]+)%)") do
      assert(anchors[target], "the table of contents links to #" .. target .. ", which no heading has")
      listed[target] = true
    end
    for _, h in ipairs(gen.headings(readme)) do
      if h.level == 2 or h.level == 3 then assert(listed[h.anchor], h.text .. " is not in the table of contents") end
    end
    -- anchors as GitHub makes them, a repeated heading numbered
    assert.same({"the-client-clientsendx", "the-client-clientsendx-1"},
      {gen.headings("## The client: `client:send(x)`\n## The client: `client:send(x)`")[1].anchor,
       gen.headings("## The client: `client:send(x)`\n## The client: `client:send(x)`")[2].anchor})
  end)

  it("the README describes the modules scripts call directly, prismacloud.jobs among them, whole", function()
    local readme = read("README.md")
    -- every library module the generated reference tells the reader to see has its section
    local named = {}
    for module in render():gmatch("prismacloud%.([%w_]+)") do named["prismacloud." .. module] = true end
    local library = {}
    for _, mod in ipairs(gen.modules(".")) do library[mod.module] = true end
    for module in pairs(named) do
      if library[module] then
        assert(readme:find("\n##+ [^\n]*`" .. module:gsub("%p", "%%%0") .. "`"), module .. " has no README section")
      end
    end
    assert.is_true(named["prismacloud.jobs"])
    for _, module in ipairs(gen.README_MODULES) do
      local doc = gen.parse("lua/" .. module:gsub("%.", "/") .. ".lua")
      for _, fn in ipairs(doc.functions) do
        if fn.owner == "M" and gen.public(fn.name) then
          assert(readme:find(fn.syntax, 1, true), module .. "." .. fn.name .. " is not in the README")
        end
      end
    end
  end)

  it("the Markdown documents link inside the repository only to files and headings that exist", function()
    local p = io.popen("ls README.md CHANGELOG.md doc/*.md")
    local docs = {}
    for file in p:lines() do docs[#docs + 1] = file end
    p:close()
    local bad = {}
    for _, file in ipairs(docs) do
      local text = read(file)
      local dir = file:match("^(.*)/") or "."
      for target in text:gsub("```.-```", ""):gmatch("%]%(([^)%s]+)%)") do
        if not target:find("^%a[%w+.-]*:") then -- not a URL: a file of the repository, and a heading in it
          local path, anchor = target:match("^([^#]*)#?(.*)$")
          local resolved = path == "" and file or (dir .. "/" .. path)
          local parts = {}
          for part in resolved:gmatch("[^/]+") do
            if part == ".." then
              if #parts == 0 or parts[#parts] == ".." then parts[#parts + 1] = ".." else parts[#parts] = nil end
            elseif part ~= "." then
              parts[#parts + 1] = part
            end
          end
          resolved = table.concat(parts, "/")
          local f = not resolved:find("^%.%.") and io.open(resolved, "rb")
          if not f then
            bad[#bad + 1] = file .. ": " .. target .. " (outside the repository or missing)"
          else
            local body = f:read("a")
            f:close()
            if anchor ~= "" then
              local found = false
              for _, h in ipairs(gen.headings(body)) do found = found or h.anchor == anchor end
              if not found then bad[#bad + 1] = file .. ": " .. target .. " (no such heading)" end
            end
          end
        end
      end
    end
    assert(#bad == 0, "broken links:\n" .. table.concat(bad, "\n"))
  end)

  it("the check can fail: a function without its lines is reported", function()
    local file = os.tmpname()
    local f = assert(io.open(file, "w"))
    f:write("--- m: a module\nlocal F = {}\n--- Documented.\n-- syntax: x = F:a()\nfunction F:a() end\n",
      "function F:b() end\n")
    f:close()
    local doc = gen.parse(file)
    os.remove(file)
    assert.equal("a module", doc.summary)
    assert.equal("x = F:a()", doc.functions[1].syntax)
    assert.equal("Documented.", doc.functions[1].summary)
    assert.equal("b", doc.functions[2].name)
    assert.is_nil(doc.functions[2].syntax)
  end)
end)

-- The README's emulator section, held against a running emulator: the modules it names answer
-- and say so in X-Emulator-Route (seen through client:last_response(), as the README shows), the
-- spec-driven fallback answers the rest, 406 for an Accept it cannot meet, 400 for a body that
-- breaks the reference.
describe("the README's emulator section", function()
  local server = require "spec.support.server"
  local walk = require "spec.support.walk"
  local fx = server.fixture{}

  local function section()
    local readme = read("README.md")
    local a = assert(readme:find("\n## The emulator\n", 1, true))
    local b = assert(readme:find("\n## ", a + 1, true))
    return readme:sub(a, b)
  end

  -- The X-Emulator-Route of the client's last response.
  local function route()
    return fx.client:last_response().headers["x-emulator-route"]
  end

  it("names modules that exist, and says 545 operations", function()
    local text = section()
    assert.truthy(text:find("545 operations", 1, true))
    local examples = assert(text:match("%*%*Which answered%*%*.-hand%-written route %((.-)%.%.%."))
    local names = {}
    for name in examples:gmatch("`([%w_]+)`") do names[#names + 1] = name end
    assert.is_true(#names >= 3)
    for _, name in ipairs(names) do
      assert(io.open("lua/prismacloud/emulator/" .. name .. ".lua"), name .. " is no emulator module"):close()
    end
  end)

  it("answers with the module of the hand-written route, or spec", function()
    assert(fx.client:call("get-alerts-v2", walk.args_of("get-alerts-v2")))
    assert.equal("alerts", route())
    assert(fx.client:call("search-events", {body = {query = "event from cloud.audit_logs where user = 'root'"}}))
    assert.equal("search_events", route())
    assert(fx.client:call("get-account-groups", {}))
    assert.equal("account_groups", route())
    assert(fx.client:call("get-networks-list", {}))
    assert.equal("trusted_ips", route())
    assert(fx.client:call("get-asset-counts", {}))
    assert.equal("spec", route())
  end)

  it("the fallback answers 406 for an Accept it cannot meet and 400 for a body that breaks the reference", function()
    local res, err = fx.client:request("GET", "/asm/api/v1/dashboard/asset/count", {headers = {Accept = "image/png"}})
    assert.equal(406, res and res.status or err and err.status)
    assert.equal("spec", route())
    local ids = {}
    for id in pairs(require "prismacloud.operations") do ids[#ids + 1] = id end
    table.sort(ids)
    local checked
    for _, id in ipairs(ids) do
      local body = walk.broken_body(id)
      if body and not checked then
        local args = walk.args_of(id)
        args.body = body
        local _, e = fx.client:call(id, args)
        if route() == "spec" then
          assert.equal(400, e and e.status, id)
          checked = id
        end
      end
    end
    assert.truthy(checked)
    fx.srv.take_violations() -- both requests break the reference on purpose
  end)
end)
