--- prismacloud.filters: the API's filter language, in one place. A family declares its filters as
-- data (filters.define); this module checks a caller's filter table against them, maps short
-- names to the API's dotted ones, checks values against the catalog's enums, and builds what
-- goes out: GET query parameters when the GET operation declares every name and the URL stays
-- under filters.MAX_URL, else a POST body's filters[].
--
--   local FILTERS = filters.define{what = "alert", names = {status = "alert.status"}, enums = "get-alerts-v2",
--                                  settings = {time_range = true}}
--   local f = FILTERS:split(filter, "list")    --> {names = {["alert.status"] = {"open"}}, settings = {...}}
--   if filters.fits("get-alerts-v2", filters.query(f.names, base)) then ... end
--   body.filters = filters.body(f.names)       --> {{name = "alert.status", operator = "=", value = "open"}}
--
-- A filter table's keys are the declared short names, any dotted API name ("policy.label"), the
-- API names the short names stand for, the settings (keys that are not filters, returned as they
-- are) and the params (keys that are query parameters of their own, converted by kind: boolean
-- -> "true"/"false", strings, csv, enum, flag, negated, value).
local catalog = require "prismacloud.catalog"

local M = {}

--- The longest GET URL (path and query, percent-encoded) a filter goes out in: longer ones are POSTed
-- (servers commonly refuse request lines past 8 KB; the emulator does at 8192 bytes).
M.MAX_URL = 8000

local Set = {}
Set.__index = Set

--- Declares a family's filters: {what = noun for messages (absent: the keys are "options"),
-- names = {short = "api.name"}, params = {key = {"queryParam", kind [, values]}}, settings = {key = true},
-- defaults = {queryParam = value}, enums = operation id whose query enums check the values,
-- values = "strings" to take strings only}. Returns the set (the same table).
-- syntax: set = filters.define{what =, names =, params =, settings =, defaults =, enums =, values =}
function M.define(spec)
  spec.names, spec.params, spec.settings = spec.names or {}, spec.params or {}, spec.settings or {}
  spec.api_names = {}
  for _, api in pairs(spec.names) do spec.api_names[api] = true end
  if spec.enums then
    spec.enum_of = {}
    for _, p in ipairs(catalog.get(spec.enums).params.query or {}) do spec.enum_of[p.name] = p.enum end
  end
  return setmetatable(spec, Set)
end

-- The text a value goes out as: strings as they are, integers without a point, booleans as words.
local function text(v)
  if type(v) == "string" then return v end
  if type(v) == "boolean" then return tostring(v) end
  if math.type(v) == "integer" then return ("%d"):format(v) end
  if type(v) == "number" and v == v and v ~= math.huge and v ~= -math.huge then return ("%.17g"):format(v) end
  return nil
end
M.text = text

