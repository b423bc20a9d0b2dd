--- prismacloud: a client for the Prisma Cloud CSPM REST API.
-- `prismacloud.new(opts)` returns a client whose transport, JSON mapping and
-- errors live in the C core (`prismacloud.core`); this module adds the
-- Lua-side conveniences every resource family builds on.
local core = require "prismacloud.core"

local M = {}

M._VERSION = core._VERSION
M.json = core.json
M.null = core.json.null
M.Error = core.Error

local Client = core.Client
require "prismacloud.catalog"

--- Creates a client. See README "Client options" for every option.
-- syntax: client = prismacloud.new{url = "api.prismacloud.io", access_key = "...", secret_key = "..."}
function M.new(opts)
  if type(opts) ~= "table" then
    error("bad argument #1 to 'new' (table of options expected, got " .. type(opts) .. ")", 2)
  end
  if opts.rate_limit == true then
    -- pace each documented endpoint at its documented rate (see prismacloud.limiter)
    local copy = {}
    for k, v in pairs(opts) do copy[k] = v end
    copy.rate_limit = require("prismacloud.limiter").new()
    opts = copy
  end
  return core.new(opts)
end

--- Whether `v` is an error object of this library.
-- syntax: ok = prismacloud.is_error(v)
function M.is_error(v)
  return type(v) == "table" and getmetatable(v) == core.Error
end

--- Sends a request and keeps only success: the decoded body of a 2xx
-- response (and the response), or nil and a structured error for any other
-- status or a transport failure.
-- syntax: body, res = client:send(method, path [, {query =, body =, headers =}])
function Client:send(method, path, opts)
  local res, err = self:request(method, path, opts)
  if not res then return nil, err end
  if res.status >= 200 and res.status < 300 then return res.body, res end
  local failure = core.http_error(res, method:upper(), path)
  failure.attempts = res.attempts
  return nil, failure
end

return M
