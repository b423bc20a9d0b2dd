--- prismacloud.doc_comments: the one reader of the library's doc comments, for the generated
-- reference (tools/gen_docs.lua: the README, types/, the HTML pages) and the REPL's help().
--
-- A function is documented by the comment lines above it:
--
--   --- One-line summary (it may run on over the next plain comment lines).
--   -- syntax: result, err = client.family:verb(args)
--   function F:verb(...)
--
-- and a module by its first comment lines: `--- prismacloud.x: summary`, more lines of text,
-- and examples indented by three spaces.
local M = {}

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- The module header: the comment lines at the top, as blocks {{kind = "text"|"code", lines}}.
local function header_blocks(lines)
  local blocks, current = {}, nil
  for i, line in ipairs(lines) do
    if not line:find("^%-%-") then break end
    local text
    if i == 1 then
      text = line:match("^%-%-%-?%s*[%w_.]+:%s+(.-)%s*$") or line:match("^%-%-%-?%s*(.-)%s*$")
    else
      text = line:match("^%-%-%-?(.*)$")
    end
    local code = i > 1 and text:match("^   (.*)$")
    local kind = code and "code" or (text:find("%S") and "text" or nil)
    if not kind then
      current = nil
    else
      if not current or current.kind ~= kind then
        current = {kind = kind, lines = {}}
        blocks[#blocks + 1] = current
      end
      current.lines[#current.lines + 1] = kind == "code" and code or text:match("^%s*(.-)%s*$")
    end
  end
  return blocks
end

-- Names of the parameters in a function's parameter list ("self" first for a method).
local function param_names(list, method)
  local out = method and {"self"} or {}
  for name in list:gmatch("[%w_.]+") do out[#out + 1] = name end
  return out
end

-- The summary and the syntax line of the doc comment above line i (each nil when missing).
local function comment_above(lines, i)
  local summary, syntax
  local j = i - 1
  while j >= 1 and lines[j]:find("^%-%-") do
    syntax = syntax or lines[j]:match("^%-%-%s*syntax:%s*(.-)%s*$")
    local s = lines[j]:match("^%-%-%-%s+(.-)%s*$")
    if s then
      -- a summary may run on over the plain comment lines before the syntax line
      local k = j + 1
      while k < i and lines[k]:find("^%-%-%s") and not lines[k]:find("^%-%-%s*syntax:") do
        s = s .. " " .. lines[k]:match("^%-%-%s*(.-)%s*$")
        k = k + 1
      end
      summary = s
    end
    j = j - 1
  end
  return summary, syntax
end

-- The items of a comma-separated list at the top level (commas inside brackets and braces stay).
local function split_top(text)
  local out, depth, buf = {}, 0, {}
  for ch in text:gmatch(".") do
    if ch == "{" or ch == "(" then depth = depth + 1 elseif ch == "}" or ch == ")" then depth = depth - 1 end
    if ch == "," and depth == 0 then
      out[#out + 1] = table.concat(buf)
      buf = {}
    else
      buf[#buf + 1] = ch
    end
  end
  local last = table.concat(buf)
  if last:find("%S") then out[#out + 1] = last end
  return out
end

local parsed = {} -- path -> {text =, doc =}: a file is read anew each time, parsed once per content

--- Parses a Lua source file: its module summary and its documented functions.
-- Returns {summary =, blocks =, functions = {{owner =, name =, summary =, syntax =, line =, params =,
-- method =, comment =, first =, last =}}, aliases = {{owner =, name =, target =}}, lines =} where
-- summary is the first paragraph of the module comment, blocks its paragraphs and examples,
-- functions lists every `function Owner:name` / `function Owner.name` at the top level (summary
-- and syntax are nil when the comment lines are missing; first..last are its lines) and aliases
-- every `Owner.name = Owner.other` line.
-- syntax: doc = doc_comments.parse(path)
function M.parse(path)
  local source = read(path)
  local cached = parsed[path]
  if cached and cached.text == source then return cached.doc end
  local lines = {}
  for line in (source .. "\n"):gmatch("(.-)\r?\n") do lines[#lines + 1] = line end
  if lines[#lines] == "" then lines[#lines] = nil end
  local doc = {functions = {}, aliases = {}, locals = {}, exports = {}, lines = lines, path = path}
  doc.blocks = header_blocks(lines)
  local first = doc.blocks[1]
  doc.summary = first and first.kind == "text" and table.concat(first.lines, " ") or nil
  for i, line in ipairs(lines) do
    local a_owner, a_name, a_target = line:match("^([%w_]+)%.([%w_]+)%s*=%s*([%w_]+)[.:][%w_]+%s*$")
    if a_owner and a_owner == a_target then
      doc.aliases[#doc.aliases + 1] = {owner = a_owner, name = a_name,
                                       target = line:match("[.:]([%w_]+)%s*$"), line = i}
    end
    local lname, lparams = line:match("^local%s+function%s+([%w_]+)%s*%((.-)%)")
    if lname then
      local last = #lines
      for k = i + 1, #lines do
        if lines[k]:find("^end") then last = k; break end
      end
      doc.locals[lname] = {name = lname, params = param_names(lparams), first = i, last = last}
    end
    local owner, sep, name, params = line:match("^function%s+([%w_]+)([:.])([%w_]+)%s*%((.-)%)")
    if owner then
      local fn = {owner = owner, name = name, line = i, first = i, method = sep == ":",
                  params = param_names(params, sep == ":"), comment = {}}
      local last = i
      if not line:find("%send%s*$") then
        last = #lines
        for k = i + 1, #lines do
          if lines[k]:find("^end") then last = k; break end
        end
      end
      fn.last = last
      fn.summary, fn.syntax = comment_above(lines, i)
      doc.functions[#doc.functions + 1] = fn
    end
    -- a function declared by assignment under its doc comment: `F.get = crud.get`, a verb made by a
    -- helper (prismacloud.verbs); its parameters are those its syntax line names
    local v_owner, v_name, v_target = line:match("^([%w_]+)%.([%w_]+)%s*=%s*([%a_][%w_]*)[.:][%w_]+%s*$")
    if v_owner and v_owner ~= v_target and not ({os = true, io = true, string = true})[v_target] then
      local summary, syntax = comment_above(lines, i)
      if syntax then
        local method = syntax:find(":" .. v_name .. "%s*[({]") ~= nil
        local args = syntax:match(v_name .. "%s*(%b())") or syntax:match(v_name .. "%s*(%b{})") or "()"
        local names = method and {"self"} or {}
        if args:find("^{") then -- f{...}: one table
          names[#names + 1] = "filter"
        else
          for _, item in ipairs(split_top((args:sub(2, -2):gsub("[%[%]]", "")))) do
            names[#names + 1] = item:match("^%s*([%a_][%w_]*)%s*$") or "opts"
          end
        end
        doc.functions[#doc.functions + 1] = {owner = v_owner, name = v_name, line = i, first = i, last = i,
          method = method, params = names, comment = {}, summary = summary, syntax = syntax, declared = true}
      end
    end
    -- a function exported by assignment: `M.name = local_function` or `M.name = os.getenv`
    local e_owner, e_name, e_target = line:match("^([%w_]+)%.([%w_]+)%s*=%s*([%a_][%w_.]*)%s*$")
    if e_owner and e_owner ~= e_target:match("^[%w_]+") and e_name:find("^%l")
        and (doc.locals[e_target] or e_target:find("^os%.") or e_target:find("^io%.")
             or e_target:find("^string%.")) then
      doc.exports[#doc.exports + 1] = {owner = e_owner, name = e_name, target = e_target, line = i,
                                       comment_line = i - 1}
    end
  end
  local base = path:match("([%w_]+)%.lua$")
  if base == "init" then base = "prismacloud" end
  -- what an export is: a documented local function, or another module's function
  for _, e in ipairs(doc.exports) do
    local l = doc.locals[e.target]
    local comment_at = l and l.first - 1 or e.comment_line
    local text = {}
    local j = comment_at
    while j >= 1 and lines[j]:find("^%-%-") do
      table.insert(text, 1, lines[j]:match("^%-%-%-?%s*(.-)%s*$"))
      j = j - 1
    end
    e.summary = #text > 0 and table.concat(text, " ") or nil
    e.params = l and l.params or {"..."}
    e.syntax = ("%s.%s(%s)"):format(base, e.name, table.concat(e.params, ", "))
    if not l and e.summary == nil then e.summary = ("The same as `%s`."):format(e.target) end
  end
  -- a module that only re-exports a table (prismacloud.json): the functions its comment lists
  -- as `name(args) -> result`
  if #doc.functions == 0 and #doc.exports == 0 then
    for _, block in ipairs(doc.blocks) do
      if block.kind == "text" then
        local text = table.concat(block.lines, " ")
        for name, args, result in text:gmatch("([%a_][%w_]*)%(([%w_, ]*)%)%s*%->%s*([%w_ ]-)[;.]") do
          local syntax = ("%s = %s.%s(%s)"):format(result:match("[%w_]+$"), base, name, args)
          doc.exports[#doc.exports + 1] = {owner = "M", name = name, params = param_names(args),
                                           summary = ("Returns %s."):format(result), line = 1, syntax = syntax}
        end
      end
    end
  end
  parsed[path] = {text = source, doc = doc}
  return doc
end

--- Whether a function name is public (not a metamethod, not _private).
-- syntax: ok = doc_comments.public(name)
function M.public(name)
  return not name:find("^_")
end

--- The documented functions of a module (found on package.path), for help: {{name =, summary =,
-- syntax =}} in source order, an alias `F.x = F.y` as "the same as y"; {} when it cannot be found.
-- syntax: list = doc_comments.functions_of("prismacloud.alerts")
function M.functions_of(module_name)
  local path = package.searchpath(module_name, package.path)
  if not path then return {} end
  local doc = M.parse(path)
  local out = {}
  for _, fn in ipairs(doc.functions) do
    if fn.summary or fn.syntax then
      out[#out + 1] = {name = fn.name, summary = fn.summary, syntax = fn.syntax, line = fn.line}
    end
  end
  for _, alias in ipairs(doc.aliases) do
    out[#out + 1] = {name = alias.name, summary = "the same as " .. alias.target, line = alias.line}
  end
  table.sort(out, function(a, b) return a.line < b.line end)
  return out
end

return M
