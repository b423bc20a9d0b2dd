-- The conventions of the `prismacloud` command (issue 15), with the real CLI as a
-- child process: --version; full per-command help (`alerts list --help`,
-- `help alerts`) listing exactly the options each command accepts; bash and zsh
-- completion generated from the command table (each script sourced in its shell,
-- its function called as the shell would, the candidates asserted); and
-- `make install` placing both scripts.
local files = require "spec.support.files"
local shell_quote, read_file, write_file = files.shell_quote, files.read, files.write

local ENV = "env -u PC_URL -u PC_IDENTITY -u PC_SECRET -u PRISMACLOUD_URL -u PRISMACLOUD_USERNAME "
  .. "-u PRISMACLOUD_PASSWORD -u PRISMACLOUD_JSON_WEB_TOKEN -u COLUMNS PC_CONFIG_DIR=/nonexistent HOME=/nonexistent "
  .. "LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./?.so;;' "

-- Runs `prismacloud <args>`; returns exit code, stdout, stderr.
local function run(args)
  local out, err = os.tmpname(), os.tmpname()
  local _, _, code = os.execute(("%s lua5.4 bin/prismacloud %s > %s 2> %s < /dev/null"):format(ENV, args,
    shell_quote(out), shell_quote(err)))
  local o, e = read_file(out), read_file(err)
  os.remove(out)
  os.remove(err)
  return code, o, e
end

