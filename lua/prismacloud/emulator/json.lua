-- prismacloud.emulator.json: the emulator's own small JSON codec.
--
-- Debian's lua-cjson 2.1.0 writes an empty Lua table as {} and decodes every
-- number as a float, so a value it decoded cannot be sent back unchanged.
-- This codec keeps what the API needs: arrays carry M.array_mt (and encode
-- as [] even when empty), integers stay integers, null is cjson.null.
--
--   local json = require "prismacloud.emulator.json"
--   json.encode{items = json.array{}}      --> {"items":[]}
--   json.decode('[1, 2.5, null]')          --> {1, 2.5, json.null} with array_mt
--
-- Encoding rules: a table with array_mt, or whose first key is 1, is an
-- array; any other table is an object (keys sorted, so output is
-- deterministic). Integral floats are written without a fraction.
local cjson = require "cjson"

local M = {}

M.null = cjson.null
M.array_mt = {__name = "prismacloud.emulator.json.array"}

-- Marks t (or a new table) as an array; returns it.
function M.array(t)
  return setmetatable(t or {}, M.array_mt)
end

--------------------------------------------------------------------------
-- Encoding.
--------------------------------------------------------------------------

local ESCAPES = {
  ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t",
}

local function escape_char(c)
  return ESCAPES[c] or ("\\u%04x"):format(c:byte())
end

local function encode_string(s)
  if not s:find('[%c"\\]') then return '"' .. s .. '"' end
  return '"' .. s:gsub('[%c"\\]', escape_char) .. '"'
end

-- Encoded object keys ("\"key\":"), memoised (the same few keys recur),
-- up to a bound so that arbitrary keys cannot grow it without end.
local key_cache, key_cached = {}, 0
local function encode_key(k)
  local v = key_cache[k]
  if v then return v end
  v = encode_string(k) .. ":"
  if key_cached < 4096 then
    key_cached = key_cached + 1
    key_cache[k] = v
  end
  return v
end

local function encode_number(n)
  if math.type(n) == "integer" then return ("%d"):format(n) end
  if n ~= n or n == math.huge or n == -math.huge then error("json: cannot encode NaN or infinity", 0) end
  if n == math.floor(n) and math.abs(n) < 2^63 then return ("%d"):format(math.tointeger(n)) end
  return ("%.17g"):format(n)
end

local function is_array(t)
  return getmetatable(t) == M.array_mt or (next(t) ~= nil and rawget(t, 1) ~= nil)
end

-- Encodes a Lua value as JSON text; raises on values JSON cannot hold.
function M.encode(value)
  local out, n = {}, 0
  local null = M.null
  local function put(v, depth)
    local tv = type(v)
    if tv == "string" then
      n = n + 1
      out[n] = encode_string(v)
    elseif tv == "number" then
      n = n + 1
      out[n] = encode_number(v)
    elseif tv == "boolean" then
      n = n + 1
      out[n] = v and "true" or "false"
    elseif v == nil or v == null then
      n = n + 1
      out[n] = "null"
    elseif tv == "table" then
      if depth > 64 then error("json: nesting too deep", 0) end
      if is_array(v) then
        n = n + 1
        out[n] = "["
        for i = 1, #v do
          if i > 1 then
            n = n + 1
            out[n] = ","
          end
          put(v[i], depth + 1)
        end
        n = n + 1
        out[n] = "]"
        return
      end
      local keys, k_n = {}, 0
      for k in pairs(v) do
        if type(k) ~= "string" then error("json: object keys must be strings", 0) end
        k_n = k_n + 1
        keys[k_n] = k
      end
      table.sort(keys)
      n = n + 1
      out[n] = "{"
      for i = 1, k_n do
        local k = keys[i]
        n = n + 1
        out[n] = i > 1 and "," .. encode_key(k) or encode_key(k)
        put(v[k], depth + 1)
      end
      n = n + 1
      out[n] = "}"
    else
      error("json: cannot encode a " .. tv, 0)
    end
  end
  put(value, 0)
  return table.concat(out, "", 1, n)
end

--------------------------------------------------------------------------
-- Decoding.
--------------------------------------------------------------------------

