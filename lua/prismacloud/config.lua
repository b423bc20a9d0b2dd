--- prismacloud.config: where a client's options come from.
-- `resolve(profile, overrides)` merges, key by key, explicit overrides over
-- the environment over a profile file (~/.prismacloud/<name>.json), runs a
-- `secret_command` when that is where the secret comes from, and normalises
-- the URL. `connect` hands the result to `prismacloud.new`. A profile that
-- others could change is refused, as OpenSSH refuses such a config. See doc/config.md.
local core = require "prismacloud.core"
local json = require "prismacloud.json"
local errors = require "prismacloud.errors"

local M = {}

--- Reads an environment variable; replaceable so tests need no real environment.
M.getenv = os.getenv

--- Reports a warning (one line); replaceable so tests can capture warnings.
-- syntax: config.warn(message)
function M.warn(message)
  io.stderr:write("prismacloud: warning: ", message, "\n")
end

M.DEFAULT_PROFILE = "credentials"

-- Short region names -> API hosts (doc/config.md). `us1`..`us4` are the four
-- US clusters (api, api2, api3, api4), `eu`/`eu2` the two EU ones; every other
-- name is the label between `api.` and the domain.
M.regions = {
  us1 = "api.prismacloud.io", us2 = "api2.prismacloud.io", us3 = "api3.prismacloud.io",
  us4 = "api4.prismacloud.io", eu = "api.eu.prismacloud.io", eu2 = "api2.eu.prismacloud.io",
  anz = "api.anz.prismacloud.io", gov = "api.gov.prismacloud.io", cn = "api.prismacloud.cn",
  ca = "api.ca.prismacloud.io", sg = "api.sg.prismacloud.io", uk = "api.uk.prismacloud.io",
  ind = "api.ind.prismacloud.io", jp = "api.jp.prismacloud.io", fr = "api.fr.prismacloud.io",
  id = "api.id.prismacloud.io",
}

local known_hosts = {}
for _, host in pairs(M.regions) do known_hosts[host] = true end

-- Options that hold secrets: describe() hides them.
local SECRET_KEYS = {secret_key = true, token = true, secret_command = true}

