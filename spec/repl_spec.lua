-- `prismacloud repl`: statements piped in (no terminal) against its own
-- emulator (--emulator, stopped by PID on exit) and against the spec's
-- emulator (credentials from the environment); help() prints the syntax lines
-- of the family's source; results are pretty-printed and long lists cut with
-- a count; errors are reported and the loop goes on. With tmux, one session
-- on a real terminal: readline completion, colour and history.
local server = require "spec.support.server"
local files = require "spec.support.files"
local shell_quote, read_file, write_file = files.shell_quote, files.read, files.write
local requests = require "spec.support.requests"
local prismacloud = require "prismacloud"
local repl = require "prismacloud.cli.repl"

local BASE_ENV = "env -u PC_URL -u PC_IDENTITY -u PC_SECRET -u PRISMACLOUD_URL -u PRISMACLOUD_USERNAME "
  .. "-u PRISMACLOUD_PASSWORD PC_CONFIG_DIR=/nonexistent HOME=/nonexistent "
  .. "LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./?.so;;' NO_COLOR= "

-- Pipes lines into `prismacloud repl <args>`; returns exit code, stdout, stderr.
local function run_repl(args, lines, env)
  local input, out, err = os.tmpname(), os.tmpname(), os.tmpname()
  write_file(input, table.concat(lines, "\n") .. "\n")
  local _, _, code = os.execute(("%s %s lua5.4 bin/prismacloud repl %s < %s > %s 2> %s"):format(BASE_ENV, env or "",
    args, shell_quote(input), shell_quote(out), shell_quote(err)))
  local o, e = read_file(out), read_file(err)
  os.remove(input)
  os.remove(out)
  os.remove(err)
  return code, o, e
end

