#!/usr/bin/env lua5.4
--- tools/gen_schemas.lua: builds lua/prismacloud/schema/data.lua, the request and response schemas
-- of every operation of the catalog, from the OpenAPI reference.
--
--   make generate-schemas   (or, with the in-tree build on LUA_PATH/LUA_CPATH:)
--   lua5.4 tools/gen_schemas.lua ../shared/reference/openapi lua/prismacloud/schema/data.lua
--   lua5.4 tools/gen_schemas.lua --check ../shared/reference/openapi lua/prismacloud/schema/data.lua
--
-- --check writes nothing: it exits 1 (saying where) when the file on disk is not what the
-- reference would generate. The tool reads the JSON with prismacloud.json (integers stay
-- integers, [] stays an array), so it needs the built core on LUA_CPATH.
--
-- What the module holds (prismacloud.schema links and reads it):
--   nodes: every distinct schema once, prose left out (description, title, externalDocs,
--     deprecated, non-scalar examples). A node keeps type (a JSON-schema type; the reference's
--     "String" and "long" read as string and integer, an unknown one is dropped), format, enum,
--     nullable, required, properties, additionalProperties, items, allOf, oneOf, anyOf, not,
--     readOnly, writeOnly, minimum, maximum, exclusiveMinimum, exclusiveMaximum, minLength,
--     maxLength, minItems, maxItems, uniqueItems, default and example (scalars), discriminator
--     ({propertyName, mapping = {value = node}}, the mapping completed with the names of the
--     oneOf/anyOf components as OpenAPI says), and pattern as a Lua pattern (lua_pattern) when the
--     reference's regular expression has one (the few it has do). Where a node holds a schema
--     (items, properties' values, allOf ...) it holds the index of that node: $ref is resolved
--     at generation time, recursion included, and the module links indices to tables on load.
--     Identical schemas share one node.
--   A component's node has its name (name = "AlertRule"): violations say where in the reference
--   they are (prismacloud.schema.defects names the reference's defects that way).
--   ops: by catalog id (the operation's method and path found in lua/prismacloud/operations.lua):
--     params = {path =, query =, header = {{name, schema = node, required}}},
--     body = {required, content = {{media, schema = node}}},
--     responses = {[status] = {content = {{media, schema = node, examples = {json text}}}}}
--     (status as written: "200", "4XX", "default"; a response with no content has content = {}).
local json = require "prismacloud.json"
local reference = require("tools.reference").new("gen_schemas")

local HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
local TYPES = {string = true, integer = true, number = true, boolean = true, array = true, object = true}
local TYPE_ALIASES = {long = "integer", int = "integer", String = "string"}
-- Keywords kept as they are (scalars or lists of scalars).
local PLAIN = {
  "format", "nullable", "readOnly", "writeOnly", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
  "minLength", "maxLength", "minItems", "maxItems", "uniqueItems",
}
local null = json.null
local fail, read_file, list_json_files = reference.fail, reference.read_file, reference.list_json_files
local deref, resolve, quote, key_text = reference.deref, reference.resolve, reference.quote, reference.key_text

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  return keys
end

--------------------------------------------------------------------------
-- Regular expressions of the reference as Lua patterns: anchors, ".", character classes and
-- counted repeats {n} and {m,n} of one item ({0,n} and {1,n} read as * and +: looser, never
-- stricter). nil for anything else.
--------------------------------------------------------------------------

local function lua_pattern(re)
  if type(re) ~= "string" then return nil end
  local out, i = {}, 1
  local function item_at(pos)
    local c = re:sub(pos, pos)
    if c == "[" then
      local close = re:find("]", pos + 1, true)
      if not close then return nil end
      local body = re:sub(pos + 1, close - 1)
      if body:find("[%%%[\\]") then return nil end
      return "[" .. body .. "]", close + 1
    elseif c == "(" then
      local close = re:find(")", pos + 1, true)
      local inner = close and re:sub(pos + 1, close - 1)
      if inner ~= "." then return nil end
      return ".", close + 1
    elseif c == "." then
      return ".", pos + 1
    elseif c:match("[%w_%-]") then
      return c:match("%w") and c or "%" .. c, pos + 1
    end
    return nil
  end
  if re:sub(1, 1) == "^" then
    out[1] = "^"
    i = 2
  end
  while i <= #re do
    if re:sub(i) == "$" then
      out[#out + 1] = "$"
      break
    end
    local item, nxt = item_at(i)
    if not item then return nil end
    local q = re:sub(nxt, nxt)
    if q == "+" or q == "*" or q == "?" then
      out[#out + 1] = item .. q
      nxt = nxt + 1
    elseif q == "{" then
      local close = re:find("}", nxt, true)
      local m, n = re:sub(nxt + 1, (close or 0) - 1):match("^(%d+),?(%d*)$")
      if not m then return nil end
      m = tonumber(m)
      if n == "" and re:sub(close - 1, close - 1) ~= "," then
        out[#out + 1] = item:rep(m)
      elseif m == 0 then
        out[#out + 1] = item .. "*"
      else
        out[#out + 1] = item:rep(m - 1) .. item .. "+"
      end
      nxt = close + 1
    else
      out[#out + 1] = item
    end
    i = nxt
  end
  return table.concat(out)
end

--------------------------------------------------------------------------
-- Schemas to nodes.
--------------------------------------------------------------------------

local Gen = {}
Gen.__index = Gen

local function new_gen()
  return setmetatable({nodes = {}, by_text = {}, components = {}, unsupported = {}}, Gen)
end

local function is_scalar(v)
  local t = type(v)
  return t == "string" or t == "number" or t == "boolean"
end

-- The canonical Lua text of a node (keys sorted, schema slots as indices): its identity.
local function lua_value(v)
  local t = type(v)
  if t == "string" then return quote(v) end
  if t == "boolean" then return tostring(v) end
  if t == "number" then
    if math.type(v) == "integer" then return ("%d"):format(v) end
    if v == math.floor(v) and math.abs(v) < 2^53 then return ("%d"):format(math.tointeger(v)) end
    return ("%.17g"):format(v)
  end
  if v == null then return "null" end
  fail("cannot write a %s", t)
end

local function list_text(list)
  local parts = {}
  for i, v in ipairs(list) do parts[i] = lua_value(v) end
  return "{" .. table.concat(parts, ", ") .. "}"
end

-- The node text of a converted schema table (fields already plain or indices).
local function node_text(n)
  local parts = {}
  for _, k in ipairs(sorted_keys(n)) do
    local v = n[k]
    local text
    if k == "properties" then
      local inner = {}
      for _, name in ipairs(sorted_keys(v)) do inner[#inner + 1] = key_text(name) .. " = " .. lua_value(v[name]) end
      text = "{" .. table.concat(inner, ", ") .. "}"
    elseif k == "discriminator" then
      local inner = {"propertyName = " .. quote(v.propertyName)}
      if v.mapping then
        local m = {}
        for _, name in ipairs(sorted_keys(v.mapping)) do m[#m + 1] = "[" .. quote(name) .. "] = " .. v.mapping[name] end
        inner[2] = "mapping = {" .. table.concat(m, ", ") .. "}"
      end
      text = "{" .. table.concat(inner, ", ") .. "}"
    elseif type(v) == "table" then
      text = list_text(v)
    else
      text = lua_value(v)
    end
    parts[#parts + 1] = key_text(k) .. " = " .. text
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end

-- The index of the node for text (a new one unless an identical node exists).
function Gen:intern(text)
  local i = self.by_text[text]
  if i then return i end
  i = #self.nodes + 1
  self.nodes[i] = text
  self.by_text[text] = i
  return i
end

-- The component name of a "#/components/schemas/Name" reference.
local function component_name(ref)
  return type(ref) == "string" and ref:match("^#/components/schemas/(.+)$") or nil
end

-- The node index of schema s of doc (file names the document).
function Gen:schema(doc, file, s, depth)
  depth = (depth or 0) + 1
  if depth > 200 then fail("%s: schema nesting too deep", file) end
  if type(s) ~= "table" or (s == null) then return self:intern("{}") end
  if s["$ref"] then
    -- OpenAPI 3.0: a $ref's siblings are ignored.
    local key = file .. "\0" .. s["$ref"]
    local known = self.components[key]
    if known then return known end
    -- Reserved before its body is converted, so that a recursive reference finds it.
    local i = #self.nodes + 1
    self.nodes[i] = false
    self.components[key] = i
    local body = self:convert(doc, file, deref(doc, s["$ref"], file), depth)
    body.name = component_name(s["$ref"]) or s["$ref"]:match("[^/]+$")
    local text = node_text(body)
    self.nodes[i] = text
    return i
  end
  return self:intern(node_text(self:convert(doc, file, s, depth)))
end

-- A schema as a node table whose schema slots are indices.
function Gen:convert(doc, file, s, depth)
  if type(s) ~= "table" then return {} end
  if s["$ref"] then return {allOf = {self:schema(doc, file, s, depth)}} end
  local n = {}
  local t = s.type
  if type(t) == "string" then
    t = TYPE_ALIASES[t] or t
    if TYPES[t] then n.type = t end
  end
  for _, k in ipairs(PLAIN) do
    if is_scalar(s[k]) then n[k] = s[k] end
  end
  if type(s.enum) == "table" then
    local list, has_null = {}, false
    for _, v in ipairs(s.enum) do
      if v == null then has_null = true elseif is_scalar(v) then list[#list + 1] = v end
    end
    if #list > 0 then n.enum = list end
    if has_null then n.nullable = true end
  end
  if type(s.required) == "table" and #s.required > 0 then
    local list = {}
    for i, v in ipairs(s.required) do list[i] = tostring(v) end
    table.sort(list)
    n.required = list
  end
  if is_scalar(s.default) then n.default = s.default end
  if is_scalar(s.example) then n.example = s.example end
  if s.pattern then
    local p = lua_pattern(s.pattern)
    if p then n.lua_pattern = p else self.unsupported[#self.unsupported + 1] = s.pattern end
  end
  if type(s.properties) == "table" and next(s.properties) then
    n.properties = {}
    for _, name in ipairs(sorted_keys(s.properties)) do
      n.properties[name] = self:schema(doc, file, s.properties[name], depth)
    end
  end
  if type(s.additionalProperties) == "boolean" then
    n.additionalProperties = s.additionalProperties
  elseif type(s.additionalProperties) == "table" then
    n.additionalProperties = self:schema(doc, file, s.additionalProperties, depth)
  end
  if type(s.items) == "table" then n.items = self:schema(doc, file, s.items, depth) end
  if type(s["not"]) == "table" then n["not"] = self:schema(doc, file, s["not"], depth) end
  for _, k in ipairs{"allOf", "oneOf", "anyOf"} do
    if type(s[k]) == "table" and #s[k] > 0 then
      n[k] = {}
      for i, sub in ipairs(s[k]) do n[k][i] = self:schema(doc, file, sub, depth) end
    end
  end
  local d = s.discriminator
  if type(d) == "table" and type(d.propertyName) == "string" then
    local mapping = {}
    for _, k in ipairs{"oneOf", "anyOf"} do
      for _, sub in ipairs(type(s[k]) == "table" and s[k] or {}) do
        local name = component_name(sub["$ref"])
        if name then mapping[name] = self:schema(doc, file, sub, depth) end
      end
    end
    local explicit = type(d.mapping) == "table" and d.mapping or {}
    for _, value in ipairs(sorted_keys(explicit)) do
      mapping[value] = self:schema(doc, file, {["$ref"] = explicit[value]}, depth)
    end
    n.discriminator = {propertyName = d.propertyName, mapping = next(mapping) and mapping or nil}
  end
  return n
end

--------------------------------------------------------------------------
-- Operations.
--------------------------------------------------------------------------

-- JSON text of a decoded value with object keys sorted (a stable output).
local function canonical_json(v)
  if type(v) ~= "table" then return json.encode(v) end
  local parts = {}
  if getmetatable(v) == json.array_mt then
    for i, x in ipairs(v) do parts[i] = canonical_json(x) end
    return "[" .. table.concat(parts, ",") .. "]"
  end
  for _, k in ipairs(sorted_keys(v)) do parts[#parts + 1] = json.encode(tostring(k)) .. ":" .. canonical_json(v[k]) end
  return "{" .. table.concat(parts, ",") .. "}"
end

-- The examples of a media object as JSON texts (example, or every examples[*].value).
local function examples_of(doc, file, media)
  local out = {}
  if media.example ~= nil and media.example ~= null then out[1] = canonical_json(media.example) end
  if type(media.examples) == "table" then
    for _, name in ipairs(sorted_keys(media.examples)) do
      local ex = resolve(doc, media.examples[name], file)
      if type(ex) == "table" and ex.value ~= nil and ex.value ~= null then out[#out + 1] = canonical_json(ex.value) end
    end
  end
  return #out > 0 and out or nil
end

function Gen:content(doc, file, content, with_examples)
  local out = {}
  for _, media in ipairs(sorted_keys(type(content) == "table" and content or {})) do
    local m = content[media]
    local entry = {media = media}
    if type(m) == "table" and type(m.schema) == "table" then entry.schema = self:schema(doc, file, m.schema) end
    if with_examples and type(m) == "table" then entry.examples = examples_of(doc, file, m) end
    out[#out + 1] = entry
  end
  return out
end

-- One operation's entry.
function Gen:operation(doc, file, item, op)
  local entry = {}
  local merged, order = {}, {}
  for _, list in ipairs{item.parameters or {}, op.parameters or {}} do
    for _, raw in ipairs(list) do
      local p = resolve(doc, raw, file)
      local key = tostring(p["in"]) .. "\0" .. tostring(p.name)
      if not merged[key] then order[#order + 1] = key end
      merged[key] = p
    end
  end
  for _, key in ipairs(order) do
    local p = merged[key]
    local where = p["in"]
    if where == "path" or where == "query" or where == "header" then
      entry.params = entry.params or {}
      entry.params[where] = entry.params[where] or {}
      table.insert(entry.params[where], {name = p.name, required = p.required == true or nil,
                                          schema = self:schema(doc, file, p.schema or {})})
    end
  end
  if op.requestBody then
    local rb = resolve(doc, op.requestBody, file)
    entry.body = {required = rb.required == true or nil, content = self:content(doc, file, rb.content)}
  end
  entry.responses = {}
  for _, status in ipairs(sorted_keys(op.responses or {})) do
    local res = resolve(doc, op.responses[status], file)
    entry.responses[tostring(status)] = {content = self:content(doc, file, res.content, true)}
  end
  return entry
end

--------------------------------------------------------------------------
-- Output.
--------------------------------------------------------------------------

local function content_text(list)
  local parts = {}
  for i, c in ipairs(list) do
    local fields = {"media = " .. quote(c.media)}
    if c.schema then fields[#fields + 1] = "schema = " .. c.schema end
    if c.examples then fields[#fields + 1] = "examples = " .. list_text(c.examples) end
    parts[i] = "{" .. table.concat(fields, ", ") .. "}"
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end

local function op_lines(id, e)
  local lines = {"  [" .. quote(id) .. "] = {"}
  if e.params then
    local where_parts = {}
    for _, where in ipairs{"path", "query", "header"} do
      if e.params[where] then
        local ps = {}
        for i, p in ipairs(e.params[where]) do
          ps[i] = ("{name = %s, schema = %d%s}"):format(quote(p.name), p.schema,
            p.required and ", required = true" or "")
        end
        where_parts[#where_parts + 1] = where .. " = {" .. table.concat(ps, ", ") .. "}"
      end
    end
    lines[#lines + 1] = "    params = {" .. table.concat(where_parts, ", ") .. "},"
  end
  if e.body then
    lines[#lines + 1] = ("    body = {%scontent = %s},"):format(e.body.required and "required = true, " or "",
      content_text(e.body.content))
  end
  lines[#lines + 1] = "    responses = {"
  for _, status in ipairs(sorted_keys(e.responses)) do
    local content = content_text(e.responses[status].content)
    lines[#lines + 1] = ("      [%s] = {content = %s},"):format(quote(status), content)
  end
  lines[#lines + 1] = "    },"
  lines[#lines + 1] = "  },"
  return lines
end

local function render(gen, ops, ids)
  local lines = {
    "-- generated by tools/gen_schemas.lua from the OpenAPI reference; do not edit.",
    "-- The request and response schemas of every catalog operation (see the generator for the",
    "-- fields, and prismacloud.schema for their use). Regenerate with make generate.",
    ("-- %d operations, %d schema nodes."):format(#ids, #gen.nodes),
    "local nodes = {",
  }
  for i, text in ipairs(gen.nodes) do lines[#lines + 1] = ("  %s, -- %d"):format(text, i) end
  lines[#lines + 1] = "}"
  lines[#lines + 1] = "local ops = {"
  for _, id in ipairs(ids) do
    for _, l in ipairs(op_lines(id, ops[id])) do lines[#lines + 1] = l end
  end
  lines[#lines + 1] = "}"
  lines[#lines + 1] = "return {nodes = nodes, ops = ops}"
  return table.concat(lines, "\n") .. "\n"
end

-- The catalog's id of every (method, path).
local function catalog_ids()
  local ok, operations = pcall(require, "prismacloud.operations")
  if not ok then fail("cannot load prismacloud.operations: %s", operations) end
  local by = {}
  for id, op in pairs(operations) do by[op.method .. " " .. op.path] = id end
  return by
end

local function generate(dir)
  local by_key = catalog_ids()
  local gen, ops, ids = new_gen(), {}, {}
  local names = list_json_files(dir)
  if #names == 0 then fail("no .json files in %s", dir) end
  local found = {}
  for _, name in ipairs(names) do
    local text = assert(read_file(dir .. "/" .. name))
    local ok, doc = pcall(json.decode, text)
    if not ok then fail("%s: %s", name, doc) end
    local file = name:gsub("%.json$", "")
    local paths = sorted_keys(doc.paths or {})
    for _, path in ipairs(paths) do
      local item = resolve(doc, doc.paths[path], file)
      for _, m in ipairs(HTTP_METHODS) do
        if type(item[m]) == "table" then
          local id = by_key[m:upper() .. " " .. path]
          if not id then fail("%s: %s %s is not in the catalog (regenerate operations.lua first)", file, m, path) end
          found[#found + 1] = {id = id, doc = doc, file = file, item = item, op = item[m]}
        end
      end
    end
  end
  table.sort(found, function(a, b) return a.id < b.id end)
  for _, f in ipairs(found) do
    ops[f.id] = gen:operation(f.doc, f.file, f.item, f.op)
    ids[#ids + 1] = f.id
  end
  for i, text in ipairs(gen.nodes) do
    if not text then fail("node %d never filled", i) end
  end
  return render(gen, ops, ids), ids, gen
end

local function main(argv)
  local check_mode, dir, output = reference.args(argv)
  local text, ids, gen = generate(dir)
  if check_mode then
    if not reference.compare(output, text) then os.exit(1) end
    print(("%s is up to date (%d operations, %d nodes)"):format(output, #ids, #gen.nodes))
    return
  end
  reference.write_file(output, text)
  print(("wrote %s: %d operations, %d schema nodes"):format(output, #ids, #gen.nodes))
  if #gen.unsupported > 0 then
    io.stderr:write("gen_schemas: patterns left unchecked: ", table.concat(gen.unsupported, "  "), "\n")
  end
end

main(arg)
