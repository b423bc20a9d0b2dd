-- The reference covers every public function: the README's families
-- section is generated from the source and current, every public function
-- of the library's modules carries its summary and `syntax:` line, and the
-- client's methods and the module's functions are described in the README.
local gen = require "tools.gen_docs"

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
    assert.equal(gen.update(readme, gen.render(".")), readme)
  end)

  it("the README shows the CLI's help as the CLI prints it, and an example of every command", function()
    local readme = read("README.md")
    local cli = gen.render_cli(".")
    assert.matches("Exit codes: 0 success", cli, 1, true)
    assert.equal(gen.update(readme, gen.render("."), cli), readme)
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
