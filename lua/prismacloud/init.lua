--- prismacloud: a client for the Prisma Cloud CSPM REST API.
-- `prismacloud.new(opts)` returns a client whose transport, JSON mapping and
-- errors live in the C core (`prismacloud.core`); prismacloud.client adds the
-- client's Lua methods (send, call, operations, prisma_id) and its families.
local core = require "prismacloud.core"
local errors = require "prismacloud.errors"

local M = {}

M._VERSION = core._VERSION
M.json = core.json
M.null = core.json.null
M.Error = core.Error

local client_lua = require "prismacloud.client"

-- Resource families hang off the client: `client.alerts:list{...}`. Each is a
-- module `prismacloud.<family>` returning a table of methods that reach the
-- client as `self.client`; the object is made on first use, once per client
-- (prismacloud.client keeps them).
M.families = client_lua.families

--- Declares a resource family: `client[name]` becomes an instance of the module.
-- syntax: prismacloud.register_family(name, module_name)
function M.register_family(name, module_name)
  client_lua.register_family(name, module_name, 2)
end

-- The CA store the curl tool takes from the environment when it is given
-- neither a CA file nor a CA directory (libcurl itself reads none of these):
-- CURL_CA_BUNDLE as the file; else SSL_CERT_FILE as the file and SSL_CERT_DIR
-- as the directory. An empty variable counts as unset. Returns cafile, capath.
local function ca_from_env()
  local function get(name)
    local v = os.getenv(name)
    if v == nil or v == "" then return nil end
    return v
  end
  local bundle = get("CURL_CA_BUNDLE")
  if bundle then return bundle, nil end
  return get("SSL_CERT_FILE"), get("SSL_CERT_DIR")
end

--- Creates a client. See README "Client options" for every option.
-- syntax: client = prismacloud.new{url = "api.prismacloud.io", access_key = "...", secret_key = "..."}
function M.new(opts)
  if type(opts) ~= "table" then
    error("bad argument #1 to 'new' (table of options expected, got " .. type(opts) .. ")", 2)
  end
  local dry_run = opts.dry_run
  if dry_run ~= nil and type(dry_run) ~= "boolean" then
    error("bad option 'dry_run' (boolean expected, got " .. type(dry_run) .. ")", 2)
  end
  local cafile, capath
  if opts.cafile == nil and opts.capath == nil then cafile, capath = ca_from_env() end
  if opts.rate_limit == true or opts.trace == true or dry_run ~= nil or cafile or capath then
    local copy = {}
    for k, v in pairs(opts) do copy[k] = v end
    copy.cafile, copy.capath = copy.cafile or cafile, copy.capath or capath
    if opts.rate_limit == true then
      -- pace each documented endpoint at its documented rate (see prismacloud.limiter)
      copy.rate_limit = require("prismacloud.limiter").new()
    end
    if opts.trace == true then
      -- the redacted trace, a line at a time, to standard error
      copy.trace = function(line) io.stderr:write("prismacloud: ", line, "\n") end
    end
    copy.dry_run = nil
    opts = copy
  end
  local client = core.new(opts)
  -- mutating catalog calls return the request instead of sending it (see client:call)
  if dry_run then client_lua.state(client).dry_run = true end
  return client
end

--- Whether `v` is an error object of this library.
-- syntax: ok = prismacloud.is_error(v)
function M.is_error(v)
  return errors.is_error(v)
end

--- Creates a client from overrides > environment > profile file (see doc/config.md).
-- syntax: client = prismacloud.connect([profile], [overrides]); nil, err when no credentials
function M.connect(profile, overrides)
  return require("prismacloud.config").connect(profile, overrides)
end

M.register_family("alerts", "prismacloud.alerts")
M.register_family("policies", "prismacloud.policies")
M.register_family("account_groups", "prismacloud.account_groups")
M.register_family("cloud_accounts", "prismacloud.cloud_accounts")
M.register_family("compliance", "prismacloud.compliance")
M.register_family("audit_logs", "prismacloud.audit_logs")

M.register_family("resource_lists", "prismacloud.resource_lists")
M.register_family("collections", "prismacloud.collections")
M.register_family("search", "prismacloud.search")
M.register_family("reports", "prismacloud.reports")
M.register_family("saved_searches", "prismacloud.saved_searches")
M.register_family("alert_rules", "prismacloud.alert_rules")
M.register_family("integrations", "prismacloud.integrations")
M.register_family("notification_templates", "prismacloud.notification_templates")
M.register_family("users", "prismacloud.users")
M.register_family("roles", "prismacloud.roles")
M.register_family("permission_groups", "prismacloud.permission_groups")
M.register_family("access_keys", "prismacloud.access_keys")
M.register_family("settings", "prismacloud.settings")
M.register_family("trusted_ips", "prismacloud.trusted_ips")
M.register_family("licensing", "prismacloud.licensing")
M.register_family("inventory", "prismacloud.inventory")
M.register_family("resources", "prismacloud.resources")
return M
