--- prismacloud.cli.args: the command line of `prismacloud`, split into words and options.
--
--   local parsed = args.parse{"alerts", "list", "--since", "24h", "-o", "json"}
--   parsed.words    --> {"alerts", "list"}
--   parsed.options  --> {since = "24h", output = "json"}
--
-- Options may come anywhere (before or after the words), as `--name value`,
-- `--name=value` or a short `-o value` / `-v`; `--` ends them. A misuse
-- raises a usage error (args.usage_error), which the CLI turns into exit 2.
local M = {}

-- Every option the CLI knows: long name -> kind. "flag" takes no value,
-- "string" keeps the last one given, "integer" a positive integer, "list"
-- gathers every value given (each split at commas).
M.OPTIONS = {
  output = "string", columns = "list", ["max-items"] = "integer", profile = "string",
  verbose = "flag", help = "flag", version = "flag",
  since = "string", status = "list", severity = "list", policy = "list", cloud = "list",
  account = "list", group = "list", detailed = "flag",
  enabled = "string", type = "string", name = "string",
  body = "string", emulator = "flag", ["page-size"] = "integer",
}
M.SHORT = {o = "output", v = "verbose", h = "help", n = "max-items"}

-- Options every command accepts.
M.GLOBAL = {output = true, columns = true, ["max-items"] = true, profile = true, verbose = true, help = true,
            version = true}

-- The options in the order the help lists them.
M.ORDER = {"since", "status", "severity", "policy", "cloud", "account", "group", "type", "name", "enabled",
           "detailed", "body", "emulator", "output", "columns", "max-items", "page-size", "profile", "verbose",
           "help", "version"}

-- What each option takes (false: a flag) and what it does, for the help.
M.HELP = {
  output = {"FMT", "table, json, ndjson, csv or html (default: table on a terminal, else json)"},
  columns = {"A,B,C", "fields to show (dotted paths reach nested fields: resource.name)"},
  ["max-items"] = {"N", "stop after N items"},
  ["page-size"] = {"N", "items per request where the API pages (alerts, rql)"},
  profile = {"NAME", "~/.prismacloud/NAME.json (default: the environment, then 'credentials')"},
  verbose = {false, "show where the settings came from and each request (secrets redacted)"},
  help = {false, "this help"},
  version = {false, "the versions of prismacloud, Lua and libcurl"},
  since = {"RANGE", "time range: 24h, 7d, 2w, 1mo, 1y, to_now:epoch, ..."},
  status = {"S", "alert status: open, dismissed, snoozed, resolved, pending_resolution"},
  severity = {"S", "policy severity: critical, high, medium, low, informational"},
  policy = {"NAME", "policy name"},
  cloud = {"C", "cloud type: aws, azure, gcp, alibaba_cloud, oci"},
  account = {"NAME", "cloud account name"},
  group = {"NAME", "account group name"},
  type = {"T", "policy type: config, network, audit_event"},
  name = {"NAME", "policy name"},
  enabled = {"true|false", "only the enabled (true) or the disabled (false) policies"},
  detailed = {false, "full alerts (policy and resource details)"},
  body = {"FILE|-", "the request body: a JSON file, or - for stdin"},
  emulator = {false, "start a local emulator (stopped on exit) and connect pc to it"},
}

-- The values an option takes, where they are a fixed set (for completion).
M.VALUES = {
  output = {"table", "json", "ndjson", "csv", "html"},
  status = {"open", "dismissed", "snoozed", "resolved", "pending_resolution"},
  severity = {"critical", "high", "medium", "low", "informational"},
  cloud = {"aws", "azure", "gcp", "alibaba_cloud", "oci"},
  type = {"config", "network", "audit_event"},
  enabled = {"true", "false"},
}

local UsageError = {}
UsageError.__index = UsageError
UsageError.__tostring = function(e) return e.message end

--- A usage error: a table the CLI recognises (exit 2), never a traceback.
-- syntax: error(args.usage_error("unknown option '--x'"), 0)
function M.usage_error(message)
  return setmetatable({message = message}, UsageError)
end

--- Whether v is a usage error.
-- syntax: ok = args.is_usage_error(v)
function M.is_usage_error(v)
  return getmetatable(v) == UsageError
end

local function fail(fmt, ...)
  error(M.usage_error(fmt:format(...)), 0)
end

local function split_list(value)
  local out = {}
  for item in value:gmatch("[^,]+") do
    item = item:match("^%s*(.-)%s*$")
    if item ~= "" then out[#out + 1] = item end
  end
  return out
end

local function store(options, name, kind, value)
  if kind == "integer" then
    local n = math.tointeger(tonumber(value))
    if not n or n < 1 then fail("--%s needs a positive integer, not '%s'", name, value) end
    options[name] = n
  elseif kind == "list" then
    local list = options[name] or {}
    for _, item in ipairs(split_list(value)) do list[#list + 1] = item end
    options[name] = list
  else
    options[name] = value
  end
end

--- Splits argv into words and options; raises a usage error on an unknown
-- option or a missing value.
-- syntax: parsed = args.parse(argv)  --> {words = {...}, options = {...}}
function M.parse(argv)
  local words, options = {}, {}
  local i = 1
  while i <= #argv do
    local a = argv[i]
    if a == "--" then
      for j = i + 1, #argv do words[#words + 1] = argv[j] end
      break
    end
    local name, inline
    if a:sub(1, 2) == "--" and #a > 2 then
      name, inline = a:match("^%-%-([^=]+)=(.*)$")
      name = name or a:sub(3)
    elseif a:match("^%-%a$") then
      name = M.SHORT[a:sub(2)]
      if not name then fail("unknown option '%s'", a) end
    end
    if name then
      local kind = M.OPTIONS[name]
      if not kind then fail("unknown option '--%s'", name) end
      if kind == "flag" then
        if inline then fail("--%s takes no value", name) end
        options[name] = true
      else
        local value = inline
        if value == nil then
          i = i + 1
          value = argv[i]
        end
        if value == nil then fail("--%s needs a value", name) end
        store(options, name, kind, value)
      end
    else
      words[#words + 1] = a
    end
    i = i + 1
  end
  return {words = words, options = options}
end

--- Raises a usage error for any option given that is neither global nor in allowed (a set).
-- syntax: args.check_allowed(parsed, {since = true}, "alerts list")
function M.check_allowed(parsed, allowed, command)
  local names = {}
  for name in pairs(parsed.options) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    if not M.GLOBAL[name] and not (allowed and allowed[name]) then
      fail("'%s' takes no option --%s", command, name)
    end
  end
end

--- Splits `key=value` words into a table; a key given twice gathers an array.
-- syntax: pairs = args.key_values({"id=P-1", "detailed=true"}, "call")
function M.key_values(words, command)
  local out, order = {}, {}
  for _, w in ipairs(words) do
    local k, v = w:match("^([^=]+)=(.*)$")
    if not k then fail("'%s' expects key=value, not '%s'", command, w) end
    local old = out[k]
    if old == nil then
      out[k] = v
      order[#order + 1] = k
    elseif type(old) == "table" then
      old[#old + 1] = v
    else
      out[k] = {old, v}
    end
  end
  return out, order
end

return M
