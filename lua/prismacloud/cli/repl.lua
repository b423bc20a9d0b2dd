--- prismacloud.cli.repl: `prismacloud repl`, a Lua prompt with a connected client `pc`.
--
--   > pc.alerts:count("open")
--   > help(pc.alerts)                -- the family's functions with their syntax lines
--   > pc:operations("alert")         -- the catalog
--
-- Line editing, history (~/.prismacloud_history, mode 600, without the lines
-- that look like they carry a secret) and tab completion of fields and methods
-- come from lua-readline when it is installed and stdin is a terminal;
-- otherwise lines are read with io.read (statements can be piped in).
-- Results are pretty-printed (colour on a terminal unless NO_COLOR is set;
-- long lists cut with a count). `--emulator` starts the local emulator (in its
-- own session, out of reach of the terminal's Ctrl-C) and stops it (by its PID)
-- on exit. Ctrl-C at the prompt drops the line being typed (and pending
-- continuation lines) and starts a fresh prompt; this needs lua-cqueues (a
-- signalfd), without which the interpreter's own interruption applies.
local output = require "prismacloud.cli.output"

local M = {}

M.MAX_ITEMS = 10         -- array items shown at the top level (nested: half)
M.MAX_DEPTH = 4          -- nesting shown before "{...}"
M.LINE = 100             -- a table fitting in this many characters prints on one line

--------------------------------------------------------------------------
-- Pretty printing.
--------------------------------------------------------------------------

local COLOURS = {string = "32", number = "36", boolean = "35", ["nil"] = "35", note = "2", key = "34"}

local KEYWORDS = {}
for w in ([[and break do else elseif end false for function goto if in local nil not or repeat return then
  true until while]]):gmatch("%a+") do KEYWORDS[w] = true end

local is_error = require("prismacloud.errors").is_error

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b)
    local ta, tb = type(a), type(b)
    if ta ~= tb then return ta == "number" end
    if ta == "number" or ta == "string" then return a < b end
    return tostring(a) < tostring(b)
  end)
  return keys
end

local function is_sequence(t)
  local n = #t
  if n == 0 then return next(t) == nil end
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n
end

