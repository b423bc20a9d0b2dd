-- fuzz/lua_fuzz.lua: a deterministic fuzzer for the Lua-side parsers,
-- `make fuzz-lua` (or: LUA_PATH=... lua5.4 fuzz/lua_fuzz.lua [iterations] [seed]).
--
-- Inputs come from a seeded generator (grammar pieces, then random byte
-- mutations), a fixed number per target, so that a run is the same every
-- time and takes a few seconds. Each input is checked against properties:
--
--   config.normalize_url(s): never raises for a string (raises "bad argument"
--     for anything else); returns either a URL that starts with http:// or
--     https://, holds no userinfo ('@'), no control character, space or
--     non-ASCII byte, no trailing '/', and normalises to itself; or nil, err
--     with err a prismacloud.Error of kind "decode" whose message never quotes
--     the userinfo of the input.
--   timerange.parse / query / future (v): either return a time range of the
--     documented shape (relative {amount integer >= 1, unit}, absolute
--     {startTime <= endTime, integers >= 0}, to_now {login|epoch|day|week|month|year})
--     or raise a clean "bad time range ..." error; nothing else.
--
-- A failure prints the input (%q) and the broken property; the exit status is
-- 1 when any property failed, 0 otherwise.
local config = require "prismacloud.config"
local timerange = require "prismacloud.timerange"
local prismacloud = require "prismacloud"

local ITERATIONS = math.tointeger(tonumber(arg and arg[1] or "") or 20000) or 20000
local SEED = math.tointeger(tonumber(arg and arg[2] or "") or 20240613) or 20240613

math.randomseed(SEED)
local random = math.random

