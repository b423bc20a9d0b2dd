-- prismacloud.emulator.jwt: HS256 JSON Web Tokens (RFC 7519) for the
-- emulator's sessions: sign claims with a shared key, verify signature and
-- expiry. base64url (RFC 4648 section 5, without padding) is written here.
local hmac = require "openssl.hmac"
local json = require "prismacloud.json"

local M = {}

local ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
local HEADER = '{"alg":"HS256","typ":"JWT"}'

local DECODE = {}
for i = 1, #ALPHABET do DECODE[ALPHABET:byte(i)] = i - 1 end

-- base64url without padding.
function M.b64url_encode(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = (a << 16) | ((b or 0) << 8) | (c or 0)
    local chars = c and 4 or (b and 3 or 2)
    for j = 1, chars do
      local v = (n >> (24 - 6 * j)) & 63
      out[#out + 1] = ALPHABET:sub(v + 1, v + 1)
    end
  end
  return table.concat(out)
end

-- Decodes base64url (padding tolerated); nil for any other character or a
-- length no encoder produces.
function M.b64url_decode(s)
  s = s:gsub("=+$", "")
  if #s % 4 == 1 then return nil end
  local out = {}
  local acc, bits = 0, 0
  for i = 1, #s do
    local v = DECODE[s:byte(i)]
    if not v then return nil end
    acc = ((acc << 6) | v) & 0xffffff
    bits = bits + 6
    if bits >= 8 then
      bits = bits - 8
      out[#out + 1] = string.char((acc >> bits) & 0xff)
    end
  end
  return table.concat(out)
end

local function signature(input, key)
  return hmac.new(key, "sha256"):final(input)
end

-- Compares two strings in time that depends only on their lengths.
local function same_bytes(a, b)
  if #a ~= #b then return false end
  local diff = 0
  for i = 1, #a do diff = diff | (a:byte(i) ~ b:byte(i)) end
  return diff == 0
end

-- Returns the compact serialisation header.payload.signature.
function M.sign(claims, key)
  assert(type(claims) == "table", "jwt.sign: claims table expected")
  assert(type(key) == "string" and key ~= "", "jwt.sign: key string expected")
  local input = M.b64url_encode(HEADER) .. "." .. M.b64url_encode(json.encode(claims))
  return input .. "." .. M.b64url_encode(signature(input, key))
end

local function decode_json_object(part)
  local text = M.b64url_decode(part)
  if not text then return nil end
  local ok, value = pcall(json.decode, text)
  if ok and type(value) == "table" then return value end
  return nil
end

-- Returns the claims, or nil and "malformed", "bad signature" or "expired".
-- now (seconds, may be fractional) defaults to os.time(); false skips the
-- expiry check. A token is expired from its exp on (now >= exp).
function M.verify(token, key, now)
  if type(token) ~= "string" then return nil, "malformed" end
  local h, p, s = token:match("^([%w_-]+)%.([%w_-]+)%.([%w_-]+)$")
  if not h then return nil, "malformed" end
  local header, claims, sig = decode_json_object(h), decode_json_object(p), M.b64url_decode(s)
  if not (header and claims and sig) then return nil, "malformed" end
  if header.alg ~= "HS256" then return nil, "bad signature" end
  if not same_bytes(sig, signature(h .. "." .. p, key)) then return nil, "bad signature" end
  if now == nil then now = os.time() end
  if now and type(claims.exp) == "number" and now >= claims.exp then return nil, "expired" end
  return claims
end

return M