local function lines_of(s)
  local out = {}
  for line in s:gmatch("[^\n]+") do out[#out + 1] = line end
  return out
end

local function set_of(list)
  local out = {}
  for _, x in ipairs(list) do out[x] = true end
  return out
end

-- The long options a help text lists ("  -o, --output FMT  ..." -> "output").
local function options_listed(help)
  local out = {}
  for line in help:gmatch("[^\n]+") do
    local name = line:match("^  %-%a, %-%-([%w-]+)") or line:match("^  %-%-([%w-]+)")
    if name then out[name] = true end
  end
  return out
end

describe("prismacloud conventions (issue 15)", function()
  it("--version prints the versions of prismacloud, Lua and libcurl, exit 0", function()
    local code, out, err = run("--version")
    assert.equals(0, code, err)
    local core = require "prismacloud.core"
    assert.equals(("prismacloud %s (Lua 5.4, libcurl %s)\n"):format(require("prismacloud")._VERSION,
      core.curl_version), out)
    assert.equals(0, (run("alerts list --version")))
  end)

  describe("help", function()
    it("`alerts list --help` and `help alerts list` give the full help of the command", function()
      local code, out, err = run("alerts list --help")
      assert.equals(0, code, err)
      local code2, out2 = run("help alerts list")
      assert.equals(0, code2)
      assert.equals(out, out2)
      assert.matches("^usage: prismacloud alerts list ", out)
      assert.truthy(out:find("\nOptions:\n", 1, true))
      assert.truthy(out:find("\nOptions of every command:\n", 1, true))
      assert.truthy(out:find("(default 24h)", 1, true))
      assert.truthy(out:find("Exit codes: 0 success, 1 API error, 2 usage error.", 1, true))
      local listed = options_listed(out)
      for _, name in ipairs{"since", "status", "severity", "policy", "cloud", "account", "group", "detailed",
                            "page-size", "output", "columns", "max-items", "profile", "verbose", "help", "version"} do
        assert.is_true(listed[name], "alerts list --help lacks --" .. name)
      end
      assert.is_nil(listed.body)
      assert.is_nil(listed.enabled)
    end)

    it("`help alerts` and `alerts --help` cover every alerts command; a bad name is a usage error", function()
      local code, out = run("help alerts")
      assert.equals(0, code)
      assert.truthy(out:find("usage: prismacloud alerts list", 1, true))
      assert.truthy(out:find("usage: prismacloud alerts summary", 1, true))
      assert.truthy(out:find("(default 30d)", 1, true))
      local code2, out2 = run("alerts --help")
      assert.equals(0, code2)
      assert.equals(out, out2)
      for _, args in ipairs{"help nosuch", "help alerts list extra", "nosuch --help"} do
        local c, o, e = run(args)
        assert.equals(2, c, args)
        assert.equals("", o)
        assert.matches("\nusage: prismacloud", "\n" .. e)
      end
      code, out = run("help emulator")
      assert.equals(0, code)
      assert.matches("^usage: prismacloud%-emulator", out)
    end)

    it("each command's usage line and example come from its one entry; the formats from the writers", function()
      local cli = require "prismacloud.cli"
      local output = require "prismacloud.cli.output"
      local overview = select(2, run("help"))
      local n = 0
      for _, c in ipairs(cli.completion_table().commands) do
        local words = table.concat(c.words, " ")
        local list = cli.commands_of(c.words)
        assert.equals(1, #list, words)
        local code, out = run("help " .. words)
        assert.equals(0, code, words)
        if words ~= "emulator" then
          assert.equals("usage: " .. cli.usage_of(list[1]) .. "\n", out:match("^[^\n]*\n"))
          assert.truthy(out:find("\nExample:\n  " .. list[1].example .. "\n", 1, true), words)
          assert.matches("^prismacloud " .. words:gsub("%p", "%%%0"), list[1].example)
          n = n + 1
        end
        if list[1].listed ~= false then assert.truthy(overview:find("\n  " .. words, 1, true), words) end
      end
      assert.is_true(n >= 15)
      local names = {}
      for name in pairs(output.WRITERS) do names[#names + 1] = name end
      table.sort(names)
      local formats = {table.unpack(output.FORMATS)}
      table.sort(formats)
      assert.same(names, formats)
      assert.truthy(overview:find(table.concat(output.FORMATS, ", ", 1, #output.FORMATS - 1), 1, true))
    end)

    it("lists exactly the options each command accepts", function()
      local overview = select(2, run("help"))
      assert.truthy(overview:find("help [COMMAND]", 1, true))
      assert.truthy(overview:find("--version", 1, true))
      -- a value each option accepts; a command that passes the usage checks fails for want of credentials
      -- (exit 1) or succeeds (operations: exit 0); a refused option is exit 2
      local body = os.tmpname()
      write_file(body, "{}")
      local VALUE = {since = "1d", status = "open", severity = "high", policy = "p", cloud = "aws", account = "a",
                     group = "g", type = "config", name = "n", enabled = "true", body = body, output = "json",
                     columns = "id", ["max-items"] = "1", ["page-size"] = "5", profile = "nosuch"}
      local FLAGS = {detailed = true, verbose = true}
      local cases = {["alerts list"] = "alerts list", ["alerts summary"] = "alerts summary",
                     ["policies list"] = "policies list", rql = "rql 'config from cloud.resource'",
                     audit = "audit", call = "call get-alert id=P-1", operations = "operations alert",
                     post = "post /x", ["accounts list"] = "accounts list"}
      local script = {}
      local names = {}
      for name in pairs(VALUE) do names[#names + 1] = name end
      for name in pairs(FLAGS) do names[#names + 1] = name end
      table.sort(names)
      local keys = {}
      for k in pairs(cases) do keys[#keys + 1] = k end
      table.sort(keys)
      for _, k in ipairs(keys) do
        for _, name in ipairs(names) do
          local opt = "--" .. name .. (VALUE[name] and (" " .. shell_quote(VALUE[name])) or "")
          script[#script + 1] = ("%s lua5.4 bin/prismacloud %s %s > /dev/null 2>&1 < /dev/null; echo %s %s $?")
            :format(ENV, cases[k], opt, shell_quote(k):gsub(" ", "_"), name)
        end
      end
      local p = io.popen(table.concat(script, "\n"))
      local results = p:read("a")
      p:close()
      os.remove(body)
      local accepted = {}
      for k, name, code in results:gmatch("(%S+) (%S+) (%d+)\n") do
        k = k:gsub("_", " ")
        accepted[k] = accepted[k] or {}
        accepted[k][name] = code ~= "2"
      end
      for _, k in ipairs(keys) do
        local listed = options_listed(select(2, run("help " .. k)))
        for _, name in ipairs(names) do
          assert.equals(listed[name] == true, accepted[k][name] == true,
            ("'%s': --%s is %s but %s"):format(k, name, listed[name] and "listed" or "not listed",
              accepted[k][name] and "accepted" or "refused"))
        end
      end
    end)
  end)

  describe("completion", function()
    local dir, bash_script, zsh_script

    setup(function()
      dir = files.temp_dir()
      write_file(dir .. "/lab.json", "{}")
      write_file(dir .. "/prod.json", "{}")
      local code, out, err = run("completion bash")
      assert.equals(0, code, err)
      bash_script = dir .. "/prismacloud.bash"
      write_file(bash_script, out)
      code, out, err = run("completion zsh")
      assert.equals(0, code, err)
      zsh_script = dir .. "/_prismacloud"
      write_file(zsh_script, out)
    end)

    teardown(function() if dir then files.remove_dir(dir) end end)

    -- The candidates bash offers for the command line `words` (the last one being completed).
    local function bash(words)
      local quoted = {}
      for i, w in ipairs(words) do quoted[i] = shell_quote(w) end
      local inner = ("export PC_CONFIG_DIR=%s; source %s; COMP_WORDS=(%s); COMP_CWORD=%d; _prismacloud; "
        .. "printf '%%s\\n' \"${COMPREPLY[@]}\""):format(shell_quote(dir), shell_quote(bash_script),
        table.concat(quoted, " "), #words - 1)
      local p = io.popen("bash --norc --noprofile -c " .. shell_quote(inner) .. " 2>&1")
      local out = p:read("a")
      p:close()
      local list = lines_of(out)
      table.sort(list)
      return list
    end

    -- The candidates zsh's function adds (compadd and _files stubbed: outside a
    -- completion widget they do not exist), filtered by the typed prefix as zsh does.
    local function zsh(words)
      local quoted = {}
      for i, w in ipairs(words) do quoted[i] = shell_quote(w) end
      local inner = ("export PC_CONFIG_DIR=%s; compadd() { if [[ $1 == -a ]]; then shift; local n; "
        .. "for n in \"$@\"; do print -l -- ${(P)n}; done; else [[ $1 == -- ]] && shift; print -l -- \"$@\"; fi }; "
        .. "_files() { print -- '<files>' }; words=(%s); CURRENT=%d; source %s")
        :format(shell_quote(dir), table.concat(quoted, " "), #words, shell_quote(zsh_script))
      local p = io.popen("zsh -f -c " .. shell_quote(inner) .. " 2>&1")
      local out = p:read("a")
      p:close()
      local prefix, list = words[#words], {}
      for _, c in ipairs(lines_of(out)) do
        if c:sub(1, #prefix) == prefix or c == "<files>" or c:find("error", 1, true) then list[#list + 1] = c end
      end
      table.sort(list)
      return list
    end

    local FIRST = {"accounts", "alerts", "audit", "call", "completion", "compliance", "delete", "emulator", "get",
                   "groups", "help", "operations", "policies", "post", "put", "repl", "rql"}

    local shells = {{"bash", bash}}
    if os.execute("command -v zsh > /dev/null 2>&1") == true then
      shells[#shells + 1] = {"zsh", zsh}
    else
      pending("zsh is not installed: its completion script is not checked")
    end

    for _, shell in ipairs(shells) do
      local name, complete = shell[1], shell[2]

      it(name .. ": commands, subcommands, options, values, operation ids, profiles, help words", function()
        assert.same(FIRST, complete{"prismacloud", ""})
        assert.same({"alerts"}, complete{"prismacloud", "al"})
        assert.same({"list", "summary"}, complete{"prismacloud", "alerts", ""})
        assert.same({"list", "summary"}, complete{"prismacloud", "-o", "json", "alerts", ""})
        assert.same({"--severity", "--since", "--status"}, complete{"prismacloud", "alerts", "list", "--s"})
        assert.same({"--detailed"}, complete{"prismacloud", "alerts", "list", "--since", "7d", "--de"})
        assert.same({"--enabled"}, complete{"prismacloud", "policies", "list", "--en"})
        assert.same({}, complete{"prismacloud", "accounts", "list", "--en"})
        assert.same({"--verbose", "--version"}, complete{"prismacloud", "accounts", "list", "--ver"})
        assert.same({"dismissed", "open", "pending_resolution", "resolved", "snoozed"},
          complete{"prismacloud", "alerts", "list", "--status", ""})
        assert.same({"csv", "html", "json", "ndjson", "table"}, complete{"prismacloud", "groups", "list", "-o", ""})
        assert.same({"false", "true"}, complete{"prismacloud", "policies", "list", "--enabled", ""})
        assert.same({"lab", "prod"}, complete{"prismacloud", "--profile", ""})
        assert.same({"bash", "zsh"}, complete{"prismacloud", "completion", ""})
        assert.same({"alerts"}, complete{"prismacloud", "help", "al"})
        assert.same({"list", "summary"}, complete{"prismacloud", "help", "alerts", ""})
        assert.same({"--policies", "--port"}, complete{"prismacloud", "emulator", "--p"})
        local ids = complete{"prismacloud", "call", "get-alert"}
        local all = set_of(ids)
        assert.is_true(all["get-alert"] and all["get-alerts-v2"], table.concat(ids, " "))
        for _, id in ipairs(ids) do assert.matches("^get%-alert", id) end
        -- every option `alerts list --help` lists is offered
        local offered = set_of(complete{"prismacloud", "alerts", "list", "--"})
        for option in pairs(options_listed(select(2, run("help alerts list")))) do
          assert.is_true(offered["--" .. option], name .. " does not offer --" .. option)
        end
      end)
    end

    it("bash: --body completes file names", function()
      write_file(dir .. "/body-one.json", "{}")
      assert.same({dir .. "/body-one.json"}, bash{"prismacloud", "post", "/x", "--body", dir .. "/body-"})
    end)

    it("`make install` places both scripts, as `prismacloud completion` writes them", function()
      local dest = files.temp_dir()
      -- (without the sanitizer preload of `make asan`, as the build spec installs)
      assert(os.execute("env -u LD_PRELOAD make -s install DESTDIR=" .. shell_quote(dest)
        .. " PREFIX=/opt/pc > /dev/null"))
      local bash_installed = read_file(dest .. "/opt/pc/share/bash-completion/completions/prismacloud")
      local zsh_installed = read_file(dest .. "/opt/pc/share/zsh/site-functions/_prismacloud")
      os.execute("env -u LD_PRELOAD rm -rf " .. shell_quote(dest))
      assert.equals(read_file(bash_script), bash_installed)
      assert.equals(read_file(zsh_script), zsh_installed)
    end)
  end)
end)
