-- tools/doc_html.lua: the browsable HTML reference (`make doc`), made by tools/gen_docs.lua
-- from the same doc comments as the README. Pages: the README (index.html), the guides in doc/
-- and the changelog, rendered from their Markdown; reference.html, the list of modules; a page
-- per library module (prismacloud.<name>.html) with every public function, its arguments
-- (option names included, as tools/doc_types.lua reads them), returns and errors; and the
-- client's page (prismacloud.Client.html) with every method, the C core's ones described by
-- the README. Self-contained pages (no script, no external style), well-formed XHTML-style
-- markup so that a parser can check them.
local gen = require "tools.gen_docs"
local types = require "tools.doc_types"

local M = {}

local function esc(s)
  return (tostring(s):gsub("[&<>\"']", {["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;",
                                        ["'"] = "&#39;"}))
end
M.escape = esc

-- The Markdown documents and the page each becomes.
M.DOCUMENTS = {
  {source = "README.md", page = "index.html", title = "prismacloud for Lua"},
  {source = "doc/families.md", page = "families.html", title = "Resource families"},
  {source = "doc/config.md", page = "config.html", title = "Configuration"},
  {source = "CHANGELOG.md", page = "changelog.html", title = "Changelog"},
}

-- The page of a link target written in a Markdown document at `from` (nil: not a page of ours).
local function link_target(target, from)
  if target:find("^%a[%w+.-]*:") then return target end
  local path, anchor = target:match("^([^#]*)(#?.*)$")
  if path == "" then return anchor end
  local dir = from:match("^(.*)/") or ""
  local full = (dir ~= "" and (dir .. "/") or "") .. path
  full = full:gsub("[^/]+/%.%./", ""):gsub("^%./", "")
  for _, d in ipairs(M.DOCUMENTS) do
    if d.source == full then return d.page .. anchor end
  end
  return nil
end

--- Markdown inline text as HTML: code spans, links, bold and emphasis. `from` is the document's
-- path (for relative links).
function M.inline(s, from)
  local held = {}
  local function hold(html)
    held[#held + 1] = html
    return "\1" .. #held .. "\2"
  end
  -- code spans first: ``x`` (which may hold a backtick) and `x`
  s = s:gsub("``%s?(.-)%s?``", function(c) return hold("<code>" .. esc(c) .. "</code>") end)
  s = s:gsub("`([^`]+)`", function(c) return hold("<code>" .. esc(c) .. "</code>") end)
  s = esc(s)
  s = s:gsub("%[([^%[%]]-)%]%(([^)%s]+)%)", function(text, target)
    local href = link_target(target:gsub("&amp;", "&"), from or "")
    if not href then return text end
    return hold(('<a href="%s">%s</a>'):format(esc(href), text))
  end)
  s = s:gsub("%*%*(.-)%*%*", "<strong>%1</strong>")
  s = s:gsub("%f[%w*]%*([%w][^*]-)%*%f[^%w*]", "<em>%1</em>")
  for _ = 1, 3 do s = s:gsub("\1(%d+)\2", function(i) return held[tonumber(i)] end) end
  return s
end

-- The cells of a table row, split at `|` outside code spans.
local function cells(line)
  local out, buf, code = {}, {}, false
  for ch in line:gsub("^%s*|", ""):gsub("|%s*$", ""):gmatch(".") do
    if ch == "`" then code = not code end
    if ch == "|" and not code then
      out[#out + 1] = table.concat(buf):match("^%s*(.-)%s*$")
      buf = {}
    else
      buf[#buf + 1] = ch
    end
  end
  out[#out + 1] = table.concat(buf):match("^%s*(.-)%s*$")
  return out
end

--- A Markdown document as HTML (the subset the project's documents use: headings, paragraphs,
-- fenced code, lists, tables). Headings get the anchors GitHub gives them (gen.headings).
function M.markdown(text, from)
  local out = {}
  local anchors = gen.headings(text)
  local heading_index = 0
  local lines = {}
  for line in (text .. "\n"):gmatch("(.-)\n") do lines[#lines + 1] = line end
  local i = 1
  local para = {}
  local function flush()
    if #para > 0 then
      out[#out + 1] = "<p>" .. M.inline(table.concat(para, " "), from) .. "</p>"
      para = {}
    end
  end
  while i <= #lines do
    local line = lines[i]
    if line:find("^```") then
      flush()
      local lang = line:match("^```%s*(%w*)")
      local code = {}
      i = i + 1
      while i <= #lines and not lines[i]:find("^```") do
        code[#code + 1] = lines[i]
        i = i + 1
      end
      out[#out + 1] = ('<pre><code%s>%s</code></pre>'):format(lang ~= "" and (' class="language-' .. lang .. '"') or "",
        esc(table.concat(code, "\n")))
      i = i + 1
    elseif line:find("^%s*<!%-%-.*%-%->%s*$") then
      flush()
      i = i + 1
    elseif line:find("^#+%s") then
      flush()
      heading_index = heading_index + 1
      local h = anchors[heading_index]
      out[#out + 1] = ('<h%d id="%s">%s</h%d>'):format(h.level, esc(h.anchor), M.inline(h.text, from), h.level)
      i = i + 1
    elseif line:find("^|") then
      flush()
      local rows = {}
      while i <= #lines and lines[i]:find("^|") do
        rows[#rows + 1] = lines[i]
        i = i + 1
      end
      local t = {"<table>"}
      for r, row in ipairs(rows) do
        if r ~= 2 or not row:find("^[|%-%s:]+$") then
          local tag = r == 1 and "th" or "td"
          local tr = {}
          for _, c in ipairs(cells(row)) do tr[#tr + 1] = ("<%s>%s</%s>"):format(tag, M.inline(c, from), tag) end
          local tr_html = "<tr>" .. table.concat(tr) .. "</tr>"
          t[#t + 1] = r == 1 and ("<thead>" .. tr_html .. "</thead><tbody>") or tr_html
        end
      end
      t[#t + 1] = "</tbody></table>"
      out[#out + 1] = table.concat(t, "\n")
    elseif line:find("^%s*[-*] ") then
      flush()
      -- a list: items by their indentation, continuation lines joined to their item
      local items = {}
      while i <= #lines do
        local l = lines[i]
        local indent, item_text = l:match("^(%s*)[-*] (.*)$")
        if indent then
          items[#items + 1] = {indent = #indent, text = item_text}
        elseif l:find("^%s+%S") and #items > 0 then
          items[#items].text = items[#items].text .. " " .. l:match("^%s*(.-)%s*$")
        else
          break
        end
        i = i + 1
      end
      local html, stack = {}, {}
      for _, item in ipairs(items) do
        if #stack == 0 or item.indent > stack[#stack] then
          if #stack > 0 then html[#html] = html[#html]:gsub("</li>$", "") end
          html[#html + 1] = "<ul>"
          stack[#stack + 1] = item.indent
        else
          while #stack > 1 and item.indent < stack[#stack] do
            html[#html + 1] = "</ul></li>"
            stack[#stack] = nil
          end
        end
        html[#html + 1] = "<li>" .. M.inline(item.text, from) .. "</li>"
      end
      for k = #stack, 1, -1 do html[#html + 1] = k > 1 and "</ul></li>" or "</ul>" end
      out[#out + 1] = table.concat(html, "\n")
    elseif line:find("^%s*$") then
      flush()
      i = i + 1
    else
      para[#para + 1] = line:match("^%s*(.-)%s*$")
      i = i + 1
    end
  end
  flush()
  return table.concat(out, "\n")
end

local STYLE = [[
body { font-family: sans-serif; margin: 0; display: flex; color: #222; }
nav { width: 16rem; flex: none; padding: 1rem; background: #f4f4f4; height: 100vh; overflow-y: auto;
      position: sticky; top: 0; box-sizing: border-box; font-size: 0.9rem; }
nav ul { list-style: none; padding-left: 0.8rem; margin: 0.2rem 0; }
main { max-width: 60rem; padding: 1rem 2rem; overflow-x: auto; }
pre { background: #f6f8fa; padding: 0.6rem; overflow-x: auto; }
code { font-family: monospace; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 0.2rem 0.4rem; vertical-align: top; }
section.fn { border-top: 1px solid #ddd; margin-top: 1.2rem; }
h4 { margin: 0.6rem 0 0.2rem; }
]]

-- A whole page around a body.
local function page(title, nav, body)
  return table.concat({
    "<!DOCTYPE html>",
    '<html lang="en">',
    '<head><meta charset="utf-8" /><title>' .. esc(title) .. "</title><style>" .. STYLE .. "</style></head>",
    "<body>",
    "<nav>" .. nav .. "</nav>",
    "<main>",
    body,
    "</main>",
    "</body>",
    "</html>",
    "",
  }, "\n")
end

-- The navigation: the documents, then the reference.
local function navigation(modules)
  local out = {'<p><strong><a href="index.html">prismacloud for Lua</a></strong></p>', "<ul>"}
  for _, d in ipairs(M.DOCUMENTS) do
    if d.page ~= "index.html" then out[#out + 1] = ('<li><a href="%s">%s</a></li>'):format(d.page, esc(d.title)) end
  end
  out[#out + 1] = '<li><a href="reference.html">Reference</a><ul>'
  out[#out + 1] = '<li><a href="prismacloud.Client.html">the client</a></li>'
  for _, mod in ipairs(modules) do
    out[#out + 1] = ('<li><a href="%s.html">%s</a></li>'):format(mod.module, esc(mod.module))
  end
  out[#out + 1] = "</ul></li></ul>"
  return table.concat(out, "\n")
end

-- The errors of a function, read from its code and its syntax line: {html lines}.
local function errors_of(doc, fn, sig, client_method)
  local out, seen = {}, {}
  local function add(s)
    if not seen[s] then
      seen[s] = true
      out[#out + 1] = s
    end
  end
  local body = doc and fn.first and fn.first > 0 and table.concat(doc.lines, "\n", fn.first, fn.last) or ""
  -- and the module's own helpers it calls (`style(filter)` calling `split(filter, ...)`), three deep
  if doc then
    local helpers = {}
    for _ = 1, 3 do
      for callee in body:gmatch("([%a_][%w_]*)%s*%(") do
        local l = doc.locals[callee]
        if l and not helpers[callee] then
          helpers[callee] = true
          body = body .. "\n" .. table.concat(doc.lines, "\n", l.first, l.last)
        end
      end
    end
  end
  for msg in body:gmatch("error%(%(?%s*\"([^\"]+)\"") do
    add("raises <code>" .. esc((msg:gsub("%%[sdgq]", "…"))) .. "</code>")
  end
  if body:find("verbs%.check_") then
    add("raises on an argument of the wrong type (<code>bad argument #n to …</code>)")
  end
  if body:find("verbs%.options") or body:find("M%.options") or body:find("[%u_]+:query%(")
      or body:find("[%u_]+:split%(") then
    add("raises on an unknown option key")
  end
  if body:find("client:call") or body:find("verbs%.call") then
    add('raises on arguments the catalog refuses (see <a href="prismacloud.Client.html#call">client:call</a>)')
  end
  if client_method then add("raises on misuse: a bad argument, a closed client, use from its own hooks") end
  local returns_err = false
  for _, r in ipairs(sig.returns) do returns_err = returns_err or r.name == "err" end
  local text = (fn.summary or "") .. " " .. (fn.syntax or "")
  if sig.iterator then
    add("a <code>for</code> loop raises the <code>prismacloud.Error</code> of a failed page; "
      .. "<code>:next()</code> returns <code>nil, err</code> instead")
  elseif returns_err or text:find("nil, err") then
    add('on failure returns <code>nil, err</code>, <code>err</code> a <code>prismacloud.Error</code> '
      .. '(see <a href="index.html#errors">Errors</a>)')
  end
  if #out == 0 then out[1] = "none documented" end
  return out
end

-- One function's section.
local function function_section(doc, fn, id, title, class, client_method)
  local sig = types.signature(doc, fn, class)
  local out = {('<section class="fn" id="%s">'):format(esc(id)), ("<h3><code>%s</code></h3>"):format(esc(title))}
  if fn.syntax then out[#out + 1] = '<pre class="syntax"><code>' .. esc(fn.syntax) .. "</code></pre>" end
  out[#out + 1] = "<p>" .. (fn.summary and M.inline(fn.summary) or "(undocumented)") .. "</p>"
  out[#out + 1] = "<h4>Arguments</h4>"
  if #sig.params == 0 then
    out[#out + 1] = "<p>none</p>"
  else
    out[#out + 1] = "<ul>"
    for _, p in ipairs(sig.params) do
      local li = "<li><code>" .. esc(p.display) .. "</code>" .. (p.optional and " (optional)" or "")
      if #p.fields > 0 then
        local names = {}
        for _, f in ipairs(p.fields) do names[#names + 1] = "<code>" .. esc(f.name) .. "</code>" end
        li = li .. ": a table of options: " .. table.concat(names, ", ")
          .. (p.open and ", and the API's own names" or "")
      end
      out[#out + 1] = li .. "</li>"
    end
    out[#out + 1] = "</ul>"
  end
  out[#out + 1] = "<h4>Returns</h4>"
  if sig.iterator then
    out[#out + 1] = "<p>an iterator (<code>prismacloud.Iterator</code>): use it in a <code>for</code> loop, "
      .. "or call <code>:next()</code></p>"
  elseif #sig.returns == 0 then
    out[#out + 1] = "<p>nothing</p>"
  else
    local r = {}
    for _, ret in ipairs(sig.returns) do
      r[#r + 1] = "<li><code>" .. esc(ret.name) .. "</code>"
        .. (ret.type ~= "any" and (" (<code>" .. esc(ret.type) .. "</code>)") or "") .. "</li>"
    end
    out[#out + 1] = "<ul>" .. table.concat(r) .. "</ul>"
  end
  out[#out + 1] = "<h4>Errors</h4>"
  out[#out + 1] = "<ul><li>" .. table.concat(errors_of(doc, fn, sig, client_method), "</li><li>") .. "</li></ul>"
  out[#out + 1] = "</section>"
  return table.concat(out, "\n")
end

--- The id a public function gets on its module's page: its name, or Owner.name for a function
-- of another table than the module's own (an iterator's methods, for example).
function M.function_id(fn, main_owner)
  return fn.owner == main_owner and fn.name or (fn.owner .. "." .. fn.name)
end

-- The table a module's functions hang on: F for a family's class, else M (or the one there is).
local function main_owner_of(doc, is_family)
  local owner = is_family and "F" or "M"
  for _, fn in ipairs(doc.functions) do
    if fn.owner == owner then return owner end
  end
  if doc.exports[1] then return owner end
  return doc.functions[1] and doc.functions[1].owner or owner
end
M.main_owner_of = main_owner_of

-- The page of one library module.
local function module_page(mod, family)
  local doc = gen.parse(mod.file)
  local owner = main_owner_of(doc, family ~= nil)
  local base = mod.module:match("([%w_]+)$")
  local out = {"<h1><code>" .. esc(mod.module) .. "</code></h1>"}
  if family then
    out[#out + 1] = ("<p>A resource family: <code>client.%s</code> (see <a href=\"families.html\">Resource families</a>"
      .. " for what they share).</p>"):format(esc(family))
  end
  for k, block in ipairs(doc.blocks) do
    if block.kind == "code" then
      out[#out + 1] = '<pre><code class="language-lua">' .. esc(table.concat(block.lines, "\n")) .. "</code></pre>"
    else
      local text = table.concat(block.lines, " ")
      out[#out + 1] = "<p>" .. M.inline(k == 1 and gen.capital(text) or text) .. "</p>"
    end
  end
  out[#out + 1] = '<h2 id="functions">Functions</h2>'
  local index = {}
  local sections = {}
  for _, fn in ipairs(doc.functions) do
    if gen.public(fn.name) then
      local id = M.function_id(fn, owner)
      local title
      if fn.owner == owner then
        title = family and fn.method and ("client.%s:%s"):format(family, fn.name)
          or (base .. (fn.method and ":" or ".") .. fn.name)
        if mod.module == "prismacloud" then title = "prismacloud." .. fn.name end
      else
        title = fn.owner .. (fn.method and ":" or ".") .. fn.name
      end
      index[#index + 1] = ('<li><a href="#%s"><code>%s</code></a></li>'):format(esc(id), esc(title))
      sections[#sections + 1] = function_section(doc, fn, id, title, mod.module)
    end
  end
  for _, e in ipairs(doc.exports) do
    if e.owner == owner then
      local title = base .. "." .. e.name
      index[#index + 1] = ('<li><a href="#%s"><code>%s</code></a></li>'):format(esc(e.name), esc(title))
      sections[#sections + 1] = function_section(doc, {name = e.name, owner = e.owner, params = e.params,
        summary = e.summary, syntax = e.syntax, first = e.line, last = e.line}, e.name, title, mod.module)
    end
  end
  for _, alias in ipairs(doc.aliases) do
    if alias.owner == owner and gen.public(alias.name) then
      local title = family and ("client.%s:%s"):format(family, alias.name) or (base .. "." .. alias.name)
      index[#index + 1] = ('<li><a href="#%s"><code>%s</code></a></li>'):format(esc(alias.name), esc(title))
      sections[#sections + 1] = ('<section class="fn" id="%s"><h3><code>%s</code></h3><p>The same as '
        .. '<a href="#%s"><code>%s</code></a>.</p></section>'):format(esc(alias.name), esc(title), esc(alias.target),
        esc(alias.target))
    end
  end
  out[#out + 1] = "<ul>" .. table.concat(index, "\n") .. "</ul>"
  for _, s in ipairs(sections) do out[#out + 1] = s end
  return table.concat(out, "\n")
end

-- The client's page: its families and every method.
local function client_page(root, families)
  local out = {"<h1>The client</h1>",
    "<p>What <code>prismacloud.new</code> and <code>prismacloud.connect</code> return. Its methods are the C "
      .. "core's (described in the README: <a href=\"index.html#the-client\">The client</a>) and the Lua "
      .. "layer's; its fields are the resource families.</p>",
    '<h2 id="families">Resource families</h2>', "<ul>"}
  for _, fam in ipairs(families) do
    out[#out + 1] = ('<li><a href="%s.html"><code>client.%s</code></a></li>'):format(fam.module, fam.name)
  end
  out[#out + 1] = "</ul>"
  out[#out + 1] = '<h2 id="methods">Methods</h2>'
  local index, sections = {}, {}
  for _, m in ipairs(types.client_methods(root)) do
    local title = "client:" .. m.fn.name
    index[#index + 1] = ('<li><a href="#%s"><code>%s</code></a></li>'):format(m.fn.name, title)
    sections[#sections + 1] = function_section(m.doc, m.fn, m.fn.name, title, "prismacloud.Client", true)
  end
  out[#out + 1] = "<ul>" .. table.concat(index, "\n") .. "</ul>"
  for _, s in ipairs(sections) do out[#out + 1] = s end
  return table.concat(out, "\n")
end

--- Every page: {{name =, html =}}.
function M.pages(root)
  root = root or "."
  local modules = gen.modules(root)
  local families, family_of = gen.families(root), {}
  for _, fam in ipairs(families) do family_of[fam.module] = fam.name end
  local nav = navigation(modules)
  local out = {}
  for _, d in ipairs(M.DOCUMENTS) do
    out[#out + 1] = {name = d.page, html = page(d.title, nav, M.markdown(gen.read(root .. "/" .. d.source), d.source))}
  end
  local list = {"<h1>Reference</h1>", "<p>Every module of the library, generated from its doc comments "
    .. "(as the README's reference and the editor definitions in <code>types/</code> are).</p>", "<ul>",
    '<li><a href="prismacloud.Client.html">the client</a>: what <code>prismacloud.new</code> returns</li>'}
  for _, mod in ipairs(modules) do
    local summary = gen.parse(mod.file).summary or ""
    list[#list + 1] = ('<li><a href="%s.html"><code>%s</code></a>: %s</li>'):format(mod.module, esc(mod.module),
      M.inline(summary))
    out[#out + 1] = {name = mod.module .. ".html",
                     html = page(mod.module, nav, module_page(mod, family_of[mod.module]))}
  end
  list[#list + 1] = "</ul>"
  out[#out + 1] = {name = "reference.html", html = page("Reference", nav, table.concat(list, "\n"))}
  out[#out + 1] = {name = "prismacloud.Client.html", html = page("The client", nav, client_page(root, families))}
  return out
end

--- Writes every page into dir (made when missing): the number of pages.
function M.write(root, dir)
  os.execute("mkdir -p '" .. dir:gsub("'", "'\\''") .. "'")
  local pages = M.pages(root)
  for _, p in ipairs(pages) do
    local f = assert(io.open(dir .. "/" .. p.name, "wb"))
    f:write(p.html)
    f:close()
  end
  return #pages
end

return M