-- The `-- syntax:` lines of a module's source.
local function syntax_lines(module_name)
  local out = {}
  for line in io.lines(package.searchpath(module_name, package.path)) do
    local s = line:match("^%-%-%s*syntax:%s*(.-)%s*$")
    if s then out[#out + 1] = s end
  end
  return out
end

describe("prismacloud repl", function()
  it("runs piped statements against its own emulator and stops it on exit", function()
    local code, out, err = run_repl("--emulator", {
      'pc.alerts:count("open")',
      "help(pc.alerts)",
      'pc:operations("alert")',
      "for i = 1, 2 do",
      "  print('line ' .. i)",
      "end",
      'error("boom")',
      "x = = 1",
      'pc.alerts:get("P-0")',
      "local t = {} t.self = t return t",
      "exit()",
      'print("not reached")',
    })
    assert.equals(0, code, err)
    local url, pid = err:match("emulator (http://%S+) %(pid (%d+)%)")
    assert.is_string(url)
    pid = tonumber(pid)
    assert.is_true(server.wait_exit(pid, 10), "the emulator is still running")

    local lines = {}
    for line in out:gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
    assert.matches("^%d+$", lines[1])
    assert.equals("pc.alerts (prismacloud.alerts):", lines[2]) -- the count alone: no response table after it
    for _, s in ipairs(syntax_lines("prismacloud.alerts")) do
      assert.truthy(out:find(s, 1, true), "help(pc.alerts) lacks: " .. s)
    end
    local n = #prismacloud.new{url = "http://127.0.0.1:1"}:operations("alert")
    assert.is_true(n > 10)
    assert.truthy(out:find(("... %d more (%d items)"):format(n - repl.MAX_ITEMS, n), 1, true))
    assert.truthy(out:find("\nline 1\nline 2\n", 1, true))
    assert.truthy(out:find("\nerror: stdin:1: boom\n", 1, true))
    assert.matches("\nerror: stdin:1: unexpected symbol near '='\n", out)
    assert.truthy(out:find("\nnil\n<error: prismacloud: not_found error:", 1, true))
    assert.truthy(out:find("{self = <cycle>}", 1, true))
    assert.is_nil(out:find("not reached", 1, true))
    assert.is_nil(out:find("stack traceback", 1, true))
  end)

  describe("with credentials from the environment", function()
    local srv

    setup(function() srv = server.start{policies = 120} end)
    teardown(function() if srv then srv.stop() end end)

    it("connects `pc`, cuts a long list with a count and sends catalog requests", function()
      srv.clear()
      local code, out, err = run_repl("", {"pc.policies:list()", "help()", "help(pc)"},
        ("PC_URL=%s PC_IDENTITY=test-key PC_SECRET=test-secret"):format(shell_quote(srv.url)))
      assert.equals(0, code, err)
      requests.check(requests.only(srv, "/v2/policy"), "get-policies-v2")
      local client = prismacloud.new{url = srv.url, access_key = "test-key", secret_key = "test-secret"}
      local n = #assert(client.policies:list())
      client:close()
      assert.is_true(n > repl.MAX_ITEMS)
      assert.truthy(out:find(("... %d more (%d items)"):format(n - repl.MAX_ITEMS, n), 1, true))
      assert.matches("alerts%s+audit_logs", out)
      for _, s in ipairs{"res, err = client:request(", "body, err = client:call(", "list = client:operations("} do
        assert.truthy(out:find(s, 1, true), s)
      end
    end)

    it("keeps out of the history lines starting with a space, assigning a pw, pass, key or token, or a JWT",
      function()
      for _, line in ipairs{' x = "anything"', '\tx = 1', 'pw = "Hunter4"', 't = {pass = "x"}', "pwd='x'",
                            'key = "k-123"', "api_key: 1", 'c = "eyJhbGciOiJIUzI1NiJ9.e30.sig"', "tok = 'eyJ0eXAi'",
                            'secret_key = "x"', "x_auth = 1"} do
        assert.is_false(repl.history_allows(line), line)
      end
      for _, line in ipairs{"x = 1", 'pc.alerts:list{status = "open"}', "pw == nil", "monkey = 2",
                            'print("mark " .. 5)', "keys = {}"} do
        assert.is_true(repl.history_allows(line), line)
      end
    end)

    it("goes on after an error object whose __tostring raises", function()
      local code, out, err = run_repl("", {
        'error(setmetatable({}, {__tostring = function() error("nope") end}))',
        'error(setmetatable({}, {__index = function() error("nope") end}))',
        'print("after")'})
      assert.equals(0, code, err)
      local _, n = out:gsub("error: %(an error value, a table, that cannot be shown as text%)", "")
      assert.equals(2, n, out)
      assert.truthy(out:find("after\n", 1, true), out)
    end)

    it("starts without a client when there are no credentials, and says so", function()
      local code, out, err = run_repl("", {"pc", "help(pc.alerts)", 'help("policies")'})
      assert.equals(0, code)
      assert.truthy(err:find("no client (", 1, true), err)
      assert.truthy(err:find("no API URL", 1, true), err)
      assert.truthy(err:find("pc is nil", 1, true), err)
      assert.truthy(out:find("nil\n", 1, true))
      for _, s in ipairs(syntax_lines("prismacloud.policies")) do assert.truthy(out:find(s, 1, true), s) end
    end)
  end)

  describe("pretty printing and completion", function()
    it("prints tables with sorted keys, cuts arrays, colours only when asked", function()
      local list = {}
      for i = 1, 25 do list[i] = {id = i} end
      local text = repl.pretty(list)
      assert.matches("^{\n  {id = 1},\n  {id = 2},\n", text)
      assert.truthy(text:find("... 15 more (25 items)", 1, true))
      assert.equals('{[1] = false, a = 1, b = "x", ["not a name"] = true}',
        repl.pretty({b = "x", a = 1, ["not a name"] = true, [1] = false}))
      assert.is_nil(repl.pretty({a = "x"}):find("\27", 1, true))
      assert.truthy(repl.pretty({a = "x"}, {colour = true}):find("\27[32m\"x\"\27[0m", 1, true))
    end)

    it("completes fields and methods of the client and its families", function()
      local client = prismacloud.new{url = "http://127.0.0.1:1"}
      local env = setmetatable({pc = client}, {__index = _G})
      local fams = repl.complete(env, "pc.al")
      assert.truthy(fams[1])
      for _, c in ipairs(fams) do assert.matches("^pc%.al", c) end
      local has = {}
      for _, c in ipairs(fams) do has[c] = true end
      assert.is_true(has["pc.alerts"])
      local counts = repl.complete(env, "pc.alerts:cou")
      assert.equals("pc.alerts:count", counts[1])
      for _, c in ipairs(counts) do assert.matches("^pc%.alerts:count", c) end
      assert.same({}, repl.complete(env, "pc.alerts:client"))  -- a field, not a method
      assert.same({"pc.alerts.client"}, repl.complete(env, "pc.alerts.clie"))
      assert.same({"pc:call"}, repl.complete(env, "pc:cal"))
      assert.same({"string.format"}, repl.complete(env, "string.form"))
      assert.same({}, repl.complete(env, "nosuch.x"))
      client:close()
    end)
  end)

  describe("on a real terminal (tmux)", function()
    local has_tmux = os.execute("command -v tmux > /dev/null 2>&1") == true
    local has_readline = pcall(require, "readline")
    if not (has_tmux and has_readline) then
      pending("tmux or lua-readline is not installed")
      return
    end

    local socket_name = ("prismacloud-repl-spec-%d"):format(math.random(1, 1e9))
    local home

    local function tmux(args)
      local p = io.popen(("tmux -L %s %s 2>/dev/null"):format(socket_name, args))
      local text = p:read("a")
      p:close()
      return text
    end

    -- Polls the pane until it shows pattern (bounded); returns the pane's text.
    local function wait_for(pattern, plain)
      local text = ""
      for _ = 1, 400 do
        text = tmux("capture-pane -p -e -t repl")
        if text:find(pattern, 1, plain) then return text end
        os.execute("sleep 0.05")
      end
      error("the terminal never showed " .. pattern .. "; it shows:\n" .. text)
    end

    setup(function() home = files.temp_dir() end)

    teardown(function()
      tmux("kill-server")
      if home then files.remove_dir(home) end
    end)

    it("completes with Tab, colours results and keeps history", function()
      local cmd = ("env -u NO_COLOR -u PC_URL HOME=%s TERM=xterm-256color PC_CONFIG_DIR=/nonexistent "
        .. "LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./?.so;;' lua5.4 bin/prismacloud repl --emulator")
        :format(shell_quote(home))
      tmux(("new-session -d -s repl -x 160 -y 50 %s"):format(shell_quote(cmd)))
      wait_for("\n>", true)
      tmux("send-keys -t repl 'pc.alerts:cou' Tab")
      wait_for("> pc.alerts:count", true)
      tmux("send-keys -t repl '(\"open\")' Enter")
      local text = wait_for("\27%[36m%d+")
      assert.matches("> pc%.alerts:count%(\"open\"%)", text:gsub("\27%[[%d;]*m", ""))
      tmux("send-keys -t repl 'exit()' Enter")
      for _ = 1, 400 do
        if not tmux("list-sessions"):find("repl", 1, true) then break end
        os.execute("sleep 0.05")
      end
      assert.is_nil(tmux("list-sessions"):find("repl:", 1, true))
      local history = read_file(home .. "/.prismacloud_history") or ""
      assert.truthy(history:find('pc.alerts:count("open")', 1, true), history)
    end)

    describe("history file (issue 13, finding 18)", function()
      -- Runs one REPL session in tmux with HOME = dir, typing each line; returns
      -- once the session has ended.
      local function session(dir, lines)
        local cmd = ("env -u PC_URL NO_COLOR=1 HOME=%s TERM=xterm-256color PC_CONFIG_DIR=/nonexistent "
          .. "LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./?.so;;' lua5.4 bin/prismacloud repl")
          :format(shell_quote(dir))
        tmux(("new-session -d -s hist -x 160 -y 50 %s"):format(shell_quote(cmd)))
        local function pane() return tmux("capture-pane -p -t hist") end
        local function wait(pattern)
          for _ = 1, 400 do
            if pane():find(pattern, 1, true) then return end
            os.execute("sleep 0.05")
          end
          error("the terminal never showed " .. pattern .. "; it shows:\n" .. pane())
        end
        wait("\n>")
        for i, line in ipairs(lines) do
          tmux(("send-keys -t hist -l %s"):format(shell_quote(line)))
          tmux("send-keys -t hist Enter")
          wait(("mark %d"):format(i))
        end
        tmux("send-keys -t hist 'exit()' Enter")
        for _ = 1, 400 do
          if not tmux("list-sessions"):find("hist:", 1, true) then return end
          os.execute("sleep 0.05")
        end
        error("the REPL did not end")
      end

      local function mode_of(path)
        return ("%o"):format(assert(require("prismacloud.core").file_info(path)).mode)
      end

      -- Statements, each printing "mark <n>" so that the spec knows it ran.
      local LINES = {
        'x = 1 print("mark 1")',
        'opts = {access_key = "k", secret_key = "Hunter2-Secret-Key"} print("mark 2")',
        'pw = {password = "Hunter3-Password"} print("mark 3")',
        'auth = {token = "eyJ-Token-Value"} print("mark 4")',
        'print("mark " .. 5)',
      }

      it("is created with mode 600, and lines that look like they carry a secret stay out of it", function()
        local dir = files.temp_dir()
        os.execute("chmod 755 " .. shell_quote(dir)) -- a usual home: others may list it
        session(dir, LINES)
        local path = dir .. "/.prismacloud_history"
        local history = read_file(path) or ""
        local mode = mode_of(path)
        files.remove_dir(dir)
        assert.equal("600", mode)
        assert.truthy(history:find('x = 1 print("mark 1")', 1, true), history)
        assert.truthy(history:find('print("mark " .. 5)', 1, true), history)
        for _, secret in ipairs{"Hunter2", "Hunter3", "eyJ-Token"} do
          assert.is_nil(history:find(secret, 1, true), secret .. " is in the history:\n" .. history)
        end
      end)

      it("tightens an existing history file readable by others to 600, keeping its lines", function()
        local dir = files.temp_dir()
        local path = dir .. "/.prismacloud_history"
        write_file(path, "old_line = 1\n")
        os.execute("chmod 644 " .. shell_quote(path))
        session(dir, {LINES[1]})
        local history = read_file(path) or ""
        local mode = mode_of(path)
        files.remove_dir(dir)
        assert.equal("600", mode)
        assert.truthy(history:find("old_line = 1\n", 1, true), history)
        assert.truthy(history:find('x = 1 print("mark 1")', 1, true), history)
      end)
    end)

    it("Ctrl-C at the idle prompt drops the typed line, leaves the emulator running, runs the next line "
      .. "(issue 15)", function()
      local cmd = ("env -u PC_URL NO_COLOR=1 HOME=%s TERM=xterm-256color PC_CONFIG_DIR=/nonexistent "
        .. "LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./?.so;;' lua5.4 bin/prismacloud repl --emulator")
        :format(shell_quote(home))
      tmux(("new-session -d -s ctrlc -x 160 -y 50 %s"):format(shell_quote(cmd)))
      local function pane() return tmux("capture-pane -p -t ctrlc") end
      -- Polls the pane until it shows text (plain), for at most seconds.
      local function wait(text, seconds)
        local shown = ""
        for _ = 1, (seconds or 20) * 20 do
          shown = pane()
          if shown:find(text, 1, true) then return shown end
          os.execute("sleep 0.05")
        end
        error("the terminal never showed " .. text .. "; it shows:\n" .. shown)
      end
      local pid = tonumber(wait("\n>"):match("emulator http://%S+ %(pid (%d+)%)"))
      assert.is_number(pid)
      tmux("send-keys -t ctrlc -l 'print(\"one \" .. pc.alerts:count())'")
      tmux("send-keys -t ctrlc Enter")
      wait("\none ")
      -- a half-typed line, then Ctrl-C at the prompt, twice
      tmux("send-keys -t ctrlc -l 'abc'")
      wait("> abc")
      tmux("send-keys -t ctrlc C-c")
      wait("> abc^C\n>")
      tmux("send-keys -t ctrlc C-c")
      os.execute("sleep 0.3")
      assert.is_true(server.alive(pid), "Ctrl-C reached the emulator")
      -- the next line runs, and the emulator answers it at once
      tmux("send-keys -t ctrlc -l 'print(\"two \" .. pc.alerts:count())'")
      tmux("send-keys -t ctrlc Enter")
      local text = wait("\ntwo ", 5)
      assert.matches("\n> print%(\"two \" %.%. pc%.alerts:count%(%)%)\ntwo %d+\n", text)
      assert.is_nil(text:find("error", 1, true), text)
      assert.is_nil(text:find("abcprint", 1, true), text)
      -- Ctrl-C at a continuation prompt drops the pending lines
      tmux("send-keys -t ctrlc -l 'for i = 1, 2 do'")
      tmux("send-keys -t ctrlc Enter")
      wait("\n>>")
      tmux("send-keys -t ctrlc C-c")
      wait(">> ^C\n>")
      tmux("send-keys -t ctrlc -l 'print(\"three\")'")
      tmux("send-keys -t ctrlc Enter")
      text = wait("\nthree\n", 5)
      assert.is_nil(text:find("error", 1, true), text)
      tmux("send-keys -t ctrlc 'exit()' Enter")
      for _ = 1, 400 do
        if not tmux("list-sessions"):find("ctrlc:", 1, true) then break end
        os.execute("sleep 0.05")
      end
      assert.is_nil(tmux("list-sessions"):find("ctrlc:", 1, true))
      assert.is_true(server.wait_exit(pid, 10), "the emulator outlived the REPL")
    end)

    it("Ctrl-C during a request or a Lua loop stops it at once, prints interrupted, and the next line runs "
      .. "(issue 15)", function()
      local cmd = ("env -u PC_URL NO_COLOR=1 HOME=%s TERM=xterm-256color PC_CONFIG_DIR=/nonexistent "
        .. "LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./?.so;;' lua5.4 bin/prismacloud repl --emulator")
        :format(shell_quote(home))
      tmux(("new-session -d -s busy -x 160 -y 50 %s"):format(shell_quote(cmd)))
      local function pane() return tmux("capture-pane -p -t busy") end
      local function wait(text, seconds)
        local shown = ""
        for _ = 1, (seconds or 20) * 20 do
          shown = pane()
          if shown:find(text, 1, true) then return shown end
          os.execute("sleep 0.05")
        end
        error("the terminal never showed " .. text .. "; it shows:\n" .. shown)
      end
      local pid = tonumber(wait("\n>"):match("emulator http://%S+ %(pid (%d+)%)"))
      -- a request the emulator holds for 60 s
      tmux("send-keys -t busy -l 'x = pc:request(\"GET\", \"/_test/stall\", {query = {ms = 60000}})'")
      tmux("send-keys -t busy Enter")
      os.execute("sleep 1")
      tmux("send-keys -t busy C-c")
      wait("^C\ninterrupted\n>", 5)
      -- a Lua loop
      tmux("send-keys -t busy -l 'while true do end'")
      tmux("send-keys -t busy Enter")
      os.execute("sleep 0.5")
      tmux("send-keys -t busy C-c")
      wait("while true do end\n^C\ninterrupted\n>", 5)
      -- the next line runs, against the same emulator
      tmux("send-keys -t busy -l 'print(\"after \" .. pc.alerts:count())'")
      tmux("send-keys -t busy Enter")
      local text = wait("\nafter ", 10)
      assert.matches("\nafter %d+\n", text)
      assert.is_true(server.alive(pid))
      tmux("send-keys -t busy 'exit()' Enter")
      for _ = 1, 400 do
        if not tmux("list-sessions"):find("busy:", 1, true) then break end
        os.execute("sleep 0.05")
      end
      assert.is_true(server.wait_exit(pid, 10), "the emulator outlived the REPL")
    end)

    it("without lua-readline, Ctrl-C at the prompt drops the line and the next line runs (issue 15)", function()
      local cmd = ("env -u PC_URL NO_COLOR=1 HOME=%s TERM=xterm-256color PC_CONFIG_DIR=/nonexistent "
        .. "LUA_INIT='package.preload.readline = function() error(\"hidden\") end' "
        .. "LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./?.so;;' lua5.4 bin/prismacloud repl --emulator")
        :format(shell_quote(home))
      tmux(("new-session -d -s nolr -x 160 -y 50 %s"):format(shell_quote(cmd)))
      local function pane() return tmux("capture-pane -p -t nolr") end
      local function wait(text, seconds)
        local shown = ""
        for _ = 1, (seconds or 20) * 20 do
          shown = pane()
          if shown:find(text, 1, true) then return shown end
          os.execute("sleep 0.05")
        end
        error("the terminal never showed " .. text .. "; it shows:\n" .. shown)
      end
      local pid = tonumber(wait("\n>"):match("emulator http://%S+ %(pid (%d+)%)"))
      tmux("send-keys -t nolr -l 'abc'")
      wait("> abc")
      tmux("send-keys -t nolr C-c")
      wait("> abc^C\n>")
      tmux("send-keys -t nolr C-c")
      os.execute("sleep 0.3")
      tmux("send-keys -t nolr -l '#pc.policies:list()'")
      tmux("send-keys -t nolr Enter")
      local text = wait("\n300\n", 10)
      assert.is_nil(text:find("error", 1, true), text)
      assert.is_true(server.alive(pid))
      tmux("send-keys -t nolr 'exit()' Enter")
      assert.is_true(server.wait_exit(pid, 10), "the emulator outlived the REPL")
    end)

    it("reads plain lines with a prompt when lua-readline cannot be loaded", function()
      local srv = server.start{policies = 30}
      -- the system's plain Lua modules stay reachable (lua-argparse, which the CLI needs, among them),
      -- no C module of the system is (lua-readline's C part among them)
      local cmd = ("env -u NO_COLOR HOME=%s TERM=xterm-256color PC_CONFIG_DIR=/nonexistent PC_URL=%s "
        .. "PC_IDENTITY=test-key PC_SECRET=test-secret "
        .. "LUA_PATH='./lua/?.lua;./lua/?/init.lua;/usr/share/lua/5.4/?.lua' LUA_CPATH='./?.so' "
        .. "lua5.4 bin/prismacloud repl"):format(shell_quote(home), shell_quote(srv.url))
      tmux(("new-session -d -s plain -x 160 -y 50 %s"):format(shell_quote(cmd)))
      local function pane() return tmux("capture-pane -p -t plain") end
      local text
      for _ = 1, 1200 do -- up to a minute: a loaded machine under ASan starts slowly
        text = pane()
        if text:find("\n>", 1, true) then break end
        os.execute("sleep 0.05")
      end
      tmux("send-keys -t plain '#pc.policies:list()' Enter")
      for _ = 1, 1200 do
        text = pane()
        if text:find("\n30\n", 1, true) then break end
        os.execute("sleep 0.05")
      end
      tmux("send-keys -t plain C-d")
      srv.stop()
      assert.truthy(text:find("> #pc.policies:list()\n30\n", 1, true), text)
    end)
  end)
end)