-- "a, b or c".
local function alternatives(list)
  if #list < 2 then return list[1] or "" end
  return table.concat(list, ", ", 1, #list - 1) .. " or " .. list[#list]
end

-- What a key is called in messages: "filter" or "option".
local function word(set)
  return set.what and "filter" or "option"
end

-- A param's value converted by its kind, or raises naming the key.
local function param_value(set, key, v, fname, level)
  local param = set.params[key]
  local kind = param[2]
  local function bad(want, got)
    error(("bad %s '%s' to '%s' (%s expected%s)"):format(word(set), key, fname, want,
      got == false and "" or ", got " .. (got or type(v))), level + 1)
  end
  if kind == "boolean" or kind == "negated" then
    if type(v) ~= "boolean" then bad("boolean") end
    if kind == "negated" then return v == false or nil end
    return tostring(v)
  elseif kind == "flag" then
    return v and true or nil
  elseif kind == "strings" or kind == "csv" then
    local list = type(v) == "table" and v or {v}
    local ok = type(v) == "string" or type(v) == "table" and #v > 0
    for _, x in ipairs(list) do ok = ok and type(x) == "string" end
    if not ok then bad("string or array of strings", false) end
    if kind == "csv" then return table.concat(list, ",") end
    return list
  elseif kind == "enum" then
    for _, allowed in ipairs(param[3]) do
      if v == allowed then return v end
    end
    bad(alternatives(param[3]), tostring(v))
  end
  return v -- "value": as given
end

-- The values of a filter key as text, checked against the enum of its API name (without regard to
-- case; sent as the enum spells them); raises naming the key.
local function filter_values(set, key, name, v, level)
  local values = {}
  for i, x in ipairs(type(v) == "table" and v or {v}) do
    local t = (set.values ~= "strings" or type(x) == "string") and text(x)
    if not t then
      error(("bad %s filter '%s' (%s expected)"):format(set.what, tostring(key),
        set.values == "strings" and "string or strings" or "string, number, boolean or an array of them"), level + 1)
    end
    local enum = set.enum_of and set.enum_of[name]
    if enum then
      local found
      for _, e in ipairs(enum) do
        local et = text(e)
        if et and et:lower() == t:lower() then found = et end
      end
      if not found then
        local allowed = {}
        for j, e in ipairs(enum) do allowed[j] = text(e) or tostring(e) end
        error(("%s filter '%s' is '%s'; allowed values: %s"):format(set.what, tostring(key), t,
          table.concat(allowed, ", ")), level + 1)
      end
      t = found
    end
    values[i] = t
  end
  return values
end

--- Splits a filter table into {names = {[api name] = {values as text}} (with the params' query
-- parameters), settings = {key = value}}; raises naming a key or value that does not fit, at level
-- (2: the caller of the function calling split).
-- syntax: f = set:split(filter, fname [, level])
function Set:split(filter, fname, level)
  level = (level or 2) + 1
  if filter ~= nil and type(filter) ~= "table" then
    error(("bad argument #1 to '%s' (%s table expected, got %s)"):format(fname, self.what and "filter" or "options",
      type(filter)), level)
  end
  local names, params, settings = {}, {}, {}
  for k, v in pairs(filter or {}) do
    if self.settings[k] then
      settings[k] = v
    elseif self.params[k] then
      params[self.params[k][1]] = param_value(self, k, v, fname, level)
    else
      local name = self.names[k]
        or (type(k) == "string" and (k:find(".", 1, true) or self.api_names[k]) and self.what and k)
      if not name then
        if self.what then error(("unknown %s filter '%s' in '%s'"):format(self.what, tostring(k), fname), level) end
        error(("unknown option '%s' to '%s'"):format(tostring(k), fname), level)
      end
      names[name] = filter_values(self, k, name, v, level)
    end
  end
  return {names = names, params = params, settings = settings}
end

--- A GET query from a filter table: its names (one value as it is, more as a list), its params and
-- the set's defaults; nil when it is empty. Raises as split does.
-- syntax: query = set:query(filter, fname [, level])
function Set:query(filter, fname, level)
  local f = self:split(filter, fname, (level or 2) + 1)
  local query = M.query(f.names)
  for k, v in pairs(self.defaults or {}) do query[k] = v end
  for k, v in pairs(f.params) do query[k] = v end
  return next(query) and query or nil
end

--- The options of one filter, those containing `query` when given, from the family's suggestion
-- operation (op_id takes {filterName, query}; a short name is sent as the API name it stands for):
-- an array of strings, or nil, err. Raises naming a bad argument of fname.
-- syntax: options, err = set:suggestions(client, op_id, name [, query], fname)
function Set:suggestions(client, op_id, name, query, fname)
  if type(name) ~= "string" or name == "" then
    error(("bad argument #1 to '%s' (filter name expected, got %s)"):format(fname,
      name == "" and "an empty string" or type(name)), 3)
  end
  if query ~= nil and type(query) ~= "string" then
    error(("bad argument #2 to '%s' (string expected, got %s)"):format(fname, type(query)), 3)
  end
  local body, err = client:call(op_id, {body = {filterName = self.names[name] or name, query = query}})
  if type(body) ~= "table" then
    if body == nil then return nil, err end
    return require("prismacloud.errors").decode(client, "the answer is not a JSON object")
  end
  return body.suggestions or {}
end

--- The query parameters of split names, added to query (a new table by default).
-- syntax: query = filters.query(names [, query])
function M.query(names, query)
  query = query or {}
  for name, values in pairs(names) do query[name] = #values == 1 and values[1] or values end
  return query
end

--- The POST filters[] of split names, sorted by name: {{name =, operator = "=", value =}, ...} (a JSON array).
-- syntax: list = filters.body(names)
function M.body(names)
  local out = setmetatable({}, require("prismacloud.json").array_mt)
  local sorted = {}
  for name in pairs(names) do sorted[#sorted + 1] = name end
  table.sort(sorted)
  for _, name in ipairs(sorted) do
    for _, v in ipairs(names[name]) do out[#out + 1] = {name = name, operator = "=", value = v} end
  end
  return out
end

-- The length of s percent-encoded.
local function encoded_length(s)
  local _, specials = s:gsub("[^%w%-._~]", "")
  return #s + 2 * specials
end

--- The length of a GET operation's URL (path and query, percent-encoded; a list repeats its name).
-- syntax: n = filters.url_length(op_id, query)
function M.url_length(op_id, query)
  local n = #catalog.get(op_id).path + 1
  for name, v in pairs(query) do
    for _, x in ipairs(type(v) == "table" and v or {v}) do
      n = n + encoded_length(name) + encoded_length(text(x) or tostring(x)) + 2
    end
  end
  return n
end

--- Whether a GET operation takes the query: it declares every name (values within their enums),
-- every parameter it requires is there, and the URL stays within filters.MAX_URL.
-- syntax: ok = filters.fits(op_id, query)
function M.fits(op_id, query)
  local declared = {}
  for _, p in ipairs(catalog.get(op_id).params.query or {}) do
    declared[p.name] = p
    if p.required and query[p.name] == nil then return false end
  end
  for name, v in pairs(query) do
    local p = declared[name]
    if not p then return false end
    if p.enum then
      for _, x in ipairs(type(v) == "table" and v or {v}) do
        local ok = false
        for _, e in ipairs(p.enum) do ok = ok or text(e) == text(x) end
        if not ok then return false end
      end
    end
  end
  return M.url_length(op_id, query) <= M.MAX_URL
end

return M
