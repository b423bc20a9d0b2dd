--- prismacloud.cli.args: the command line of `prismacloud` as data, parsed by lua-argparse.
--
--   local parsed = args.parse({"alerts", "list", "--since", "24h", "-o", "json"}, commands)
--   parsed.command  --> the entry of `alerts list` (see prismacloud.cli)
--   parsed.words    --> the words after the command's own ({} here)
--   parsed.options  --> {since = "24h", output = "json"}
--
-- Every option is one entry of args.OPTIONS (its kind, short name, value name, help and the
-- values it takes); a command names the options of its own, the global ones go with every
-- command. Options may come anywhere (before or after the words), as `--name value`,
-- `--name=value` or a short `-o value` / `-v`; `--` ends them. A misuse raises a usage error
-- (args.usage_error), which the CLI turns into exit 2.
local output = require "prismacloud.cli.output"

local M = {}

--- Every option the CLI knows, in the order the help lists them. kind: "flag" takes no value,
-- "string" keeps the last one given, "integer" a positive integer, "list" gathers every value
-- given (each split at commas); values: the fixed set it takes (completion, and --output checks it).
M.OPTIONS = {
  {name = "since", kind = "string", metavar = "RANGE", help = "time range: 24h, 7d, 2w, 1mo, 1y, to_now:epoch, ..."},
  {name = "status", kind = "list", metavar = "S",
   help = "alert status: open, dismissed, snoozed, resolved, pending_resolution",
   values = {"open", "dismissed", "snoozed", "resolved", "pending_resolution"}},
  {name = "severity", kind = "list", metavar = "S",
   help = "policy severity: critical, high, medium, low, informational",
   values = {"critical", "high", "medium", "low", "informational"}},
  {name = "policy", kind = "list", metavar = "NAME", help = "policy name"},
  {name = "cloud", kind = "list", metavar = "C", help = "cloud type: aws, azure, gcp, alibaba_cloud, oci",
   values = {"aws", "azure", "gcp", "alibaba_cloud", "oci"}},
  {name = "account", kind = "list", metavar = "NAME", help = "cloud account name"},
  {name = "group", kind = "list", metavar = "NAME", help = "account group name"},
  {name = "type", kind = "string", metavar = "T", help = "policy type: config, network, audit_event",
   values = {"config", "network", "audit_event"}},
  {name = "name", kind = "string", metavar = "NAME", help = "policy name"},
  {name = "enabled", kind = "string", metavar = "true|false",
   help = "only the enabled (true) or the disabled (false) policies", values = {"true", "false"}},
  {name = "detailed", kind = "flag", help = "full alerts (policy and resource details)"},
  {name = "body", kind = "string", metavar = "FILE|-", help = "the request body: a JSON file, or - for stdin"},
  {name = "emulator", kind = "flag", help = "start a local emulator (stopped on exit) and connect pc to it"},
  {name = "output", kind = "string", short = "o", metavar = "FMT", global = true, values = output.FORMATS,
   help = ("%s or %s (default: table on a terminal, else json)"):format(
     table.concat(output.FORMATS, ", ", 1, #output.FORMATS - 1), output.FORMATS[#output.FORMATS])},
  {name = "columns", kind = "list", metavar = "A,B,C", global = true,
   help = "fields to show (dotted paths reach nested fields: resource.name)"},
  {name = "max-items", kind = "integer", short = "n", metavar = "N", global = true, help = "stop after N items"},
  {name = "page-size", kind = "integer", metavar = "N", help = "items per request where the API pages (alerts, rql)"},
  {name = "profile", kind = "string", metavar = "NAME", global = true,
   help = "~/.prismacloud/NAME.json (default: the environment, then 'credentials')"},
  {name = "verbose", kind = "flag", short = "v", global = true,
   help = "show where the settings came from and each request (secrets redacted)"},
  {name = "help", kind = "flag", short = "h", global = true, help = "this help"},
  {name = "version", kind = "flag", global = true, help = "the versions of prismacloud, Lua and libcurl"},
}

--- The entries of M.OPTIONS by name.
M.BY_NAME = {}
for _, o in ipairs(M.OPTIONS) do M.BY_NAME[o.name] = o end

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

-- Declares option o on an argparse parser.
local function declare(parser, o)
  local spelling = (o.short and ("-" .. o.short .. " ") or "") .. "--" .. o.name
  if o.kind == "flag" then
    parser:flag(spelling):target(o.name)
    return
  end
  local opt = parser:option(spelling):target(o.name):argname(o.metavar)
  if o.kind == "integer" then
    opt:convert(function(v)
      local n = math.tointeger(tonumber(v))
      if not n or n < 1 then return nil, ("--%s needs a positive integer, not '%s'"):format(o.name, v) end
      return n
    end)
  end
  if o.name == "output" then opt:choices(o.values) end
  opt:count("*")
  if o.kind ~= "list" then opt:action("store") end
end

-- The words of a command's arguments: {min, max} from its `args` ({"QUERY"}, {"[TEXT]"}, {"PATH", "[key=value ...]"}).
local function arity(c)
  local min, max = 0, 0
  for _, a in ipairs(c.args or {}) do
    if a:find("%.%.%.") then max = math.huge elseif max ~= math.huge then max = max + 1 end
    if not a:find("^%[") then min = min + 1 end
  end
  return min, max
end
M.arity = arity

--- The lua-argparse parser of a command table: global options on the program, each command's own
-- options and words on its (sub)command; help is printed by the CLI, not by argparse.
-- syntax: parser = args.parser(commands)
function M.parser(commands)
  local argparse = require "argparse"
  local root = argparse("prismacloud"):add_help(false):require_command(false):command_target("_command1")
  for _, o in ipairs(M.OPTIONS) do
    if o.global then declare(root, o) end
  end
  local parents = {}
  for _, c in ipairs(commands) do
    local parent = root
    if #c.words == 2 then
      parent = parents[c.words[1]]
      if not parent then
        parent = root:command(c.words[1]):target("_" .. c.words[1]):add_help(false):require_command(false)
          :command_target("_command2")
        parents[c.words[1]] = parent
      end
    end
    -- (each command's own flag in the result under a name no option has)
    local cmd = parent:command(c.words[#c.words]):target("_" .. table.concat(c.words, "_")):add_help(false)
    for _, o in ipairs(M.OPTIONS) do
      if c.options[o.name] then declare(cmd, o) end
    end
    local max = c.max_words or select(2, arity(c))
    if max > 0 then cmd:argument("words"):target("_words"):args(max == math.huge and "*" or ("0-%d"):format(max)) end
  end
  return root
end

local function split_list(values)
  local out = {}
  for _, value in ipairs(values) do
    for item in value:gmatch("[^,]+") do
      item = item:match("^%s*(.-)%s*$")
      if item ~= "" then out[#out + 1] = item end
    end
  end
  return out
end

--- Parses argv against the command table: {command = the entry (nil when the words name none, or
-- only the first of two: `alerts`), words = {...} (the command's own, or the words given),
-- options = {...}}; raises a usage error on an unknown command or option, a missing or bad value,
-- or too many words.
-- syntax: parsed = args.parse(argv, commands)
function M.parse(argv, commands)
  local ok, result = M.parser(commands):pparse(argv)
  if not ok then fail("%s", (result:gsub("\nDid you mean", "; did you mean"):gsub("\n", " "))) end
  local options = {}
  for _, o in ipairs(M.OPTIONS) do
    local v = result[o.name]
    if o.kind == "flag" then
      if v then options[o.name] = true end
    elseif type(v) == "table" then
      if #v > 0 then options[o.name] = split_list(v) end
    elseif v ~= nil then
      options[o.name] = v
    end
  end
  local words = {result._command1, result._command2}
  local command
  for _, c in ipairs(commands) do
    if #c.words == #words and c.words[1] == words[1] and c.words[2] == words[2] then command = c end
  end
  if command then
    words = result._words or {}
    if type(words) == "string" then words = {words} end -- (argparse gives one word as it is)
  end
  return {command = command, words = words, options = options}
end

--- Splits `key=value` words into a table; a key given twice gathers an array. Returns the table and
-- the keys in order.
-- syntax: values, order = args.key_values({"id=P-1", "detailed=true"}, "call")
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
