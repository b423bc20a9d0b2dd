--- prismacloud.cli: the `prismacloud` command (bin/prismacloud): its commands, their dispatch
-- and exit codes (0 success, 1 API error, 2 usage error). Each command is one entry of a table:
-- its words, arguments, options, summary, description, example and run function; the parser
-- (prismacloud.cli.args, on lua-argparse), the help, the usage lines and the completion scripts
-- are all made from it.
--
--   os.exit(require("prismacloud.cli").main(arg, {emulator = "/usr/bin/prismacloud-emulator"}))
local args = require "prismacloud.cli.args"
local output = require "prismacloud.cli.output"

local M = {}

M.EXIT_OK, M.EXIT_API, M.EXIT_USAGE = 0, 1, 2

local stderr = io.stderr

local function usage_fail(fmt, ...)
  error(args.usage_error(select("#", ...) > 0 and fmt:format(...) or fmt), 0)
end

local is_error = require("prismacloud.errors").is_error

--------------------------------------------------------------------------
-- Connecting.
--------------------------------------------------------------------------

-- Writes where each setting came from (secrets redacted) to stderr.
local function describe_config(opts, sources)
  local config = require "prismacloud.config"
  local shown = config.describe(opts)
  local keys = {}
  for k in pairs(shown) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do
    if k == "access_key" or k == "secret_key" or k == "token" or k == "url" or k == "customer_name"
      or k == "verify" or k == "cafile" then
      stderr:write(output.printable(("* %s = %s (%s)"):format(k, tostring(shown[k]), sources[k] or "given")), "\n")
    end
  end
end

--- A client from --profile, the environment or the default profile; -v traces it.
-- Returns client, or nil, err when no settings can be found.
-- syntax: client, err = cli.connect({profile =, verbose =})
function M.connect(options)
  local config = require "prismacloud.config"
  local opts, sources = config.resolve(options.profile)
  if not opts then return nil, sources end
  if options.verbose then
    describe_config(opts, sources)
    -- one already-redacted line per request and response header line
    opts.trace = function(line) stderr:write(output.printable(line), "\n") end
  end
  return config.build(opts, sources)
end

--------------------------------------------------------------------------
-- Helpers of the commands.
--------------------------------------------------------------------------

local Context = {}
Context.__index = Context

-- The client is closed when the command ends, however it ends.
function Context:__close()
  if self._client then self._client:close() end
end

function Context:client()
  if not self._client then
    local client, err = M.connect(self.options)
    if not client then error(err, 0) end
    self._client = client
  end
  return self._client
end

-- The columns written: --columns, else (table, csv and html) the command's preset; nil: every field.
function Context:columns(preset)
  local columns = self.options.columns
  if not columns and output.WRITERS[self.format].presets then columns = preset end
  return columns
end

-- A writer for records with the command's default columns (used by table, csv and html).
function Context:writer(preset, title)
  return output.writer(self.format, {columns = self:columns(preset), colour = self.colour, title = title,
                                     out = self.out, width = self.width})
end

-- Writes the records of an array (up to --max-items).
function Context:write_list(list, preset, title)
  local w = self:writer(preset, title)
  for i, item in ipairs(list) do
    if self.options["max-items"] and i > self.options["max-items"] then break end
    w:row(item)
  end
  w:finish()
end

-- Writes the records an item iterator (pager.items) yields, with a progress
-- line on stderr (when it is a terminal) once a second page is being read.
function Context:write_items(items, preset, title)
  local w = self:writer(preset, title)
  local progress = output.isatty(2)
  local shown = false
  while true do
    local item, err = items:next()
    if item == nil then
      if shown then stderr:write("\r\27[K") end
      if err then error(err, 0) end
      break
    end
    w:row(item)
    if progress and items.pages.count >= 2 and w.count % 100 == 0 then
      shown = true
      stderr:write(("\r\27[K%d%s items (page %d)"):format(w.count,
        items.total and (" of ~%d"):format(items.total) or "", items.pages.count))
    end
  end
  w:finish()
end