--- A readable rendering of any value: tables as Lua constructors (sorted keys,
-- long arrays cut with "... N more"), epoch milliseconds left as numbers.
-- opts: colour (ANSI), max_items, max_depth, response (show an HTTP response table
-- in one line: the REPL does so for the second value of `body, res` calls).
-- syntax: text = repl.pretty(value [, {colour = false}])
function M.pretty(value, opts)
  opts = opts or {}
  local colour = opts.colour
  local max_items = opts.max_items or M.MAX_ITEMS
  local max_depth = opts.max_depth or M.MAX_DEPTH
  local json = require "prismacloud.json"
  local function paint(kind, text)
    if colour and COLOURS[kind] then return "\27[" .. COLOURS[kind] .. "m" .. text .. "\27[0m" end
    return text
  end
  local seen = {}
  local render
  local function scalar(v)
    local t = type(v)
    if t == "string" then -- %q leaves C1 controls and invalid UTF-8 raw: output.printable shows them
      return paint("string", output.printable((("%q"):format(v):gsub("\\\n", "\\n"))))
    end
    if math.type(v) == "integer" then return paint("number", ("%d"):format(v)) end
    if t == "number" then return paint("number", ("%.14g"):format(v)) end
    if t == "boolean" or t == "nil" then return paint(t, tostring(v)) end
    if v == json.null then return paint("nil", "null") end
    if is_error(v) then return paint("note", "<error: " .. output.printable(tostring(v)) .. ">") end
    if t == "userdata" and getmetatable(v) == require("prismacloud.core").client_mt then
      return paint("note", "<prismacloud client: help(pc)>")
    end
    if t == "table" and opts.response and math.type(rawget(v, "status")) == "integer"
      and type(rawget(v, "headers")) == "table" then
      return paint("note", ("<response %d>"):format(v.status))
    end
    if t == "table" then
      local mt = getmetatable(v)
      if type(mt) == "table" and mt.__call and not rawget(v, 1) then
        return paint("note", "<iterator: for x in it do ... end, or it:next()>")
      end
      for name, module_name in pairs(require("prismacloud").families) do
        if mt ~= nil and mt == package.loaded[module_name] then
          return paint("note", ("<%s family: help(pc.%s)>"):format(name, name))
        end
      end
      return nil
    end
    return paint("note", "<" .. tostring(v) .. ">")
  end
  render = function(v, depth, indent)
    local s = scalar(v)
    if s then return s end
    if seen[v] then return paint("note", "<cycle>") end
    if depth >= max_depth then return paint("note", "{...}") end
    seen[v] = true
    local parts = {}
    local limit = depth == 0 and max_items or math.max(2, max_items // 2)
    if is_sequence(v) then
      for i = 1, math.min(#v, limit) do parts[#parts + 1] = render(v[i], depth + 1, indent .. "  ") end
      if #v > limit then parts[#parts + 1] = paint("note", ("... %d more (%d items)"):format(#v - limit, #v)) end
    else
      for _, k in ipairs(sorted_keys(v)) do
        local key
        if type(k) == "string" and k:match("^[%a_][%w_]*$") and not KEYWORDS[k] then
          key = paint("key", k)
        else
          key = "[" .. (scalar(k) or tostring(k)) .. "]"
        end
        parts[#parts + 1] = key .. " = " .. render(v[k], depth + 1, indent .. "  ")
      end
    end
    seen[v] = nil
    if #parts == 0 then return "{}" end
    local flat = "{" .. table.concat(parts, ", ") .. "}"
    local plain = flat:gsub("\27%[[%d;]*m", "")
    if #plain + #indent <= M.LINE and not plain:find("\n", 1, true) then return flat end
    return "{\n" .. indent .. "  " .. table.concat(parts, ",\n" .. indent .. "  ") .. "\n" .. indent .. "}"
  end
  return render(value, 0, "")
end

--------------------------------------------------------------------------
-- help(): functions and their syntax lines, read from the modules' sources.
--------------------------------------------------------------------------

-- The documented functions of a module (prismacloud.doc_comments reads them, as for the README).
local functions_of = require("prismacloud.doc_comments").functions_of

-- The client's methods written in C (prismacloud.core), documented in the README.
local CORE_METHODS = {
  {name = "request", summary = "Sends one request; the response for any HTTP status, nil, err when none came.",
   syntax = 'res, err = client:request("GET", "/v2/alert", {query = {...}, body = ..., headers = {...}})'},
  {name = "parallel", summary = "Sends many requests at once; results in request order.",
   syntax = 'results = client:parallel({{method = "GET", path = "/cloud"}, ...}, {concurrency = 16})'},
  {name = "login", summary = "Logs in now (otherwise the first request does).", syntax = "ok, err = client:login()"},
  {name = "session", summary = "The token's state (never the token itself).", syntax = "info = client:session()"},
  {name = "stats", summary = "Counts of requests, retries, logins, bytes.", syntax = "counts = client:stats()"},
  {name = "rate_limit", summary = "The last X-RateLimit-* figures the API sent.", syntax = "rl = client:rate_limit()"},
  {name = "close", summary = "Releases the connection; later calls raise.", syntax = "client:close()"},
}

local function family_name_of(v)
  local mt = getmetatable(v)
  for name, module_name in pairs(require("prismacloud").families) do
    if mt ~= nil and mt == package.loaded[module_name] then return name, module_name end
  end
  return nil
end

local function format_functions(title, list)
  local lines = {title}
  for _, fn in ipairs(list) do
    lines[#lines + 1] = ("  %-14s %s"):format(fn.name, fn.summary or "")
    if fn.syntax then lines[#lines + 1] = ("  %-14s %s"):format("", fn.syntax) end
  end
  return table.concat(lines, "\n")
end

--- The help text for a value: nothing (an overview), the client, a family or a family's name.
-- syntax: text = repl.help_text([value])
function M.help_text(v)
  local prismacloud = require "prismacloud"
  if type(v) == "string" and prismacloud.families[v] then
    return format_functions(("pc.%s (%s):"):format(v, prismacloud.families[v]),
      functions_of(prismacloud.families[v]))
  end
  local family, module_name = nil, nil
  if type(v) == "table" then family, module_name = family_name_of(v) end
  if family then
    return format_functions(("pc.%s (%s):"):format(family, module_name), functions_of(module_name))
  end
  if v ~= nil and not (type(v) == "userdata" and getmetatable(v) == require("prismacloud.core").client_mt) then
    return "help(pc) lists the client's methods, help(pc.<family>) a family's functions, help() the families"
  end
  local client_fns, seen = {}, {}
  for _, fn in ipairs(CORE_METHODS) do client_fns[#client_fns + 1], seen[fn.name] = fn, true end
  for _, m in ipairs{"prismacloud", "prismacloud.client"} do
    for _, fn in ipairs(functions_of(m)) do
      if fn.syntax and fn.syntax:find("client:", 1, true) and not seen[fn.name] then
        client_fns[#client_fns + 1], seen[fn.name] = fn, true
      end
    end
  end
  if v ~= nil then
    return format_functions("pc (the client; README lists every method):", client_fns)
  end
  local names = {}
  for name in pairs(prismacloud.families) do names[#names + 1] = name end
  table.sort(names)
  local lines = {"The client is `pc`; its families (help(pc.<family>) lists their functions):"}
  local row = "  "
  for _, name in ipairs(names) do
    if #row + #name > 90 then
      lines[#lines + 1] = row
      row = "  "
    end
    row = row .. name .. "  "
  end
  lines[#lines + 1] = row
  lines[#lines + 1] = format_functions("Client methods (help(pc)):", client_fns)
  lines[#lines + 1] = "REPL: help([x]), pp(value [, max_items]), exit(); `prismacloud`, `json` are loaded;"
    .. " Tab completes fields and methods."
  lines[#lines + 1] = "Examples: pc.alerts:count(\"open\");  pc.policies:list{severity = \"high\"};  "
    .. "pc:operations(\"alert\")"
  return table.concat(lines, "\n")
end

--------------------------------------------------------------------------
-- Completion.
--------------------------------------------------------------------------

-- The names a value offers after "." (or only methods after ":").
local function members(v, methods_only)
  local out = {}
  local function add_table(t, depth)
    if type(t) ~= "table" or depth > 3 then return end
    for k, x in pairs(t) do
      if type(k) == "string" and k:match("^[%a_][%w_]*$") and (not methods_only or type(x) == "function") then
        out[k] = true
      end
    end
    local mt = getmetatable(t)
    if type(mt) == "table" and type(mt.__index) == "table" then add_table(mt.__index, depth + 1) end
  end
  if type(v) == "table" then
    add_table(v, 0)
  elseif type(v) == "userdata" and getmetatable(v) == require("prismacloud.core").client_mt then
    add_table(require("prismacloud.core").Client, 0)
    if not methods_only then
      for name in pairs(require("prismacloud").families) do out[name] = true end
    end
  elseif type(v) == "string" then
    add_table(string, 0)
  end
  return out
end

--- Completions of the word at the end of a line ("pc.al" -> "pc.alerts", "pc.alerts:c" -> "pc.alerts:count").
-- syntax: list = repl.complete(env, word)
function M.complete(env, word)
  local head, sep, partial = word:match("^(.-)([.:]?)([%a_]?[%w_]*)$")
  local names
  if sep == "" then
    names = {}
    for k in pairs(members(env, false)) do names[k] = true end
    for k in pairs(members(_G, false)) do names[k] = true end
    for k in pairs(KEYWORDS) do names[k] = true end
  else
    local v = env
    for part in head:gmatch("[^.:]+") do
      if not part:match("^[%a_][%w_]*$") then return {} end
      local ok, x = pcall(function() return v[part] end)
      if not ok or x == nil then return {} end
      v = x
    end
    if head == "" then return {} end
    names = members(v, sep == ":")
  end
  local out = {}
  for k in pairs(names) do
    if k:sub(1, #partial) == partial then out[#out + 1] = head .. sep .. k end
  end
  table.sort(out)
  return out
end

--------------------------------------------------------------------------
-- The emulator (--emulator).
--------------------------------------------------------------------------

--- Starts bin/prismacloud-emulator (it stops by itself if this process dies);
-- returns {url, pid, stop = function}, or nil, message.
-- syntax: emu, err = repl.start_emulator(script)
function M.start_emulator(script)
  if not script then return nil, "cannot find prismacloud-emulator" end
  return require("prismacloud.emulator.process").start{script = script}
end

--------------------------------------------------------------------------
-- The loop.
--------------------------------------------------------------------------

--- The text of an error value, for the prompt: never raises (an error object whose
-- __tostring or __index raises gives a fallback text naming its type).
-- syntax: text = repl.error_text(e)
function M.error_text(e)
  local ok, text = pcall(function()
    if is_error(e) then return tostring(e) end
    return tostring(type(e) == "table" and e.message or e)
  end)
  if ok and type(text) == "string" then return text end
  return ("(an error value, a %s, that cannot be shown as text)"):format(type(e))
end

-- Words that make a line look like it carries a secret (lower case).
local SECRET_WORDS = {"secret", "password", "passwd", "token", "credential", "auth"}
-- Names whose assignment (`name = ...`, `name: ...`, also as the end of a name: `api_key =`) does.
local SECRET_NAMES = {"pw", "pwd", "pass", "password", "passwd", "key", "token"}

--- Whether a typed line may go into the history, a heuristic: not when it starts with a
-- space (as a shell's ignorespace), nor when it looks like it carries a secret: it names a
-- secret, password, passwd, token, credential or auth*, in any case (`secret_key = "..."`,
-- `{token = ...}`, `x-redlock-auth`), assigns a pw, pwd, pass, key or token (`pw = "..."`,
-- `api_key = ...`), or holds a JWT-looking string (`eyJ...`).
-- syntax: ok = repl.history_allows(line)
function M.history_allows(line)
  if line:find("^%s") then return false end
  local lower = line:lower()
  for _, word in ipairs(SECRET_WORDS) do
    if lower:find(word, 1, true) then return false end
  end
  if line:find("%f[%w_%-]eyJ[%w_%-]+") then return false end
  for name, eq in lower:gmatch("([%a_][%w_]*)%s*[=:](=?)") do
    for _, secret in ipairs(SECRET_NAMES) do
      if eq == "" and (name == secret or name:sub(-#secret - 1) == "_" .. secret) then return false end
    end
  end
  return true
end

-- The history file, made private (mode 600: created so, or an existing one
-- tightened) before readline reads or writes it; "" (no history) when HOME is
-- unset or the file cannot be made private (said once on stderr).
local function history_file()
  local home = os.getenv("HOME")
  if not home or home == "" then return "" end
  local path = home .. "/.prismacloud_history"
  local ok, err = require("prismacloud.core").private_file(path)
  if not ok then
    io.stderr:write("prismacloud: no history: ", output.printable(tostring(err)), "\n")
    return ""
  end
  return path
end

-- Ctrl-C while a line is read, with lua-cqueues: SIGINT is blocked and read from a
-- signalfd while the reader waits for input, so that it interrupts nothing and
-- kills nothing; it only drops the line being typed. Returns nil without
-- lua-cqueues (Ctrl-C then interrupts the way the interpreter does).
-- watch:wait() --> "input" (stdin is readable) or "interrupt"; watch:done() unblocks SIGINT.
local function interrupt_watch()
  local ok, signal = pcall(require, "cqueues.signal")
  if not ok then return nil end
  local cqueues = require "cqueues"
  local stdin = {pollfd = 0, events = "r"}
  local listener
  return {
    wait = function()
      signal.block(signal.SIGINT)
      listener = listener or signal.listen(signal.SIGINT)
      while true do
        local a, b = cqueues.poll(stdin, listener)
        if (a == listener or b == listener) and listener:wait(0) then return "interrupt" end
        if a == stdin or b == stdin then return "input" end
      end
    end,
    done = function()
      if listener then signal.unblock(signal.SIGINT) end
    end,
  }
end

-- A line reader: readline on a terminal when lua-readline is installed, else io.read.
-- read(prompt) returns the line, nil at the end of the input, or false when Ctrl-C
-- dropped what was being typed.
local function line_reader(env, interactive)
  local watch = interactive and interrupt_watch()
  if interactive then
    local ok, rl = pcall(require, "readline")
    if ok then
      -- lines go into the history here, not by readline (auto_add), so that
      -- those that look like they carry a secret can be left out
      rl.set_options{histfile = history_file(), keeplines = 1000, auto_add = false}
      rl.set_readline_name("prismacloud")
      rl.set_completion_append_character("")
      rl.set_complete_function(function(text, from, to)
        return M.complete(env, text:sub(from, to))
      end)
      local previous
      local function remember(line)
        if line and #line >= 2 and line ~= previous and M.history_allows(line) then
          rl.add_history(line)
          previous = line
        end
        return line
      end
      if not watch then
        return function(prompt) return remember(rl.readline(prompt)) end, function() rl.save_history() end
      end
      -- readline's callback interface: a character at a time, only once one is there.
      -- The handler is removed only from inside itself, once readline has ended the
      -- line and restored the terminal: lua-readline's handler_remove closes its
      -- terminal stream before readline writes the restoring sequence to it, which
      -- is safe only then. After Ctrl-C the handler stays, and the next install
      -- starts a fresh line (lua-readline keeps the stream it opened then, one a Ctrl-C).
      local done, line
      local function on_line(l)
        done, line = true, l
        rl.handler_remove()
      end
      return function(prompt)
        done, line = false, nil
        rl.handler_install(prompt, on_line)
        while not done do
          if watch.wait() == "interrupt" then
            io.stdout:write("^C\n")
            done, line = true, false
          else
            rl.read_char()
          end
        end
        watch.done()
        return line and remember(line) or line
      end, function() rl.save_history() end
    end
  end
  return function(prompt)
    if interactive then
      io.stdout:write(prompt)
      io.stdout:flush()
    end
    if watch then
      local event = watch.wait()
      watch.done()
      if event == "interrupt" then -- (the terminal drops the typed line itself and echoes ^C)
        io.stdout:write("\n")
        return false
      end
    end
    return io.read("l")
  end, function() end
end

-- Compiles a statement or an expression; "incomplete" when more lines are needed.
local function compile(source, env)
  local chunk = load("return " .. source, "=stdin", "t", env)
  if chunk then return chunk end
  local err
  chunk, err = load(source, "=stdin", "t", env)
  if chunk then return chunk end
  if err:match("<eof>$") then return nil, "incomplete" end
  return nil, err
end

--- Runs the REPL; returns the exit code. opts: options (the CLI's: emulator,
-- profile, verbose), emulator_script, connect (options -> client, err).
-- syntax: code = repl.run(opts)
function M.run(opts)
  local prismacloud = require "prismacloud"
  local options = opts.options or {}
  local interactive = output.isatty(0)
  local colour = output.use_colour(output.isatty(1))
  local emu, client
  if options.emulator then
    local err
    emu, err = M.start_emulator(opts.emulator_script)
    if not emu then
      io.stderr:write("prismacloud: ", err, "\n")
      return 1
    end
    io.stderr:write(("emulator %s (pid %d), stopped on exit\n"):format(emu.url, emu.pid))
    client = prismacloud.new{url = emu.url, access_key = "test-key", secret_key = "test-secret"}
  else
    local err
    client, err = opts.connect(options)
    if not client then
      io.stderr:write("prismacloud: no client (", output.printable((tostring(err):gsub("^prismacloud: ", ""))),
        "); pc is nil\n")
    end
  end

  local done = false
  local env = setmetatable({}, {__index = _G})
  env.pc, env.prismacloud, env.json = client, prismacloud, prismacloud.json
  env.help = function(v) print(M.help_text(v)) end
  env.pp = function(v, max_items) print(M.pretty(v, {colour = colour, max_items = max_items})) end
  env.exit = function() done = true end

  local read, save = line_reader(env, interactive)
  if interactive then
    io.stdout:write("prismacloud ", prismacloud._VERSION or "", " REPL: `pc` is the client; help() lists what ",
      "it has, exit() or Ctrl-D leaves\n")
  end
  local buffer
  while not done do
    local ok, line = pcall(read, buffer and ">> " or "> ")
    if not ok then -- Ctrl-C at the prompt, without lua-cqueues (the interpreter's interruption)
      io.stdout:write("\n")
      line = false
    end
    if line == false then -- Ctrl-C at the prompt: drop the pending lines
      buffer, line = nil, ""
    end
    if line == nil then break end
    buffer = buffer and (buffer .. "\n" .. line) or line
    if buffer:match("^%s*$") then
      buffer = nil
    else
      local chunk, err = compile(buffer, env)
      if err ~= "incomplete" then
        buffer = nil
        if not chunk then
          io.stdout:write("error: ", output.printable(err, true), "\n")
        else
          -- Ctrl-C while the line runs stops it: a transfer within a poll, Lua code at once
          local core = require "prismacloud.core"
          core.catch_interrupts(true)
          local results = table.pack(pcall(chunk))
          core.catch_interrupts(false)
          if not results[1] and (results[2] == "interrupted"
              or (is_error(results[2]) and results[2].kind == "interrupted")) then
            io.stdout:write("\ninterrupted\n") -- after the terminal's ^C
          elseif not results[1] then
            io.stdout:write("error: ", output.printable(M.error_text(results[2]), true), "\n")
          else
            for i = 2, results.n do
              io.stdout:write(M.pretty(results[i], {colour = colour, response = i > 2}), "\n")
            end
          end
        end
      end
    end
    io.stdout:flush()
  end
  if buffer then io.stdout:write("error: incomplete statement at the end of the input\n") end
  save()
  if client then client:close() end
  if emu then emu.stop() end
  return 0
end

return M
