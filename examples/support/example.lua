--- examples/support/example.lua: what every example shares (loaded with dofile, not a library module).
--
--   local example = dofile((arg[0]:match("^(.*/)") or "") .. "support/example.lua")
--   example.run(function(client)
--     local groups = example.check("listing account groups", client.account_groups:list())
--     example.writes(client, "creates and deletes an account group") -- refused off the emulator unless opted in
--     local _ <close> = example.cleanup("deleting the group", function() ... end)
--     ...
--   end)
--
-- - run(main): a client made as prismacloud.connect() makes it (the environment, then a profile), then
--   main(client). Any failure (a nil, err given to check, a prismacloud.Error a for-loop raised,
--   a bug) ends the script with ONE line on stderr, "<script>: <what> failed: <error>", and exit
--   code 1, after every cleanup guard ran. A refused write exits with code 2.
-- - writes(client, what): the example is about to change the tenant. On anything but the local emulator
--   (a loopback URL whose /_emulator/ control plane answers) it refuses, unless the environment
--   says PC_EXAMPLES_WRITE=1.
-- - cleanup(what, fn): a to-be-closed guard running fn when its block ends, however it ends;
--   a failing fn is reported on the same one line.
local prismacloud = require "prismacloud"

local M = {}

M.script = arg and arg[0] or "example"

-- What ended the run: {message =, code =} raised by check and writes.
local Failure = {}

local cleanup_failures = {}
local url -- the API URL the client talks to

-- One line: tabs and line breaks as spaces.
local function one_line(s)
  return (tostring(s):gsub("[\r\n\t]+", " "))
end

local function fail(message, code)
  error(setmetatable({message = message, code = code or 1}, Failure), 0)
end

--- What a call returned when its first value is not nil, else ends the run: "<what> failed: <err>".
-- what comes first so that a call can be the last argument: check("listing", client.alerts:list()).
-- syntax: v, ... = example.check(what, v, ...)
function M.check(what, v, ...)
  if v == nil then
    local err = ...
    fail(("%s failed: %s"):format(what, err == nil and "nothing found" or tostring(err)))
  end
  return v, ...
end

-- Whether the client talks to the local emulator: a loopback host whose control plane answers.
local function on_emulator(client)
  local host = url:match("^%a+://%[?([^/%]]+)") or ""
  host = host:gsub(":%d+$", ""):lower()
  local loopback = host == "localhost" or host:match("^127%.%d+%.%d+%.%d+$") or host == "::1"
  if not loopback then return false end
  local res = client:request("GET", "/_emulator/stats", {auth = false, retries = 0})
  return res ~= nil and res.status == 200 and type(res.body) == "table" and res.body.generation ~= nil
end

--- Refuses (exit code 2, one line) to go on changing anything but the local emulator, unless
-- PC_EXAMPLES_WRITE=1 is set.
-- syntax: example.writes(client, what)
function M.writes(client, what)
  if os.getenv("PC_EXAMPLES_WRITE") == "1" or on_emulator(client) then return end
  fail(("it %s: refused on %s, which is not the local emulator (set PC_EXAMPLES_WRITE=1 to allow it)")
    :format(what, url), 2)
end

--- A to-be-closed guard: fn() runs when the block that holds it ends, even by an error; a failure of
-- fn is reported (on the run's one line) and ends the run with code 1.
-- syntax: local _ <close> = example.cleanup(what, fn)
function M.cleanup(what, fn)
  return setmetatable({}, {__close = function()
    local ok, err = pcall(fn)
    if not ok then
      local message = getmetatable(err) == Failure and err.message or tostring(err)
      cleanup_failures[#cleanup_failures + 1] = ("%s failed: %s"):format(what, message)
    end
  end})
end

--- Connects and runs main(client); exits with one line on stderr and code 1 (2 for a refused write)
-- when anything failed.
-- syntax: example.run(main)
function M.run(main)
  local ok, failure = pcall(function()
    local opts, err = require("prismacloud.config").resolve()
    if not opts then fail("connecting failed: " .. tostring(err)) end
    url = opts.url
    local client <close> = prismacloud.new(opts)
    main(client)
  end)
  local messages = {}
  local code = 0
  if not ok then
    code = getmetatable(failure) == Failure and failure.code or 1
    messages[1] = getmetatable(failure) == Failure and failure.message or tostring(failure)
  end
  for _, m in ipairs(cleanup_failures) do
    messages[#messages + 1] = m
    if code == 0 then code = 1 end
  end
  if code ~= 0 then
    io.stdout:flush()
    io.stderr:write(M.script, ": ", one_line(table.concat(messages, "; ")), "\n")
    os.exit(code)
  end
end

return M