local UNESCAPES = {['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t"}

local function utf8_of(code)
  return utf8.char(code)
end

local Decoder = {}
Decoder.__index = Decoder

function Decoder:fail(what)
  error(("json: %s at position %d"):format(what, self.pos), 0)
end

function Decoder:skip()
  self.pos = self.text:find("[^ \t\r\n]", self.pos) or (#self.text + 1)
end

function Decoder:string()
  local text, pos, parts = self.text, self.pos + 1, {}
  while true do
    local stop = text:find('["\\%c]', pos)
    if not stop then self.pos = #text + 1; self:fail("unterminated string") end
    parts[#parts + 1] = text:sub(pos, stop - 1)
    local c = text:sub(stop, stop)
    if c == '"' then
      self.pos = stop + 1
      return table.concat(parts)
    elseif c == "\\" then
      local e = text:sub(stop + 1, stop + 1)
      if e == "u" then
        local hex = text:match("^%x%x%x%x", stop + 2)
        if not hex then self.pos = stop; self:fail("bad \\u escape") end
        local code = tonumber(hex, 16)
        pos = stop + 6
        if code >= 0xD800 and code <= 0xDBFF then
          local low = text:match("^\\u(%x%x%x%x)", pos)
          low = low and tonumber(low, 16)
          if low and low >= 0xDC00 and low <= 0xDFFF then
            code = 0x10000 + (code - 0xD800) * 0x400 + (low - 0xDC00)
            pos = pos + 6
          end
        end
        parts[#parts + 1] = utf8_of(code)
      else
        local u = UNESCAPES[e]
        if not u then self.pos = stop; self:fail("bad escape") end
        parts[#parts + 1] = u
        pos = stop + 2
      end
    else
      self.pos = stop
      self:fail("control character in string")
    end
  end
end

function Decoder:number()
  local text = self.text
  local s = text:match("^-?%d+%.?%d*[eE]?[-+]?%d*", self.pos)
  if not s or s == "-" then self:fail("bad number") end
  self.pos = self.pos + #s
  if s:find("^-?%d+$") then
    local n = math.tointeger(tonumber(s))
    if n then return n end
  end
  local n = tonumber(s)
  if not n then self:fail("bad number") end
  return n
end

function Decoder:value(depth)
  if depth > 64 then self:fail("nesting too deep") end
  self:skip()
  local text, pos = self.text, self.pos
  local c = text:sub(pos, pos)
  if c == "{" then
    local obj = {}
    self.pos = pos + 1
    self:skip()
    if text:sub(self.pos, self.pos) == "}" then self.pos = self.pos + 1; return obj end
    while true do
      self:skip()
      if text:sub(self.pos, self.pos) ~= '"' then self:fail("object key expected") end
      local key = self:string()
      self:skip()
      if text:sub(self.pos, self.pos) ~= ":" then self:fail("':' expected") end
      self.pos = self.pos + 1
      obj[key] = self:value(depth + 1)
      self:skip()
      local d = text:sub(self.pos, self.pos)
      self.pos = self.pos + 1
      if d == "}" then return obj end
      if d ~= "," then self.pos = self.pos - 1; self:fail("',' or '}' expected") end
    end
  elseif c == "[" then
    local arr = M.array()
    self.pos = pos + 1
    self:skip()
    if text:sub(self.pos, self.pos) == "]" then self.pos = self.pos + 1; return arr end
    while true do
      arr[#arr + 1] = self:value(depth + 1)
      self:skip()
      local d = text:sub(self.pos, self.pos)
      self.pos = self.pos + 1
      if d == "]" then return arr end
      if d ~= "," then self.pos = self.pos - 1; self:fail("',' or ']' expected") end
    end
  elseif c == '"' then
    return self:string()
  elseif c == "-" or c:match("%d") then
    return self:number()
  elseif text:sub(pos, pos + 3) == "true" then
    self.pos = pos + 4
    return true
  elseif text:sub(pos, pos + 4) == "false" then
    self.pos = pos + 5
    return false
  elseif text:sub(pos, pos + 3) == "null" then
    self.pos = pos + 4
    return M.null
  end
  self:fail("value expected")
end

-- Decodes JSON text: value, or nil and a message.
function M.decode(text)
  if type(text) ~= "string" then return nil, "json: string expected" end
  local d = setmetatable({text = text, pos = 1}, Decoder)
  local ok, v = pcall(function()
    local value = d:value(0)
    d:skip()
    if d.pos <= #text then d:fail("trailing garbage") end
    return value
  end)
  if not ok then return nil, v end
  return v
end

return M
