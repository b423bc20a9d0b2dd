-- The `prismacloud` command (bin/prismacloud) as a subprocess against the
-- emulator: each output format (json parses, ndjson one line per record, csv
-- header and rows, table columns) matches what the library reads from the
-- same emulator; exit codes 0 / 1 (API error, one line, no traceback) / 2
-- (usage, with a usage line); -v never shows the secret or the token; `call`
-- refuses a missing required parameter before sending anything.
local server = require "spec.support.server"
local files = require "spec.support.files"
local shell_quote, read_file, write_file = files.shell_quote, files.read, files.write
local requests = require "spec.support.requests"
local prismacloud = require "prismacloud"
local cjson = require "cjson"

local SECRET = "Sup3r-Secret-Value-42"

local function lines_of(s)
  local out = {}
  for line in s:gmatch("([^\n]*)\n") do out[#out + 1] = line:gsub("\r$", "") end
  return out
end

-- Runs `prismacloud <args>`; returns exit code, stdout, stderr.
-- opts: url, secret, env (extra "NAME=value" words), stdin (a file).
local function run(args, opts)
  opts = opts or {}
  local out, err = os.tmpname(), os.tmpname()
  local env = {"env"}
  for _, name in ipairs{"PRISMACLOUD_URL", "PRISMACLOUD_USERNAME", "PRISMACLOUD_PASSWORD",
                        "PRISMACLOUD_JSON_WEB_TOKEN", "PC_URL", "PC_IDENTITY", "PC_SECRET", "COLUMNS"} do
    env[#env + 1] = "-u"
    env[#env + 1] = name
  end
  for _, e in ipairs{"PC_CONFIG_DIR=/nonexistent", "HOME=/nonexistent", "LUA_PATH=./lua/?.lua;./lua/?/init.lua;;",
                     "LUA_CPATH=./?.so;;"} do
    env[#env + 1] = e
  end
  if opts.url ~= false then
    env[#env + 1] = "PC_URL=" .. opts.url
    env[#env + 1] = "PC_IDENTITY=test-key"
    env[#env + 1] = "PC_SECRET=" .. (opts.secret or SECRET)
  end
  for _, e in ipairs(opts.env or {}) do env[#env + 1] = e end
  for i, e in ipairs(env) do env[i] = shell_quote(e) end
  local cmd = ("%s lua5.4 bin/prismacloud %s > %s 2> %s < %s"):format(table.concat(env, " "), args,
    shell_quote(out), shell_quote(err), shell_quote(opts.stdin or "/dev/null"))
  local _, _, code = os.execute(cmd)
  local o, e = read_file(out), read_file(err)
  os.remove(out)
  os.remove(err)
  return code, o, e
end

local function no_traceback(stderr)
  assert.is_nil(stderr:find("stack traceback", 1, true), stderr)
  assert.is_nil(stderr:find("%.lua:%d+:"), stderr)
end

describe("prismacloud CLI", function()
  local srv, client

  setup(function()
    srv = server.start{alerts = 1500, secret_key = SECRET}
    client = prismacloud.new{url = srv.url, access_key = "test-key", secret_key = SECRET, retries = 0}
  end)

  teardown(function()
    if client then client:close() end
    if srv then srv.stop() end
  end)

  before_each(function() srv.clear() end)

  local function cli(args, opts)
    opts = opts or {}
    opts.url = opts.url == nil and srv.url or opts.url
    return run(args, opts)
  end

  describe("alerts list", function()
    it("writes a JSON array equal to the library's walk over several pages, and sends catalog requests", function()
      local code, out, err = cli("alerts list --since to_now:epoch --status open --page-size 50 -o json")
      assert.equals(0, code, err)
      local log = srv.requests("/v2/alert")
      assert.is_true(#log >= 3, "expected several pages, got " .. #log)
      for _, entry in ipairs(log) do requests.check(entry, "post-alerts-v2") end
      local first = requests.body_of(log[1])
      assert.equals(50, first.limit)
      assert.same({type = "to_now", value = "epoch"}, first.timeRange)
      assert.same({{name = "alert.status", operator = "=", value = "open"}}, first.filters)
      for i = 2, #log do assert.is_string(requests.body_of(log[i]).pageToken) end
      local list = cjson.decode(out)
      local want = {}
      for a in client.alerts:each{time_range = "to_now:epoch", status = "open"} do want[#want + 1] = a.id end
      assert.is_true(#want > 100)
      assert.equals(#want, #list)
      for i, a in ipairs(list) do assert.equals(want[i], a.id) end
    end)

    it("stops at --max-items and writes one ndjson line per alert", function()
      local code, out = cli("alerts list --since 30d --severity high -o ndjson --max-items 37")
      assert.equals(0, code)
      local q = requests.query_of(requests.check(requests.only(srv, "/v2/alert"), "get-alerts-v2"))
      assert.same({"relative", "30", "day", "37", "high"},
        {q.timeType, q.timeAmount, q.timeUnit, q.limit, q["policy.severity"]})
      local lines = lines_of(out)
      assert.equals(37, #lines)
      local seen = {}
      for _, line in ipairs(lines) do
        local a = cjson.decode(line)
        assert.is_nil(seen[a.id])
        seen[a.id] = true
      end
    end)

    it("shows a progress line while paging only when stderr is a terminal", function()
      local code, _, err = cli("alerts list --since 30d --page-size 50 -o ndjson")
      assert.equals(0, code)
      assert.equals("", err)
      if os.execute("command -v script > /dev/null 2>&1") ~= true then return end -- util-linux's script
      local typescript, out = os.tmpname(), os.tmpname()
      local inner = ("env PC_URL=%s PC_IDENTITY=test-key PC_SECRET=%s PC_CONFIG_DIR=/nonexistent "
        .. "LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./?.so;;' "
        .. "lua5.4 bin/prismacloud alerts list --since 30d --page-size 50 -o ndjson > %s")
        :format(shell_quote(srv.url), shell_quote(SECRET), shell_quote(out))
      os.execute(("script -qec %s %s > /dev/null 2>&1 < /dev/null"):format(shell_quote(inner),
        shell_quote(typescript)))
      local tty = read_file(typescript)
      local n = #lines_of(read_file(out))
      os.remove(typescript)
      os.remove(out)
      assert.is_true(n > 200)
      assert.matches("\r\27%[K200 of ~" .. n .. " items %(page %d+%)", tty)
      local after_last = tty:match(".*items %(page %d+%)(.*)$")
      assert.equals("\r\27[K", after_last:sub(1, 4)) -- the line is cleared at the end
    end)

    it("keeps only --columns in JSON records (nested paths by dots)", function()
      local code, out = cli("alerts list --since 30d -o json -n 5 --columns id,resource.cloudType")
      assert.equals(0, code)
      local list = cjson.decode(out)
      assert.equals(5, #list)
      for _, a in ipairs(list) do
        local keys = {}
        for k in pairs(a) do keys[#keys + 1] = k end
        table.sort(keys)
        assert.same({"id", "resource.cloudType"}, keys)
        assert.matches("^[A-Z]+$", a["resource.cloudType"])
      end
    end)

    it("shows epoch milliseconds as dates in a table, with the default columns", function()
      local code, out = cli("alerts list --since 30d -o table -n 3")
      assert.equals(0, code)
      local lines = lines_of(out)
      assert.equals(4, #lines)
      assert.matches("^id%s+status%s+alertTime%s+policy%.severity%s+policy%.name%s+resource%.account%s+resource%.name$",
        lines[1])
      for i = 2, 4 do assert.matches("^P%-%d+%s+%a+%s+%d%d%d%d%-%d%d%-%d%d %d%d:%d%d%s", lines[i]) end
    end)

    it("asks for detailed alerts when the columns need them, and only then (issue 15)", function()
      local want = {}
      for a in client.alerts:each{time_range = "30d", max_items = 4, detailed = true} do want[#want + 1] = a end
      srv.clear_requests()
      -- the default columns of a table and CSV: severity and policy name filled in
      local code, out, err = cli("alerts list --since 30d -o csv -n 4")
      assert.equals(0, code, err)
      local rows = lines_of(out)
      assert.equals("id,status,alertTime,policy.severity,policy.name,resource.account,resource.name", rows[1])
      for i, a in ipairs(want) do
        local severity, name = rows[i + 1]:match("^[^,]*,[^,]*,[^,]*,([^,]*),([^,]*),")
        assert.equals(a.policy.severity, severity)
        assert.equals(a.policy.name, name)
        assert.is_true(#a.policy.name > 0 and #a.policy.severity > 0)
      end
      local q = requests.query_of(requests.check(requests.only(srv, "/v2/alert"), "get-alerts-v2"))
      assert.equals("true", q.detailed)
      -- --columns reaching a field only detailed alerts have
      srv.clear_requests()
      code, out, err = cli("alerts list --since 30d -o json -n 4 --columns id,policy.name,resource.data.region")
      assert.equals(0, code, err)
      for i, a in ipairs(cjson.decode(out)) do
        assert.equals(want[i].policy.name, a["policy.name"])
        assert.equals(want[i].resource.data.region, a["resource.data.region"])
      end
      assert.equals("true", requests.query_of(requests.only(srv, "/v2/alert")).detailed)
      -- columns the brief answer has, and JSON of whole alerts: not detailed (unless --detailed)
      for _, args in ipairs{"-o csv --columns id,status,policy.policyId,resource.name", "-o json", "-o ndjson"} do
        srv.clear_requests()
        code, _, err = cli("alerts list --since 30d -n 4 " .. args)
        assert.equals(0, code, err)
        assert.equals("false", requests.query_of(requests.only(srv, "/v2/alert")).detailed, args)
      end
      srv.clear_requests()
      code = cli("alerts list --since 30d -n 4 -o json --detailed")
      assert.equals(0, code)
      assert.equals("true", requests.query_of(requests.only(srv, "/v2/alert")).detailed)
    end)

    it("narrows a table to the terminal's width", function()
      local code, out = cli("alerts list --since 30d -o table -n 5", {env = {"COLUMNS=60"}})
      assert.equals(0, code)
      local lines = lines_of(out)
      assert.equals(6, #lines)
      for _, line in ipairs(lines) do assert.is_true(utf8.len(line) <= 60, line) end
      assert.matches("^id%s+status%s+alertTime", lines[1])
      assert.matches("…", lines[2], 1, true)
    end)

    it("refuses a status the API does not have (exit 2, usage line, nothing sent)", function()
      local code, out, err = cli("alerts list --status bogus")
      assert.equals(2, code)
      assert.equals("", out)
      assert.matches("bogus", err)
      assert.matches("usage: prismacloud alerts list", err)
      no_traceback(err)
      assert.equals(0, #srv.requests("/v2/alert"))
    end)
  end)

  describe("policies, accounts, groups, compliance, audit", function()
    it("writes policies as CSV: a header and one row per policy of that severity", function()
      local code, out = cli("policies list --severity high -o csv")
      assert.equals(0, code)
      local entry = requests.check(requests.only(srv, "/v2/policy"), "get-policies-v2")
      assert.equals("high", requests.query_of(entry)["policy.severity"])
      local want = assert(client.policies:list{severity = "high"})
      local lines = lines_of(out)
      assert.equals("policyId,name,severity,policyType,cloudType,enabled,lastModifiedOn", lines[1])
      assert.equals(#want + 1, #lines)
      for i = 2, #lines do
        assert.matches(",high,", lines[i])
        assert.matches(",%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ$", lines[i])
      end
    end)

    it("writes cloud accounts as a table with one line per account", function()
      local code, out = cli("accounts list -o table")
      assert.equals(0, code)
      requests.check(requests.only(srv, "/cloud"), "get-cloud-accounts")
      local want = assert(client.cloud_accounts:list())
      local lines = lines_of(out)
      assert.equals(#want + 1, #lines)
      assert.matches("^name%s+cloudType%s+accountId%s+enabled%s+status%s+lastModifiedTs$", lines[1])
      for _, a in ipairs(want) do assert.truthy(out:find("\n" .. a.name .. " ", 1, true), a.name) end
    end)

    it("keeps false in CSV and table cells: disabled accounts and policies (issue 15)", function()
      local accounts = assert(client.cloud_accounts:list())
      local disabled = {}
      for _, a in ipairs(accounts) do
        if a.enabled == false then disabled[#disabled + 1] = a end
      end
      assert.is_true(#disabled > 0, "the emulator has no disabled account")
      local code, out, err = cli("accounts list -o csv --columns name,enabled")
      assert.equals(0, code, err)
      local rows = lines_of(out)
      assert.equals(#accounts + 1, #rows)
      for i, a in ipairs(accounts) do assert.equals(a.name .. "," .. tostring(a.enabled), rows[i + 1]) end
      code, out, err = cli("accounts list -o table --columns name,enabled")
      assert.equals(0, code, err)
      local shown = {}
      for _, line in ipairs(lines_of(out)) do
        local name, enabled = line:match("^(%S+)%s+(%S+)$")
        if name then shown[name] = enabled end
      end
      for _, a in ipairs(accounts) do assert.equals(tostring(a.enabled), shown[a.name]) end

      local policies = assert(client.policies:list{enabled = false})
      assert.is_true(#policies > 0, "the emulator has no disabled policy")
      code, out, err = cli("policies list --enabled false -o csv --columns policyId,enabled")
      assert.equals(0, code, err)
      rows = lines_of(out)
      assert.equals(#policies + 1, #rows)
      for i, p in ipairs(policies) do assert.equals(p.policyId .. ",false", rows[i + 1]) end
    end)

    it("writes account groups, compliance standards and the audit log as JSON", function()
      for _, case in ipairs{{"groups list", "/cloud/group", "get-account-groups", client.account_groups},
                            {"compliance list", "/compliance", "get-all-standards", client.compliance}} do
        srv.clear_requests()
        local code, out = cli(case[1] .. " -o json")
        assert.equals(0, code)
        requests.check(requests.only(srv, case[2]), case[3])
        local want = assert(case[4]:list())
        local got = cjson.decode(out)
        assert.equals(#want, #got)
        assert.equals(want[1].id, got[1].id)
      end
      srv.clear_requests()
      local code, out = cli("audit --since 24h -o ndjson")
      assert.equals(0, code)
      local entry = requests.check(requests.only(srv, "/audit/redlock"), "rl-audit-logs")
      local q = requests.query_of(entry)
      assert.same({"relative", "24", "hour"}, {q.timeType, q.timeAmount, q.timeUnit})
      assert.equals(#assert(client.audit_logs:list("24h")), #lines_of(out))
    end)

    it("writes a self-contained HTML table", function()
      local code, out = cli("policies list --severity low -o html")
      assert.equals(0, code)
      assert.matches("^<!DOCTYPE html>", out)
      local rows = select(2, out:gsub("<tr><td>", ""))
      assert.equals(#assert(client.policies:list{severity = "low"}), rows)
      assert.is_nil(out:find("src=", 1, true))
      assert.is_nil(out:find("href=", 1, true))
    end)
  end)

  describe("rql", function()
    it("pages through a config search exactly once", function()
      local q = "config from cloud.resource where cloud.type = 'aws'"
      local code, out = cli("rql " .. shell_quote(q) .. " --page-size 40 -o ndjson")
      assert.equals(0, code)
      requests.check(requests.only(srv, "/search/config"), "search-config")
      local pages = srv.requests("/search/config/page")
      assert.is_true(#pages >= 2)
      for _, e in ipairs(pages) do
        requests.check(e, "search-config-page")
        assert.equals(40, requests.body_of(e).limit)
      end
      local want = {}
      for r in client.search:config(q) do want[#want + 1] = r.id end
      local lines = lines_of(out)
      assert.is_true(#want > 100)
      assert.equals(#want, #lines)
      for i, line in ipairs(lines) do assert.equals(want[i], cjson.decode(line).id) end
    end)

    it("reports the API's refusal of a malformed query with exit 1 and one line", function()
      local code, out, err = cli("rql " .. shell_quote("config from cloud.resource where"))
      assert.equals(1, code)
      assert.equals("", out)
      assert.equals(1, #lines_of(err))
      assert.matches("HTTP 400", err)
      no_traceback(err)
    end)
  end)

  describe("call, operations and raw requests", function()
    it("calls a catalog operation with path and query parameters", function()
      local code, out = cli("call get-alert id=P-3 detailed=true -o json")
      assert.equals(0, code)
      local alert = cjson.decode(out)
      assert.equals("P-3", alert.id)
      local entry = requests.check(requests.only(srv, "/alert/P-3"), "get-alert")
      assert.equals("true", requests.query_of(entry).detailed)
    end)

    it("refuses a missing required parameter with exit 2, naming it, before sending anything", function()
      local code, out, err = cli("call get-alerts-v2 detailed=true")
      assert.equals(2, code)
      assert.equals("", out)
      assert.matches("'timeType'", err)
      assert.matches("usage: prismacloud call", err)
      code, out, err = cli("call get-alert")
      assert.equals("", out)
      assert.equals(2, code)
      assert.matches("'id'", err)
      code, out, err = cli("call get-alert id=P-1 nosuch=1")
      assert.equals("", out)
      assert.equals(2, code)
      assert.matches("'nosuch'", err)
      code, out, err = cli("call get-alret id=P-1")
      assert.equals("", out)
      assert.equals(2, code)
      assert.matches("did you mean get%-alert", err)
      assert.equals(0, #srv.requests())
    end)

    it("sends --body from a file and from stdin", function()
      local path = os.tmpname()
      write_file(path, cjson.encode{query = "config from cloud.resource where cloud.type = 'gcp'", limit = 3})
      local code, out, err = cli("call search-config --body " .. shell_quote(path) .. " -o ndjson")
      assert.equals(0, code, err)
      assert.equals(3, #lines_of(out))
      for _, line in ipairs(lines_of(out)) do assert.equals("GCP", cjson.decode(line).cloudType) end
      local entry = requests.check(requests.only(srv, "/search/config"), "search-config")
      assert.equals(3, requests.body_of(entry).limit)
      srv.clear_requests()
      code, out = cli("post /search/config --body - -o json", {stdin = path})
      assert.equals(0, code)
      assert.equals(3, #cjson.decode(out).data.items)
      write_file(path, "{not json")
      code, out, err = cli("post /search/config --body " .. shell_quote(path))
      assert.equals("", out)
      assert.equals(2, code)
      assert.matches("not valid JSON", err)
      os.remove(path)
    end)

    it("reads --body - before running a secret_command that reads stdin", function()
      local dir = (io.popen("mktemp -d"):read("l"))
      write_file(dir .. "/credentials.json", cjson.encode{secret_command = "cat > /dev/null; echo " .. SECRET})
      os.execute("chmod 600 " .. shell_quote(dir .. "/credentials.json"))
      local path = os.tmpname()
      write_file(path, cjson.encode{query = "config from cloud.resource where cloud.type = 'gcp'", limit = 2})
      local env = {"PC_URL=" .. srv.url, "PC_IDENTITY=test-key", "PC_CONFIG_DIR=" .. dir}
      for _, args in ipairs{"post /search/config --body - -o json", "call search-config --body - -o json"} do
        srv.clear_requests()
        local code, out, err = run(args, {url = false, env = env, stdin = path})
        assert.equals(0, code, args .. ": " .. err)
        assert.equals(2, #cjson.decode(out).data.items)
        assert.equals(2, requests.body_of(requests.only(srv, "/search/config")).limit)
      end
      os.remove(path)
      os.execute("rm -rf " .. shell_quote(dir))
    end)

    it("gets a raw path with query parameters", function()
      local code, out = cli("get /cloud/name onlyActive=true -o json")
      assert.equals(0, code)
      local entry = requests.check(requests.only(srv, "/cloud/name"), "get-cloud-account-names")
      assert.equals("true", requests.query_of(entry).onlyActive)
      local names = cjson.decode(out)
      assert.equals(#assert(client.cloud_accounts:names{only_active = true}), #names)
    end)

    it("lists the catalog without credentials", function()
      local code, out = run("operations alerts-v2 -o csv", {url = false})
      assert.equals(0, code)
      local lines = lines_of(out)
      assert.equals("id,method,path,summary", lines[1])
      assert.equals(3, #lines)
      assert.matches("^get%-alerts%-v2,GET,/v2/alert,", lines[2])
      assert.matches("^post%-alerts%-v2,POST,/v2/alert,", lines[3])
    end)
  end)

  describe("reproducible JSON (issue 15)", function()
    local json = require "prismacloud.json"

    -- Whether every object in the JSON text has its keys in sorted order.
    local function keys_sorted(text)
      local last = {}
      for line in text:gmatch("[^\n]+") do
        local indent, key = line:match('^( *)"(.-)": ')
        if key then
          local d = #indent
          if last[d] and last[d] >= key then return false, line end
          last[d] = key
        end
        if line:match("{$") then last[#line:match("^ *") + 2] = nil end -- an object opens
      end
      return true
    end

    it("gives byte-identical, sorted, indented output on identical runs, which decodes to the same data", function()
      for _, case in ipairs{
        {"alerts list --since to_now:epoch -n 40 -o json", function() local out = {}
          for a in client.alerts:each{time_range = "to_now:epoch", max_items = 40} do out[#out + 1] = a end
          return out end},
        {"policies list -o json", function() return assert(client.policies:list()) end},
        {"accounts list -o json", function() return assert(client.cloud_accounts:list()) end},
        {"call get-account-groups -o json", function() return assert(client.account_groups:list()) end},
      } do
        local code1, out1, err1 = cli(case[1])
        assert.equals(0, code1, err1)
        local code2, out2, err2 = cli(case[1])
        assert.equals(0, code2, err2)
        assert.is_true(out1 == out2, case[1] .. ": two runs differ")
        assert.same(case[2](), json.decode(out1))
        local ok, line = keys_sorted(out1)
        assert(ok, case[1] .. ": keys out of order at " .. tostring(line))
        assert.matches("^%[\n  {\n    \"", out1)
      end
    end)

    it("keeps integers, floats, null, empty arrays and empty objects; ndjson is sorted too", function()
      local output = require "prismacloud.cli.output"
      local value = {b = 1, a = {json.empty_array, json.null, 2.5, 3.0, 1736225516707}, c = {}, ["é"] = "x\127"}
      assert.equals('{\n  "a": [\n    [],\n    null,\n    2.5,\n    3.0,\n    1736225516707\n  ],\n'
        .. '  "b": 1,\n  "c": {},\n  "é": "x\\u007f"\n}', output.json_text(value))
      assert.equals('{"a":[[],null,2.5,3.0,1736225516707],"b":1,"c":{},"é":"x\\u007f"}',
        output.json_text(value, true))
      assert.equals("[]", output.json_text(json.decode("[]")))
      assert.has_error(function() output.json_text({1, nil, 3}) end)
      local code1, out1 = cli("policies list -o ndjson")
      local code2, out2 = cli("policies list -o ndjson")
      assert.equals(0, code1)
      assert.equals(0, code2)
      assert.is_true(out1 == out2, "two ndjson runs differ")
      local first = out1:match("^[^\n]+")
      assert.equals(output.json_text(json.decode(first), true), first)
      assert.is_true(first:find('^{"[^"]+":') ~= nil and #lines_of(out1) > 1)
    end)
  end)

  describe("exit codes and errors", function()
    it("exits 1 with the API's error on one line", function()
      local code, out, err = cli("call get-alert id=P-999999")
      assert.equals(1, code)
      assert.equals("", out)
      assert.equals(1, #lines_of(err))
      assert.matches("not_found", err)
      assert.matches("HTTP 404", err)
      no_traceback(err)
    end)

    it("exits 1 when no credentials are set", function()
      local code, _, err = run("accounts list", {url = false})
      assert.equals(1, code)
      assert.matches("no API URL", err)
      no_traceback(err)
    end)

    it("exits 1 on a URL holding credentials, sending nothing and never showing them (issue 13, finding 17)", function()
      local host = srv.url:match("^http://(.*)$")
      for _, url in ipairs{"http://test-key:" .. SECRET .. "@" .. host, "http://api.prismacloud.io:443@" .. host} do
        local code, out, err = cli("accounts list", {url = url})
        assert.equals(1, code)
        assert.equals("", out)
        assert.equals(1, #lines_of(err), err)
        assert.matches("credentials", err)
        assert.matches("env PC_URL", err, 1, true)
        assert.is_nil(err:find(SECRET, 1, true))
        assert.is_nil(err:find("api.prismacloud.io", 1, true))
        no_traceback(err)
      end
      assert.equals(0, #srv.requests())
    end)

    it("exits 1 naming the variable when the client refuses a value from the environment", function()
      local code, out, err = cli("accounts list", {url = "http://api.example.com"})
      assert.equals(1, code, err)
      assert.equals("", out)
      assert.matches("bad option 'url'", err, 1, true)
      assert.matches("(from env PC_URL)", err, 1, true)
      assert.is_nil(err:find("usage:", 1, true), err)
      no_traceback(err)
      assert.equals(0, #srv.requests())
    end)

    it("exits 1 on a wrong secret", function()
      local code, out, err = cli("accounts list", {secret = "wrong"})
      assert.equals(1, code)
      assert.equals("", out)
      assert.matches("auth", err)
      no_traceback(err)
    end)

    it("exits 2 with a usage line on usage errors", function()
      for _, args in ipairs{"", "bogus", "alerts list --nope", "alerts list -o xml", "policies list --since 1d",
                            "alerts list --since 3x", "accounts list extra", "call", "get cloud",
                            "alerts list --max-items zero", "alerts", "alerts list --since"} do
        local code, out, err = cli(args)
        assert.equals(2, code, "for '" .. args .. "': " .. err)
        assert.equals("", out)
        assert.matches("\nusage: prismacloud", "\n" .. err)
        no_traceback(err)
      end
      assert.equals(0, #srv.requests())
    end)

    it("reads --profile from the profile folder; a missing one is exit 1, a malformed name exit 2", function()
      local dir = os.tmpname()
      os.remove(dir)
      assert(os.execute("mkdir -m 700 " .. shell_quote(dir)))
      write_file(dir .. "/lab.json", cjson.encode{url = srv.url, identity = "test-key", secret = SECRET})
      os.execute("chmod 600 " .. shell_quote(dir .. "/lab.json"))
      local code, out, err = run("--profile lab groups list -o json", {url = false, env = {"PC_CONFIG_DIR=" .. dir}})
      assert.equals(0, code, err)
      assert.equals(#assert(client.account_groups:list()), #cjson.decode(out))
      code, out, err = run("--profile nosuch groups list", {url = false, env = {"PC_CONFIG_DIR=" .. dir}})
      assert.equals(1, code)
      assert.equals("", out)
      assert.matches("profile 'nosuch' not found", err)
      code, out, err = run("--profile 'a b' groups list", {url = false, env = {"PC_CONFIG_DIR=" .. dir}})
      assert.equals(2, code)
      assert.equals("", out)
      assert.matches("bad profile name", err)
      no_traceback(err)
      os.remove(dir .. "/lab.json")
      os.remove(dir)
    end)

    it("prints help with exit 0", function()
      local code, out = cli("--help")
      assert.equals(0, code)
      assert.matches("alerts summary", out)
      assert.matches("Exit codes: 0 success, 1 API error, 2 usage error", out, 1, true)
      code, out = cli("alerts list -h")
      assert.equals(0, code)
      assert.matches("^usage: prismacloud alerts list", out)
      code, out = cli("emulator --help")
      assert.equals(0, code)
      assert.matches("usage: prismacloud%-emulator", out)
    end)
  end)

  describe("emulator", function()
    it("serves the emulator until stopped by its PID", function()
      local base = os.tmpname()
      local inner = ("echo $$ > %s; LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./?.so;;' "
        .. "exec lua5.4 bin/prismacloud emulator --port 0 --accounts 4 < /dev/null > %s 2>&1")
        :format(shell_quote(base .. ".pid"), shell_quote(base .. ".out"))
      assert(os.execute(("sh -c %s &"):format(shell_quote(inner))))
      local url, pid
      for _ = 1, 400 do
        local f = io.open(base .. ".pid")
        if f then
          pid = pid or tonumber(f:read("a"))
          f:close()
        end
        f = io.open(base .. ".out")
        if f then
          url = f:read("a"):match("listening (%S+)\n")
          f:close()
        end
        if url and pid then break end
        os.execute("sleep 0.025")
      end
      assert.is_string(url)
      local code, out = run("accounts list -o json", {url = url, secret = "test-secret"})
      os.execute("kill " .. pid)
      assert.is_true(server.wait_exit(pid, 10))
      for _, suffix in ipairs{"", ".pid", ".out"} do os.remove(base .. suffix) end
      assert.equals(0, code)
      assert.equals(4, #cjson.decode(out))
    end)
  end)

  describe("emulator on a busy port (issue 15)", function()
    it("says in one line which port is in use and exits non-zero, for both launchers", function()
      local socket = require "socket"
      local taken = assert(socket.bind("127.0.0.1", 0))
      local port = select(2, taken:getsockname())
      for _, launcher in ipairs{"bin/prismacloud-emulator", "bin/prismacloud emulator"} do
        local out, err = os.tmpname(), os.tmpname()
        -- (timeout: an emulator that did listen would serve until stopped)
        local _, _, code = os.execute(("env LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./?.so;;' "
          .. "timeout 20 lua5.4 %s --port %d --alerts 5 > %s 2> %s < /dev/null"):format(launcher, port,
          shell_quote(out), shell_quote(err)))
        local o, e = read_file(out), read_file(err)
        os.remove(out)
        os.remove(err)
        assert.equals(1, code, launcher .. ": " .. e)
        assert.equals("", o)
        assert.equals(("prismacloud-emulator: cannot listen on 127.0.0.1:%d: port %d is in use\n"):format(port, port),
          e)
      end
      taken:close()
    end)
  end)

  describe("-v", function()
    it("shows settings and requests, never the secret or the token", function()
      local code, out, err = cli("-v accounts list -o json")
      assert.equals(0, code)
      assert.equals(9, #cjson.decode(out))
      assert.matches("GET /cloud", err)
      assert.matches("POST /login", err)
      assert.matches("secret_key = <redacted>", err, 1, true)
      assert.is_nil(err:find(SECRET, 1, true))
      assert.is_nil(err:find("eyJ", 1, true), "a JWT appeared in the -v output")
      -- the same with an API error on the way
      code, out, err = cli("-v call get-alert id=P-999999")
      assert.equals("", out)
      assert.equals(1, code)
      assert.matches("404", err)
      assert.is_nil(err:find(SECRET, 1, true))
      assert.is_nil(err:find("eyJ", 1, true))
    end)
  end)

  describe("control characters in API data (issue 13, finding 15)", function()
    -- ESC sequences (colour, OSC title), BEL, NUL, DEL, C1 controls encoded in
    -- UTF-8 (U+009B is a one-character CSI for some terminals), CR/LF and tab.
    local HOSTILE = "\27[31mred\27]0;pwned\7 csi\194\155m nul\0 del\127 cr\r lf\n tab\t é"
    -- Raw bytes a JSON body cannot hold: C1 bytes that are not UTF-8.
    local RAW = "raw\155[2J\128\159 \27[5m end"
    local JSON_CT = {["Content-Type"] = "application/json"}

    -- Asserts the bytes can drive no terminal: no C0 control but tab, CR, LF;
    -- no DEL; no C1 control, encoded or raw; valid UTF-8 throughout.
    local function harmless(bytes, what)
      assert.is_nil(bytes:find("[%z\1-\8\11\12\14-\31\127]"), what .. " holds a control character: " .. bytes)
      assert.is_nil(bytes:find("\194[\128-\159]"), what .. " holds a C1 control: " .. bytes)
      assert.truthy(utf8.len(bytes), what .. " is not valid UTF-8 (a raw C1 byte?): " .. bytes)
    end

    local function serve(path, body, status, headers)
      srv.fault{path = path, status = status or 200, body = body, headers = headers or JSON_CT, times = 1}
    end

    it("shows them as visible escapes in table, CSV, JSON, ndjson and HTML output", function()
      local record = {id = "g-1", name = HOSTILE, description = "d\27[2J", [HOSTILE] = "key"}
      for _, format in ipairs{"table", "csv", "json", "ndjson", "html"} do
        serve("/cloud/group", cjson.encode{record})
        local code, out, err = cli("groups list -o " .. format .. " --columns id,name,description")
        assert.equals(0, code, err)
        harmless(out, format)
        if format == "table" then -- (a long cell is cut)
          assert.truthy(out:find("\\x1b[31mred\\x1b]0;pwned\\x07 csi\\u009bm nul\\x00", 1, true), out)
        elseif format == "csv" then
          local want = "\\x1b[31mred\\x1b]0;pwned\\x07 csi\\u009bm nul\\x00 del\\x7f cr  lf  tab  é"
          assert.truthy(out:find(want, 1, true), out)
        else
          assert.truthy(out:find("pwned", 1, true))
        end
      end
      -- columns chosen from the records' keys: the header is made harmless too
      for _, format in ipairs{"table", "csv", "html"} do
        serve("/cloud/group", cjson.encode{{id = "g-1", [HOSTILE] = "v"}})
        local code, out, err = cli("get /cloud/group -o " .. format)
        assert.equals(0, code, err)
        harmless(out, format .. " header")
        assert.truthy(out:find("\\x1b[31mred", 1, true), out)
      end
      -- one object: a field / value table
      serve("/cloud/group/g-1", cjson.encode(record))
      local code, out, err = cli("call get-account-group id=g-1 -o table")
      assert.equals(0, code, err)
      harmless(out, "field/value table")
      -- a body that is not JSON, written as it came: harmless in a table or CSV
      serve("/cloud/group", RAW, 200, {["Content-Type"] = "text/plain"})
      code, out, err = cli("get /cloud/group -o table")
      assert.equals(0, code, err)
      harmless(out, "text body")
      assert.truthy(out:find("raw\\x9b[2J\\x80\\x9f \\x1b[5m end", 1, true), out)
    end)

    it("writes a body that is not JSON in a <pre> with -o html, harmless on a terminal with -o json", function()
      serve("/cloud/group", "a<b>&" .. RAW, 200, {["Content-Type"] = "text/plain"})
      local code, out, err = cli("get /cloud/group -o html")
      assert.equals(0, code, err)
      harmless(out, "html text body")
      assert.truthy(out:find("<html", 1, true), out)
      assert.truthy(out:find("<pre>a&lt;b&gt;&amp;raw\\x9b[2J\\x80\\x9f \\x1b[5m end</pre>", 1, true), out)
      serve("/cloud/group", RAW, 200, {["Content-Type"] = "text/plain"})
      code, out = cli("get /cloud/group -o json")
      assert.equals(0, code)
      assert.equals(RAW, out) -- to a pipe: as it came
      if os.execute("command -v script > /dev/null 2>&1") ~= true then return end -- util-linux's script
      serve("/cloud/group", RAW, 200, {["Content-Type"] = "text/plain"})
      local typescript = os.tmpname()
      local inner = ("env PC_URL=%s PC_IDENTITY=test-key PC_SECRET=%s PC_CONFIG_DIR=/nonexistent "
        .. "LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./?.so;;' "
        .. "lua5.4 bin/prismacloud get /cloud/group -o json")
        :format(shell_quote(srv.url), shell_quote(SECRET))
      os.execute(("script -qec %s %s > /dev/null 2>&1 < /dev/null"):format(shell_quote(inner),
        shell_quote(typescript)))
      local tty = read_file(typescript)
      os.remove(typescript)
      assert.truthy(tty:find("raw\\x9b[2J\\x80\\x9f \\x1b[5m end", 1, true), tty)
      assert.is_nil(tty:find(RAW, 1, true))
    end)

    it("output.printable keeps valid UTF-8 and escapes the rest; summary labels use it", function()
      local output = require "prismacloud.cli.output"
      assert.equal("plain é € 𝄞", output.printable("plain é € 𝄞"))
      assert.equal("\\x1b\\x07\\x00\\x7f\\x09\\x0a", output.printable("\27\7\0\127\t\n"))
      assert.equal("a\tb\r\nc\\x1b", output.printable("a\tb\r\nc\27", true))
      assert.equal("\\u0080\\u009f\194\160", output.printable("\194\128\194\159\194\160"))
      -- overlong, surrogate, beyond U+10FFFF, truncated, lone continuation: byte by byte
      assert.equal("\\xc0\\xaf", output.printable("\192\175"))
      assert.equal("\\xed\\xa0\\x80", output.printable("\237\160\128"))
      assert.equal("\\xf4\\x90\\x80\\x80", output.printable("\244\144\128\128"))
      assert.equal("x\\xe2\\x82", output.printable("x\226\130"))
      assert.equal("\\x9b[2J", output.printable("\155[2J"))
      local summary = require "prismacloud.cli.summary"
      local text = summary.text({total = 1, by_severity = {}, by_policy = {{key = HOSTILE, count = 1}},
        by_cloud = {}, by_account = {{key = RAW, count = 1}}, by_day = {}, left_out = {}}, {utf8 = true})
      harmless(text, "summary text")
    end)

    it("shows them as visible escapes in error lines", function()
      local bodies = {
        {cjson.encode{error = {code = "E1", message = HOSTILE}}, JSON_CT},
        {cjson.encode{status = 400, error = "Bad Request", message = HOSTILE}, JSON_CT},
        {RAW, {["Content-Type"] = "text/plain"}},
        {"{}", {["Content-Type"] = "application/json", ["x-redlock-status"] =
          cjson.encode{{i18nKey = "bad\27[31m\7", severity = "error", subject = "s\194\155"}}}},
      }
      for i, b in ipairs(bodies) do
        serve("/cloud/group", b[1], 400, b[2])
        local code, out, err = cli("groups list -o json")
        assert.equals(1, code, err)
        assert.equals("", out)
        assert.equals(1, #lines_of(err), err)
        harmless(err, "error line " .. i)
        assert.truthy(err:find("\\x1b[", 1, true) or err:find("\\x9b", 1, true), err)
      end
      -- and with -v, whose trace shows the response's header lines
      serve("/cloud/group", "{}", 400, {["Content-Type"] = "application/json", ["X-Evil"] = "a\194\155b"})
      local code, _, err = cli("-v groups list -o json")
      assert.equals(1, code)
      harmless(err, "-v trace")
    end)
  end)

  describe("TLS verification turned off (issue 13, finding 16)", function()
    -- Lines of stderr that say verification is off.
    local function warnings_in(err)
      local n = 0
      for _, line in ipairs(lines_of(err)) do
        if line:find("verification is off", 1, true) then n = n + 1 end
      end
      return n
    end

    it("warns once on stderr, for a command and for the REPL, and never when it is on", function()
      local stdin = os.tmpname()
      write_file(stdin, "print(pc ~= nil)\n")
      for _, var in ipairs{"PC_VERIFY=false", "PC_VERIFY=0", "PRISMACLOUD_SKIP_SSL_CERT_VERIFICATION=true"} do
        local code, out, err = cli("accounts list -o json", {env = {var}})
        assert.equals(0, code, err)
        assert.equals(9, #cjson.decode(out))
        assert.equals(1, warnings_in(err), var .. ": " .. err)
        assert.equals(1, #lines_of(err), err)
        code, out, err = cli("repl", {env = {var}, stdin = stdin})
        assert.equals(0, code, err)
        assert.equals("true\n", out)
        assert.equals(1, warnings_in(err), "repl, " .. var .. ": " .. err)
      end
      for _, var in ipairs{"PC_VERIFY=true", "PRISMACLOUD_SKIP_SSL_CERT_VERIFICATION=false"} do
        local code, _, err = cli("accounts list -o json", {env = {var}})
        assert.equals(0, code, err)
        assert.equals("", err)
      end
      os.remove(stdin)
    end)
  end)

  describe("alerts summary", function()
    it("counts open alerts by severity, policy, cloud, account and day (JSON)", function()
      local code, out = cli("alerts summary --since to_now:epoch -o json")
      assert.equals(0, code)
      local s = cjson.decode(out)
      local n, by_cloud = 0, {}
      for a in client.alerts:each{time_range = "to_now:epoch", status = "open"} do
        n = n + 1
        local c = a.resource.cloudType:lower()
        by_cloud[c] = (by_cloud[c] or 0) + 1
      end
      assert.equals(n, s.total)
      for _, group in ipairs{"by_severity", "by_cloud"} do
        local sum = 0
        for _, r in ipairs(s[group]) do sum = sum + r.count end
        assert.equals(n, sum)
      end
      for _, r in ipairs(s.by_cloud) do assert.equals(by_cloud[r.key], r.count) end
      local days = 0
      for _, d in ipairs(s.by_day) do days = days + d.count end
      assert.equals(n, days)
      assert.is_true(#s.by_day >= 30)
      local top = s.by_policy[1].count
      for _, r in ipairs(s.by_policy) do assert.is_true(r.count <= top) end
    end)

    it("draws bars with block characters in UTF-8, with # otherwise, never colour off a terminal", function()
      local code, out = cli("alerts summary -o table", {env = {"LANG=C.UTF-8", "LC_ALL=", "LC_CTYPE="}})
      assert.equals(0, code)
      assert.matches("^Alerts: %d+", out)
      for _, title in ipairs{"By severity", "By policy", "By cloud", "By account", "Daily trend"} do
        assert.truthy(out:find("\n" .. title, 1, true), title)
      end
      assert.truthy(out:find("█", 1, true))
      assert.is_nil(out:find("\27[", 1, true))
      code, out = cli("alerts summary -o table", {env = {"LANG=C", "LC_ALL=", "LC_CTYPE="}})
      assert.equals(0, code)
      assert.matches("|###", out, 1, true)
      assert.is_nil(out:find("[\128-\255]"))
    end)

    it("writes rows of group, key, count as CSV", function()
      local code, out = cli("alerts summary --since 7d -o csv")
      assert.equals(0, code)
      local lines = lines_of(out)
      assert.equals("group,key,count", lines[1])
      local groups = {}
      for i = 2, #lines do groups[lines[i]:match("^(%a+),")] = true end
      assert.same({severity = true, policy = true, cloud = true, account = true, day = true}, groups)
    end)
  end)

  describe("CSV formula injection", function()
    it("prefixes text starting with = + - @ with a quote, leaves numbers alone", function()
      srv.fault{path = "/cloud/group", status = 200, times = 1, headers = {["Content-Type"] = "application/json"},
        body = cjson.encode{{id = "=HYPERLINK(\"http://x\")", name = "+1", description = "-cmd", n = -2},
                            {id = "@SUM(A1)", name = "a=b", description = "plain", n = 3},
                            {id = "\t=1+1", name = "  -x", description = "", n = 0.5}}}
      local code, out, err = cli("get /cloud/group -o csv --columns id,name,description,n")
      assert.equals(0, code, err)
      local lines = lines_of(out)
      assert.equals("id,name,description,n", lines[1])
      assert.equals([["'=HYPERLINK(""http://x"")",'+1,'-cmd,-2]], lines[2])
      assert.equals("'@SUM(A1),a=b,plain,3", lines[3])
      assert.equals("' =1+1,'  -x,,0.5", lines[4])
    end)
  end)
end)
