--- prismacloud.schema.synth: values made from the reference's schemas, seeded and stable. The
-- emulator answers with them where no hand-written behaviour exists; the suite builds minimal
-- valid requests with them.
--
--   local synth = require "prismacloud.schema.synth"
--   local value = synth.value(node, {seed = 1, path = "get-x", mode = "response"})
--   local body = synth.value(node, {seed = 1, path = "add-x", mode = "request", minimal = true})
--
-- opts: seed (integer), path (a string that makes the values of different places differ), mode
-- ("response": readOnly properties included, writeOnly ones left out; "request": the contrary),
-- minimal (only required properties; arrays as short as allowed), anchor_ms (the newest time,
-- epoch ms). The same node, seed and path give the same value. A documented example is used
-- when it fits the schema; an enum gives one of its values; a oneOf the first alternative that
-- validates; recursion stops at the second visit of a node (only what is required goes on).
local json = require "prismacloud.json"

local M = {}

local null, array_mt = json.null, json.array_mt
local DAY_MS = 86400000

-- FNV-1a of a string, 32 bits.
local function hash(s)
  local h = 2166136261
  for i = 1, #s do
    h = ((h ~ s:byte(i)) * 16777619) & 0xffffffff
  end
  return h
end
M.hash = hash

local function array(t)
  return setmetatable(t or {}, array_mt)
end

--- A UUID made from a hash.
function M.uuid(h)
  local a = hash(tostring(h) .. "a")
  local b = hash(tostring(h) .. "b")
  local c = hash(tostring(h) .. "c")
  local d = hash(tostring(h) .. "d")
  return ("%08x-%04x-4%03x-%04x-%08x%04x"):format(a, b >> 16, b & 0xfff, 0x8000 | (c & 0x3fff), d, c >> 16)
end