-- Profile keys (the official SDK's names, then legacy aliases) -> option names.
-- A canonical name wins over an alias in the same file.
local PROFILE_KEYS = {
  {"url", "url"}, {"identity", "access_key"}, {"secret", "secret_key"}, {"verify", "verify"},
  {"name", "customer_name"}, {"region", "region"}, {"secret_command", "secret_command"},
  {"api_endpoint", "url"}, {"username", "access_key"}, {"access_key_id", "access_key"},
  {"password", "secret_key"}, {"secret_key", "secret_key"}, {"ca_bundle", "cafile"},
}
local PROFILE_KNOWN = {}
for _, pair in ipairs(PROFILE_KEYS) do PROFILE_KNOWN[pair[1]] = true end

-- Environment variables -> option names; the first one set wins (PC_* first).
local ENV_KEYS = {
  {"url", {"PC_URL", "PRISMACLOUD_URL"}},
  {"access_key", {"PC_IDENTITY", "PRISMACLOUD_USERNAME"}},
  {"secret_key", {"PC_SECRET", "PRISMACLOUD_PASSWORD"}},
  {"customer_name", {"PC_CUSTOMER_NAME", "PRISMACLOUD_CUSTOMER_NAME"}},
  {"token", {"PRISMACLOUD_JSON_WEB_TOKEN"}},
}

-- The keys config itself merges; everything else in overrides passes through.
local MERGED = {"url", "access_key", "secret_key", "token", "customer_name", "verify", "cafile"}

local function fail(kind, message)
  return nil, errors.new(kind, message)
end

local function trim(s)
  return (s:gsub("^%s+", ""):gsub("%s+$", ""))
end

-- "true"/"false" (any case) -> boolean, anything else -> nil.
local function parse_bool(s)
  local lower = s:lower()
  if lower == "true" or lower == "1" or lower == "yes" then return true end
  if lower == "false" or lower == "0" or lower == "no" then return false end
  return nil
end

-- A `verify` value (boolean, "true"/"false" or a CA bundle path) -> verify, cafile.
local function split_verify(v)
  if type(v) == "boolean" then return v, nil end
  local b = parse_bool(v)
  if b ~= nil then return b, nil end
  return true, v
end

local function is_loopback(host)
  return host == "localhost" or host:match("%.localhost$") ~= nil or host:match("^127%.%d+%.%d+%.%d+$") ~= nil
    or host == "[::1]" or host == "::1"
end

-- A URL that cannot be used: nil, err (kind "decode"). The messages never
-- quote the URL: it may hold a password.
local function bad_url(why)
  return fail("decode", "unusable API URL: " .. why)
end

-- Whether host (lower case) is `domain` or a name under it.
local function in_domain(host, domain)
  return host == domain or host:sub(-#domain - 1) == "." .. domain
end

--- Normalises an API URL: https:// assumed (http:// kept), trailing `/` removed,
-- console hosts (`app*`) mapped to API hosts, `redlock.io` to `prismacloud.io`.
-- Warns (once) about a host that is not a known regional host, unless loopback.
-- Returns nil, err (kind "decode") for a URL that cannot be an API base URL:
-- credentials in it (user:password@; they belong in access_key/secret_key), a
-- scheme other than http/https, no host, a bad port or IPv6 literal, a query or
-- fragment, control characters, spaces or non-ASCII bytes. Never quotes the URL.
-- syntax: url, err = config.normalize_url(url)
function M.normalize_url(url)
  if type(url) ~= "string" then
    error("bad argument #1 to 'normalize_url' (string expected, got " .. type(url) .. ")", 2)
  end
  url = trim(url)
  if url == "" then return bad_url("it is empty") end
  if url:find("[%c ]") then return bad_url("it holds a control character or a space") end
  if url:find("[\128-\255]") then
    return bad_url("it holds a non-ASCII byte (percent-encode it; an international host name: use its xn-- form)")
  end
  local scheme, rest = url:match("^(%a[%w+.-]*)://(.*)$")
  if scheme then
    scheme = scheme:lower()
    if scheme ~= "http" and scheme ~= "https" then
      return bad_url(("its scheme is '%s'; only http and https are supported"):format(scheme))
    end
  elseif url:match("^%a[%w+.-]*:/") then
    return bad_url("its scheme is malformed (scheme://host expected)")
  else
    scheme, rest = "https", url
  end
  -- RFC 3986: the authority runs to the first '/', '?' or '#'; userinfo is what precedes its last '@'.
  local authority, path = rest:match("^([^/?#]*)(.*)$")
  if path:find("?", 1, true) then return bad_url("it holds a query ('?'); a base URL takes none") end
  if path:find("#", 1, true) then return bad_url("it holds a fragment ('#'); a base URL takes none") end
  local at = authority:find("@[^@]*$")
  if at then
    return bad_url(("it holds credentials (a user name or password before '@', host '%s'): put them in "
      .. "access_key and secret_key (PC_IDENTITY, PC_SECRET), never in the URL"):format(authority:sub(at + 1)))
  end
  if path:find("@", 1, true) then
    return bad_url("it holds '@' in its path (if that is a password, it belongs in secret_key, never in the URL)")
  end
  local host, port
  if authority:sub(1, 1) == "[" then
    host, port = authority:match("^(%[[%x:.]+%])(.*)$")
    if not host or not host:find(":", 1, true) then
      return bad_url("its IPv6 address is malformed ([address] expected)")
    end
  else
    host, port = authority:match("^([^:]*)(.*)$")
  end
  if host == "" then return bad_url("it has no host") end
  if not host:find("^%[") and not host:find("^[%w%-%._]+$") then
    return bad_url("its host holds a character a host name cannot have")
  end
  if port == ":" then
    port = ""
  elseif port ~= "" then
    local digits = port:match("^:(%d+)$")
    local n = digits and #digits <= 5 and tonumber(digits)
    if not n or n < 1 or n > 65535 then return bad_url("its port is not a number from 1 to 65535") end
    port = (":%d"):format(n)
  end
  if path:find("[^%w%-%._~!$&'()*+,;=:/%%]") then
    return bad_url("its path holds a character that must be percent-encoded")
  end
  if path:gsub("%%%x%x", ""):find("%", 1, true) then
    return bad_url("its path holds a '%' that is not a percent-encoding (%XX)")
  end
  host = host:lower()
  if in_domain(host, "redlock.io") then host = host:sub(1, -11) .. "prismacloud.io" end
  if in_domain(host, "prismacloud.io") or in_domain(host, "prismacloud.cn") then
    host = host:gsub("^app(%d*)%.", "api%1.")
  end
  path = path:gsub("/+$", "")
  if not known_hosts[host] and not is_loopback(host) then
    M.warn(("'%s' is not a known Prisma Cloud API host; using it as given"):format(host))
  end
  return scheme .. "://" .. host .. port .. path
end

--- Host of a region's short name (see config.regions), or nil.
-- syntax: host = config.region_host(name)
function M.region_host(name)
  return M.regions[type(name) == "string" and name:lower() or name]
end

-- Reads a whole file, or nil.
local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local data = f:read("a")
  f:close()
  return data
end

-- A path as a shell word, quoted only when it needs to be (for the fixes messages suggest).
local function shell_word(s)
  if s:find("^[%w/._,:+@%%-]+$") then return s end
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

-- The directory part of a path: "/" for "/x", "." for "x".
local function dir_of(path)
  local dir = path:match("^(.*)/[^/]*$")
  if dir == nil then return "." end
  if dir == "" then return "/" end
  return dir
end

local GROUP_OTHER_WRITE, GROUP_OTHER_READ, STICKY = 18, 36, 512 -- 0022, 0044, 01000

-- Nil when the profile at path (file_info `info`) is safe to use, else the
-- error refusing it, as OpenSSH refuses its config: the file (through a
-- symbolic link: the file it points to) must be a regular file owned by the
-- effective user or root and not writable by group or others, and so must
-- the directory holding it (and the one holding the link) be; every directory
-- above the file's real one, up to $HOME (its real path) or else to /, must
-- be owned by the user or root and not writable by group or others unless it
-- has the sticky bit (as /tmp has: then no one else can rename what is in it).
local function unsafe_profile(path, info)
  local euid = core.euid()
  local function refuse(why, fix)
    return errors.new("auth", ("profile %s refused: %s, so someone else could change its URL or its "
      .. "secret_command; fix: %s"):format(path, why, fix), {file = path})
  end
  local function owned(i) return i.uid == euid or i.uid == 0 end
  if info.type ~= "file" then
    return refuse("it is not a regular file", "make it one (a JSON file)")
  end
  if not owned(info) then
    return refuse(("it is owned by uid %d, neither you (uid %d) nor root"):format(info.uid, euid),
      ("chown %d %s (or remove it)"):format(euid, shell_word(info.real or path)))
  end
  if info.mode & GROUP_OTHER_WRITE ~= 0 then
    return refuse(("it is writable by group or others (mode %03o)"):format(info.mode),
      "chmod go-w " .. shell_word(info.real or path))
  end
  local dirs = {dir_of(path)}
  if info.real and dir_of(info.real) ~= dirs[1] then dirs[2] = dir_of(info.real) end
  for _, dir in ipairs(dirs) do
    local d, why = core.file_info(dir)
    if not d then
      return refuse(("its directory cannot be checked (%s)"):format(why), "check " .. shell_word(dir))
    elseif not owned(d) then
      return refuse(("its directory %s is owned by uid %d, neither you (uid %d) nor root"):format(dir, d.uid, euid),
        ("chown %d %s, or move the profile to a directory of yours"):format(euid, shell_word(dir)))
    elseif d.mode & GROUP_OTHER_WRITE ~= 0 then
      return refuse(("its directory %s is writable by group or others (mode %03o)"):format(dir, d.mode),
        ("chmod go-w %s, or move the profile to a directory only you can write"):format(shell_word(dir)))
    end
  end
  if not info.real then return nil end
  local home = M.getenv("HOME")
  local home_info = home and home ~= "" and core.file_info(home)
  local home_real = home_info and home_info.real
  local dir = dir_of(info.real)
  while dir ~= "/" and dir ~= home_real do
    dir = dir_of(dir)
    local d, why = core.file_info(dir)
    if not d then
      return refuse(("a directory above it cannot be checked (%s)"):format(why), "check " .. shell_word(dir))
    elseif not owned(d) then
      return refuse(("the directory %s above it is owned by uid %d, neither you (uid %d) nor root"):format(
        dir, d.uid, euid), ("chown %d %s, or move the profile to a directory of yours"):format(euid, shell_word(dir)))
    elseif d.mode & GROUP_OTHER_WRITE ~= 0 and d.mode & STICKY == 0 then
      return refuse(("the directory %s above it is writable by group or others (mode %03o)"):format(dir, d.mode),
        ("chmod go-w %s (or +t), or move the profile to a directory only you can write"):format(shell_word(dir)))
    end
  end
  return nil
end

-- Where a profile lives: a path when the name holds a '/', else <dir>/<name>.json.
local function profile_path(name)
  if name:find("/", 1, true) then return name end
  local dir = M.getenv("PC_CONFIG_DIR")
  if not dir or dir == "" then
    local home = M.getenv("HOME")
    if not home or home == "" then return nil end
    dir = home .. "/.prismacloud"
  end
  return dir .. "/" .. name .. ".json"
end

-- Reads a profile into {option = value} and where each came from; nil, err
-- when a named profile is missing, or any profile is unsafe (see
-- unsafe_profile: then nothing of it is used, its secret_command never runs)
-- or malformed.
local function load_profile(name, explicit)
  local path = profile_path(name)
  local info, why
  if path then info, why = core.file_info(path) end
  if not info then
    if explicit then
      return fail("auth", ("profile '%s' not found (%s)"):format(name, why or "no $HOME"))
    end
    return {}, {}
  end
  local unsafe = unsafe_profile(path, info)
  if unsafe then return nil, unsafe end
  local data = read_file(path)
  if not data then
    if explicit then return fail("auth", ("profile '%s' cannot be read (%s)"):format(name, path)) end
    return {}, {}
  end
  local ok, doc = pcall(json.decode, data)
  if not ok or type(doc) ~= "table" or getmetatable(doc) == json.array_mt then
    return fail("decode", ("profile %s is not a JSON object"):format(path))
  end
  if info.mode & GROUP_OTHER_READ ~= 0 then
    M.warn(("profile %s is readable by group or others (mode %03o); chmod 600 it"):format(path, info.mode))
  end
  local unknown = {}
  for k in pairs(doc) do
    if not PROFILE_KNOWN[k] then unknown[#unknown + 1] = tostring(k) end
  end
  if #unknown > 0 then
    table.sort(unknown)
    M.warn(("profile %s: ignoring unknown key(s) %s"):format(path, table.concat(unknown, ", ")))
  end
  local values, sources = {}, {}
  for _, pair in ipairs(PROFILE_KEYS) do
    local key, option = pair[1], pair[2]
    local v = doc[key]
    if v == json.null or v == "" then v = nil end
    if v ~= nil and values[option] == nil then
      if key == "verify" then
        if type(v) ~= "boolean" and type(v) ~= "string" then
          return fail("decode", ("profile %s: 'verify' must be a boolean or a CA bundle path"):format(path))
        end
      elseif type(v) ~= "string" then
        return fail("decode", ("profile %s: '%s' must be a string"):format(path, key))
      end
      local source = "profile " .. path .. " (" .. key .. ")"
      values[option], sources[option] = v, source
      if key == "verify" then
        local verify, cafile = split_verify(v)
        values.verify, values.cafile, sources.cafile = verify, cafile, cafile and source
      end
    end
  end
  return values, sources
end

-- Reads the environment into {option = value} and where each came from; nil, err for a
-- PC_VERIFY that is neither a boolean word nor an existing file, or a
-- PRISMACLOUD_SKIP_SSL_CERT_VERIFICATION that is not a boolean word.
local function load_env()
  local values, sources = {}, {}
  local function get(name)
    local v = M.getenv(name)
    if v == nil or v == "" then return nil end
    return v
  end
  for _, entry in ipairs(ENV_KEYS) do
    for _, name in ipairs(entry[2]) do
      local v = get(name)
      if v then
        values[entry[1]], sources[entry[1]] = v, "env " .. name
        break
      end
    end
  end
  local verify = get("PC_VERIFY")
  if verify then
    values.verify, values.cafile = split_verify(verify)
    sources.verify, sources.cafile = "env PC_VERIFY", values.cafile and "env PC_VERIFY"
    local info = values.cafile and core.file_info(values.cafile)
    if values.cafile and not (info and info.type == "file") then
      return fail("decode", "env PC_VERIFY is neither a boolean (true, false, yes, no, 1, 0) nor an existing "
        .. "CA bundle file")
    end
  else
    local skip = get("PRISMACLOUD_SKIP_SSL_CERT_VERIFICATION")
    local b = skip and parse_bool(skip)
    if skip and b == nil then
      return fail("decode", "env PRISMACLOUD_SKIP_SSL_CERT_VERIFICATION is not a boolean (true, false, yes, no, "
        .. "1, 0)")
    end
    if b ~= nil then
      values.verify, sources.verify = not b, "env PRISMACLOUD_SKIP_SSL_CERT_VERIFICATION"
    end
  end
  return values, sources
end

M.SECRET_COMMAND_MAX = 64 * 1024 -- the most a secret_command may print, in bytes

-- Runs a credential helper; its stdout, trimmed, is the secret: one line (blank lines after it
-- are dropped), at most SECRET_COMMAND_MAX bytes. Its output is never put in a message.
local function run_secret_command(command, source)
  local p = io.popen(command, "r")
  if not p then return fail("auth", "secret_command from " .. source .. " could not be started") end
  local max = M.SECRET_COMMAND_MAX
  local out = p:read(max + 1) or ""
  local ok, how, code = p:close()
  if #out > max then
    return fail("auth", ("secret_command from %s printed more than %d bytes"):format(source, max))
  end
  if not ok then
    return fail("auth", ("secret_command from %s failed (%s %s)"):format(source, tostring(how), tostring(code)))
  end
  out = trim(out)
  if out == "" then
    return fail("auth", "secret_command from " .. source .. " printed nothing")
  end
  if out:find("[\r\n]") then
    return fail("auth", "secret_command from " .. source .. " printed more than one line (the secret alone, "
      .. "on one line, expected)")
  end
  return out
end

local function check_args(profile, overrides, fname)
  if type(profile) == "table" and overrides == nil then profile, overrides = nil, profile end
  if profile ~= nil and (type(profile) ~= "string" or profile == "") then
    error(("bad argument #1 to '%s' (profile name expected, got %s)"):format(fname, type(profile)), 3)
  end
  if profile and not profile:find("/", 1, true) and not profile:match("^[%w_-][%w_.-]*$") then
    error(("bad argument #1 to '%s' (bad profile name '%s')"):format(fname, profile), 3)
  end
  if overrides ~= nil and type(overrides) ~= "table" then
    error(("bad argument #2 to '%s' (table of options expected, got %s)"):format(fname, type(overrides)), 3)
  end
  overrides = overrides or {}
  for _, key in ipairs{"url", "region", "access_key", "secret_key", "token", "customer_name",
                       "cafile", "secret_command"} do
    local v = overrides[key]
    if v ~= nil and type(v) ~= "string" then
      error(("bad option '%s' to '%s' (string expected, got %s)"):format(key, fname, type(v)), 3)
    end
  end
  if overrides.verify ~= nil and type(overrides.verify) ~= "boolean" and type(overrides.verify) ~= "string" then
    error(("bad option 'verify' to '%s' (boolean or CA bundle path expected)"):format(fname), 3)
  end
  if overrides.region and not M.region_host(overrides.region) then
    error(("bad option 'region' to '%s' (unknown region '%s')"):format(fname, overrides.region), 3)
  end
  return profile, overrides
end

-- The option table from checked arguments; nil, err on operational failure.
local function resolve(profile, overrides)
  local file, file_src = load_profile(profile or M.DEFAULT_PROFILE, profile ~= nil)
  if not file then return nil, file_src end
  if file.region and not file.url then
    local host = M.region_host(file.region)
    if not host then return fail("decode", ("%s: unknown region '%s'"):format(file_src.region, file.region)) end
    file.url, file_src.url = host, file_src.region
  end
  local env, env_src = load_env()
  if not env then return nil, env_src end
  local over, over_src = {}, {}
  for k, v in pairs(overrides) do over[k], over_src[k] = v, "override " .. k end
  if over.verify ~= nil then
    local verify, cafile = split_verify(over.verify)
    over.verify = verify
    if cafile and over.cafile == nil then over.cafile, over_src.cafile = cafile, over_src.verify end
  end
  if over.region and not over.url then
    over.url, over_src.url = M.region_host(over.region), over_src.region
  end

  -- The secret: a literal in a layer beats a secret_command in that layer;
  -- the command runs only when its layer is the one that supplies the secret.
  for _, layer in ipairs{over, file} do
    if layer.secret_key ~= nil then layer.secret_command = nil end
  end

  if over.secret_command then
    local secret, err = run_secret_command(over.secret_command, "overrides")
    if not secret then return nil, err end
    over.secret_key, over_src.secret_key = secret, "secret_command (overrides)"
  end

  local opts, sources = {}, {}
  for k, v in pairs(over) do
    if k ~= "region" and k ~= "secret_command" then opts[k], sources[k] = v, over_src[k] end
  end
  for _, key in ipairs(MERGED) do
    if opts[key] == nil then
      for _, layer in ipairs{{env, env_src}, {file, file_src}} do
        if layer[1][key] ~= nil then
          opts[key], sources[key] = layer[1][key], layer[2][key]
          break
        end
      end
    end
  end
  if opts.secret_key == nil and file.secret_command then
    local source = file_src.secret_command
    local secret, err = run_secret_command(file.secret_command, source)
    if not secret then return nil, err end
    opts.secret_key, sources.secret_key = secret, "secret_command (" .. source .. ")"
  end

  if not opts.url then
    return fail("auth", "no API URL: set PC_URL, pass url or region, or add 'url' to a profile")
  end
  local url, url_err = M.normalize_url(opts.url)
  if not url then
    url_err.message = ("%s (from %s)"):format(url_err.message, sources.url or "override url")
    return nil, url_err
  end
  opts.url = url
  if not opts.token and not (opts.access_key and opts.secret_key) then
    local missing = opts.access_key and "secret" or "access key and secret"
    return fail("auth", "no credentials (" .. missing .. " missing): set PC_IDENTITY and PC_SECRET, "
      .. "pass access_key and secret_key, or add them to a profile")
  end
  return opts, sources
end

--- The options `connect` would pass to `prismacloud.new`, with secrets in clear,
-- and a table saying where each merged option came from; or nil, err.
-- syntax: opts, sources = config.resolve([profile], [overrides])
function M.resolve(profile, overrides)
  return resolve(check_args(profile, overrides, "resolve"))
end

-- A URL with its user-info (user:password@, the proxy's too) replaced by "<redacted>@".
local function without_userinfo(v, bare)
  local s, n = v:gsub("^(%a[%w+.-]*://)[^/?#]*@", "%1<redacted>@")
  if n == 0 and bare and not v:find("://", 1, true) then s = v:gsub("^[^/?#]*@", "<redacted>@") end
  return s
end

--- A printable copy of an option table, secrets replaced by "<redacted>", and so is the
-- user-info of a URL (a proxy's `http://user:pass@host` shows as `http://<redacted>@host`).
-- syntax: copy = config.describe(opts)
function M.describe(opts)
  if type(opts) ~= "table" then
    error("bad argument #1 to 'describe' (table expected, got " .. type(opts) .. ")", 2)
  end
  local copy = {}
  for k, v in pairs(opts) do
    if SECRET_KEYS[k] then
      v = "<redacted>"
    elseif type(v) == "string" then
      v = without_userinfo(v, k == "proxy")
    end
    copy[k] = v
  end
  return copy
end

-- prismacloud.new(opts); a value the environment or a profile gave that the client refuses is a
-- failure of the configuration, not of the caller: nil, err naming where it came from.
local function build(opts, sources, level)
  local ok, client = pcall(require("prismacloud").new, opts)
  if ok then return client end
  local key = type(client) == "string" and client:match("bad option '([%w_]+)'")
  local source = key and sources[key]
  if source and not source:find("^override ") then
    return fail("decode", ("%s (from %s)"):format(client:gsub("^.-: bad option", "bad option"), source))
  end
  error(client, level + 1)
end

--- Creates a client from options and sources as `resolve` returns them (the caller may add
-- options such as trace); a value from the environment or a profile that the client refuses
-- gives nil, err naming its source ("(from env PC_URL)"); a bad option of the caller raises.
-- syntax: client, err = config.build(opts, sources)
function M.build(opts, sources)
  if type(opts) ~= "table" then
    error("bad argument #1 to 'build' (table expected, got " .. type(opts) .. ")", 2)
  end
  if type(sources) ~= "table" then
    error("bad argument #2 to 'build' (table expected, got " .. type(sources) .. ")", 2)
  end
  return build(opts, sources, 2)
end

--- Resolves the options and creates a client; nil, err when no credentials
-- can be found or a secret_command fails.
-- syntax: client = config.connect([profile], [overrides])
function M.connect(profile, overrides)
  local opts, sources = resolve(check_args(profile, overrides, "connect"))
  if not opts then return nil, sources end
  return build(opts, sources, 2)
end

return M
