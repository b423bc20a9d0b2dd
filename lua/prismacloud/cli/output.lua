--- prismacloud.cli.output: how the CLI writes results (table, json, ndjson, csv, html).
--
--   local w = output.writer("table", {columns = {"id", "name"}, out = io.stdout})
--   for item in items do w:row(item) end
--   w:finish()
--   output.value(body, "json", {})        -- one decoded body, whatever its shape
--
-- json and ndjson write the records as the API sent them (--columns keeps only
-- those fields); table, csv and html write one column per field, nested fields
-- named with dots ("resource.name"), epoch milliseconds in time fields as dates.
-- prismacloud.json (the C core's codec), loaded on first use: `prismacloud help` and
-- `prismacloud completion` run without the C core (make install generates the scripts).
local json = setmetatable({}, {__index = function(self, k)
  setmetatable(self, {__index = require "prismacloud.json"})
  return self[k]
end})

local M = {}

M.MAX_CELL = 48        -- longest table cell, in characters
M.MAX_COLUMNS = 7      -- columns chosen when none are given
M.MIN_WIDTH = 12       -- narrowest a column gets to fit a table in the terminal

local STREAMS = {[0] = io.stdin, [1] = io.stdout, [2] = io.stderr}
local tty = {} -- fd -> whether it is a terminal, asked once

--- Whether file descriptor fd (0 = stdin, 1 = stdout, 2 = stderr) is a terminal (lua-term's isatty;
-- without lua-term, asked of the shell once).
-- syntax: ok = output.isatty(fd)
function M.isatty(fd)
  if tty[fd] == nil then
    local ok, term = pcall(require, "term")
    if ok and STREAMS[fd] then
      tty[fd] = term.isatty(STREAMS[fd]) == true
    else
      tty[fd] = os.execute(("test -t %d"):format(fd)) == true
    end
  end
  return tty[fd]
end

--- Whether the locale says UTF-8 (LC_ALL, then LC_CTYPE, then LANG).
-- syntax: ok = output.utf8_locale()
function M.utf8_locale()
  for _, name in ipairs{"LC_ALL", "LC_CTYPE", "LANG"} do
    local v = os.getenv(name)
    if v and v ~= "" then return v:lower():gsub("-", ""):find("utf8", 1, true) ~= nil end
  end
  return false
end

--- Whether to colour a stream that is (or is not) a terminal: never when NO_COLOR is set.
-- syntax: ok = output.use_colour(is_tty)
function M.use_colour(is_tty)
  local no = os.getenv("NO_COLOR")
  if no and no ~= "" then return false end
  return is_tty and os.getenv("TERM") ~= "dumb"
end

--- Text made harmless for a terminal, so that data from the API can never
-- drive it: C0 control characters and DEL become `\xHH` (ESC is `\x1b`, BEL
-- `\x07`; tab, CR and LF stay when keep_lines is true), C1 controls
-- (U+0080..U+009F, which some terminals obey as ESC sequences) `\u00HH`, and a
-- byte that is not part of valid UTF-8 `\xHH`. Everything else stays as it is.
-- syntax: s = output.printable(s [, keep_lines])
function M.printable(s, keep_lines)
  if not s:find("[%c\128-\255]") then return s end
  local out, i, n = {}, 1, #s
  while i <= n do
    local j = s:find("[%c\128-\255]", i)
    if not j then
      out[#out + 1] = s:sub(i)
      break
    end
    if j > i then out[#out + 1] = s:sub(i, j - 1) end
    local b = s:byte(j)
    local len = b >= 0xF0 and 4 or b >= 0xE0 and 3 or b >= 0xC2 and 2 or 1
    local seq = s:sub(j, j + len - 1)
    if b < 0x80 then
      out[#out + 1] = keep_lines and (b == 9 or b == 10 or b == 13) and seq or ("\\x%02x"):format(b)
    elseif len > 1 and #seq == len and utf8.len(seq) == 1 then
      local cp = utf8.codepoint(seq)
      out[#out + 1] = cp < 0xA0 and ("\\u%04x"):format(cp) or seq
    else
      out[#out + 1], len = ("\\x%02x"):format(b), 1
    end
    i = j + len
  end
  return table.concat(out)
end
local printable = M.printable

-- JSON text with the characters a terminal may obey but JSON lets stand raw
-- (DEL, and C1 controls U+0080..U+009F) written as \u escapes; the same JSON.
local function json_safe(text)
  return (text:gsub("\127", "\\u007f"):gsub("\194([\128-\159])",
    function(c) return ("\\u%04x"):format(c:byte()) end))
end

local function is_array(v)
  return type(v) == "table" and (v[1] ~= nil or getmetatable(v) == json.array_mt or next(v) == nil)
end
M.is_array = is_array

--- The array of records in a decoded body: the body itself, its `items`, or its `data.items`; else nil.
-- syntax: rows = output.rows_of(body)
function M.rows_of(body)
  if type(body) ~= "table" then return nil end
  if is_array(body) and next(body) ~= nil then return body end
  if is_array(body.items) then return body.items end
  if type(body.data) == "table" and is_array(body.data.items) then return body.data.items end
  if is_array(body) then return body end
  return nil
end

--- The value at a dotted path ("resource.name") of a record, or nil.
-- syntax: v = output.field(record, path)
function M.field(record, path)
  local v = record
  for part in path:gmatch("[^.]+") do
    if type(v) ~= "table" then return nil end
    local next_v = v[part]
    if next_v == nil and part:match("^%d+$") then next_v = v[tonumber(part)] end
    v = next_v
  end
  return v
end

-- 2000-01-01 .. 2100-01-01 in milliseconds.
local MS_LOW, MS_HIGH = 946684800000, 4102444800000

--- Whether a field holds epoch milliseconds: a time-like name and an integer in range.
-- syntax: ok = output.is_time(name, value)
function M.is_time(name, value)
  if math.type(value) ~= "integer" or value < MS_LOW or value >= MS_HIGH then return false end
  local key = name:match("([^.]+)$") or name
  local lower = key:lower()
  return lower:find("time", 1, true) ~= nil or lower:find("date", 1, true) ~= nil
    or lower:find("seen", 1, true) ~= nil or lower:find("updated", 1, true) ~= nil
    or key:match("Ts$") ~= nil or key:match("%lOn$") ~= nil or lower == "ts"
end

--- Epoch milliseconds as a UTC date: "2026-11-23 10:05" (short) or "2026-11-23T10:05:12Z".
-- syntax: s = output.date(ms, short)
function M.date(ms, short)
  return os.date(short and "!%Y-%m-%d %H:%M" or "!%Y-%m-%dT%H:%M:%SZ", ms // 1000)
end

local function scalar(v)
  local t = type(v)
  return t == "string" or t == "number" or t == "boolean"
end

--- The text of one cell: dates for time fields, arrays of scalars joined with ",", JSON for the rest.
-- syntax: s = output.cell(name, value, short)
function M.cell(name, value, short)
  if value == nil or value == json.null then return "" end
  if M.is_time(name, value) then return M.date(value, short) end
  if math.type(value) == "integer" then return ("%d"):format(value) end
  if type(value) == "number" then return ("%.15g"):format(value) end
  if scalar(value) then return tostring(value) end
  if type(value) == "table" and is_array(value) then
    local parts, all_scalar = {}, true
    for i, x in ipairs(value) do
      if not scalar(x) then all_scalar = false break end
      parts[i] = tostring(x)
    end
    if all_scalar then return table.concat(parts, ",") end
  end
  local ok, text = pcall(json.encode, value)
  return ok and text or tostring(value)
end

-- Fields tried first when choosing columns, in this order.
local PREFERRED = {
  "id", "policyId", "accountId", "name", "status", "severity", "policyType", "cloudType", "type",
  "enabled", "user", "action", "actionType", "resourceType", "resourceName", "regionName", "accountName",
  "result", "method", "path", "summary", "description", "timestamp", "alertTime", "insertTs",
  "lastModifiedOn", "lastModifiedTs",
}

--- Columns for records when none are given: preferred scalar fields first, then
-- other scalar fields in name order, at most output.MAX_COLUMNS.
-- syntax: columns = output.choose_columns(records)
function M.choose_columns(records)
  local present = {}
  for i = 1, math.min(#records, 20) do
    local r = records[i]
    if type(r) == "table" then
      for k, v in pairs(r) do
        if type(k) == "string" and (scalar(v) or (is_array(v) and scalar(v[1]))) then present[k] = true end
      end
    end
  end
  local columns, taken = {}, {}
  for _, k in ipairs(PREFERRED) do
    if present[k] and #columns < M.MAX_COLUMNS then
      columns[#columns + 1], taken[k] = k, true
    end
  end
  local rest = {}
  for k in pairs(present) do
    if not taken[k] then rest[#rest + 1] = k end
  end
  table.sort(rest)
  for _, k in ipairs(rest) do
    if #columns >= M.MAX_COLUMNS then break end
    columns[#columns + 1] = k
  end
  if #columns == 0 and records[1] ~= nil and type(records[1]) ~= "table" then columns = {"value"} end
  return columns
end

--- JSON text that is the same on every run: object keys in byte order, two
-- spaces of indentation per level (one line when compact is true). The value
-- goes through the core's codec first (encode, then decode), so what
-- prismacloud.json refuses is refused here too, and integers, floats, null and
-- empty arrays come out as prismacloud.json writes them; DEL and C1 controls
-- are written as \u escapes.
-- syntax: text = output.json_text(value [, compact])
function M.json_text(value, compact)
  local canonical = json.decode(json.encode(value))
  local out = {}
  local colon = compact and ":" or ": "
  local function put(v, indent)
    if type(v) ~= "table" then
      out[#out + 1] = json.encode(v)
      return
    end
    local inner = indent .. "  "
    local sep = compact and "" or "\n" .. inner
    local array = getmetatable(v) == json.array_mt
    local keys
    if not array then
      keys = {}
      for k in pairs(v) do keys[#keys + 1] = k end
      table.sort(keys)
    end
    local n = array and #v or #keys
    if n == 0 then
      out[#out + 1] = array and "[]" or "{}"
      return
    end
    out[#out + 1] = array and "[" or "{"
    for i = 1, n do
      out[#out + 1] = i == 1 and sep or "," .. sep
      if array then
        put(v[i], inner)
      else
        out[#out + 1] = json.encode(keys[i]) .. colon
        put(v[keys[i]], inner)
      end
    end
    out[#out + 1] = (compact and "" or "\n" .. indent) .. (array and "]" or "}")
  end
  put(canonical, "")
  return json_safe(table.concat(out))
end

-- The record cut down to the given columns (nested paths kept as dotted keys).
local function project(record, columns)
  if not columns or type(record) ~= "table" then return record end
  local out = {}
  for _, c in ipairs(columns) do
    local v = M.field(record, c)
    if v ~= nil then out[c] = v end
  end
  return out
end

local function text_width(s)
  return utf8.len(s) or #s
end

local function truncate(s, max)
  if text_width(s) <= max then return s end
  local cut = utf8.offset(s, max) or max
  return s:sub(1, cut - 1) .. "…"
end

-- A CSV field: quoted when it holds a quote, comma, CR or LF. Text (not a number) starting with
-- = + - @ (after any blanks: a cell's tab and CR are spaces by then), tab or CR gets a leading '
-- so that a spreadsheet never reads it as a formula.
local function csv_field(s, number)
  if not number and (s:find("^[=+%-@\t\r]") or s:find("^%s+[=+%-@]")) then s = "'" .. s end
  if s:find('[",\r\n]') then return '"' .. s:gsub('"', '""') .. '"' end
  return s
end

local function html_escape(s)
  return (s:gsub("[&<>\"']", {["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;",
                                ["'"] = "&#39;"}))
end
M.html_escape = html_escape

local function row_cells(record, columns, short)
  local cells = {}
  for i, c in ipairs(columns) do
    local v
    if type(record) == "table" then
      v = M.field(record, c)
    elseif c == "value" then
      v = record
    end
    cells[i] = printable((M.cell(c, v, short):gsub("[\r\n\t]", " ")))
  end
  return cells
end

--- The width of the terminal on stdout: $COLUMNS, else `stty size`, else nil.
-- syntax: n = output.terminal_width()
function M.terminal_width()
  local n = tonumber(os.getenv("COLUMNS") or "")
  if n and n > 0 then return math.tointeger(n) end
  local p = io.popen("stty size < /dev/tty 2>/dev/null")
  local text = p and p:read("a") or ""
  if p then p:close() end
  n = tonumber(text:match("^%s*%d+%s+(%d+)"))
  return n and n > 0 and n or nil
end

--- Writes rows of cells as an aligned text table (header bold when colour is on).
-- With opts.width the widest columns are narrowed (down to output.MIN_WIDTH), and the
-- last ones left out when that is not enough, until a line fits.
-- syntax: output.write_table(out, header, rows, {colour = true, width = 120})
function M.write_table(out, header, rows, opts)
  opts = opts or {}
  local widths = {}
  for i, h in ipairs(header) do widths[i] = text_width(h) end
  for _, row in ipairs(rows) do
    for i, cell in ipairs(row) do
      widths[i] = math.max(widths[i] or 0, math.min(text_width(cell), M.MAX_CELL))
    end
  end
  local shown = #widths
  if opts.width then
    -- Narrow the widest columns, none below MIN_WIDTH (or its natural width);
    -- when that is not enough, leave out the last column and start again.
    local natural = {table.unpack(widths)}
    for n = #natural, 1, -1 do
      shown = n
      for i = 1, n do widths[i] = natural[i] end
      local sum = 2 * (n - 1)
      for i = 1, n do sum = sum + widths[i] end
      while sum > opts.width do
        local widest = 1
        for i = 1, n do
          if widths[i] > widths[widest] then widest = i end
        end
        if widths[widest] <= M.MIN_WIDTH then break end
        widths[widest], sum = widths[widest] - 1, sum - 1
      end
      if sum <= opts.width then break end
    end
  end
  local function line(cells)
    local parts = {}
    for i = 1, math.min(#cells, shown) do
      local cell = truncate(cells[i], widths[i])
      parts[i] = i == shown and cell or cell .. (" "):rep(widths[i] - text_width(cell))
    end
    return table.concat(parts, "  ")
  end
  local head = line(header)
  if opts.colour then head = "\27[1m" .. head .. "\27[0m" end
  out:write(head, "\n")
  for _, row in ipairs(rows) do out:write(line(row), "\n") end
end

--- A self-contained HTML page (inline style only) around a body fragment.
-- syntax: html = output.html_page(title, body_html [, extra_head])
function M.html_page(title, body_html, extra_head)
  return table.concat{
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>", html_escape(title),
    "</title>\n<style>\n",
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em;color:#1d2733;background:#fff}\n",
    "h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em}\n",
    "table{border-collapse:collapse;font-size:.9em}th,td{border-bottom:1px solid #dde3ea;padding:.3em .7em;",
    "text-align:left;vertical-align:top}th{background:#f1f4f8}\n",
    "</style>\n", extra_head or "", "</head>\n<body>\n", body_html, "</body></html>\n",
  }
end

--------------------------------------------------------------------------
-- The formats: a table of writers. A writer says how records go out: row(w, record) for each,
-- finish(w) at the end (w.out, w.columns, w.title, w.count, w.rows, w.colour, w.width), and
-- optionally value(body, opts) for a single body that is not a list of records (true when it
-- wrote it). presets: whether a command's default columns apply (--columns always does);
-- terminal: whether text that is not JSON (a CSV download) is made harmless for a terminal.
--------------------------------------------------------------------------

--- The writers by format name; output.FORMATS lists the names in the order the help gives them.
M.WRITERS = {}
M.FORMATS = {}

local function writer(name, spec)
  spec.name = name
  M.WRITERS[name] = spec
  M.FORMATS[#M.FORMATS + 1] = name
end

-- Keeps the record for finish (table and html lay out every row at once).
local function keep(w, record)
  w.rows[#w.rows + 1] = record
end

-- The header and the rows of cells of the records kept.
local function laid_out(w, short)
  local columns = w.columns or M.choose_columns(w.rows)
  local rows, header = {}, {}
  for i, r in ipairs(w.rows) do rows[i] = row_cells(r, columns, short) end
  for i, c in ipairs(columns) do header[i] = printable(c) end
  return header, rows, columns
end

writer("table", {presets = true, terminal = true, row = keep,
  finish = function(w)
    local header, rows, columns = laid_out(w, true)
    if #columns > 0 then M.write_table(w.out, header, rows, {colour = w.colour, width = w.width}) end
  end,
  value = function(body, opts) -- an object: one "field value" line per top-level field
    if type(body) ~= "table" then return false end
    local keys = {}
    for k in pairs(body) do keys[#keys + 1] = tostring(k) end
    table.sort(keys)
    local rows_kv = {}
    for i, k in ipairs(keys) do
      rows_kv[i] = {printable((k:gsub("[\r\n\t]", " "))),
                    printable((M.cell(k, body[k], true):gsub("[\r\n\t]", " ")))}
    end
    M.write_table(opts.out or io.stdout, {"field", "value"}, rows_kv, {colour = opts.colour, width = opts.width})
    return true
  end})

writer("json", {
  row = function(w, record)
    local text = M.json_text(project(record, w.columns)):gsub("\n", "\n  ")
    w.out:write(w.count == 1 and "[\n  " or ",\n  ", text)
  end,
  finish = function(w) w.out:write(w.count == 0 and "[]\n" or "\n]\n") end,
  value = function(body, opts) -- the body as it is (only the --columns fields of an object)
    local rows = M.rows_of(body)
    if rows and (opts.columns or opts.max_items) then return false end
    local out = opts.out or io.stdout
    out:write(M.json_text(rows and body or project(body, opts.columns)), "\n")
    return true
  end})

writer("ndjson", {
  row = function(w, record) w.out:write(M.json_text(project(record, w.columns), true), "\n") end,
  finish = function() end})

writer("csv", {presets = true, terminal = true,
  row = function(w, record)
    if w.count == 1 then
      w.columns = w.columns or M.choose_columns{record}
      local head = {}
      for i, c in ipairs(w.columns) do head[i] = csv_field(printable(c)) end
      w.out:write(table.concat(head, ","), "\r\n")
    end
    local cells = row_cells(record, w.columns, false)
    for i, c in ipairs(cells) do
      local v = type(record) == "table" and M.field(record, w.columns[i]) or record
      cells[i] = csv_field(c, math.type(v) ~= nil)
    end
    w.out:write(table.concat(cells, ","), "\r\n")
  end,
  finish = function() end})

writer("html", {presets = true, row = keep,
  finish = function(w)
    local header, rows = laid_out(w, false)
    local parts = {"<h1>", html_escape(w.title), "</h1>\n<p>", ("%d"):format(#rows), " rows</p>\n<table>\n<thead><tr>"}
    for _, c in ipairs(header) do parts[#parts + 1] = "<th>" .. html_escape(c) .. "</th>" end
    parts[#parts + 1] = "</tr></thead>\n<tbody>\n"
    for _, row in ipairs(rows) do
      parts[#parts + 1] = "<tr>"
      for _, cell in ipairs(row) do parts[#parts + 1] = "<td>" .. html_escape(cell) .. "</td>" end
      parts[#parts + 1] = "</tr>\n"
    end
    parts[#parts + 1] = "</tbody></table>\n"
    w.out:write(M.html_page(w.title, table.concat(parts)))
  end})

local Writer = {}
Writer.__index = Writer

--- A writer of records in a format: `w:row(record)` for each, then `w:finish()`.
-- opts: columns (array of field paths), out (file, default io.stdout), colour, title,
-- width (of the terminal: tables are narrowed to fit).
-- syntax: w = output.writer(format, opts)
function M.writer(format, opts)
  local spec = M.WRITERS[format]
  if not spec then error(("unknown output format '%s'"):format(tostring(format)), 2) end
  opts = opts or {}
  return setmetatable({format = format, spec = spec, out = opts.out or io.stdout, columns = opts.columns,
                       width = opts.width, colour = opts.colour, title = opts.title or "prismacloud", rows = {},
                       count = 0}, Writer)
end

--- Writes (or, for table and html, keeps) one record.
-- syntax: w:row(record)
function Writer:row(record)
  self.count = self.count + 1
  self.spec.row(self, record)
end

--- Ends the output (closes the JSON array, writes the table or page); returns the record count.
-- syntax: n = w:finish()
function Writer:finish()
  self.spec.finish(self)
  self.out:flush()
  return self.count
end

--- Writes one decoded body in a format: records when it holds an array of them
-- (see rows_of), else (table) one "field value" line per top-level field, or
-- (json) the body as it is; a body that is not JSON (a string) is written as it came
-- (json, ndjson), made harmless (table, csv, and any format when opts.terminal says the
-- output is a terminal), or escaped in a <pre> of the page (html).
-- syntax: output.value(body, format, {columns =, out =, colour =, title =, max_items =, terminal =})
function M.value(body, format, opts)
  opts = opts or {}
  local out = opts.out or io.stdout
  local spec = M.WRITERS[format]
  if type(body) == "string" then -- not JSON (a CSV download, text)
    if format == "html" then
      out:write(M.html_page(opts.title or "prismacloud", table.concat{"<h1>", html_escape(opts.title or "prismacloud"),
        "</h1>\n<pre>", html_escape(printable(body, true)), "</pre>\n"}))
    else
      out:write((spec.terminal or opts.terminal) and printable(body, true) or body)
    end
    return
  end
  local rows = M.rows_of(body)
  if spec.value and (not rows or format == "json") and spec.value(body, opts) then return end
  local w = M.writer(format, opts)
  if rows then
    for i, r in ipairs(rows) do
      if opts.max_items and i > opts.max_items then break end
      w:row(r)
    end
  else
    w:row(type(body) == "table" and body or {value = body})
  end
  w:finish()
end

return M
