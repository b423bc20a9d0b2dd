#!/usr/bin/env lua5.4
--- tools/gen_operations.lua: builds lua/prismacloud/operations.lua, the
-- operation catalog, from the OpenAPI reference.
--
--   lua5.4 tools/gen_operations.lua ../shared/reference/openapi lua/prismacloud/operations.lua
--   lua5.4 tools/gen_operations.lua --check ../shared/reference/openapi lua/prismacloud/operations.lua
--
-- --check writes nothing: it exits 1 (with a summary of the differences) when
-- the file on disk is not what the reference would generate.
--
-- What each entry holds and how it is derived:
--   method, path, file (the OpenAPI file, without ".json"), summary, tags.
--   id: the operationId. Operations without one, or whose one is not made of
--     letters, digits, "-", "_" and "." (the reference has "Get External ID "),
--     get "<method>-<path words>" (e.g. post-appid-search-api-v1-app). An id used by several operations
--     gets "-<file>" appended on each of them (and, if still ambiguous,
--     "-<method>-<path words>"); an id that differs from the operationId as
--     written keeps that one in original_id.
--   params: path-level and operation-level parameters merged (the operation's
--     win, keyed by in+name), $ref resolved; grouped by where they go
--     (path, query, header; cookie is ignored). Each is {name, required, type,
--     enum, array}: for an array, type and enum are those of its items. A
--     type that is not a JSON-schema type (the reference has "String" and
--     "ref") is lower-cased when that makes it valid, else left out.
--     Swagger-2 "in: body" and "in: formData" count as a body.
--   body, body_required: from requestBody ($ref resolved) or a body parameter.
--   media: the media types of the documented 2xx answers (their content keys, sorted, each
--     once); absent when no 2xx answer documents a content. client:call sends an Accept
--     that takes them when none of them is JSON (CSV, XML, octet-stream scripts...).
--   idempotent: GET, HEAD and OPTIONS; and a POST that reads (see READ_POST_*
--     below): one of the documented read-style paths, or an operation whose
--     summary starts with a read verb (List, Get, Search, Perform, ...) or
--     names a read view (scan info, inventory view, usage ...) and contains no
--     word of a write (create, add, submit, generate, save, update, download,
--     asynchronous, test, ...). PUT, PATCH and DELETE are never marked: the
--     core retries a 500 only for idempotent requests, and a write sent twice
--     is worse than a read that fails once.
--   paging: "alert_v2" for /v2/alert (pageToken in the POST body or the GET
--     query); "config_page" for POST /search/config (next pages at
--     /search/config/page); "event_page" for POST /search/event (next pages at
--     /search/event/page); "iam_page" for POST /api/v1/permission (next pages
--     at /api/v1/permission/page); "token" for any other idempotent operation
--     with a pageToken query parameter or top-level body property whose
--     answer carries the next token (see responds_with_token). page_token
--     says where the token goes ("query" or "body") for alert_v2 and token.
--   rate: parsed from the description's "Rate Limits" section:
--     "Request rate limit: 2/sec" and "Burst limit: 10/sec" (or "Burst Rate:")
--     give {rate = 2, burst = 10}; a rate per minute or hour gives
--     {rate = 80, period = 60} (period in seconds; absent means 1 second).
local cjson = require "cjson"
local reference = require("tools.reference").new("gen_operations")
local fail, read_file, list_json_files = reference.fail, reference.read_file, reference.list_json_files
local resolve, quote, key_text = reference.resolve, reference.quote, reference.key_text

local HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
local SCHEMA_TYPES = {string = true, integer = true, number = true, boolean = true, array = true, object = true}
local IDEMPOTENT_METHODS = {GET = true, HEAD = true, OPTIONS = true}

