--- tools/reference.lua: what the generators of lua/prismacloud/operations.lua (gen_operations)
-- and lua/prismacloud/schema/data.lua (gen_schemas) share: reading the OpenAPI reference's files,
-- following its local $ref pointers, and writing Lua source text for the generated modules.
--
--   local ref = require("tools.reference").new("gen_operations")  -- errors name the tool
--   for _, name in ipairs(ref.list_json_files(dir)) do local text = ref.read_file(dir .. "/" .. name) end
--   local node = ref.resolve(doc, node, file)   -- a chain of $ref followed
--   ref.quote("a\n") --> "\"a\\n\"";  ref.key_text("end") --> "[\"end\"]"
local M = {}

-- Lua's reserved words: never a bare key in generated source.
local RESERVED = {}
for w in ([[and break do else elseif end false for function goto if in local nil not or repeat return
  then true until while]]):gmatch("%a+") do RESERVED[w] = true end

--- A string as a Lua literal: control characters, quotes, backslashes and bytes over 127 escaped,
-- so that generated files are plain ASCII.
function M.quote(s)
  return '"' .. s:gsub('[%c"\\\128-\255]', function(c)
    local named = {["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t", ['"'] = '\\"', ["\\"] = "\\\\"}
    return named[c] or ("\\%03d"):format(c:byte())
  end) .. '"'
end

--- A table key as Lua source: bare when it is a name, else ["..."].
function M.key_text(k)
  if type(k) == "string" and k:match("^[%a_][%w_]*$") and not RESERVED[k] then return k end
  return "[" .. M.quote(tostring(k)) .. "]"
end

--- The whole content of a file, or nil and a message.
function M.read_file(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local data = f:read("a")
  f:close()
  return data
end

--- The names of the .json files in dir, sorted.
function M.list_json_files(dir)
  local p = assert(io.popen("ls -1 '" .. dir:gsub("'", "'\\''") .. "'"))
  local names = {}
  for name in p:lines() do
    if name:match("%.json$") then names[#names + 1] = name end
  end
  p:close()
  table.sort(names)
  return names
end

--- The lines of text, split at "\n".
local function lines(text)
  local out = {}
  for l in (text .. "\n"):gmatch("(.-)\n") do out[#out + 1] = l end
  return out
end

--- Whether the file at path holds exactly `expected`; when not, writes to stderr how it differs
-- (missing, or how many lines and the first one), then what `extra` writes (the tool's own
-- summary of the difference, given the current text), and returns false.
function M.compare(path, expected, extra)
  local current = M.read_file(path)
  if current == expected then return true end
  local out = io.stderr
  if not current then
    out:write(("%s: missing; it would hold %d lines\n"):format(path, select(2, expected:gsub("\n", ""))))
    return false
  end
  local a, b = lines(current), lines(expected)
  local first, changed = nil, 0
  for i = 1, math.max(#a, #b) do
    if a[i] ~= b[i] then
      changed = changed + 1
      first = first or i
    end
  end
  out:write(("%s is stale: %d of %d lines differ, first at line %d\n"):format(path, changed, #b, first or 0))
  if first then
    out:write("  now:      ", (a[first] or "<end of file>"):sub(1, 200), "\n")
    out:write("  expected: ", (b[first] or "<end of file>"):sub(1, 200), "\n")
  end
  if extra then extra(current, out) end
  return false
end

--- Writes text to path (whole, binary).
function M.write_file(path, text)
  local f = assert(io.open(path, "wb"))
  assert(f:write(text))
  assert(f:close())
end

--- The helpers of one tool: fail(fmt, ...) writes "<tool>: message" and exits 2, and the $ref
-- readers below report through it.
function M.new(tool)
  local R = setmetatable({}, {__index = M})

  function R.fail(fmt, ...)
    io.stderr:write(tool, ": ", fmt:format(...), "\n")
    os.exit(2)
  end

  --- The command line [--check] OPENAPI_DIR OUTPUT.lua: check_mode, dir, output (exits 2 with the
  -- usage line otherwise).
  function R.args(argv)
    local check_mode, args = false, {}
    for _, a in ipairs(argv) do
      if a == "--check" then check_mode = true else args[#args + 1] = a end
    end
    if #args ~= 2 then
      io.stderr:write("usage: lua5.4 tools/", tool, ".lua [--check] OPENAPI_DIR OUTPUT.lua\n")
      os.exit(2)
    end
    return check_mode, args[1], args[2]
  end

  --- The target of a local $ref "#/a/b" in doc (file names the document in messages).
  function R.deref(doc, ref, file)
    if type(ref) ~= "string" or ref:sub(1, 2) ~= "#/" then R.fail("%s: unsupported $ref %s", file, tostring(ref)) end
    local target = doc
    for part in ref:sub(3):gmatch("[^/]+") do
      part = part:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end)
      part = part:gsub("~1", "/"):gsub("~0", "~")
      target = type(target) == "table" and target[part] or nil
    end
    if target == nil then R.fail("%s: unresolved $ref %s", file, ref) end
    return target
  end

  --- node with its chain of $ref followed (parameters, request bodies, responses, examples).
  function R.resolve(doc, node, file)
    local seen = 0
    while type(node) == "table" and node["$ref"] do
      node = R.deref(doc, node["$ref"], file)
      seen = seen + 1
      if seen > 20 then R.fail("%s: $ref loop", file) end
    end
    return node
  end

  return R
end

return M