local function many(list)
  if list == nil or #list == 0 then return nil end
  if #list == 1 then return list[1] end
  return list
end

-- Reads --body: a file, or stdin for "-"; decoded as JSON.
local function read_body(options)
  local path = options.body
  if path == nil then return nil end
  local text
  if path == "-" then
    text = io.stdin:read("a")
  else
    local f, err = io.open(path, "rb")
    if not f then usage_fail("--body: %s", tostring(err)) end
    text = f:read("a")
    f:close()
  end
  local ok, value = pcall(require("prismacloud.json").decode, text)
  if not ok then usage_fail("--body %s is not valid JSON: %s", path, tostring(value):gsub("^.-:%d+: ", "")) end
  return value
end

local ALERT_COLUMNS = {"id", "status", "alertTime", "policy.severity", "policy.name", "resource.account",
                       "resource.name"}

-- The policy fields an alert has without `detailed` (the others, like name and
-- severity, and resource.data, come only in detailed answers).
local ALERT_BRIEF_POLICY = {policyId = true, policyType = true, remediable = true, systemDefault = true}

-- Whether columns reach fields only detailed alerts have (policy.name, policy.severity, resource.data...).
local function needs_detailed(columns)
  for _, c in ipairs(columns or {}) do
    local field = c:match("^policy%.([^.]+)")
    if (field and not ALERT_BRIEF_POLICY[field]) or c == "resource.data" or c:match("^resource%.data%.") then
      return true
    end
  end
  return false
end

-- The alert filter table of the command's options.
local function alert_filter(o, default_since)
  return {
    time_range = o.since or default_since, status = many(o.status), severity = many(o.severity),
    policy_name = many(o.policy), cloud_type = many(o.cloud), account_name = many(o.account),
    account_group = many(o.group), detailed = o.detailed or nil, max_items = o["max-items"],
    page_size = o["page-size"] or (o["max-items"] and o["max-items"] <= 1000 and o["max-items"]) or nil,
  }
end

local ALERT_FILTER_OPTIONS = {since = true, status = true, severity = true, policy = true, cloud = true,
                              account = true, group = true, detailed = true, ["page-size"] = true}

-- Runs an RQL query through client.search: config (and `config from iam`), event
-- and network; writes the items (a network search: its whole answer).
local function run_rql(ctx, query)
  local o = ctx.options
  local max = o["max-items"]
  local search = ctx:client().search
  local kind = (query:match("^%s*(%a+)") or ""):lower()
  local paging = {time_range = o.since, max_items = max,
                  page_size = o["page-size"] or (max and max <= 1000 and max) or nil}
  if kind == "config" and query:lower():match("^%s*config%s+from%s+iam") then
    paging.time_range = nil
    return ctx:write_items(search:iam(query, paging), nil, "RQL: " .. query)
  elseif kind == "config" then
    return ctx:write_items(search:config(query, paging),
      {"id", "name", "cloudType", "accountName", "regionName", "resourceType", "insertTs"}, "RQL: " .. query)
  elseif kind == "event" then
    return ctx:write_items(search:event(query, paging), nil, "RQL: " .. query)
  elseif kind == "network" then
    local body, err = search:network(query, {time_range = o.since})
    if body == nil then error(err, 0) end
    return output.value(body, ctx.format, ctx:value_opts("RQL: " .. query))
  end
  usage_fail("an RQL query starts with config, event or network, not '%s'", query)
end

-- The arguments of `call ID key=value ...`: a key that is a path parameter of the operation fills
-- it, any other goes into the query (a key given twice sends both values); the body from --body.
-- They are checked as client:call checks them (catalog.prepare): a problem is a usage error.
local function operation_args(id, words, options)
  local catalog = require "prismacloud.catalog"
  local op = catalog.get(id)
  if not op then
    local close = catalog.suggest(id)
    usage_fail("unknown operation '%s'%s", id, #close > 0 and ("; did you mean " .. table.concat(close, ", ") .. "?")
      or "")
  end
  local values, order = args.key_values(words, "call " .. id)
  local path_names = {}
  for _, p in ipairs(op.params and op.params.path or {}) do path_names[p.name] = true end
  local call_args, query = {}, {}
  for _, k in ipairs(order) do
    if path_names[k] then call_args[k] = values[k] else query[k] = values[k] end
  end
  if next(query) then call_args.query = query end
  call_args.body = read_body(options)
  local ok, err = pcall(catalog.prepare, id, call_args)
  if not ok then usage_fail("%s", (tostring(err):gsub("^[^\n:]+%.lua:%d+: ", ""))) end
  return call_args