-- POSTs that read, by path (the families the DESIGN names).
local READ_POST_PATHS = {
  ["/alert"] = true, ["/v2/alert"] = true, ["/alert/policy"] = true,
  ["/search"] = true, ["/search/config"] = true, ["/search/config/page"] = true,
  ["/search/event"] = true, ["/search/event/page"] = true, ["/search/event/aggregate"] = true,
  ["/search/event/filtered"] = true, ["/search/network"] = true, ["/search/iam"] = true,
  ["/api/v1/permission"] = true, ["/api/v1/permission/page"] = true,
  ["/api/v1/permission/access"] = true, ["/api/v1/permission/access/page"] = true,
}
-- First words of a summary that describe a read.
local READ_POST_VERBS = {
  list = true, get = true, search = true, perform = true, fetch = true, ["return"] = true,
  check = true, aggregated = true, autocomplete = true, filter = true, group = true, count = true,
  ["pre-validate"] = true,
}
-- Phrases of a summary that name a read view (lower case, plain find).
local READ_POST_PHRASES = {
  "scan info", "inventory view", "inventory trend view", "usage count", "usage over time",
  "allocation rules and usage", "rule summary",
}
-- Words (lower case) that make a summary a write whatever else it says.
local WRITE_WORDS = {
  create = true, add = true, submit = true, generate = true, regenerate = true, save = true,
  update = true, download = true, asynchronous = true, async = true, test = true, send = true,
  email = true, clone = true, delete = true, remove = true, dismiss = true, reopen = true,
  snooze = true, unsnooze = true, onboard = true, manage = true, login = true,
}
-- Paging styles fixed by path (method POST or GET).
local PAGING_PATHS = {
  ["/v2/alert"] = "alert_v2", ["/search/config"] = "config_page",
  ["/search/event"] = "event_page", ["/api/v1/permission"] = "iam_page",
}
local RATE_PERIODS = {
  s = 1, sec = 1, second = 1, seconds = 1, min = 60, minute = 60, minutes = 60, hour = 3600, hours = 3600,
}

local function trim(s)
  return (s:gsub("%s+", " "):gsub("^ ", ""):gsub(" $", ""))
end

-- A number from cjson (always a float) as an integer when it is one.
local function plain_value(v)
  if type(v) == "number" and math.tointeger(v) then return math.tointeger(v) end
  return v
end