local function pick(list) return list[random(#list)] end

local failures = {}

-- Records a failed property for an input (at most 20 are printed).
local function failed(target, input, why)
  failures[#failures + 1] = true
  if #failures <= 20 then
    io.stderr:write(("FAIL %s: %s\n  input: %s\n"):format(target, why, input))
  end
end

-- A value as Lua-ish text, for failure reports (tables shallowly and sorted).
local function show(v, depth)
  depth = depth or 0
  if type(v) == "string" then return ("%q"):format(v) end
  if type(v) ~= "table" or depth > 2 then return tostring(v) end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = ("[%s] = %s"):format(show(k, depth + 1), show(v[k], depth + 1)) end
  return "{" .. table.concat(parts, ", ") .. "}"
end

-- Bytes that matter to the parsers, and a few random ones.
local INTERESTING = {
  "@", ":", "/", "//", "[", "]", "%", "%2F", "%zz", "?", "#", "\\", " ", "\t", "\n", "\r", "\0", "\27", "\127",
  "\194\155", "\155", "\255", "é", ".", "..", "-", "_", "~", "+", "app", "api", "redlock.io", "prismacloud.io",
  "0", "9", "65535", "65536", "h", "d", "mo", "to_now:", "epoch", "login",
}

-- s with 0..n random edits: insert, delete or replace a piece.
local function mutate(s, n)
  for _ = 1, random(0, n) do
    local op = random(3)
    local at = random(0, #s)
    local piece = random(4) == 1 and string.char(random(0, 255)) or pick(INTERESTING)
    if op == 1 then
      s = s:sub(1, at) .. piece .. s:sub(at + 1)
    elseif op == 2 and #s > 0 then
      s = s:sub(1, at) .. s:sub(at + random(1, 4))
    else
      s = s:sub(1, at) .. piece .. s:sub(at + #piece + 1)
    end
  end
  return s
end

--------------------------------------------------------------------------
-- config.normalize_url
--------------------------------------------------------------------------

local SCHEMES = {"", "", "https://", "http://", "HTTPS://", "Http://", "ftp://", "http:/", "https:", "h://",
                 "://", "javascript:"}
-- SECRET marks a password: no error message may ever show it.
local SECRET = "S3cr3t"
local USERINFO = {"", "", "", "", "u@", "user:" .. SECRET .. "@", ":@", "a@b@", "api.prismacloud.io:443@", "@",
                  "me:pa%40" .. SECRET .. "@", SECRET .. "@", "u:" .. SECRET .. "/x@", "u:" .. SECRET .. "?@",
                  "u:" .. SECRET .. "#@"}
local HOSTS = {"api.prismacloud.io", "app2.eu.prismacloud.io", "APP.PrismaCloud.io", "api.prismacloud.cn",
               "app.redlock.io", "evilredlock.io", "127.0.0.1", "localhost", "[::1]", "[2001:DB8::1]", "x",
               "", "[", "[::1", "[zz]", "exa mple.com", "é.com", "a_b.example", "-.-"}
local PORTS = {"", "", "", ":", ":443", ":8443", ":0", ":65535", ":65536", ":0443", ":abc", ":1:2",
               ":99999999999999999999"}
local PATHS = {"", "", "/", "/api", "/a//", "/a%2Fb", "/%zz", "/a@b", "/a?b=1", "#frag", "/<x>", "/..", "/ü"}
local PADS = {"", "", " ", "\t", "\n", " \r\n"}

-- The usable pieces, for inputs near the valid ones.
local GOOD_SCHEMES = {"", "https://", "http://", "HTTPS://"}
local GOOD_HOSTS = {"api.prismacloud.io", "app2.eu.prismacloud.io", "APP.PrismaCloud.io", "app.redlock.io",
                    "127.0.0.1", "localhost", "[::1]", "[2001:DB8::1]", "gw.example.com"}
local GOOD_PORTS = {"", ":", ":443", ":0443", ":65535"}
local GOOD_PATHS = {"", "/", "/api", "/a//", "/a%2Fb", "/v1/x-y_z~"}

local function url_input()
  local r = random(10)
  if r == 1 then -- raw bytes
    local t = {}
    for i = 1, random(0, 40) do t[i] = string.char(random(0, 255)) end
    return table.concat(t)
  elseif r <= 5 then -- near a valid URL: at most one edit
    return mutate(pick(PADS) .. pick(GOOD_SCHEMES) .. pick(GOOD_HOSTS) .. pick(GOOD_PORTS) .. pick(GOOD_PATHS), 1)
  end
  local s = pick(PADS) .. pick(SCHEMES) .. pick(USERINFO) .. pick(HOSTS) .. pick(PORTS) .. pick(PATHS) .. pick(PADS)
  return mutate(s, 3)
end

-- The userinfo of a URL as a reader would take it (before the last '@' of
-- the authority) and the host after it, or nil.
local function userinfo_of(s)
  local rest = s:match("://(.*)$") or s
  local authority = rest:match("^([^/?#]*)") or ""
  return authority:match("^(.*)@([^@]*)$")
end

-- Checks the properties for one input; returns whether it gave a URL.
local function check_url(s)
  local ok, out, err = pcall(config.normalize_url, s)
  if not ok then return failed("normalize_url", show(s), "raised: " .. tostring(out)) end
  if out == nil then
    if not prismacloud.is_error(err) then return failed("normalize_url", show(s), "nil without an error object") end
    if err.kind ~= "decode" or type(err.message) ~= "string" then
      return failed("normalize_url", show(s), "error of kind " .. tostring(err.kind))
    end
    -- a password (SECRET, wherever a '/', '?' or '#' in it cut the URL) is never shown;
    -- the host after the '@' may be, and may hold SECRET itself
    local _, host = userinfo_of(s)
    if s:find(SECRET, 1, true) and not (host and host:find(SECRET, 1, true))
      and err.message:find(SECRET, 1, true) then
      return failed("normalize_url", show(s), "the error shows the password: " .. err.message)
    end
    return
  end
  if type(out) ~= "string" then return failed("normalize_url", show(s), "returned a " .. type(out)) end
  if not (out:find("^https?://")) then return failed("normalize_url", show(s), "no http(s) scheme: " .. show(out)) end
  if out:find("@", 1, true) then return failed("normalize_url", show(s), "userinfo kept: " .. show(out)) end
  if out:find("[%c \128-\255]") then
    return failed("normalize_url", show(s), "control, space or non-ASCII byte: " .. show(out))
  end
  if out:find("/$") then return failed("normalize_url", show(s), "trailing '/': " .. show(out)) end
  if not out:match("^https?://[^/?#]+") then return failed("normalize_url", show(s), "no host: " .. show(out)) end
  local again, err2 = config.normalize_url(out)
  if again ~= out then
    return failed("normalize_url", show(s), ("not idempotent: %s -> %s"):format(show(out),
      again and show(again) or tostring(err2)))
  end
  return true
end

--------------------------------------------------------------------------
-- timerange
--------------------------------------------------------------------------

local VALUES = {
  0, 1, 2, 24, -1, 7.0, 1.5, 0 / 0, math.huge, -math.huge, -0.0, 1e300, 2 ^ 53, math.maxinteger, math.mininteger,
  1700000000000, "5", "24", "abc", "", " 3 ", true, false, {}, {1}, print,
}
local UNIT_WORDS = {"h", "hr", "hour", "hours", "d", "day", "days", "w", "wk", "week", "weeks", "mo", "month",
                    "months", "y", "yr", "year", "years", "m", "min", "minute", "minutes", "H", "D", "MO", "x",
                    ""}
local TO_NOW_WORDS = {"login", "epoch", "day", "week", "month", "year", "hour", "", "EPOCH"}
local TYPES = {"relative", "absolute", "to_now", "sideways", "", 1}

local function value() if random(3) == 1 then return pick(UNIT_WORDS) end return pick(VALUES) end

local function range_input()
  local kind = random(8)
  if kind <= 3 then
    local amount = pick{"0", "1", "24", "007", "99999999999999999999", "-1", "1.5", "", " 3"}
    local s = amount .. pick{"", "", " "} .. pick(UNIT_WORDS)
    if random(6) == 1 then s = "to_now:" .. pick(TO_NOW_WORDS) end
    return mutate(s, 2)
  elseif kind == 4 then
    return {from = value(), to = value()}
  elseif kind == 5 then
    return {to_now = random(2) == 1 and pick(TO_NOW_WORDS) or value()}
  elseif kind == 6 then
    return {amount = value(), unit = value()}
  elseif kind == 7 then
    local t = {type = pick(TYPES)}
    local r = random(4)
    if r == 1 then
      t.value = {amount = value(), unit = value()}
    elseif r == 2 then
      t.value = {startTime = random(3) == 1 and nil or value(), endTime = value()}
    elseif r == 3 then
      t.value = random(2) == 1 and pick(TO_NOW_WORDS) or value()
    end
    return t
  end
  return random(2) == 1 and {["until"] = value()} or value()
end

local UNITS, TO_NOW = timerange.UNITS, timerange.TO_NOW

local function ms(v) return math.type(v) == "integer" and v >= 0 end

-- Why tr is not a time range of the documented shape, or nil.
local function bad_shape(tr, future)
  if type(tr) ~= "table" then return "not a table" end
  local v = tr.value
  if tr.type == "relative" then
    if type(v) ~= "table" then return "relative without a value table" end
    if math.type(v.amount) ~= "integer" or v.amount < 1 then return "amount " .. show(v.amount) end
    if not UNITS[v.unit] then return "unit " .. show(v.unit) end
  elseif tr.type == "absolute" then
    if type(v) ~= "table" then return "absolute without a value table" end
    if not ms(v.endTime) then return "endTime " .. show(v.endTime) end
    if future then
      if v.startTime ~= nil then return "a future range with a startTime" end
    elseif v.startTime ~= nil and not (ms(v.startTime) and v.startTime <= v.endTime) then
      return "startTime " .. show(v.startTime)
    end
  elseif tr.type == "to_now" then
    if future then return "a future range of type to_now" end
    if not TO_NOW[v] then return "to_now value " .. show(v) end
  else
    return "type " .. show(tr.type)
  end
  return nil
end

local function clean_raise(err)
  return type(err) == "string" and err:find("bad time range", 1, true) ~= nil
end

-- Checks the properties for one input; returns whether parse accepted it.
local function check_range(v)
  local ok, tr = pcall(timerange.parse, v)
  if not ok then
    if not clean_raise(tr) then failed("timerange.parse", show(v), "raised: " .. tostring(tr)) end
  else
    local why = bad_shape(tr)
    if why then failed("timerange.parse", show(v), "returned " .. show(tr) .. ": " .. why) end
  end
  local okq, q = pcall(timerange.query, v)
  if okq ~= ok then
    failed("timerange.query", show(v), "parse and query disagree: " .. tostring(ok) .. " / " .. tostring(okq))
  elseif not okq then
    if not clean_raise(q) then failed("timerange.query", show(v), "raised: " .. tostring(q)) end
  elseif q.timeType ~= tr.type then
    failed("timerange.query", show(v), "timeType " .. show(q.timeType))
  end
  local okf, f = pcall(timerange.future, v)
  if not okf then
    if not clean_raise(f) then failed("timerange.future", show(v), "raised: " .. tostring(f)) end
  else
    local why = bad_shape(f, true)
    if why then failed("timerange.future", show(v), "returned " .. show(f) .. ": " .. why) end
  end
  return ok
end

--------------------------------------------------------------------------
-- The run.
--------------------------------------------------------------------------

local warnings = 0
config.warn = function() warnings = warnings + 1 end -- an unknown host warns: counted, not printed

local started = os.clock()
for _, bad in ipairs{42, true, {}, print} do
  local ok, err = pcall(config.normalize_url, bad)
  if ok or not tostring(err):find("bad argument #1 to 'normalize_url'", 1, true) then
    failed("normalize_url", show(bad), "a non-string must raise 'bad argument': " .. tostring(err))
  end
end
local urls_ok = 0
for _ = 1, ITERATIONS do
  if check_url(url_input()) then urls_ok = urls_ok + 1 end
end
local ranges_ok = 0
for _ = 1, ITERATIONS do
  if check_range(range_input()) then ranges_ok = ranges_ok + 1 end
end

print(("lua_fuzz: seed %d, %d URLs (%d usable, %d unknown-host warnings), %d time ranges (%d valid), "
  .. "%d failures, %.1f s"):format(SEED, ITERATIONS, urls_ok, warnings, ITERATIONS, ranges_ok, #failures,
  os.clock() - started))
os.exit(#failures == 0 and 0 or 1)
