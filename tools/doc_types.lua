-- tools/doc_types.lua: type definitions for lua-language-server (types/, committed), made by
-- tools/gen_docs.lua from the same doc comments as the README, so that editors complete
-- `client.alerts:list{...}` and its option names and show each function's summary.
--
-- Where each part comes from:
--   * modules and functions: every lua/prismacloud/*.lua and its `function M.x` / `function F:x`
--     (parameter names from the definition, optional ones from the `syntax:` line's brackets);
--   * option tables: the names of the `syntax:` line's table literals, and the keys the code
--     accepts: a literal or named table given to verbs.options(param, ...), the keys of the
--     filter set (filters.define{names =, params =, settings =}) whose :query(param) or
--     :split(param) reads it, the keys looked up while walking `pairs(param)`, and the same
--     through the module's own helper functions that receive the parameter;
--   * returns: the names left of `=` in the `syntax:` line (a `for ... in` form returns an
--     iterator);
--   * the client's C methods, the options of prismacloud.new and the fields of an error: the
--     README's `syntax:` lines, headings and tables (the reference of the C core).
local gen = require "tools.gen_docs"

local M = {}

M.DIR = "types"

local read = gen.read

-- Splits s at top-level commas: {{text =, optional =}}; square brackets outside tables and
-- strings mark optional arguments (`id [, {dry_run = true}]`).
local function split_args(s, plain)
  local out, depth, opt, buf, min_opt, quote = {}, 0, 0, {}, nil, nil
  local function finish()
    local text = table.concat(buf):match("^%s*(.-)%s*$")
    if text ~= "" then out[#out + 1] = {text = text, optional = (min_opt or 0) > 0} end
    buf, min_opt = {}, nil
  end
  for ch in s:gmatch(".") do
    if quote then
      buf[#buf + 1] = ch
      if ch == quote then quote = nil end
    elseif ch == '"' or ch == "'" then
      quote = ch
      buf[#buf + 1] = ch
      min_opt = math.min(min_opt or opt, opt)
    elseif depth == 0 and ch == "[" and not plain then
      opt = opt + 1
    elseif depth == 0 and ch == "]" and not plain then
      opt = math.max(opt - 1, 0)
    elseif depth == 0 and ch == "," then
      finish()
    else
      if ch == "(" or ch == "{" then depth = depth + 1 elseif ch == ")" or ch == "}" then depth = depth - 1 end
      buf[#buf + 1] = ch
      if ch:find("%S") then min_opt = math.min(min_opt or opt, opt) end
    end
  end
  finish()
  return out
end
M.split_args = split_args

-- The balanced text from position i of s (which holds the opening character) to its closing one.
local function balanced(s, i)
  local open = s:sub(i, i)
  local close = ({["("] = ")", ["{"] = "}"})[open]
  local depth, quote = 0, nil
  for j = i, #s do
    local ch = s:sub(j, j)
    if quote then
      if ch == quote then quote = nil end
    elseif ch == '"' or ch == "'" then
      quote = ch
    elseif ch == open then
      depth = depth + 1
    elseif ch == close then
      depth = depth - 1
      if depth == 0 then return s:sub(i + 1, j - 1), j end
    end
  end
  return s:sub(i + 1), #s
end

-- The Lua type a literal value of a syntax line suggests.
local function literal_type(v)
  v = v:match("^%s*(.-)%s*$")
  if v == "true" or v == "false" then return "boolean" end
  if v:find('^"') or v:find("^'") then return "string" end
  if v:find("^%-?%d") then return math.tointeger(tonumber(v)) and "integer" or "number" end
  if v:find("^{") then return "table" end
  return "any"
end

--- The fields of a table literal of a syntax line: {{name =, type =}}, open (it ends in `...`).
function M.table_fields(text)
  local inner = text:match("^%b{}$") and text:sub(2, -2) or text
  local fields, open = {}, false
  for _, item in ipairs(split_args(inner, true)) do
    local name, value = item.text:match("^([%a_][%w_]*)%s*=%s*(.-)$")
    if not name then name, value = item.text:match('^%[%s*"([^"]+)"%s*%]%s*=%s*(.-)$') end
    if name then
      fields[#fields + 1] = {name = name, type = value ~= "" and literal_type(value) or "any"}
    elseif item.text:find("^%.%.%.") then
      open = true
    end
  end
  return fields, open
end

--- Reads a `syntax:` line (or one backticked part of it) for the call of `name`:
-- {returns = {names}, args = {{text =, optional =}}, iterator = bool} or nil when it has no call.
function M.syntax_call(syntax, name)
  local s = syntax:gsub("`", "")
  local pos, open = s:find("[.:]" .. name .. "%s*[%(%{]")
  if not pos then return nil end
  local lhs = s:sub(1, pos):gsub("[%w_.]*[.:]?$", "")
  local call = {returns = {}, args = {}}
  local ch = s:sub(open, open)
  if ch == "{" then
    -- f{...}: one table of options, each of them optional, so the table may be left out
    local inner = balanced(s, open)
    call.args = {{text = "{" .. inner .. "}", optional = true}}
  else
    call.args = split_args((balanced(s, open)))
  end
  lhs = lhs:match("([^;]*)$")
  local items = lhs:match("for%s+([%w_, ]-)%s+in%s*$")
  if items then
    call.iterator = true
  else
    local names = lhs:match("([%w_, ]-)%s*=%s*$")
    for n in (names or ""):gmatch("[%w_]+") do
      if n ~= "local" then call.returns[#call.returns + 1] = n end
    end
  end
  return call
end

--------------------------------------------------------------------------
-- The option keys the code accepts for a parameter.
--------------------------------------------------------------------------

-- The keys of a table constructor's text (`{a = true, ["b.c"] = 1}`).
local function constructor_keys(inner)
  local keys = {}
  for _, item in ipairs(split_args(inner, true)) do
    local k = item.text:match("^([%a_][%w_]*)%s*=") or item.text:match('^%[%s*"([^"]+)"%s*%]%s*=')
      or item.text:match("^%[%s*'([^']+)'%s*%]%s*=")
    if k then keys[#keys + 1] = k end
  end
  return keys
end

-- The module's constant tables: `local NAME = {...}` and `F.NAME = {...}` (upper-case names):
-- NAME -> {keys}.
local function constants(doc)
  local text = table.concat(doc.lines, "\n")
  local out = {}
  for pos, name in text:gmatch("\n()local%s+([%u_][%u%d_]*)%s*=%s*{") do
    out[name] = constructor_keys((balanced(text, text:find("{", pos, true))))
  end
  for pos, name in text:gmatch("\n()[%a_][%w_]*%.([%u_][%u%d_]*)%s*=%s*{") do
    out[name] = constructor_keys((balanced(text, text:find("{", pos, true))))
  end
  -- a constant filled with the request options of the C core (core.request_options)
  local filled = "\nfor%s+_%s*,%s*[%a_][%w_]*%s+in%s+ipairs%(core%.request_options%)%s+do%s+([%u_][%u%d_]*)%["
  for name in text:gmatch(filled) do
    out[name] = out[name] or {}
    for _, k in ipairs(M.request_keys()) do table.insert(out[name], k) end
  end
  return out
end

-- The module's filter sets, `local NAME = filters.define{names =, params =, settings =}`: NAME ->
-- {keys}: the short names (a constructor or a constant), the params and the settings.
local function filter_sets(doc, consts)
  local text = table.concat(doc.lines, "\n")
  local out = {}
  for pos, name in text:gmatch("\n()local%s+([%u_][%u%d_]*)%s*=%s*filters%.define%s*{") do
    local keys = {}
    local spec = balanced(text, (text:find("{", pos, true)))
    for _, item in ipairs(split_args(spec, true)) do
      local field, value = item.text:match("^([%a_][%w_]*)%s*=%s*(.-)%s*$")
      if field == "names" or field == "params" or field == "settings" then
        local list = value:find("^{") and constructor_keys(value:sub(2, -2))
          or consts[value:match("([%u_][%u%d_]*)$") or ""] or {}
        for _, k in ipairs(list) do keys[#keys + 1] = k end
      end
    end
    out[name] = keys
  end
  return out
end

-- The keys an expression names: a table constructor, a constant (NAME or F.NAME) or a bound parameter.
local function keys_of_expr(expr, consts, bindings)
  expr = expr:match("^%s*(.-)%s*$")
  if expr:find("^{") then return constructor_keys(expr:sub(2, -2)) end
  local name = expr:match("^[%a_][%w_]*%.([%u_][%u%d_]*)$") or expr:match("^([%a_][%w_]*)$")
  if name and bindings[name] then return bindings[name] end
  if name and consts[name] then return consts[name] end
  return {}
end

local function body_of(doc, rec)
  return table.concat(doc.lines, "\n", rec.first + 1, math.max(rec.first + 1, rec.last - 1))
end

-- Adds to `out` the keys the function `rec` accepts in its parameter `param`.
local function accepted_keys(doc, rec, param, bindings, consts, depth, out)
  if depth > 3 then return end
  local body = body_of(doc, rec)
  local function add(keys)
    for _, k in ipairs(keys) do out[k] = true end
  end
  local p = param:gsub("%p", "%%%0")
  -- verbs.options(param, allowed ...), and SET:query(param, ...) / SET:split(param, ...) of a filter set
  for pos in body:gmatch("verbs%.options%s*()%(") do
    local args = split_args((balanced(body, pos)))
    if args[1] and args[1].text == param and args[2] then add(keys_of_expr(args[2].text, consts, bindings)) end
  end
  for set, pos in body:gmatch("([%u_][%u%d_]*):[%a_]+%s*()%(") do
    local args = split_args((balanced(body, pos)))
    if args[1] and args[1].text == param and doc.filter_sets[set] then add(doc.filter_sets[set]) end
  end
  -- for k, v in pairs(param ...) do ... NAME[k] ...
  for var in body:gmatch("for%s+([%a_][%w_]*)%s*,?[%w_%s]*in%s+pairs%(%s*" .. p .. "[%s%)]") do
    for expr in body:gmatch("([%a_][%w_.]*)%[" .. var .. "%]") do add(keys_of_expr(expr, consts, bindings)) end
  end
  -- the module's own functions that receive the parameter
  for callee, pos in body:gmatch("([%a_][%w_.:]*)%s*()%(") do
    local short = callee:match("([%a_][%w_]*)$")
    local target = doc.locals[short]
    if not target then
      for _, fn in ipairs(doc.functions) do
        if fn.name == short and callee:find("^[%a_][%w_]*[.:]" .. short .. "$")
            and not callee:find("^verbs") and not callee:find("^pager") then
          target = fn
        end
      end
    end
    if target and target ~= rec then
      local args = split_args((balanced(body, pos)))
      local offset = (target.method and not callee:find(":")) and 0 or (target.method and 1 or 0)
      local inner_bindings, index = {}, nil
      for i, a in ipairs(args) do
        local tp = target.params[i + offset]
        if tp then
          if a.text == param then index = tp end
          local keys = keys_of_expr(a.text, consts, bindings)
          if #keys > 0 and not a.text:find("^{") then inner_bindings[tp] = keys end
          if a.text:find("^{") then inner_bindings[tp] = keys end
        end
      end
      if index then accepted_keys(doc, target, index, inner_bindings, consts, depth + 1, out) end
    end
  end
end

--- The option keys the code of a function accepts in its parameter (sorted).
function M.code_keys(doc, fn, param)
  if not doc.constants then
    -- the module's own constants, and prismacloud.verbs' (verbs.DRY_RUN)
    local verbs_path = package.searchpath("prismacloud.verbs", package.path)
    doc.constants = verbs_path and constants(gen.parse(verbs_path)) or {}
    for name, keys in pairs(constants(doc)) do doc.constants[name] = keys end
  end
  doc.filter_sets = doc.filter_sets or filter_sets(doc, doc.constants)
  local out = {}
  accepted_keys(doc, fn, param, {}, doc.constants, 0, out)
  local keys = {}
  for k in pairs(out) do keys[#keys + 1] = k end
  table.sort(keys)
  return keys
end

--------------------------------------------------------------------------
-- Writing the definitions.
--------------------------------------------------------------------------

local KNOWN_RETURNS = {
  err = "prismacloud.Error?", ok = "boolean?", client = "prismacloud.Client?", yes = "boolean",
  enabled = "boolean?", required = "boolean?", n = "integer?",
}

-- Doc lines (`---text`) for a summary and a syntax line.
local function doc_lines(out, summary, syntax)
  if summary then out[#out + 1] = "---" .. summary end
  if syntax then
    if summary then out[#out + 1] = "---" end
    out[#out + 1] = "---`" .. syntax:gsub("`", "") .. "`"
  end
end

--- What a function takes and gives, from its definition, its syntax line and its code:
-- {params = {{name =, display =, optional =, fields = {{name =, type =}}, open =, type =}},
--  returns = {{name =, type =}}, iterator = bool}.
function M.signature(doc, fn, class)
  local syntax = fn.call_syntax or fn.syntax
  local call = syntax and M.syntax_call(syntax, fn.name)
  -- the shown syntax line may spell out a table the parameter list only names
  local literal = fn.call_syntax and fn.syntax and M.syntax_call(fn.syntax, fn.name)
  local sig = {params = {}, returns = {}, iterator = call and call.iterator or false}
  local shown = {}
  for i = (fn.method and 2 or 1), #fn.params do
    local name = fn.params[i]
    local k = #sig.params + 1
    if name == "..." then
      sig.params[k] = {name = name, display = name, optional = true, fields = {}, type = "any"}
    else
      local arg = call and call.args[k]
      -- the syntax line's name when it has one (`ids_or_filter` rather than `target`)
      local display = arg and arg.text:match("^[%a_][%w_]*$") or name
      if shown[display] then display = name end
      shown[display] = true
      local fields, open = {}, false
      local lit = literal and literal.args[k] or arg
      if lit and lit.text:find("^{") then fields, open = M.table_fields(lit.text) end
      local seen = {}
      for _, f in ipairs(fields) do seen[f.name] = true end
      for _, key in ipairs(fn.extra_keys and fn.extra_keys[name] or {}) do
        if not seen[key] then fields[#fields + 1] = {name = key, type = "any"}; seen[key] = true end
      end
      if doc then
        for _, key in ipairs(M.code_keys(doc, fn, name)) do
          -- (a key that is not a name, such as the API's "policy.label", is left to `[string]`)
          if not seen[key] and key:find("^[%a_][%w_]*$") then
            fields[#fields + 1] = {name = key, type = "any"}
            seen[key] = true
          end
        end
      end
      table.sort(fields, function(a, b) return a.name < b.name end)
      local ptype = "any"
      if #fields > 0 and not display:find("_or_") then
        ptype = ("%s.%s.%s"):format(class or "options", fn.name, display)
      elseif lit and lit.text:find('^"') then
        ptype = "string"
      end
      sig.params[k] = {name = name, display = display, optional = not arg or arg.optional, fields = fields,
                       open = open, type = ptype}
    end
  end
  if sig.iterator then
    sig.returns[1] = {name = "iterator", type = "prismacloud.Iterator"}
  elseif call then
    for _, r in ipairs(call.returns) do
      local rtype = KNOWN_RETURNS[r] or "any"
      if r == "pages" or r == "items" and syntax:find("for%s+[%w_]+%s+in%s+items") then
        rtype = "prismacloud.Iterator"
      end
      sig.returns[#sig.returns + 1] = {name = r, type = rtype}
    end
  end
  return sig
end

-- Annotations and a stub for one function: `holder` is the Lua name it hangs on ("alerts"),
-- `class` the prefix of its option tables' class names.
local function render_function(out, classes, doc, fn, holder, class)
  local sig = M.signature(doc, fn, class)
  local lines, shown = {}, {}
  doc_lines(lines, fn.summary, fn.syntax)
  for _, p in ipairs(sig.params) do
    shown[#shown + 1] = p.display
    if p.type:find("^" .. class:gsub("%p", "%%%0") .. "%.") then
      local c = {}
      for _, f in ipairs(p.fields) do c[#c + 1] = ("---@field %s? %s"):format(f.name, f.type) end
      if p.open then c[#c + 1] = "---@field [string] any" end
      local body = table.concat(c, "\n")
      -- a table of the same options as an earlier one is an alias of it
      if classes[body] then
        classes[#classes + 1] = ("---@alias %s %s"):format(p.type, classes[body])
      else
        classes[body] = p.type
        classes[#classes + 1] = "---@class " .. p.type .. "\n" .. body
      end
    end
    lines[#lines + 1] = ("---@param %s%s %s"):format(p.display, p.optional and "?" or "", p.type)
  end
  for _, r in ipairs(sig.returns) do
    lines[#lines + 1] = sig.iterator and "---@return prismacloud.Iterator"
      or ("---@return %s %s"):format(r.type, r.name)
  end
  local sep = fn.method and ":" or "."
  lines[#lines + 1] = ("function %s%s%s(%s) end"):format(holder, sep, fn.name, table.concat(shown, ", "))
  out[#out + 1] = table.concat(lines, "\n")
end

local function header(module, source)
  return ("---@meta %s\n-- Generated by tools/gen_docs.lua from %s; do not edit (make generate)."):format(
    module, source)
end

-- The definitions of one library module.
local function render_module(root, mod, family_of)
  local doc = gen.parse(mod.file)
  local holder = mod.module:match("([%w_]+)$")
  if holder == "prismacloud" then holder = "prismacloud" end
  local out, classes = {}, {}
  local source = mod.file:gsub("^" .. root:gsub("%p", "%%%0") .. "/", "")
  local intro = {}
  doc_lines(intro, doc.summary and gen.capital(doc.summary))
  intro[#intro + 1] = "---@class " .. mod.module
  intro[#intro + 1] = ("local %s = {}"):format(holder)
  local owners = {}
  for _, fn in ipairs(doc.functions) do
    if gen.public(fn.name) and fn.owner ~= "Client" and fn.owner ~= "Pages" and fn.owner ~= "Items" then
      owners[fn.owner] = (owners[fn.owner] or 0) + 1
    end
  end
  local main_owner = family_of[mod.module] and "F" or "M"
  if not owners[main_owner] and not doc.exports[1] then
    for o in pairs(owners) do main_owner = o end
  end
  for _, fn in ipairs(doc.functions) do
    if gen.public(fn.name) and fn.owner == main_owner then
      render_function(out, classes, doc, fn, holder, mod.module)
    end
  end
  for _, e in ipairs(doc.exports) do
    if e.owner == main_owner then
      render_function(out, classes, doc, {name = e.name, owner = e.owner, params = e.params, summary = e.summary,
        syntax = e.syntax, first = e.line, last = e.line}, holder, mod.module)
    end
  end
  for _, alias in ipairs(doc.aliases) do
    if alias.owner == main_owner and gen.public(alias.name) then
      out[#out + 1] = ("---The same as `%s`.\n%s.%s = %s.%s"):format(alias.target, holder, alias.name, holder,
        alias.target)
    end
  end
  local text = {header(mod.module, source), table.concat(intro, "\n")}
  for _, c in ipairs(classes) do text[#text + 1] = c end
  for _, f in ipairs(out) do text[#text + 1] = f end
  text[#text + 1] = ("return %s\n"):format(holder)
  return table.concat(text, "\n\n"), doc
end

-- The README's rows of the table that follows a heading: {{names = {...}, cells = {...}}}.
local function readme_table(readme, heading)
  local start = readme:find(heading, 1, true)
  if not start then return {} end
  local rows, in_table = {}, false
  for line in readme:sub(start):gmatch("([^\n]*)\n") do
    if line:find("^|") then
      in_table = true
      local cells = {}
      for cell in line:sub(2):gmatch("%s*(.-)%s*|") do cells[#cells + 1] = cell end
      if not cells[1]:find("^%-%-") and not cells[1]:find("^option$") and not cells[1]:find("^field$") then
        local names = {}
        for n in cells[1]:gmatch("`([%w_]+)`") do names[#names + 1] = n end
        rows[#rows + 1] = {names = names, cells = cells}
      end
    elseif in_table then
      break
    end
  end
  return rows
end

-- A README type column ("boolean or function", "number (s)", "integer 0-100") as a Lua type.
local function type_of_column(text)
  local types = {}
  for word in text:gmatch("%a+") do
    if word == "string" or word == "boolean" or word == "number" or word == "integer" or word == "function" then
      types[#types + 1] = word
    end
  end
  return #types > 0 and table.concat(types, "|") or "any"
end

-- The README's syntax segments (`...`) that call client:<name>: the first found, or nil.
local function readme_syntax(readme, pattern)
  for line in readme:gmatch("[^\n]+") do
    local rest = line:match("^syntax:%s*(.*)$")
    if rest then
      for seg in rest:gmatch("`([^`]+)`") do
        if seg:find(pattern) then return seg end
      end
    end
  end
  return nil
end

-- One line of prose for a doc comment (no line breaks, no Markdown links).
local function prose(s)
  return (s:gsub("%[([^%]]+)%]%([^)]+%)", "%1"):gsub("%s+", " "))
end

-- The first sentence the README says of client:<name>: the paragraph under its heading, or its
-- bullet (`- client:name(): ...`).
local function readme_summary(readme, name)
  local text
  local at = readme:find("\n###[^\n]*`client:" .. name .. "%(")
  if at then
    local section = readme:sub(at + 1):match("^[^\n]*\n(.-)\n#") or ""
    for para in (section .. "\n\n"):gmatch("(.-)\n\n") do
      if para:find("%S") and not para:find("^%s*syntax:") then
        text = text or para
        if para:find("client:" .. name .. "(", 1, true) then text = para; break end
      end
    end
  else
    local first, rest = readme:match("\n%s*%- `client:" .. name .. "%(%)`: ([^\n]*)()")
    if first then
      text = first
      for more in readme:sub(rest):gmatch("\n(   *[^%s%-][^\n]*)") do
        if not readme:find("\n" .. more, rest, true) then break end
        text = text .. " " .. more
        rest = readme:find("\n" .. more, rest, true) + #more + 1
      end
    end
  end
  if not text then return ("See `client:%s` in the README."):format(name) end
  text = gen.capital(prose(text))
  return text:match("^(.-%.)%s") or text
end

--- The options a request takes, as the C core checks them (its one list: core.request_options).
function M.request_keys()
  local keys = {}
  for i, k in ipairs(require("prismacloud.core").request_options) do keys[i] = k end
  return keys
end

--- Every method of the client: {{fn =, doc =}} where doc is the Lua source that defines it, or nil
-- for the C core's methods, whose parameters come from the README's heading and returns from its
-- `syntax:` line (fn.call_syntax joins the two). Sorted by name.
function M.client_methods(root)
  root = root or "."
  local readme = read(root .. "/README.md")
  local out, lua_methods = {}, {}
  for _, file in ipairs{"init", "client"} do
    local doc = gen.parse(root .. "/lua/prismacloud/" .. file .. ".lua")
    for _, fn in ipairs(doc.functions) do
      if fn.owner == "Client" and gen.public(fn.name) then
        lua_methods[fn.name] = true
        if not fn.method then -- Client.operations(_, pattern): a method all the same
          fn.method = true
          fn.params[1] = "self"
        end
        out[#out + 1] = {fn = fn, doc = doc}
      end
    end
  end
  for name, v in pairs(require("prismacloud.core").Client) do
    if type(v) == "function" and gen.public(name) and not lua_methods[name] then
      local heading = readme:match("\n###%s+`(client:" .. name .. "%b())`")
      local syntax = readme_syntax(readme, "client:" .. name .. "%s*[%(%{]")
      local marks = heading and M.syntax_call(heading, name) or syntax and M.syntax_call(syntax, name)
      local params = {"self"}
      for _, a in ipairs(marks and marks.args or {}) do
        params[#params + 1] = a.text:match("^[%a_][%w_]*$") or (a.text:find("^{") and "opts") or ("arg" .. #params)
      end
      local call_syntax = syntax
      if heading and syntax then
        local lhs = syntax:match("^(.-)client:" .. name) or ""
        call_syntax = lhs .. heading
      end
      out[#out + 1] = {fn = {name = name, method = true, params = params, syntax = syntax or heading,
                             call_syntax = call_syntax, summary = readme_summary(readme, name),
                             first = 0, last = 0, owner = "Client"}}
    end
  end
  -- request's options, and send's, which hands them to request
  local keys = M.request_keys()
  for _, m in ipairs(out) do
    if m.fn.name == "request" or m.fn.name == "send" then m.fn.extra_keys = {opts = keys} end
  end
  table.sort(out, function(a, b) return a.fn.name < b.fn.name end)
  return out
end

-- types/prismacloud.lua: the module, the client (C methods from the README, Lua ones from their
-- doc comments, a field per family), the error and the iterator.
local function render_main(root, families)
  local readme = read(root .. "/README.md")
  local out = {header("prismacloud", "lua/prismacloud/init.lua and README.md")}

  -- prismacloud.new's options: the README's option table
  local opts = {"---The options of `prismacloud.new` (README: The client).", "---@class prismacloud.Options"}
  for _, row in ipairs(readme_table(readme, "### `prismacloud.new(opts)`")) do
    for _, name in ipairs(row.names) do
      opts[#opts + 1] = ("---@field %s%s %s %s"):format(name, row.cells[3] == "required" and "" or "?",
        type_of_column(row.cells[2] or ""), prose(row.cells[4] or ""))
    end
  end
  out[#out + 1] = table.concat(opts, "\n")

  -- the error: the README's field table
  local err = {"---An operational failure (README: Errors); `tostring(err)` gives one line.",
               "---@class prismacloud.Error"}
  for _, row in ipairs(readme_table(readme, "## Errors")) do
    for _, name in ipairs(row.names) do
      err[#err + 1] = ("---@field %s any %s"):format(name, prose(row.cells[2] or ""))
    end
  end
  out[#out + 1] = table.concat(err, "\n")

  out[#out + 1] = table.concat({
    "---A lazy iterator over items or pages: `for x in it do ... end` raises a prismacloud.Error on failure,",
    "---`it:next()` returns the next value, nil at the end, or nil, err.",
    "---@class prismacloud.Iterator",
    "---@overload fun(): any",
    "local Iterator = {}",
    "---@return any value",
    "---@return prismacloud.Error? err",
    "function Iterator:next() end",
  }, "\n")

  -- the client
  local client = {"---A client of the API (`prismacloud.new`, `prismacloud.connect`).", "---@class prismacloud.Client"}
  for _, fam in ipairs(families) do
    client[#client + 1] = ("---@field %s %s"):format(fam.name, fam.module)
  end
  client[#client + 1] = "local Client = {}"
  out[#out + 1] = table.concat(client, "\n")
  local classes, functions = {}, {}
  for _, m in ipairs(M.client_methods(root)) do
    render_function(functions, classes, m.doc, m.fn, "Client", "prismacloud.Client")
  end
  for _, c in ipairs(classes) do out[#out + 1] = c end
  for _, f in ipairs(functions) do out[#out + 1] = f end

  -- the module itself
  local doc = gen.parse(root .. "/lua/prismacloud/init.lua")
  local mod = {}
  doc_lines(mod, doc.summary and gen.capital(doc.summary))
  mod[#mod + 1] = "---@class prismacloud"
  mod[#mod + 1] = "---@field _VERSION string"
  mod[#mod + 1] = "---@field json prismacloud.json"
  mod[#mod + 1] = "---@field null lightuserdata"
  mod[#mod + 1] = "---@field families table<string, string>"
  mod[#mod + 1] = "local prismacloud = {}"
  out[#out + 1] = table.concat(mod, "\n")
  local mclasses, mfunctions = {}, {}
  for _, fn in ipairs(doc.functions) do
    if fn.owner == "M" and gen.public(fn.name) then
      render_function(mfunctions, mclasses, doc, fn, "prismacloud", "prismacloud")
    end
  end
  for _, f in ipairs(mfunctions) do
    -- new takes the documented options
    f = f:gsub("%-%-%-@param opts%?? prismacloud%.new%.opts", "---@param opts prismacloud.Options")
    out[#out + 1] = f
  end
  for _, c in ipairs(mclasses) do
    if not c:find("prismacloud%.new%.opts") then out[#out + 1] = c end
  end
  out[#out + 1] = "return prismacloud\n"
  return table.concat(out, "\n\n")
end

-- The JSON module's definitions (it is the C core's table): from the README's JSON section.
local function render_json()
  return header("prismacloud.json", "README.md (JSON)") .. "\n\n" .. table.concat({
    "---The JSON <-> Lua mapping of the C core (README: JSON).",
    "---@class prismacloud.json",
    "---@field null lightuserdata the JSON null (the same value as cjson.null)",
    "---@field array_mt table the metatable of decoded arrays; a table with it encodes as an array",
    "---@field empty_array table encodes as []",
    "local json = {}",
    "",
    "---Encodes a Lua value as JSON; raises on what JSON cannot hold.",
    "---@param value any",
    "---@return string s",
    "function json.encode(value) end",
    "",
    "---Decodes JSON; raises naming the byte offset of an error.",
    "---@param s string",
    "---@return any value",
    "function json.decode(s) end",
    "",
    "return json",
    "",
  }, "\n")
end

--- Every definition file: {{path =, text =}} (paths relative to the root).
function M.files(root)
  root = root or "."
  local families, family_of = gen.families(root), {}
  for _, fam in ipairs(families) do family_of[fam.module] = fam.name end
  local out = {{path = M.DIR .. "/prismacloud.lua", text = render_main(root, families)}}
  for _, mod in ipairs(gen.modules(root)) do
    if mod.module == "prismacloud.json" then
      out[#out + 1] = {path = M.DIR .. "/prismacloud/json.lua", text = render_json()}
    elseif mod.module ~= "prismacloud" then
      out[#out + 1] = {path = M.DIR .. "/prismacloud/" .. mod.module:match("([%w_]+)$") .. ".lua",
                       text = (render_module(root, mod, family_of))}
    end
  end
  return out
end

local function listing(root)
  local p = io.popen(("ls %s/%s/*.lua %s/%s/*/*.lua 2>/dev/null"):format(root, M.DIR, root, M.DIR))
  local out = {}
  for file in p:lines() do out[#out + 1] = file:sub(#root + 2) end
  p:close()
  return out
end

--- The paths under types/ that differ from what the source gives (missing, changed or extra).
function M.stale(root)
  root = root or "."
  local want, out = {}, {}
  for _, f in ipairs(M.files(root)) do
    want[f.path] = true
    local fh = io.open(root .. "/" .. f.path, "rb")
    local have = fh and fh:read("a")
    if fh then fh:close() end
    if have ~= f.text then out[#out + 1] = f.path end
  end
  for _, path in ipairs(listing(root)) do
    if not want[path] then out[#out + 1] = path end
  end
  table.sort(out)
  return out
end

--- Writes types/ afresh.
function M.write(root)
  root = root or "."
  os.execute(("mkdir -p %s/%s/prismacloud"):format(root, M.DIR))
  local want = {}
  for _, f in ipairs(M.files(root)) do
    want[f.path] = true
    local fh = assert(io.open(root .. "/" .. f.path, "wb"))
    fh:write(f.text)
    fh:close()
  end
  for _, path in ipairs(listing(root)) do
    if not want[path] then os.remove(root .. "/" .. path) end
  end
end

return M