local function enum_of(schema)
  if type(schema) ~= "table" or type(schema.enum) ~= "table" then return nil end
  local out = {}
  for _, v in ipairs(schema.enum) do
    if v ~= cjson.null then out[#out + 1] = plain_value(v) end
  end
  return #out > 0 and out or nil
end

local function type_of(t)
  if type(t) ~= "string" then return nil end
  if SCHEMA_TYPES[t] then return t end
  if SCHEMA_TYPES[t:lower()] then return t:lower() end
  return nil
end

-- One parameter as {name, required, type, enum, array}.
local function param_entry(doc, p, file)
  local schema = p.schema and resolve(doc, p.schema, file) or p -- swagger 2 keeps type on the parameter
  local entry = {name = p.name, required = p.required == true or nil}
  local t = type_of(schema.type)
  if t == "array" then
    local items = resolve(doc, schema.items or {}, file)
    entry.array = true
    entry.type = type_of(items.type)
    entry.enum = enum_of(items)
  else
    entry.type = t
    entry.enum = enum_of(schema)
  end
  return entry
end

-- Top-level property names of a schema (through $ref and allOf/oneOf/anyOf).
local function schema_properties(doc, schema, file, out, depth)
  out = out or {}
  depth = depth or 0
  schema = resolve(doc, schema, file)
  if type(schema) ~= "table" or depth > 8 then return out end
  for name in pairs(schema.properties or {}) do out[name] = true end
  for _, key in ipairs{"allOf", "oneOf", "anyOf"} do
    for _, sub in ipairs(schema[key] or {}) do schema_properties(doc, sub, file, out, depth + 1) end
  end
  return out
end

local function words_of(path)
  local w = path:gsub("[{}]", ""):gsub("[^%w]+", "-"):gsub("^%-+", ""):gsub("%-+$", "")
  return w:lower()
end

local function is_read_post(path, summary)
  if READ_POST_PATHS[path] then return true end
  local s = (summary or ""):lower()
  for word in s:gmatch("[%w%-]+") do
    if WRITE_WORDS[word] then return false end
  end
  local first = s:match("^[%w%-]+")
  if first and READ_POST_VERBS[first] then return true end
  for _, phrase in ipairs(READ_POST_PHRASES) do
    if s:find(phrase, 1, true) then return true end
  end
  return false
end

local function parse_rate(text)
  if type(text) ~= "string" then return nil end
  local s = text:lower()
  local n, unit = s:match("request rate limit:%s*(%d+)%s*/%s*(%a+)")
  if not n then n, unit = s:match("(%d+)%s+requests?%s+per%s+(%a+)") end
  if not n then return nil end
  local period = RATE_PERIODS[unit]
  if not period then fail("rate limit with unknown unit '%s'", unit) end
  local burst = s:match("burst%s+%a+:%s*(%d+)") or s:match("burst[^%d\n]-(%d+)")
  return {rate = math.tointeger(tonumber(n)), burst = burst and math.tointeger(tonumber(burst)) or nil,
          period = period ~= 1 and period or nil}
end

-- Whether a success response of op holds the next page's token (nextPageToken
-- or pageToken at the top, or nextPageToken under `data`): a request schema
-- with a pageToken field alone does not make a paged operation (compliance
-- posture bodies have one, their answers are not paged).
local function responds_with_token(doc, op, file)
  for code, raw in pairs(op.responses or {}) do
    if tostring(code):match("^2") then
      local res = resolve(doc, raw, file)
      local schemas = {res.schema}
      for _, media in pairs(res.content or {}) do schemas[#schemas + 1] = media.schema end
      for _, schema in ipairs(schemas) do
        local props = schema_properties(doc, schema, file)
        local data = props.data and schema_properties(doc, props.data, file) or {}
        if props.nextPageToken or props.pageToken or data.nextPageToken then return true end
      end
    end
  end
  return false
end

-- Every operation of one file, as catalog entries (id not yet deduplicated).
local function operations_of(doc, file)
  local ops = {}
  local paths = {}
  for path in pairs(doc.paths or {}) do paths[#paths + 1] = path end
  table.sort(paths)
  for _, path in ipairs(paths) do
    local item = resolve(doc, doc.paths[path], file)
    for _, m in ipairs(HTTP_METHODS) do
      local op = item[m]
      if type(op) == "table" then
        local merged, order = {}, {}
        for _, list in ipairs{item.parameters or {}, op.parameters or {}} do
          for _, raw in ipairs(list) do
            local p = resolve(doc, raw, file)
            local key = tostring(p["in"]) .. "\0" .. tostring(p.name)
            if not merged[key] then order[#order + 1] = key end
            merged[key] = p
          end
        end
        local params, body, body_required = {}, false, false
        local token_in
        for _, key in ipairs(order) do
          local p = merged[key]
          local where = p["in"]
          if where == "body" or where == "formData" then
            body = true
            body_required = body_required or p.required == true
            if where == "body" and p.schema and schema_properties(doc, p.schema, file).pageToken then
              token_in = token_in or "body"
            end
          elseif where == "path" or where == "query" or where == "header" then
            params[where] = params[where] or {}
            table.insert(params[where], param_entry(doc, p, file))
            if where == "query" and p.name == "pageToken" then token_in = "query" end
          elseif where ~= "cookie" then
            fail("%s: %s %s: parameter '%s' in '%s'", file, m, path, tostring(p.name), tostring(where))
          end
        end
        if op.requestBody then
          local rb = resolve(doc, op.requestBody, file)
          body = true
          body_required = body_required or rb.required == true
          for _, media in pairs(rb.content or {}) do
            if media.schema and schema_properties(doc, media.schema, file).pageToken then
              token_in = token_in or "body"
            end
          end
        end
        local media, seen = {}, {}
        for status, raw in pairs(op.responses or {}) do
          if tostring(status):match("^2") then
            for mt in pairs(resolve(doc, raw, file).content or {}) do
              if not seen[mt] then seen[mt] = true media[#media + 1] = mt end
            end
          end
        end
        table.sort(media)
        local method = m:upper()
        local summary = type(op.summary) == "string" and trim(op.summary) or nil
        if summary == "" then summary = nil end
        local idempotent = IDEMPOTENT_METHODS[method] or (method == "POST" and is_read_post(path, summary))
        if token_in and not responds_with_token(doc, op, file) then token_in = nil end
        local paging = PAGING_PATHS[path]
        if paging and method ~= "POST" and not (paging == "alert_v2" and method == "GET") then paging = nil end
        if not paging and token_in and idempotent then paging = "token" end
        local tags
        if type(op.tags) == "table" and #op.tags > 0 then
          tags = {}
          for i, t in ipairs(op.tags) do tags[i] = t end
        end
        local id = type(op.operationId) == "string" and op.operationId or nil
        local usable = id and id:match("^[%w_.%-]+$")
        ops[#ops + 1] = {
          id = usable and id or (m .. "-" .. words_of(path)), original_id = id,
          method = method, path = path, file = file, summary = summary,
          params = next(params) and params or nil,
          body = body, body_required = body_required or nil, media = media[1] and media or nil,
          paging = paging, page_token = (paging == "token" or paging == "alert_v2") and token_in or nil,
          idempotent = idempotent and true or false,
          rate = parse_rate(op.description) or parse_rate(op.summary),
          tags = tags,
        }
      end
    end
  end
  return ops
end

-- Gives every operation a unique id; keeps original_id only where it changed.
local function deduplicate(ops)
  local function group(list)
    local by = {}
    for _, op in ipairs(list) do
      by[op.id] = by[op.id] or {}
      table.insert(by[op.id], op)
    end
    return by
  end
  for _, members in pairs(group(ops)) do
    if #members > 1 then
      for _, op in ipairs(members) do op.id = op.id .. "-" .. op.file:gsub("[^%w]+", "-"):gsub("%-$", "") end
    end
  end
  for _, members in pairs(group(ops)) do
    if #members > 1 then
      for _, op in ipairs(members) do op.id = op.id .. "-" .. op.method:lower() .. "-" .. words_of(op.path) end
    end
  end
  for id, members in pairs(group(ops)) do
    if #members > 1 then fail("operation id '%s' is still ambiguous", id) end
  end
  for _, op in ipairs(ops) do
    if op.original_id == op.id then op.original_id = nil end
  end
end

---------------------------------------------------------------------------
-- Output: a Lua table with a fixed key order, packed into lines of at most
-- WIDTH characters.
local WIDTH = 118

local KEY_ORDER = {
  "method", "path", "file", "summary", "original_id", "idempotent", "body", "body_required", "media",
  "paging", "page_token", "rate", "tags", "params",
  "name", "required", "type", "array", "enum", -- a parameter
  "rate", "burst", "period",                    -- a rate
  "path", "query", "header",                    -- params
}

-- The items of table t as {prefix, value}: array part first, then keys in KEY_ORDER.
local function items_of(t)
  local items = {}
  for _, v in ipairs(t) do items[#items + 1] = {"", v} end
  local done = {}
  for _, k in ipairs(KEY_ORDER) do
    if t[k] ~= nil and not done[k] then
      done[k] = true
      items[#items + 1] = {key_text(k) .. " = ", t[k]}
    end
  end
  for k in pairs(t) do
    if math.type(k) ~= "integer" and not done[k] then fail("no output order for key '%s'", tostring(k)) end
  end
  return items
end

local function flat(v)
  local tv = type(v)
  if tv == "string" then return quote(v) end
  if tv == "number" then
    if math.type(v) == "integer" then return tostring(v) end
    return ("%.17g"):format(v)
  end
  if tv == "boolean" then return tostring(v) end
  local parts = {}
  for _, item in ipairs(items_of(v)) do parts[#parts + 1] = item[1] .. flat(item[2]) end
  return "{" .. table.concat(parts, ", ") .. "}"
end

-- Writes value v (after text `lead`) at indentation level `indent` into
-- lines; `tail` follows it (",").
local function emit(lines, indent, lead, v, tail)
  local pad = ("  "):rep(indent)
  local one = pad .. lead .. flat(v) .. tail
  if #one <= WIDTH or type(v) ~= "table" then
    lines[#lines + 1] = one
    return
  end
  lines[#lines + 1] = pad .. lead .. "{"
  local inner = pad .. "  "
  local line = nil
  for _, item in ipairs(items_of(v)) do
    local text = item[1] .. flat(item[2]) .. ","
    if line and #line + 1 + #text <= WIDTH then
      line = line .. " " .. text
    else
      if line then lines[#lines + 1] = line end
      line = nil
      if #inner + #text <= WIDTH then
        line = inner .. text
      else
        emit(lines, indent + 1, item[1], item[2], ",")
      end
    end
  end
  if line then lines[#lines + 1] = line end
  lines[#lines + 1] = pad .. "}" .. tail
end

local function render(ops)
  local lines = {
    "-- generated by tools/gen_operations.lua from the OpenAPI reference; do not edit.",
    "-- The operation catalog: every documented operation by id (see the generator",
    "-- for what each field means). Regenerate with:",
    "--   lua5.4 tools/gen_operations.lua ../shared/reference/openapi lua/prismacloud/operations.lua",
    ("-- %d operations."):format(#ops),
    "return {",
  }
  for _, op in ipairs(ops) do
    local entry = {}
    for k, v in pairs(op) do if k ~= "id" then entry[k] = v end end
    if entry.body == false then entry.body = nil end
    emit(lines, 1, "[" .. quote(op.id) .. "] = ", entry, ",")
  end
  lines[#lines + 1] = "}"
  return table.concat(lines, "\n") .. "\n"
end

local function generate(dir)
  local ops = {}
  local names = list_json_files(dir)
  if #names == 0 then fail("no .json files in %s", dir) end
  for _, name in ipairs(names) do
    local text = assert(read_file(dir .. "/" .. name))
    local ok, doc = pcall(cjson.decode, text)
    if not ok then fail("%s: %s", name, doc) end
    for _, op in ipairs(operations_of(doc, name:gsub("%.json$", ""))) do ops[#ops + 1] = op end
  end
  deduplicate(ops)
  table.sort(ops, function(a, b) return a.id < b.id end)
  return render(ops), ops
end

-- Ids of a generated file's text (for --check's summary).
local function ids_of(text)
  local ids = {}
  for id in text:gmatch('\n  %["([^"]+)"%] = {') do ids[id] = true end
  return ids
end

-- What --check adds when the file is stale: the operations added and removed.
local function ids_changed(expected)
  return function(current, out)
    local old, new = ids_of(current), ids_of(expected)
    local added, removed = {}, {}
    for id in pairs(new) do if not old[id] then added[#added + 1] = id end end
    for id in pairs(old) do if not new[id] then removed[#removed + 1] = id end end
    table.sort(added)
    table.sort(removed)
    if #added > 0 then out:write("  operations added: ", table.concat(added, ", "), "\n") end
    if #removed > 0 then out:write("  operations removed: ", table.concat(removed, ", "), "\n") end
  end
end

local function main(argv)
  local check_mode, dir, output = reference.args(argv)
  local text, ops = generate(dir)
  if check_mode then
    if not reference.compare(output, text, ids_changed(text)) then os.exit(1) end
    print(("%s is up to date (%d operations)"):format(output, #ops))
    return
  end
  reference.write_file(output, text)
  print(("wrote %s: %d operations"):format(output, #ops))
end

main(arg)
