-- The README's REPL lines (section "REPL") print what the README says they print: the lines are
-- read from README.md and piped, as written, into `prismacloud repl --emulator`; each one's
-- output is checked by the shape of the line (a count, a loop printing fields, help, a catalog
-- search), and a line this spec does not know how to check fails it, so the spec follows the text.
local files = require "spec.support.files"
local shell_quote, read_file, write_file = files.shell_quote, files.read, files.write
local prismacloud = require "prismacloud"

local ENV = "env -u PC_URL -u PC_IDENTITY -u PC_SECRET -u PRISMACLOUD_URL -u PRISMACLOUD_USERNAME "
  .. "-u PRISMACLOUD_PASSWORD PC_CONFIG_DIR=/nonexistent HOME=/nonexistent "
  .. "LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./?.so;;' NO_COLOR=1 "

-- The `> ` lines of the README's REPL section, without the prompt.
local function readme_lines()
  local readme = read_file("README.md")
  local section = assert(readme:match("\n## REPL[^\n]*\n(.-)\n## "), "README.md has no REPL section")
  local lines = {}
  for block in section:gmatch("```lua\n(.-)```") do
    for line in block:gmatch("[^\n]+") do
      local statement = line:match("^> (.*)$")
      if statement then lines[#lines + 1] = statement end
    end
  end
  return lines
end

-- Runs the lines in one REPL (its own emulator), a marker printed before each; returns the
-- output of each line, the exit code and stderr.
local function run(lines)
  local input, out, err = os.tmpname(), os.tmpname(), os.tmpname()
  local script = {}
  for i, line in ipairs(lines) do
    script[#script + 1] = ("print('--8<-- %d')"):format(i)
    script[#script + 1] = line
  end
  write_file(input, table.concat(script, "\n") .. "\n")
  local _, _, code = os.execute(("%s lua5.4 bin/prismacloud repl --emulator < %s > %s 2> %s"):format(ENV,
    shell_quote(input), shell_quote(out), shell_quote(err)))
  local o, e = read_file(out), read_file(err)
  os.remove(input)
  os.remove(out)
  os.remove(err)
  local outputs = {}
  for i = 1, #lines do
    local from = assert(o:find(("--8<-- %d\n"):format(i), 1, true), "no output for line " .. i)
    local after = o:find(("--8<-- %d\n"):format(i + 1), from, true) or #o + 1
    outputs[i] = o:sub(from + #("--8<-- %d\n"):format(i), after - 1)
  end
  return outputs, code, e
end

local function split_lines(text)
  local out = {}
  for line in text:gmatch("([^\n]*)\n") do out[#out + 1] = line end
  return out
end

-- Checks by the shape of a line: each returns true when it applies (and raises when it fails).
local CHECKS = {
  function(line, output) -- a count: one integer
    if not line:match("^pc%.[%w_]+:count%(") then return false end
    local n = output:match("^(%d+)\n$")
    assert(n, "a count prints one number, got: " .. output)
    assert(tonumber(n) > 0, "the emulator has open alerts")
    return true
  end,
  function(line, output) -- a loop printing fields of max_items items: that many lines, every field set
    if not line:match("^for .* do print%(.*%) end") then return false end
    local want = tonumber(line:match("max_items%s*=%s*(%d+)"))
    local lines = split_lines(output)
    assert.equal(want, #lines, output)
    local fields = select(2, line:match("print%((.*)%)"):gsub(",", "")) + 1
    for _, l in ipairs(lines) do
      local cells = {}
      for cell in (l .. "\t"):gmatch("([^\t]*)\t") do cells[#cells + 1] = cell end
      assert.equal(fields, #cells, l)
      for _, cell in ipairs(cells) do
        assert(cell ~= "" and cell ~= "nil", ("a printed field is empty or nil: %q"):format(l))
      end
    end
    return true
  end,
  function(line, output) -- help(pc.<family>): every syntax line of the family's source
    local family = line:match("^help%(pc%.([%w_]+)%)")
    if not family then return false end
    local module_name = assert(prismacloud.families[family], "no family " .. family)
    local n = 0
    for l in io.lines(package.searchpath(module_name, package.path)) do
      local syntax = l:match("^%-%-%s*syntax:%s*(.-)%s*$")
      if syntax then
        n = n + 1
        assert(output:find(syntax, 1, true), "help lacks: " .. syntax)
      end
    end
    assert.is_true(n > 5)
    return true
  end,
  function(line, output) -- pc:operations("text"): the operations the CLI lists, as many as the text says
    local text = line:match('^pc:operations%("([^"]*)"%)')
    if not text then return false end
    local shown = {}
    for id in output:gmatch('id = "([^"]+)"') do shown[#shown + 1] = id end
    local p = io.popen(ENV .. ("lua5.4 bin/prismacloud operations %s -o csv --columns id"):format(shell_quote(text)))
    local cli = {}
    for id in p:read("a"):gmatch("[^\r\n]+") do
      if id ~= "id" then cli[#cli + 1] = id end
    end
    p:close()
    assert.is_true(#shown > 0, "the search found nothing: " .. output)
    assert.same(cli, shown)
    local said = tonumber(line:match("%-%-.-(%d+) operations"))
    if said then assert.equal(said, #shown) end
    return true
  end,
}

describe("the README's REPL lines", function()
  it("each prints what the README says, run as written in `prismacloud repl --emulator`", function()
    local lines = readme_lines()
    assert.is_true(#lines >= 4, "the README's REPL section has " .. #lines .. " lines")
    local outputs, code, err = run(lines)
    assert.equal(0, code, err)
    for i, line in ipairs(lines) do
      local output = outputs[i]
      assert(output:match("%S"), "prints nothing: " .. line)
      assert(not output:find("^error:") and not output:find("\nerror:"), line .. "\n" .. output)
      assert(not output:match("^nil\n") and not output:match("^{}\n"), line .. " prints " .. output)
      local checked = false
      for _, check in ipairs(CHECKS) do checked = checked or check(line, output) end
      assert(checked, "a README REPL line this spec does not check (add a check): " .. line)
    end
  end)
end)
