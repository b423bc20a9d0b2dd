-- prismacloud.emulator.auth: the API's login and its tokens.
--
--   POST /login              {username, password} -> {token, message, customerNames, roles}: the
--                            emulator's own access key, or one made through POST /access_keys
--   GET /auth_token/extend   a fresh token for a still-valid one
--   * /v2/ping               any method, a token needed: for the client's auth and retry specs
--
-- Tokens are JWTs signed with the app's key (jwt.lua), with exp = iat + token_ttl (the app's
-- clock_skew moves both; token_iat = false leaves iat out). Every request but the public ones
-- carries one in x-redlock-auth: a missing or forged one is 401 invalid_auth_token, an expired
-- one 401 token_expired.
local rand = require "openssl.rand"
local api = require "prismacloud.emulator.api"
local jwt = require "prismacloud.emulator.jwt"
local users = require "prismacloud.emulator.users"

local M = {}

-- Bytes as lower-case hex.
local function hex(bytes)
  return (bytes:gsub(".", function(c) return ("%02x"):format(c:byte()) end))
end

-- A new signing key for an app's tokens.
function M.new_key()
  return rand.bytes(32)
end

-- A new JWT for sub with iat, exp = iat + token_ttl (millisecond precision,
-- so a 1-second token expires 1 second after it was issued), and a unique jti.
local function issue_token(app, sub)
  local config = app.config
  local iat = api.now_ms() / 1000 + config.clock_skew
  local claims = {sub = sub, iat = iat, exp = iat + config.token_ttl, jti = hex(rand.bytes(8)),
                  customerName = config.customer_name}
  if not config.token_iat then claims.iat = nil end
  return jwt.sign(claims, app.jwt_key)
end

-- The body of a login or extend: {token, message, customerNames, roles}.
local function session_body(app, sub)
  return {
    token = issue_token(app, sub),
    message = "login_successful",
    customerNames = {{customerName = app.config.customer_name, prismaId = app.config.prisma_id,
                      tosAccepted = true}},
    roles = {"System Admin"},
  }
end

-- Checks x-redlock-auth: its claims, or nil and the i18nKey to answer 401 with.
function M.authenticate(app, req)
  local token = req.headers["x-redlock-auth"]
  if not token or token == "" then return nil, "invalid_auth_token" end
  local claims, why = jwt.verify(token, app.jwt_key, api.now() + app.config.clock_skew)
  if claims then return claims end
  return nil, why == "expired" and "token_expired" or "invalid_auth_token"
end

-- Adds the routes above.
function M.register(router, app)
  router:add("POST", "/login", function(req)
    local body = api.json_object(req)
    local cfg = app.config
    local own = body and body.username == cfg.access_key and body.password == cfg.secret_key
    if not own and not (body and users.key_login(app, body.username, body.password)) then
      return api.redlock_error(401, "invalid_credentials")
    end
    return api.json(200, session_body(app, body.username))
  end, {public = true})

  router:add("GET", "/auth_token/extend", function(req)
    return api.json(200, session_body(app, req.claims.sub))
  end)

  router:add("*", "/v2/ping", function() return api.json(200, {ok = true}) end)
end

return M