end

--------------------------------------------------------------------------
-- The commands.
--------------------------------------------------------------------------

-- The command table: the parser, the help, the usage lines and the completion scripts are read
-- from it. Each entry: words (what selects it); args (the words it takes after its own, as shown:
-- "QUERY", "[TEXT]", "[key=value ...]"); summary (its line in the overview; listed = false leaves it
-- out); about (what it does, for its help); example (a command line); options (the set of its own
-- options, besides the global ones of prismacloud.cli.args); defaults (shown after an option's
-- help); complete (what completes its words: "operation" ids, "command" words, a "shell", the
-- "emulator"'s own options, or "free" text); run(ctx).
local COMMANDS = {}

local function command(c)
  c.options = c.options or {}
  local min, max = args.arity(c)
  c.min_words, c.max_words = min, c.max_words or max
  COMMANDS[#COMMANDS + 1] = c
end

command{words = {"alerts", "list"}, summary = "the alerts matching the filters",
  example = "prismacloud alerts list --since 7d --severity high,critical -o csv",
  about = "The alerts matching the filters (of the last 24 hours unless --since says otherwise), read page by "
    .. "page. Tables, CSV and HTML show id, status, alertTime, policy.severity, policy.name, resource.account and "
    .. "resource.name; detailed alerts are asked for whenever the columns shown need them (policy.name, "
    .. "policy.severity, resource.data, ...). JSON and ndjson write the alerts as the API sends them.",
  options = ALERT_FILTER_OPTIONS, defaults = {since = "24h"}, run = function(ctx)
    local filter = alert_filter(ctx.options, "24h")
    -- detailed alerts when the columns shown need them (the default ones do: severity, policy name)
    if needs_detailed(ctx:columns(ALERT_COLUMNS)) then filter.detailed = true end
    ctx:write_items(ctx:client().alerts:each(filter), ALERT_COLUMNS, "Alerts")
  end}

command{words = {"alerts", "summary"},
  summary = "counts by severity, policy, cloud and account as bar charts, and a daily trend",
  example = "prismacloud alerts summary --since 7d -o html > alerts.html",
  about = "Counts of the alerts matching the filters (the open alerts of the last 30 days unless --status and "
    .. "--since say otherwise) by severity, policy (top 10), cloud and account, as bar charts, and a daily trend. "
    .. "-o html draws them as SVG in one page, -o json writes the counts, -o csv rows of group, key, count.",
  options = ALERT_FILTER_OPTIONS, defaults = {since = "30d", status = "open"}, run = function(ctx)
    local summary = require "prismacloud.cli.summary"
    local client = ctx:client()
    local o = ctx.options
    local filter = alert_filter(o, "30d")
    if not o.status then filter.status = "open" end
    local policies = {}
    if not o.detailed then
      local list, err = client.policies:list()
      if not list then error(err, 0) end
      for _, p in ipairs(list) do
        policies[p.policyId] = {name = p.name, severity = p.severity, cloudType = p.cloudType}
      end
    end
    local s = summary.collect(client.alerts:each(filter), policies,
      {since = filter.time_range, status = type(filter.status) == "table" and table.concat(filter.status, ",")
        or filter.status})
    if ctx.format == "table" then
      ctx.out:write(summary.text(s, {utf8 = output.utf8_locale(), colour = ctx.colour, width = ctx.width}))
    elseif ctx.format == "json" then
      ctx.out:write(output.json_text(s), "\n")
    elseif ctx.format == "html" then
      ctx.out:write(summary.html(s))
    else
      ctx:write_list(summary.rows(s), {"group", "key", "count"})
    end
  end}

command{words = {"policies", "list"}, summary = "the policies matching the filters",
  example = "prismacloud policies list --severity high --cloud aws --enabled true",
  about = "The policies matching the filters.",
  options = {severity = true, cloud = true, type = true, name = true, enabled = true}, run = function(ctx)
    local o = ctx.options
    local list, err = ctx:client().policies:list{severity = many(o.severity), cloud_type = many(o.cloud),
      type = o.type, name = o.name, enabled = o.enabled}
    if not list then error(err, 0) end
    ctx:write_list(list, {"policyId", "name", "severity", "policyType", "cloudType", "enabled", "lastModifiedOn"},
      "Policies")
  end}

command{words = {"rql"}, args = {"QUERY"}, summary = "what an RQL query finds",
  example = "prismacloud rql \"config from cloud.resource where api.name = 'aws-ec2-describe-instances'\"",
  about = "Runs an RQL query and writes what it finds: `config from cloud.resource` (resources), `config from "
    .. "iam` (permissions), `event from` (events) or `network from` (the whole answer).",
  options = {since = true, ["page-size"] = true}, complete = "free", run = function(ctx)
    local query = ctx.words[1]
    if not query or query == "" then usage_fail("rql needs a query") end
    run_rql(ctx, query)
  end}

command{words = {"accounts", "list"}, summary = "cloud accounts", example = "prismacloud accounts list -o csv",
  about = "The cloud accounts.", run = function(ctx)
    local list, err = ctx:client().cloud_accounts:list()
    if not list then error(err, 0) end
    ctx:write_list(list, {"name", "cloudType", "accountId", "enabled", "status", "lastModifiedTs"}, "Cloud accounts")
  end}

command{words = {"groups", "list"}, summary = "account groups", example = "prismacloud groups list",
  about = "The account groups.", run = function(ctx)
    local list, err = ctx:client().account_groups:list()
    if not list then error(err, 0) end
    ctx:write_list(list, {"id", "name", "description", "accountIds", "lastModifiedTs"}, "Account groups")
  end}

command{words = {"compliance", "list"}, summary = "compliance standards",
  example = "prismacloud compliance list --columns name,cloudType",
  about = "The compliance standards.", run = function(ctx)
    local list, err = ctx:client().compliance:list()
    if not list then error(err, 0) end
    ctx:write_list(list, {"id", "name", "cloudType", "policiesAssignedCount", "systemDefault"},
      "Compliance standards")
  end}

command{words = {"audit"}, summary = "the audit log", example = "prismacloud audit --since 7d",
  about = "The audit log (of the last 24 hours unless --since says otherwise).",
  options = {since = true}, defaults = {since = "24h"}, run = function(ctx)
    local list, err = ctx:client().audit_logs:list(ctx.options.since or "24h")
    if not list then error(err, 0) end
    ctx:write_list(list, {"timestamp", "user", "actionType", "resourceType", "resourceName", "result"},
      "Audit log")
  end}

command{words = {"call"}, args = {"OPERATION_ID", "[key=value ...]"}, summary = "any catalog operation",
  example = "prismacloud call get-alert id=P-1 detailed=true",
  about = "Calls any of the API's documented operations by its id (`prismacloud operations TEXT` finds them), "
    .. "with its path and query parameters as key=value (a key given twice sends both values) and its body "
    .. "from --body.",
  options = {body = true}, complete = "operation", run = function(ctx)
  local id = ctx.words[1]
  local call_args = operation_args(id, {table.unpack(ctx.words, 2)}, ctx.options)
  local body, err = ctx:client():call(id, call_args)
  if body == nil then error(err, 0) end
  if body ~= true then output.value(body, ctx.format, ctx:value_opts(id)) end -- true: a 2xx without a body
end}

command{words = {"operations"}, args = {"[TEXT]"},
  summary = "the catalog (id, method, path, summary) matching TEXT", example = "prismacloud operations \"alert rule\"",
  about = "The catalog of the API's documented operations (id, method, path, summary): those whose id, path "
    .. "or summary match TEXT (plain text or a Lua pattern, in any case) when it is given. Needs no credentials.",
  complete = "free", run = function(ctx)
  -- the library's search (client:operations): text or a Lua pattern, without regard to case
  local list = require("prismacloud.catalog").operations(ctx.words[1])
  ctx:write_list(list, {"id", "method", "path", "summary"}, "Operations")
end}

for _, method in ipairs{"get", "post", "put", "delete"} do
  command{words = {method}, args = {"PATH", "[key=value ...]"}, listed = method == "get",
  summary = "a raw request (also post, put, delete PATH [--body FILE|-])",
  example = ("prismacloud %s /cloud/name onlyActive=true"):format(method),
  about = ("A raw %s request to PATH (starting with /), with key=value words as its query%s."):format(
    method:upper(), method == "get" and "" or " and the body from --body"),
  options = method ~= "get" and {body = true} or nil, complete = "free", run = function(ctx)
    local path = ctx.words[1]
    if path:sub(1, 1) ~= "/" then usage_fail("%s needs a path starting with '/'", method) end
    local query = args.key_values({table.unpack(ctx.words, 2)}, method)
    -- the body (stdin for `--body -`) is read before the client exists: a secret_command reading
    -- stdin must not eat it, and a bad body is a usage error before anything runs
    local request_body = read_body(ctx.options)
    local body, err = ctx:client():send(method:upper(), path, {query = next(query) and query or nil,
                                                                body = request_body})
    if body == nil then error(err, 0) end
    if body ~= true then output.value(body, ctx.format, ctx:value_opts(path)) end -- true: a 2xx without a body
  end}
end

command{words = {"emulator"}, args = {"[its options ...]"},
  summary = "the local API emulator (see prismacloud emulator --help)",
  example = "prismacloud emulator --port 8443 --tls",
  about = "Serves the local API emulator (bin/prismacloud-emulator) until stopped; its options are its own.",
  complete = "emulator", run = function(ctx)
    return M.run_emulator(ctx.emulator_script, ctx.words)
  end}

command{words = {"repl"}, summary = "an interactive Lua prompt with a connected client `pc`",
  example = "prismacloud repl --emulator",
  about = "An interactive Lua prompt with a connected client `pc` (from the environment or --profile, or from "
    .. "a local emulator started and stopped with it under --emulator). help() there lists what it has; "
    .. "Ctrl-C drops the line being typed, exit() or Ctrl-D leaves.",
  options = {emulator = true}, run = function(ctx)
    return require("prismacloud.cli.repl").run{options = ctx.options, emulator_script = ctx.emulator_script,
                                                connect = M.connect}
  end}

command{words = {"help"}, args = {"[COMMAND]"},
  summary = "this help, or every option of a command (also: COMMAND --help)",
  example = "prismacloud help alerts list",
  about = "This overview, or the full help of a command: `prismacloud help alerts list`, or of every command "
    .. "a word starts (`prismacloud help alerts`).",
  max_words = 2, complete = "command", run = function(ctx)
    if #ctx.words == 0 then
      ctx.out:write(M.usage())
      return
    end
    if ctx.words[1] == "emulator" then return M.run_emulator(ctx.emulator_script, {"--help"}) end
    local found = M.commands_of(ctx.words)
    if #found == 0 then usage_fail("unknown command '%s'", table.concat(ctx.words, " ")) end
    ctx.out:write(M.help_of(found))
  end}

command{words = {"completion"}, args = {"SHELL"},
  summary = "the bash or zsh completion script (make install places both)",
  example = "prismacloud completion bash > ~/.local/share/bash-completion/completions/prismacloud",
  about = "Writes the completion script for bash or zsh, generated from the command table. `make install` "
    .. "places both; or load it by hand: `source <(prismacloud completion bash)`.",
  complete = "shell", run = function(ctx)
    local shell = ctx.words[1]
    local completion = require "prismacloud.cli.completion"
    if not completion[shell] then usage_fail("completion needs a shell: bash or zsh") end
    ctx.out:write(completion[shell](M.completion_table(ctx.emulator_script)))
  end}

function Context:value_opts(title)
  return {columns = self.options.columns, colour = self.colour, title = title, out = self.out,
          max_items = self.options["max-items"], width = self.width,
          terminal = self.out == io.stdout and output.isatty(1)}
end

--------------------------------------------------------------------------
-- Dispatch.
--------------------------------------------------------------------------

-- The command whose words start the given words (the longest match).
local function find_command(words)
  local best
  for _, c in ipairs(COMMANDS) do
    local match = #words >= #c.words
    for i, w in ipairs(c.words) do match = match and words[i] == w end
    if match and (not best or #c.words > #best.words) then best = c end
  end
  return best
end

--- The commands a list of words names: the one it selects, else every command it starts.
-- syntax: list = cli.commands_of({"alerts"})
function M.commands_of(words)
  local c = find_command(words)
  if c then return {c} end
  local out = {}
  for _, x in ipairs(COMMANDS) do
    local match = #words > 0
    for i, w in ipairs(words) do match = match and x.words[i] == w end
    if match then out[#out + 1] = x end
  end
  return out
end

-- text wrapped at width, each line starting with indent (the first with first, when given).
local function wrap(text, width, indent, first)
  local lines, line = {}, first or indent
  local fresh = true
  for word in text:gmatch("%S+") do
    if not fresh and #line + 1 + #word > width then
      lines[#lines + 1] = line
      line, fresh = indent, true
    end
    line = line .. (fresh and "" or " ") .. word
    fresh = false
  end
  lines[#lines + 1] = line
  return table.concat(lines, "\n")
end

local WIDTH = 100

-- One option's help line(s): "  -o, --output FMT   text".
local function option_help(o, default)
  local left = (o.short and ("-" .. o.short .. ", ") or "") .. "--" .. o.name
    .. (o.metavar and (" " .. o.metavar) or "")
  local text = o.help
  if o.kind == "list" and o.name ~= "columns" then text = text .. " (repeat, or separate by commas)" end
  if default then text = text .. (" (default %s)"):format(default) end
  if #left > 18 then return "  " .. left .. "\n" .. wrap(text, WIDTH, (" "):rep(21)) end
  return wrap(text, WIDTH, (" "):rep(21), ("  %-18s "):format(left))
end

-- A command's words and arguments: "alerts list", "call OPERATION_ID [key=value ...]".
local function head_of(c)
  local head = table.concat(c.words, " ")
  if c.args then head = head .. " " .. table.concat(c.args, " ") end
  return head
end

--- A command's usage line, from its entry: its words, its arguments and its first options
-- (with their defaults).
-- syntax: line = cli.usage_of(command)
function M.usage_of(c)
  local shown = {}
  for _, o in ipairs(args.OPTIONS) do
    if c.options[o.name] then
      local value = c.defaults and c.defaults[o.name] or o.metavar
      shown[#shown + 1] = "[--" .. o.name .. (value and (" " .. value) or "") .. "]"
    end
  end
  if #shown > 3 then shown = {shown[1], shown[2], shown[3], "..."} end
  return "prismacloud " .. head_of(c) .. (#shown > 0 and (" " .. table.concat(shown, " ")) or "")
end

local FOOTER = "Credentials: PC_URL, PC_IDENTITY, PC_SECRET (or PRISMACLOUD_*), or a profile file.\n"
  .. "Exit codes: 0 success, 1 API error, 2 usage error.\n"

--- The overview: every listed command with its summary, the options any command takes.
-- syntax: text = cli.usage()
function M.usage()
  local out = {"usage: prismacloud <command> [options]", "", "Commands:"}
  for _, c in ipairs(COMMANDS) do
    if c.listed ~= false then
      local head = head_of(c)
      if #head > 26 then
        out[#out + 1] = "  " .. head
        out[#out + 1] = wrap(c.summary, WIDTH, (" "):rep(30))
      else
        out[#out + 1] = wrap(c.summary, WIDTH, (" "):rep(30), ("  %-27s "):format(head))
      end
    end
  end
  out[#out + 1] = ""
  out[#out + 1] = "Options (any command):"
  for _, o in ipairs(args.OPTIONS) do
    if o.global or o.name == "page-size" then out[#out + 1] = option_help(o) end
  end
  out[#out + 1] = ""
  out[#out + 1] = "`prismacloud help COMMAND` (or COMMAND --help) lists every option of a command."
  return table.concat(out, "\n") .. "\n" .. FOOTER
end

--- The full help of commands: usage line, what it does, every option it takes, an example.
-- syntax: text = cli.help_of(commands)
function M.help_of(list)
  local parts = {}
  for _, c in ipairs(list) do
    local own, global = {}, {}
    for _, o in ipairs(args.OPTIONS) do
      if c.options[o.name] then own[#own + 1] = option_help(o, c.defaults and c.defaults[o.name]) end
      if o.global then global[#global + 1] = option_help(o) end
    end
    local out = {"usage: " .. M.usage_of(c), "", wrap(c.about, WIDTH, "")}
    if #own > 0 then
      out[#out + 1] = "\nOptions:\n" .. table.concat(own, "\n")
    end
    out[#out + 1] = "\nOptions of every command:\n" .. table.concat(global, "\n")
    if c.example then out[#out + 1] = "\nExample:\n  " .. c.example end
    parts[#parts + 1] = table.concat(out, "\n") .. "\n"
  end
  return table.concat(parts, "\n") .. "\n" .. FOOTER
end

--- The version line: prismacloud, Lua and libcurl.
-- syntax: text = cli.version()
function M.version()
  local core = require "prismacloud.core"
  return ("prismacloud %s (%s, libcurl %s)\n"):format(require("prismacloud")._VERSION, _VERSION,
    core.curl_version)
end

--- What the completion scripts are generated from: the commands (words, options,
-- args), the options (kind, short name, values), the catalog's operation ids and
-- the emulator's options (read from its script's usage text).
-- syntax: t = cli.completion_table([emulator_script])
function M.completion_table(emulator_script)
  local commands = {}
  for _, c in ipairs(COMMANDS) do
    local options = {}
    for name in pairs(c.options) do options[#options + 1] = name end
    table.sort(options)
    commands[#commands + 1] = {words = c.words, options = options, args = c.complete}
  end
  local global, kinds, short, values = {}, {}, {}, {}
  for _, o in ipairs(args.OPTIONS) do
    if o.global then global[#global + 1] = o.name end
    kinds[o.name], values[o.name] = o.kind, o.values
    if o.short then short[o.short] = o.name end
  end
  local ids = {}
  for id in pairs(require "prismacloud.operations") do ids[#ids + 1] = id end -- (data only: no C core)
  table.sort(ids)
  local emulator_options = {}
  local f = emulator_script and io.open(emulator_script)
  if f then
    local text = f:read("a")
    f:close()
    for name in (text:match("local USAGE = %[%[(.-)%]%]") or ""):gmatch("\n%s+(%-%-[%w-]+)") do
      emulator_options[#emulator_options + 1] = name
    end
  end
  return {commands = commands, global = global, kinds = kinds, short = short, values = values,
          operations = ids, emulator_options = emulator_options}
end

-- Runs the emulator script with the rest of the command line as its own.
function M.run_emulator(script, rest)
  if not script or not io.open(script) then
    stderr:write("prismacloud: cannot find prismacloud-emulator next to this script\n")
    return M.EXIT_USAGE
  end
  local saved = arg
  local emulator_arg = {[0] = script}
  for i, a in ipairs(rest) do emulator_arg[i] = a end
  _G.arg = emulator_arg
  dofile(script)
  _G.arg = saved
  return M.EXIT_OK
end

-- One line of an error value (a prismacloud.Error, a message or anything else),
-- harmless for a terminal (output.printable: an API's message may hold anything).
local function message_of(e)
  local text
  if is_error(e) then
    text = tostring(e):gsub("^prismacloud: ", "")
  else
    text = tostring(type(e) == "table" and e.message or e):gsub("^[^\n:]+%.lua:%d+: ", "")
  end
  return output.printable((text:gsub("%s*\n%s*", " ")))
end

local function run(argv, env)
  if argv[1] == "emulator" then return M.run_emulator(env.emulator_script, {table.unpack(argv, 2)}) end
  -- the command the words name, for the usage line of a usage error (before the parser has spoken)
  local words = {}
  for _, a in ipairs(argv) do
    if a:sub(1, 1) ~= "-" and #words < 2 then words[#words + 1] = a end
  end
  env.command = M.commands_of(words)[1]
  if #M.commands_of(words) ~= 1 then env.command = nil end
  local parsed = args.parse(argv, COMMANDS)
  local o, cmd = parsed.options, parsed.command
  env.command = cmd
  if o.version then
    io.stdout:write(M.version())
    return M.EXIT_OK
  end
  if not cmd then
    if #parsed.words == 0 then
      if o.help then
        io.stdout:write(M.usage())
        return M.EXIT_OK
      end
      usage_fail("no command given")
    end
    local list = M.commands_of(parsed.words) -- `alerts`: every command the word starts
    if o.help then
      io.stdout:write(M.help_of(list))
      return M.EXIT_OK
    end
    local subs = {}
    for _, c in ipairs(list) do subs[#subs + 1] = c.words[2] end
    usage_fail("'%s' needs one of: %s", parsed.words[1], table.concat(subs, ", "))
  end
  if o.help then
    io.stdout:write(M.help_of{cmd})
    return M.EXIT_OK
  end
  if #parsed.words < cmd.min_words then
    usage_fail("'%s' needs %s", table.concat(cmd.words, " "), table.concat(cmd.args, " "))
  end
  if #parsed.words > cmd.max_words then
    usage_fail("'%s' takes no argument '%s'", table.concat(cmd.words, " "), parsed.words[cmd.max_words + 1])
  end
  local out = env.out or io.stdout
  local stdout_tty = output.isatty(1)
  local format = o.output or (stdout_tty and "table" or "json")
  local ctx <close> = setmetatable({words = parsed.words, options = o, format = format, out = out,
                            colour = format == "table" and output.use_colour(stdout_tty),
                            width = format == "table" and (stdout_tty or os.getenv("COLUMNS")) and
                              output.terminal_width() or nil,
                            emulator_script = env.emulator_script}, Context)
  return cmd.run(ctx) or M.EXIT_OK
end

--- Runs the command line; returns the exit code (0, 1 API error, 2 usage error).
-- Errors are one line on stderr (`PRISMACLOUD_DEBUG=1` adds the Lua traceback).
-- syntax: code = cli.main(argv [, {emulator_script = path}])
function M.main(argv, env)
  env = env or {}
  -- The library reports what a user must know (TLS verification turned off,
  -- a failing hook) as Lua warnings, which the interpreter keeps silent until
  -- asked: a command line shows them, one line each on stderr.
  warn("@on")
  local debug_on = os.getenv("PRISMACLOUD_DEBUG")
  local ok, result = xpcall(run, function(e)
    if debug_on and debug_on ~= "" and not args.is_usage_error(e) and not is_error(e) then
      return {traceback = debug.traceback(tostring(e), 2), value = e}
    end
    return {value = e}
  end, argv, env)
  if ok then return result end
  local e = result.value
  if result.traceback then stderr:write(output.printable(result.traceback, true), "\n") end
  if args.is_usage_error(e) then
    stderr:write("prismacloud: ", output.printable(e.message), "\n")
    stderr:write(env.command and ("usage: " .. M.usage_of(env.command) .. "\n") or
      "usage: prismacloud <command> [options] (prismacloud --help lists them)\n")
    return M.EXIT_USAGE
  end
  if is_error(e) then
    stderr:write("prismacloud: ", message_of(e), "\n")
    return M.EXIT_API
  end
  -- a Lua error raised for bad arguments (a bad filter value, time range, profile name)
  stderr:write("prismacloud: ", message_of(e), "\n")
  if env.command then stderr:write("usage: ", M.usage_of(env.command), "\n") end
  return M.EXIT_USAGE
end

return M
