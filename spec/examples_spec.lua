-- Every example in examples/ runs against the emulator and exits 0, with its credentials taken
-- from the environment as users would give them. Then each one is run again once for every
-- request it makes, with that request failing (an emulator fault on the n-th request, whatever
-- its path): the example reports the failure in one clear line (on stderr, exit code 1; or on
-- stdout where it reports per item and goes on), never a traceback, and leaves nothing behind
-- (or says that its cleanup failed). An example that changes the tenant (a request the catalog
-- does not call idempotent) must refuse a URL that is not the local emulator unless
-- PC_EXAMPLES_WRITE=1 is set.
local server = require "support.server"
local requests = require "spec.support.requests"
local files = require "spec.support.files"

local LUA_ENV = "PC_CONFIG_DIR=/nonexistent LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./?.so;;'"

-- Runs a command; returns whether it exited 0, its exit code, stdout and stderr.
local function run(cmd)
  local out, err = os.tmpname(), os.tmpname()
  local ok, _, code = os.execute(("%s > %s 2> %s"):format(cmd, out, err))
  local o, e = files.read(out), files.read(err)
  os.remove(out)
  os.remove(err)
  return ok == true, code, o, e
end

local function lines_of(text)
  local out = {}
  for line in text:gmatch("[^\n]+") do out[#out + 1] = line end
  return out
end

local function example_files()
  local p = io.popen("ls examples/*.lua")
  local list = {}
  for file in p:lines() do list[#list + 1] = file end
  p:close()
  return list
end

-- Whether an example's source guards its writes.
local function guards_writes(file)
  return files.read(file):find("example.writes(", 1, true) ~= nil
end

-- The objects a writing example may leave behind, by example: a function (client) -> names.
local LEFTOVERS = {
  ["examples/account_groups.lua"] = function(client)
    local out = {}
    for _, g in ipairs(assert(client.account_groups:list{details = false})) do
      if g.name:find("^example%-group%-") then out[#out + 1] = {name = g.name, id = g.id} end
    end
    return out, function(id) assert(client.account_groups:delete(id)) end
  end,
  ["examples/reports.lua"] = function(client)
    local out = {}
    for _, r in ipairs(assert(client.reports:list())) do
      if r.name:find("^Example AWS compliance") then out[#out + 1] = {name = r.name, id = r.id} end
    end
    return out, function(id) assert(client.reports:delete(id)) end
  end,
}

describe("examples", function()
  local srv, client

  setup(function()
    srv = server.start{alerts = 2000, csv_delay_ms = 0}
    assert(srv.request("POST", "/_emulator/reports", {delay_ms = 0}) == 200, "report settings refused")
    client = require("prismacloud").new{url = srv.url, access_key = "test-key", secret_key = "test-secret",
                                        retries = 0}
  end)
  teardown(function()
    if client then client:close() end
    if srv then srv.stop() end
  end)

  local function env(extra)
    return ("PC_URL=%s PC_IDENTITY=test-key PC_SECRET=test-secret %s %s"):format(srv.url, LUA_ENV, extra or "")
  end

  local function example(file, extra)
    return run(("env %s lua5.4 %s"):format(env(extra), file))
  end

  -- Fails the spec when a writing example left something behind; returns what it removed.
  local function check_leftovers(file, stderr)
    local leftovers = LEFTOVERS[file]
    if not leftovers then return end
    local left, delete = leftovers(client)
    for _, l in ipairs(left) do
      assert(stderr:find("failed", 1, true) and stderr:find("delet", 1, true),
        ("%s left %q behind without saying its cleanup failed:\n%s"):format(file, l.name, stderr))
      delete(l.id)
    end
  end

  for _, file in ipairs(example_files()) do
    local demo = file:find("demo%.lua$") ~= nil

    if not demo then -- the demo starts its own emulator without PC_URL: `make demo`, below
      it("runs " .. file, function()
        srv.clear()
        local ok, code, out, err = example(file)
        assert(ok, ("%s exited %s:\n%s%s"):format(file, tostring(code), out, err))
        assert.is_true(#out > 0)
        assert.is_nil((out .. err):find("test-secret", 1, true))
        check_leftovers(file, "")
        -- one that changes the tenant guards its writes
        local writes = {}
        for _, entry in ipairs(srv.requests()) do
          local id, op = requests.operation_of(entry)
          if op and not op.idempotent and entry.path ~= "/login" then writes[#writes + 1] = id end
        end
        if #writes > 0 then
          assert(guards_writes(file), ("%s changes the tenant (%s) without example.writes"):format(file,
            table.concat(writes, ", ")))
        end
      end)
    end

    it(file .. ": a failure of any of its requests is one clear line, and nothing is left behind", function()
      srv.clear()
      assert(example(file))
      local n = #srv.requests()
      assert.is_true(n >= 2)
      local faulted = 0
      for k = 0, n - 1 do
        srv.clear()
        local message = "injected fault " .. k
        srv.fault{path = "*", skip = k, status = 400, body = {message = message}}
        local ok, code, out, err = example(file)
        srv.clear_faults() -- a run that made fewer requests leaves its fault queued
        local hit
        for _, entry in ipairs(srv.requests()) do
          if entry.status == 400 and not hit then hit = entry end
        end
        local where = ("%s with request %d (%s %s) failing"):format(file, k + 1, hit and hit.method or "-",
          hit and hit.path or "not reached")
        assert.is_nil((out .. err):find("traceback", 1, true), where .. ":\n" .. err)
        if hit then
          faulted = faulted + 1
          if ok then -- handled where it happened: one line of the output says so
            local said = 0
            for _, line in ipairs(lines_of(out)) do
              if line:find(message, 1, true) then said = said + 1 end
            end
            assert(said == 1, ("%s exited 0 without reporting the failure on one line:\n%s"):format(where, out))
          else
            assert(code == 1, ("%s exited %s:\n%s"):format(where, tostring(code), err))
            local lines = lines_of(err)
            assert(#lines == 1, ("%s: %d lines on stderr:\n%s"):format(where, #lines, err))
            assert(lines[1]:find(file .. ": ", 1, true) == 1, where .. ": " .. lines[1])
            assert(lines[1]:find(message, 1, true), where .. ": the line does not carry the error: " .. lines[1])
          end
        else
          assert(ok, ("%s: no request failed, yet it exited %s:\n%s"):format(where, tostring(code), err))
        end
        check_leftovers(file, err)
      end
      assert.is_true(faulted >= n - 1, file .. ": the faults reached too few requests")
    end)

    if not demo and guards_writes(file) then
      it(file .. ": refuses a URL that is not the local emulator unless PC_EXAMPLES_WRITE=1", function()
        local function refused(url)
          local ok, code, out, err = run(("env %s PC_URL=%s lua5.4 %s"):format(env(), url, file))
          assert.is_false(ok)
          assert.equal(2, code, err)
          assert.equal("", out)
          local lines = lines_of(err)
          local refusal = lines[#lines]
          assert.matches("^" .. file:gsub("%p", "%%%0") .. ": it .* refused on " .. url:gsub("%p", "%%%0"), refusal)
          assert.truthy(refusal:find("PC_EXAMPLES_WRITE=1", 1, true))
        end
        refused("https://192.0.2.1") -- a remote host: refused before anything is sent
        -- a loopback server that is not the emulator (its control plane does not answer)
        srv.fault{path = "/_emulator/stats", status = 404, times = 3}
        srv.clear_requests()
        refused(srv.url)
        assert.same({}, srv.requests(), "a refused example sent API requests")
        -- opted in, it goes on
        local ok, code, _, err = example(file, "PC_EXAMPLES_WRITE=1")
        assert(ok, ("%s exited %s:\n%s"):format(file, tostring(code), err))
        srv.clear_faults()
        check_leftovers(file, "")
      end)
    end
  end

  it("runs the demo (which starts and stops its own emulator)", function()
    local ok, code, out, err = run("LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./?.so;;' "
      .. "env -u PC_URL lua5.4 examples/demo.lua")
    assert(ok, ("demo exited %s:\n%s%s"):format(tostring(code), out, err))
    assert.matches("open alerts in %d+ pages", out)
    assert.matches("RQL:", out)
  end)

  it("the README lists every example", function()
    local readme = files.read("README.md")
    local section = assert(readme:match("\n## Examples\n(.-)\n## "), "README.md has no Examples section")
    for _, file in ipairs(example_files()) do
      local name = file:match("([^/]+)$")
      assert(section:find("`" .. name .. "`", 1, true), "the README's Examples section lacks " .. name)
    end
  end)
end)