--- An ISO 8601 date-time of epoch ms ("2025-01-02T03:04:05.000Z").
function M.iso_time(ms)
  return os.date("!%Y-%m-%dT%H:%M:%S", ms // 1000) .. (".%03dZ"):format(ms % 1000)
end

local TIME_NAMES = {"time", "ts$", "on$", "date", "at$", "timestamp", "since", "until", "expir", "modified",
                    "created", "updated", "lastseen", "firstseen"}

local function is_time_name(name)
  name = (name or ""):lower()
  for _, p in ipairs(TIME_NAMES) do
    if name:find(p) then return true end
  end
  return false
end

-- A string that fits node (format, pattern, bounds) for a property called name.
local function string_of(node, name, h, opts)
  local f = node.format
  local s
  if f == "uuid" or (node.lua_pattern and node.lua_pattern:find("[a-fA-F0-9]", 1, true)) then
    s = M.uuid(h)
  elseif f == "date-time" or f == "date" then
    s = M.iso_time(opts.anchor_ms - (h % 30) * DAY_MS)
    if f == "date" then s = s:sub(1, 10) end
  elseif f == "uri" or f == "url" or (name or ""):lower():find("url$") then
    s = ("https://example.com/%s/%d"):format((name or "item"):lower(), h % 1000)
  elseif f == "byte" then
    s = "ZW11bGF0b3I="
  elseif f == "email" or (name or ""):lower():find("email") then
    s = ("user%d@example.com"):format(h % 1000)
  elseif (name or ""):find("[Ii]d$") then
    s = M.uuid(h)
  else
    s = ("%s-%d"):format((name and name ~= "" and name:match("^[%w_]+$")) and name or "value", h % 1000)
  end
  if node.maxLength and #s > node.maxLength then s = s:sub(1, node.maxLength) end
  if node.minLength and #s < node.minLength then s = s .. ("x"):rep(node.minLength - #s) end
  if node.lua_pattern and not s:find(node.lua_pattern) and s:find("^[^%w]") then s = "v" .. s end
  return s
end

local function number_of(node, name, h, opts, integer)
  local lo, hi = node.minimum, node.maximum
  if integer and (node.format == "int64" or not node.format) and is_time_name(name) and not lo and not hi then
    return opts.anchor_ms - (h % 30) * DAY_MS - (h % 86400) * 1000
  end
  local v = (lo or 0) + (h % 10) + 1
  if node.exclusiveMinimum == true and lo and v <= lo then v = lo + 1 end
  if hi and v > hi then v = hi end
  if lo and v < lo then v = lo end
  if integer then return math.tointeger(v) or math.floor(v) end
  return v + 0.5 <= (hi or math.huge) and v + 0.5 or v
end

local value_of -- (node, name, path, opts, state, depth)

-- Whether a scalar example fits node's type and enum.
local function example_fits(node, ex)
  local t = node.type
  if t == "string" and type(ex) ~= "string" then return false end
  if (t == "integer") and math.type(ex) ~= "integer" then return false end
  if t == "number" and type(ex) ~= "number" then return false end
  if t == "boolean" and type(ex) ~= "boolean" then return false end
  if t == "object" or t == "array" then return false end
  if node.enum then
    for _, e in ipairs(node.enum) do
      if e == ex then return true end
    end
    return false
  end
  if type(ex) == "string" and node.lua_pattern and not ex:find(node.lua_pattern) then return false end
  if type(ex) == "string" and (node.maxLength and #ex > node.maxLength or node.minLength and #ex < node.minLength) then
    return false
  end
  return true
end

-- The properties of node and of its allOf parts, merged: name -> property node; and the required names.
local function properties_of(node, props, required, seen)
  seen = seen or {}
  if seen[node] then return props, required end
  seen[node] = true
  for k, p in pairs(node.properties or {}) do
    -- a subtype's narrower property (an enum) wins over its base's
    if not props[k] or (p.enum and not props[k].enum) then props[k] = p end
  end
  for _, r in ipairs(node.required or {}) do required[r] = true end
  for _, sub in ipairs(node.allOf or {}) do properties_of(sub, props, required, seen) end
  return props, required
end
M.properties_of = properties_of

local function infer_type(node)
  if node.type then return node.type end
  if node.properties or node.additionalProperties ~= nil then return "object" end
  if node.items then return "array" end
  for _, sub in ipairs(node.allOf or {}) do
    local t = infer_type(sub)
    if t then return t end
  end
  return nil
end

local function object_of(node, path, opts, state, depth)
  local props, required = properties_of(node, {}, {})
  local out = {}
  local recursive = (state.visits[node] or 0) > 1 or depth > 10
  local names = {}
  for k in pairs(props) do names[#names + 1] = k end
  table.sort(names)
  for _, k in ipairs(names) do
    local p = props[k]
    local skip = opts.mode == "response" and p.writeOnly or opts.mode == "request" and p.readOnly
    local wanted = required[k] or not (opts.minimal or recursive)
    if not skip and wanted then
      local v = value_of(p, k, path .. "/" .. k, opts, state, depth + 1)
      if v ~= nil then out[k] = v end
    end
  end
  for k in pairs(required) do -- required, yet not described: any value does
    if out[k] == nil and not props[k] then out[k] = k .. "-value" end
  end
  local extra = node.additionalProperties
  if type(extra) == "table" and not next(props) and not opts.minimal and not recursive then
    local key = (extra.type == "integer" or extra.type == "number") and "count" or "key"
    out[key] = value_of(extra, key, path .. "/*", opts, state, depth + 1)
  end
  return out
end

local function alternatives_of(node, name, path, opts, state, depth)
  local list = node.oneOf or node.anyOf
  local d = node.discriminator
  local validate = require("prismacloud.schema").validate
  if d and d.mapping then
    local keys = {}
    for k in pairs(d.mapping) do keys[#keys + 1] = k end
    table.sort(keys)
    for _, k in ipairs(keys) do
      local v = value_of(d.mapping[k], name, path, opts, state, depth)
      if type(v) == "table" and getmetatable(v) ~= array_mt then
        v[d.propertyName] = k
        if #validate(node, v, opts.mode) == 0 then return v end
      end
    end
  end
  local first
  for i, alt in ipairs(list) do
    local v = value_of(alt, name, path .. "/" .. i, opts, state, depth)
    first = first == nil and v or first
    if #validate(node, v, opts.mode) == 0 then return v end
  end
  return first
end

function value_of(node, name, path, opts, state, depth)
  state.visits[node] = (state.visits[node] or 0) + 1
  local h = hash(opts.seed_text .. path)
  local v
  local enum = node.enum
  if not enum and not node.type then -- a scalar made of allOf parts: their enum
    for _, sub in ipairs(node.allOf or {}) do enum = enum or sub.enum end
  end
  if node.oneOf or node.anyOf then
    v = alternatives_of(node, name, path, opts, state, depth)
  elseif enum and not node.enum then
    v = enum[1 + h % #enum]
  elseif node.example ~= nil and example_fits(node, node.example) and not node.enum then
    v = node.example
  elseif node.enum then
    v = node.enum[1 + h % #node.enum]
  else
    local t = infer_type(node)
    if t == "object" then
      v = object_of(node, path, opts, state, depth)
    elseif t == "array" then
      local n = node.minItems or ((opts.minimal or (state.visits[node] or 0) > 1 or depth > 10) and 0 or 1)
      v = array{}
      for i = 1, n do v[i] = value_of(node.items or {}, name, path .. "/" .. (i - 1), opts, state, depth + 1) end
    elseif t == "string" then
      v = string_of(node, name, h, opts)
    elseif t == "integer" then
      v = number_of(node, name, h, opts, true)
    elseif t == "number" then
      v = number_of(node, name, h, opts, false)
    elseif t == "boolean" then
      v = h % 2 == 0
    elseif node.nullable then
      v = null
    else
      v = {}
    end
  end
  state.visits[node] = state.visits[node] - 1
  return v
end

--- A value of node (see the top of this file for opts).
-- syntax: value = synth.value(node [, opts])
function M.value(node, opts)
  opts = opts or {}
  local o = {seed_text = tostring(opts.seed or 1) .. ":" .. (opts.path or ""), mode = opts.mode or "response",
             minimal = opts.minimal, anchor_ms = opts.anchor_ms or (os.time() // 3600 * 3600 * 1000)}
  return value_of(node or {}, opts.name, "", o, {visits = {}}, 0)
end

--- A value of a query or path parameter as text (its schema's value, arrays as their first item).
-- syntax: text = synth.param(node [, opts])
function M.param(node, opts)
  local v = M.value(node, opts)
  if type(v) == "table" then v = v[1] end
  if v == nil or v == null then return "x" end
  if math.type(v) == "float" then return ("%.17g"):format(v) end
  return tostring(v)
end

return M
