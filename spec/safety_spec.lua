-- Core safety: the findings of an adversarial review of the C core, each
-- played over real sockets (the emulator, nginx for HTTP/2, child
-- processes for signals and the environment). Every test here failed on
-- the core before the fix.
local prismacloud = require "prismacloud"
local core = require "prismacloud.core"
local server = require "support.server"
local files = require "support.files"
local nginx = require "support.nginx"
local socket = require "socket"

local REENTRY = "client used from its own hook or trace function"
-- Children load the same library as this process (the core under test).
local RUN_ENV = ("LUA_PATH=%s LUA_CPATH=%s "):format(files.shell_quote(package.path),
  files.shell_quote(package.cpath))

-- "METHOD path" of every request the emulator logged, in order.
local function arrivals(srv, path)
  local out = {}
  for i, r in ipairs(srv.requests(path)) do out[i] = r.method .. " " .. r.path end
  return out
end

-- A JWT-shaped token with these claims (unsigned: for the client's clock only).
local function fake_jwt(claims)
  local b64 = require("prismacloud.emulator.jwt").b64url_encode
  return b64('{"alg":"none"}') .. "." .. b64(prismacloud.json.encode(claims)) .. ".sig"
end

-- Runs a Lua script in a child lua5.4 (in-tree library) in the background;
-- returns its pid and the paths of its stdout and stderr.
local function spawn(script, env)
  local dir = files.temp_dir()
  files.write(dir .. "/child.lua", script)
  local cmd = ("cd %s && %s %s lua5.4 %s >%s 2>%s & echo $!"):format(
    files.shell_quote(os.getenv("PWD") or "."), env or "", RUN_ENV, files.shell_quote(dir .. "/child.lua"),
    files.shell_quote(dir .. "/out"), files.shell_quote(dir .. "/err"))
  local p = io.popen(cmd)
  local pid = tonumber(p:read("l"))
  p:close()
  return {pid = pid, dir = dir, out = dir .. "/out", err = dir .. "/err"}
end

-- Waits up to `seconds` for the child to exit; true when it did.
local function wait_exit(child, seconds)
  return server.wait_exit(child.pid, seconds)
end

-- Waits until the child's stdout holds `text` (up to 10 s).
local function wait_output(child, text)
  for _ = 1, 200 do
    local out = files.read(child.out) or ""
    if out:find(text, 1, true) then return true end
    socket.sleep(0.05)
  end
  return false
end

describe("core safety", function()
  local fx = server.fixture({}, {backoff_base = 0.01, backoff_cap = 0.02})

  local function new(opts)
    local o = {url = fx.srv.url, access_key = "test-key", secret_key = "test-secret",
               backoff_base = 0.01, backoff_cap = 0.02}
    for k, v in pairs(opts or {}) do o[k] = v end
    return prismacloud.new(o)
  end

  describe("a client used from its own hooks (finding 1)", function()
    for _, hook in ipairs{"on_token", "on_request", "on_retry", "on_response", "rate_limit"} do
      it("refuses a request from " .. hook .. " and sends the outer one intact", function()
        local c
        local inner = {}
        c = new{[hook] = function()
          local ok, err = pcall(c.request, c, "GET", "/_test/echo", {query = {inner = 1}})
          inner[#inner + 1] = ok and "sent" or tostring(err)
          if hook == "rate_limit" then return 0 end
        end}
        if hook == "on_retry" then fx.srv.fault{method = "DELETE", path = "/_test/echo", status = 429, times = 1} end
        local res = assert(c:request("DELETE", "/_test/echo", {query = {id = "P-1"}, body = {name = "outer"}}))
        assert.equal(200, res.status)
        assert.is_true(#inner >= 1)
        for _, e in ipairs(inner) do assert.matches(REENTRY, e, 1, true) end
        local log = fx.srv.requests("/_test/echo")
        for _, r in ipairs(log) do
          assert.equal("DELETE", r.method)
          assert.equal("id=P-1", r.rawquery)
          assert.equal('{"name":"outer"}', r.body)
        end
        assert.equal(hook == "on_retry" and 2 or 1, #log)
        c:close()
      end)
    end

    it("counts a hook that lets the refusal escape, and the request still succeeds", function()
      local c
      c = new{on_request = function() c:request("GET", "/v2/ping") end}
      local res = assert(c:request("POST", "/_test/echo", {body = {a = 1}}))
      assert.equal(200, res.status)
      assert.equal(1, c:stats().hook_errors)
      assert.matches(REENTRY, c:stats().last_hook_error, 1, true)
      assert.same({"POST /_test/echo"}, arrivals(fx.srv, "/_test/echo"))
      assert.same({}, arrivals(fx.srv, "/v2/ping"))
      c:close()
    end)

    it("refuses client:parallel from a hook of a running parallel, which completes (finding 10)", function()
      local c
      local refusals = {}
      c = new{on_response = function()
        local ok, err = pcall(c.parallel, c, {{method = "GET", path = "/v2/ping"}})
        refusals[#refusals + 1] = ok and "ran" or tostring(err)
      end}
      local reqs = {}
      for i = 1, 6 do reqs[i] = {method = "GET", path = "/_test/echo", query = {i = i}} end
      local results = c:parallel(reqs, {concurrency = 3})
      assert.equal(6, #results)
      for i = 1, 6 do assert.equal(200, results[i].status) end
      assert.equal(6, #refusals)
      for _, e in ipairs(refusals) do assert.matches(REENTRY, e, 1, true) end
      assert.same({}, arrivals(fx.srv, "/v2/ping"))
      c:close()
    end)
  end)

  describe("closing a client from its trace function (finding 2)", function()
    local function tracer_that_closes()
      local t = {lines = 0}
      t.fn = function()
        t.lines = t.lines + 1
        if not t.err then
          local ok, err = pcall(t.client.close, t.client)
          t.err = ok and "closed" or tostring(err)
        end
      end
      return t
    end

    it("is refused in a single request and during login; the client stays usable", function()
      local t = tracer_that_closes()
      t.client = new{trace = t.fn}
      local res = assert(t.client:request("GET", "/_test/echo"))
      assert.equal(200, res.status)
      assert.matches(REENTRY, t.err, 1, true)
      assert.equal(200, assert(t.client:request("GET", "/_test/echo")).status)
      assert.matches("open", tostring(t.client))
      t.client:close()
      assert.matches("closed", tostring(t.client))
    end)

    it("is refused in client:parallel", function()
      local t = tracer_that_closes()
      t.client = new{trace = t.fn}
      assert(t.client:login())
      t.err = nil
      local results = t.client:parallel{{method = "GET", path = "/_test/echo"}, {method = "GET", path = "/v2/ping"}}
      assert.equal(200, results[1].status)
      assert.equal(200, results[2].status)
      assert.matches(REENTRY, t.err, 1, true)
      t.client:close()
    end)
  end)

  describe("client:parallel with a bad request among good ones (finding 3)", function()
    local bad = {
      ["a bad header name"] = {method = "GET", path = "/_test/echo", headers = {["bad name"] = "x"}},
      ["a header value with CR LF"] = {method = "GET", path = "/_test/echo", headers = {X = "a\r\nEvil: 1"}},
      ["a control character in the path"] = {method = "GET", path = "/_test/\1echo"},
      ["a bad query value"] = {method = "GET", path = "/_test/echo", query = {q = print}},
      ["a body JSON cannot carry"] = {method = "POST", path = "/_test/echo", body = {0 / 0}},
    }
    for what, spec in pairs(bad) do
      it("raises for " .. what .. " before sending anything, and the next call is whole", function()
        local c = fx.client
        local reqs = {}
        for i = 1, 4 do reqs[i] = {method = i % 2 == 0 and "POST" or "GET", path = "/_test/echo", body = {n = i}} end
        reqs[5] = spec
        assert.has_error(function() c:parallel(reqs) end)
        assert.same({}, arrivals(fx.srv))
        -- a smaller call next: nothing of the first may still be attached
        local results = c:parallel{{method = "GET", path = "/v2/ping"}}
        assert.equal(1, #results)
        assert.equal(200, results[1].status)
        socket.sleep(0.2)
        assert.same({"GET /v2/ping"}, arrivals(fx.srv))
        results = c:parallel{{method = "GET", path = "/v2/ping"}, {method = "GET", path = "/v2/ping"}}
        assert.equal(2, #results)
        assert.equal(200, results[2].status)
      end)
    end
  end)

  describe("a request that is not idempotent (finding 5)", function()
    local faults = {
      ["a reset after the request arrived"] = {reset = true},
      ["an empty reply"] = {drop = true},
      ["a truncated answer"] = {truncate = true},
      ["a 502"] = {status = 502},
      ["a 504"] = {status = 504},
      ["a 500"] = {status = 500},
      ["a 503 without Retry-After"] = {status = 503},
    }
    for what, fault in pairs(faults) do
      it("is sent once after " .. what .. " (policies:create, default retries)", function()
        local c <close> = new{}
        assert(c:request("GET", "/v2/ping")) -- a warm, reused connection
        fault.method, fault.path, fault.times = "POST", "/policy", 10
        fx.srv.fault(fault)
        local policy, err = c.policies:create{name = "once " .. what, policyType = "config",
          severity = "low", cloudType = "aws", rule = {name = "r", type = "Config", criteria = "x"}}
        assert.is_nil(policy)
        assert.truthy(err)
        assert.equal(1, #fx.srv.requests("/policy"))
        assert.equal(1, err.attempts)
      end)
    end

    it("is sent once after a timeout", function()
      local c <close> = new{timeout = 0.3}
      fx.srv.fault{method = "POST", path = "/_test/echo", stall_ms = 1500, times = 10}
      local res, err = c:request("POST", "/_test/echo", {body = {n = 1}})
      assert.is_nil(res)
      assert.equal("timeout", err.kind)
      assert.is_true(err.retryable) -- transient: the caller may decide
      assert.equal(1, #fx.srv.requests("/_test/echo"))
    end)

    it("is retried after a 429 and after a 503 carrying Retry-After (never acted on)", function()
      local c <close> = new{}
      fx.srv.fault{method = "POST", path = "/_test/echo", status = 429, times = 1}
      fx.srv.fault{method = "POST", path = "/_test/echo", status = 503, headers = {["Retry-After"] = "0"}, times = 1}
      local res = assert(c:request("POST", "/_test/echo", {body = {n = 1}}))
      assert.equal(200, res.status)
      assert.equal(3, #fx.srv.requests("/_test/echo"))
    end)

    it("is retried when the connection is refused (it never left)", function()
      local port = nginx.free_port()
      local c <close> = prismacloud.new{url = "http://127.0.0.1:" .. port, token = "t", retries = 2,
                                        backoff_base = 0.01}
      local res, err = c:request("POST", "/x", {body = {n = 1}})
      assert.is_nil(res)
      assert.equal(3, err.attempts)
    end)

    it("an idempotent one is still retried after the same faults", function()
      local c <close> = new{}
      fx.srv.fault{method = "GET", path = "/_test/echo", drop = true, times = 1}
      fx.srv.fault{method = "GET", path = "/_test/echo", status = 502, times = 1}
      local res = assert(c:request("GET", "/_test/echo"))
      assert.equal(200, res.status)
      assert.equal(3, #fx.srv.requests("/_test/echo"))
    end)
  end)

  describe("waits a server asks for (finding 6)", function()
    local function retry_waits(c_opts, retry_after)
      local waits = {}
      c_opts.on_retry = function(e) waits[#waits + 1] = e.wait end
      local c <close> = new(c_opts)
      fx.srv.fault{path = "/_test/echo", status = 429, headers = {["Retry-After"] = retry_after}, times = 1}
      local body, err = c:send("GET", "/_test/echo")
      return waits, body, err
    end

    it("does not park a request for a Retry-After past max_retry_after", function()
      for _, ra in ipairs{"999999", os.date("!%a, %d %b %Y %H:%M:%S GMT", os.time{year = 2100, month = 1, day = 1})} do
        local waits, res, err = retry_waits({}, ra)
        assert.is_nil(res)
        assert.same({}, waits)
        assert.equal("rate_limited", err.kind)
        assert.is_true(err.retry_after > 120)
        assert.equal(1, err.attempts)
      end
    end)

    it("reads only RFC 9110 delay-seconds: 1e400 and 0x2 fall back to the backoff", function()
      for _, ra in ipairs{"1e400", "0x2", "-5", "2.5"} do
        local waits, body = retry_waits({backoff_base = 0.05, backoff_cap = 0.05}, ra)
        assert.truthy(body)
        assert.equal(1, #waits)
        assert.is_true(waits[1] >= 0 and waits[1] <= 0.05, ra .. ": waited " .. tostring(waits[1]))
      end
    end)

    it("retries a timed-out GET once, not seven times, when the server trickles", function()
      local c <close> = new{timeout = 0.4}
      fx.srv.fault{path = "/_test/bytes", trickle_ms = 150, times = 10}
      local res, err = c:request("GET", "/_test/bytes", {query = {size = 100}})
      assert.is_nil(res)
      assert.equal("timeout", err.kind)
      assert.equal(2, err.attempts)
      assert.equal(2, #fx.srv.requests("/_test/bytes"))
    end)

    it("gives up a Retry-After wait at the first Ctrl-C (SIGINT) in a script", function()
      fx.srv.fault{path = "/_test/echo", status = 429, headers = {["Retry-After"] = "60"}, times = 1}
      local child = spawn(([[
        local pc = require "prismacloud"
        local c = pc.new{url = %q, token = "t"}
        io.stdout:write("ready\n"); io.stdout:flush()
        local res, err = c:request("GET", "/_test/echo")
        io.stdout:write("returned ", tostring(err and err.kind), "\n")
      ]]):format(fx.srv.url))
      assert.is_true(wait_output(child, "ready"))
      for _ = 1, 100 do -- the request has reached its wait once the 429 is logged
        if #fx.srv.requests("/_test/echo") > 0 then break end
        socket.sleep(0.05)
      end
      socket.sleep(0.3)
      os.execute("kill -INT " .. child.pid)
      local exited = wait_exit(child, 15)
      if not exited then os.execute("kill -KILL " .. child.pid) end
      local err = files.read(child.err) or ""
      files.remove_dir(child.dir)
      assert.is_true(exited, "the child was still waiting 15 s after SIGINT")
      assert.matches("interrupted", err)
    end)
  end)

  describe("Ctrl-C during a transfer, for hosts that catch it (core.catch_interrupts)", function()
    it("stops a stalled request and a stalled parallel at once; the next request works", function()
      fx.srv.fault{path = "/_test/echo", stall_ms = 30000, times = 1}
      local child = spawn(([[
        local pc = require "prismacloud"
        local core = require "prismacloud.core"
        local c = pc.new{url = %q, token = "t", timeout = 60}
        core.catch_interrupts(true)
        io.stdout:write("ready\n"); io.stdout:flush()
        local ok, why = pcall(c.request, c, "GET", "/_test/echo") -- the stop hook raises as it returns
        io.stdout:write("first ", tostring(ok), " ", tostring(why), "\n")
        io.stdout:flush()
        ok, why = pcall(c.parallel, c, {{method = "GET", path = "/_test/stall", query = {ms = 30000}},
                                        {method = "GET", path = "/_test/stall", query = {ms = 30000}}})
        io.stdout:write("parallel ", tostring(ok), " ", tostring(why), "\n")
        io.stdout:flush()
        local res = c:request("GET", "/_test/echo")
        io.stdout:write("after ", tostring(res and res.status), " ", tostring(core.catch_interrupts(false)), "\n")
      ]]):format(fx.srv.url))
      assert.is_true(wait_output(child, "ready"))
      for _ = 1, 100 do
        if #fx.srv.requests("/_test/echo") > 0 then break end
        socket.sleep(0.05)
      end
      socket.sleep(0.2)
      os.execute("kill -INT " .. child.pid)
      assert.is_true(wait_output(child, "first "))
      for _ = 1, 100 do
        if #fx.srv.requests("/_test/stall") >= 2 then break end
        socket.sleep(0.05)
      end
      socket.sleep(0.2)
      os.execute("kill -INT " .. child.pid)
      local exited = wait_exit(child, 15)
      if not exited then os.execute("kill -KILL " .. child.pid) end
      local out = files.read(child.out) or ""
      files.remove_dir(child.dir)
      assert.is_true(exited, out)
      assert.matches("first false interrupted\n", out)
      assert.matches("parallel false interrupted\n", out)
      assert.matches("after 200 false", out)
    end)
  end)

  describe("sizes a server controls (finding 7)", function()
    it("refuses a compression bomb by its ratio, with default options", function()
      local c <close> = new{}
      local res, err = c:request("GET", "/_test/gzip_bomb", {query = {mb = 64}})
      assert.is_nil(res)
      assert.equal("transport", err.kind)
      assert.matches("max_ratio", err.message)
      assert.is_false(err.retryable)
      assert.equal(1, #fx.srv.requests("/_test/gzip_bomb"))
      assert.equal(200, assert(c:request("GET", "/_test/gzip")).status) -- ordinary gzip passes
    end)

    it("counts max_body for all of client:parallel's transfers together", function()
      local c <close> = new{max_body = 5 * 1024 * 1024, max_ratio = 0}
      assert(c:login())
      fx.srv.fault{path = "/_test/bytes", trickle_ms = 250, trickle_bytes = 1024 * 1024, times = 4}
      local reqs = {}
      for i = 1, 4 do reqs[i] = {method = "GET", path = "/_test/bytes", query = {size = 3 * 1024 * 1024, i = i}} end
      local results = c:parallel(reqs, {concurrency = 4})
      local refused = 0
      for i = 1, 4 do
        if core.Error == getmetatable(results[i]) then
          assert.matches("max_body", results[i].message)
          refused = refused + 1
        end
      end
      assert.is_true(refused >= 1, "4 x 3 MB in flight at once passed a 5 MB max_body")
      assert.equal(200, assert(c:request("GET", "/_test/bytes", {query = {size = 1024}})).status)
    end)

    it("caps the memory a decoded answer may take (max_decoded)", function()
      local c <close> = new{max_decoded = 4 * 1024 * 1024}
      local body = "[" .. ("[],"):rep(200000) .. "[]]" -- 600 KB that decode to ~17 MB of tables
      fx.srv.fault{path = "/_test/echo", status = 200, body = body, headers = {["Content-Type"] = "application/json"}}
      local res, err = c:request("GET", "/_test/echo")
      assert.is_nil(res)
      assert.equal("decode", err.kind)
      assert.matches("max_decoded", err.message)
      fx.srv.fault{path = "/_test/echo", status = 200, body = "[" .. ("[],"):rep(1000) .. "[]]",
                   headers = {["Content-Type"] = "application/json"}}
      assert.equal(1001, #assert(c:request("GET", "/_test/echo")).body)
    end)
  end)

  describe("paths (finding 8)", function()
    it("refuses a dot segment in a raw path instead of climbing out of it", function()
      for _, p in ipairs{"/policy/..", "/policy/.", "/a/../b", "/./x", "/x/..?q=1"} do
        assert.error_matches(function() fx.client:request("DELETE", p) end, "dot segment")
      end
      assert.same({}, arrivals(fx.srv))
    end)

    it("sends an encoded dot segment as it is", function()
      local res = assert(fx.client:request("GET", "/_test/%2E%2E"))
      assert.equal(404, res.status)
      assert.same({"GET /_test/%2E%2E"}, arrivals(fx.srv))
    end)
  end)

  describe("base URLs (findings 16 and 17)", function()
    it("refuses user-info without echoing it, so it never reaches tostring or a login", function()
      for _, url in ipairs{"https://user:Pa55word@api.prismacloud.io", "http://api.prismacloud.io:443@127.0.0.1:9",
                           "user:Pa55word@127.0.0.1:9", "https://Pa55word@[::1]:9"} do
        local ok, err = pcall(prismacloud.new, {url = url, access_key = "k", secret_key = "s"})
        assert.is_false(ok)
        assert.matches("user%-info", err)
        assert.is_nil(err:find("Pa55word", 1, true))
      end
      assert.same({}, arrivals(fx.srv))
    end)

    it("refuses http:// to a host that is not loopback unless allow_http = true", function()
      assert.error_matches(function() prismacloud.new{url = "http://api.prismacloud.io"} end, "clear text")
      assert.error_matches(function() prismacloud.new{url = "http://10.0.0.1:8080"} end, "allow_http")
      assert.error_matches(function() prismacloud.new{url = "http://127.evil.example"} end, "clear text")
      for _, url in ipairs{"http://localhost:9", "http://127.0.0.1:9", "http://[::1]:9", "http://emu.localhost"} do
        prismacloud.new{url = url}:close()
      end
      local c = prismacloud.new{url = "http://api.prismacloud.io", allow_http = true}
      assert.matches("api%.prismacloud%.io", tostring(c))
      c:close()
    end)

    it("refuses a query, a fragment or a malformed IPv6 host in the base URL", function()
      for _, url in ipairs{"https://h/api?x=1", "https://h#frag", "https://[::1", "https://[::1]x"} do
        assert.has_error(function() prismacloud.new{url = url} end)
      end
    end)
  end)

  describe("injection through tokens and options (finding 12)", function()
    it("refuses a token option or user_agent that could end a header line", function()
      for _, t in ipairs{"abc\r\nX-Evil: 1", "abc\n", "a\0b", "a b", ""} do
        assert.error_matches(function() prismacloud.new{url = fx.srv.url, token = t} end, "'token'")
      end
      assert.error_matches(function() prismacloud.new{url = fx.srv.url, user_agent = "x\r\nX-Evil: 1"} end,
        "'user_agent'")
    end)

    it("refuses a token from /login or /auth_token/extend that could inject a header", function()
      local c <close> = new{}
      fx.srv.fault{path = "/login", status = 200, body = {token = "abc\r\nX-Evil: 1", customerNames = {}}}
      local ok, err = c:login()
      assert.is_nil(ok)
      assert.equal("auth", err.kind)
      assert.matches("header", err.message)
      assert.equal(200, assert(c:request("GET", "/v2/ping")).status) -- a clean login follows
      for _, r in ipairs(fx.srv.requests()) do assert.is_nil(r.headers["x-evil"]) end
      fx.srv.config{token_ttl = 2}
      local e <close> = new{}
      assert(e:login())
      fx.srv.config{token_ttl = 600}
      socket.sleep(1.7) -- past 80% of the lifetime: the next request extends first
      fx.srv.fault{path = "/auth_token/extend", status = 200, body = {token = "x\ny"}}
      assert.equal(200, assert(e:request("GET", "/v2/ping")).status)
      for _, r in ipairs(fx.srv.requests()) do assert.is_nil(r.headers["y"]) end
    end)
  end)

  describe("options tables with metamethods", function()
    it("reads the headers and query options once, so an __index function cannot change them", function()
      -- an __index function that answers a table the first time and a number after: a core that
      -- checked the type in one read and used a second one walked the number as a table (a crash)
      -- or dropped the query; the child keeps a crash out of this process
      local child = spawn(([[
        local prismacloud = require "prismacloud"
        local c = prismacloud.new{url = %q, access_key = "test-key", secret_key = "test-secret"}
        for _, case in ipairs{{"headers", {["X-Probe"] = "h1"}}, {"query", {probe = "q1"}}} do
          local n = 0
          local opts = setmetatable({}, {__index = function(_, k)
            if k ~= case[1] then return nil end
            n = n + 1
            return n == 1 and case[2] or 42
          end})
          local ok, err = pcall(c.request, c, "GET", "/v2/ping", opts)
          io.write(tostring(ok and err.status or err), "\n")
        end
      ]]):format(fx.srv.url))
      assert.is_true(wait_exit(child, 20))
      assert.equal("200\n200\n", files.read(child.out), files.read(child.err))
      local seen = fx.srv.requests("/v2/ping")
      assert.equal(2, #seen)
      assert.equal("h1", seen[1].headers["x-probe"])
      assert.equal("probe=q1", seen[2].rawquery)
    end)

    it("names a headers or query option that is not a table", function()
      for _, name in ipairs{"headers", "query"} do
        assert.error_matches(function() fx.client:request("GET", "/v2/ping", {[name] = 42}) end,
          "bad request option '" .. name .. "' %(table expected, got number%)")
      end
      assert.same({}, arrivals(fx.srv))
    end)
  end)

  describe("a second review: Lua run in the middle of a call, and what a server sends to a file", function()
    it("refuses client:parallel on a client its own options' __index closed", function()
      local child = spawn(([[
        local core = require "prismacloud.core"
        local c = core.new{url = %q, retries = 0}
        local opts = setmetatable({}, {__index = function(_, k)
          if k == "concurrency" then c:close(); return 2 end
        end})
        io.write(tostring(select(2, pcall(c.parallel, c, {{method = "GET", path = "/v2/ping", auth = false}}, opts))),
          "\n")
      ]]):format(fx.srv.url))
      assert.is_true(wait_exit(child, 20))
      assert.matches("attempt to use a closed client\n$", files.read(child.out) or "", nil, files.read(child.err))
      assert.same({}, arrivals(fx.srv))
    end)

    it("keeps the thread that asked for catch_interrupts alive until catching ends", function()
      local seen = setmetatable({}, {__mode = "k"})
      local co = coroutine.create(function() core.catch_interrupts(true) end)
      assert(coroutine.resume(co))
      seen[co] = true
      co = nil -- luacheck: ignore 311
      collectgarbage()
      collectgarbage()
      local alive = next(seen) ~= nil -- the SIGINT handler sets its hook on that thread: never a freed one
      core.catch_interrupts(false)
      collectgarbage()
      collectgarbage()
      assert.is_true(alive)
      assert.is_nil(next(seen))
    end)

    it("stops the exchange on a Ctrl-C that lands in a hook, instead of counting a hook error", function()
      local child = spawn(([[
        local core = require "prismacloud.core"
        local c = core.new{url = %q, retries = 0, token = "t",
          rate_limit = function()
            local t = os.clock()
            while os.clock() - t < 3 do end
            return 0
          end}
        core.catch_interrupts(true)
        io.stdout:write("ready\n"); io.stdout:flush()
        local ok, why = pcall(c.request, c, "GET", "/v2/ping", {auth = false})
        io.stdout:write(tostring(ok), " ", tostring(why), " ", c:stats().hook_errors, "\n")
      ]]):format(fx.srv.url))
      assert.is_true(wait_output(child, "ready"))
      socket.sleep(0.5)
      os.execute("kill -INT " .. child.pid)
      local exited = wait_exit(child, 15)
      if not exited then os.execute("kill -KILL " .. child.pid) end
      assert.is_true(exited)
      assert.equal("ready\nfalse interrupted 0\n", files.read(child.out), files.read(child.err))
    end)

    it("holds its own references to option strings while finalizers empty the caller's tables", function()
      -- an eager collector whose finalizers drop the query table's keys and opts.url while the core
      -- works: once read through pointers into those tables (use after free: `make asan` sees it
      -- in this child, which inherits the sanitizer); now a clean answer or a clean error
      local child = spawn(([[
        local core = require "prismacloud.core"
        local b64 = require("prismacloud.emulator.jwt").b64url_encode
        local c = core.new{url = %q, retries = 0, timeout = 5}
        local q = {}
        for i = 1, 3000 do q[("key%%05d"):format(i) .. ("x"):rep(60)] = i + 0.5 end
        collectgarbage()
        collectgarbage("incremental", 1, 1000)
        setmetatable({}, {__gc = function() for k in pairs(q) do q[k] = nil end end})
        local ok, res = pcall(c.request, c, "GET", "/v2/ping", {query = q, auth = false})
        io.write("query ", tostring(ok and res.status or res):match("^[^:]*"), "\n")
        local parts = {}
        for i = 1, 1500 do parts[i] = ('"claim%%d":"value%%d"'):format(i, i) end
        local opts = {url = %q .. "/" .. ("p"):rep(80), token = "e30." .. b64("{" .. table.concat(parts, ",") .. "}")
          .. ".sig"}
        local cycles = 0
        local function arm()
          setmetatable({}, {__gc = function()
            cycles = cycles + 1
            if cycles == 20 then opts.url = nil end
            arm()
          end})
        end
        arm()
        io.write("new ", tostring((pcall(core.new, opts))), "\n")
      ]]):format(fx.srv.url, fx.srv.url))
      assert.is_true(wait_exit(child, 60))
      local out = files.read(child.out) or ""
      assert.matches("^query [^\n]+\nnew %a+\n$", out, nil, files.read(child.err))
    end)

    it("holds the compression-ratio cap for a body written to an output file", function()
      local c <close> = new{}
      local dir = files.temp_dir()
      local res, err = c:request("GET", "/_test/gzip_bomb", {query = {mb = 64}, output = dir .. "/bomb"})
      assert.is_nil(res)
      assert.matches("max_ratio", err.message)
      assert.is_nil(io.open(dir .. "/bomb")) -- nothing left behind, not 64 MB
      assert.equal(200, assert(c:request("GET", "/_test/gzip", {output = dir .. "/ok"})).status)
      files.remove_dir(dir)
    end)

    it("refuses an output file name with a NUL byte", function()
      local dir = files.temp_dir()
      assert.error_matches(function()
        fx.client:request("GET", "/v2/ping", {output = dir .. "/a\0/../b"})
      end, "'output' %(file name holds a NUL byte%)")
      files.remove_dir(dir)
      assert.same({}, arrivals(fx.srv))
    end)

    it("refuses a token longer than 64 KiB, from /login or the token option", function()
      local long = fake_jwt{exp = os.time() + 600, pad = ("x"):rep(70000)}
      assert.error_matches(function() prismacloud.new{url = fx.srv.url, token = long} end, "64 KiB")
      local c <close> = new{}
      fx.srv.fault{path = "/login", status = 200, body = {token = long, customerNames = {}}}
      local ok, err = c:login()
      assert.is_nil(ok)
      assert.equal("auth", err.kind)
      assert.matches("64 KiB", err.message)
      assert(c:login()) -- the emulator's own token
    end)
  end)

  describe("numbers turned into C integers (finding 13)", function()
    it("range-checks per-request retries and timeout and core.sleep", function()
      local c = fx.client
      for _, v in ipairs{1e300, -1, 2.5, 0 / 0} do
        assert.error_matches(function() c:request("GET", "/v2/ping", {retries = v}) end, "'retries'")
      end
      for _, v in ipairs{1e300, math.huge, 0 / 0, 0} do
        assert.error_matches(function() c:request("GET", "/v2/ping", {timeout = v}) end, "'timeout'")
        assert.error_matches(function() c:request("GET", "/v2/ping", {backoff_cap = v == 0 and -1 or v}) end,
          "'backoff_cap'")
      end
      for _, v in ipairs{1e300, math.huge, 0 / 0, -1} do
        assert.has_error(function() core.sleep(v) end)
      end
      assert.is_true(core.sleep(0.001))
      assert.same({}, arrivals(fx.srv))
    end)
  end)

  describe("hook errors (finding 14)", function()
    local nasty = setmetatable({}, {__tostring = function() error("even the message fails") end})

    it("never escape, even when the error value's __tostring raises", function()
      local c <close> = new{on_request = function() error(nasty) end}
      local res = assert(c:request("GET", "/v2/ping"))
      assert.equal(200, res.status)
      assert.equal(1, c:stats().hook_errors)
      assert.matches("error object is a table value", c:stats().last_hook_error)
    end)

    it("a trace function that fails so drops its exchange's lines, never the next exchange's", function()
      local batches, failed = {}, false
      local c <close> = new{token = fx.srv.login(), trace = function(line)
        if not failed then
          failed = true
          error(nasty)
        end
        batches[#batches + 1] = line
      end}
      assert.equal(200, assert(c:request("GET", "/_test/echo", {query = {first = 1}})).status)
      assert.equal(200, assert(c:request("GET", "/_test/echo", {query = {second = 1}})).status)
      assert.equal(1, c:stats().hook_errors)
      local seen_second = false
      for _, l in ipairs(batches) do
        assert.is_nil(l:find("first=1", 1, true))
        seen_second = seen_second or l:find("second=1", 1, true) ~= nil
      end
      assert.is_true(seen_second)
    end)
  end)

  describe("error objects (finding 19)", function()
    it("concatenate like strings and print whatever their fields hold", function()
      local _, err = fx.client:send("GET", "/_test/status/404")
      assert.matches("^prismacloud: not_found error", err .. "")
      assert.matches("^x: prismacloud", "x: " .. err)
      local odd = setmetatable({kind = {}, message = 5, status = "x", method = true, attempts = {},
                                request_id = setmetatable({}, {__tostring = error})}, prismacloud.Error)
      assert.equal("prismacloud: unknown error: 5 (HTTP x)", tostring(odd))
      assert.equal("prismacloud: unknown error: (no message)", tostring(setmetatable({}, prismacloud.Error)))
    end)
  end)

  describe("tokens our clock calls expired (finding 20)", function()
    it("cost one login, not one per request, when the server's clock is behind and iat is missing", function()
      fx.srv.config{clock_skew = -3600, token_iat = false}
      local c <close> = new{}
      for _ = 1, 4 do assert.equal(200, assert(c:request("GET", "/v2/ping")).status) end
      fx.srv.config{clock_skew = 0, token_iat = true}
      assert.equal(1, c:stats().logins)
    end)
  end)

  describe("secrets in the trace (findings 4 and 11)", function()
    it("masks the token in transfers still running while client:parallel renews it", function()
      local lines = {}
      local c <close> = new{trace = function(l) lines[#lines + 1] = l end}
      assert(c:login())
      local before = c:stats().extends
      fx.srv.fault{path = "/_test/echo", status = 401, times = 1}
      fx.srv.fault{path = "/_test/bytes", trickle_ms = 40, trickle_bytes = 4, times = 3}
      local reqs = {{method = "GET", path = "/_test/echo"}}
      for i = 2, 4 do reqs[i] = {method = "GET", path = "/_test/bytes", query = {size = 40, i = i}} end
      local results = c:parallel(reqs, {concurrency = 4})
      for i = 1, 4 do assert.equal(200, results[i].status) end
      assert.equal(before + 1, c:stats().extends) -- the token changed under the running transfers
      for _, l in ipairs(lines) do assert.is_nil(l:find("eyJ", 1, true), l) end
    end)

    it("redacts the user-info of a proxy taken from the environment", function()
      local port = fx.srv.url:match(":(%d+)$")
      local child = spawn(([[
        local pc = require "prismacloud"
        local c = pc.new{url = %q, token = "t", retries = 0, trace = function(l) print(l) end}
        c:request("GET", "/_test/echo")
        print("done")
      ]]):format(fx.srv.url),
        ("env -u no_proxy -u NO_PROXY http_proxy=http://proxyuser:S3cretPW@127.0.0.1:%s"):format(port))
      local exited = wait_exit(child, 20)
      local out = files.read(child.out) or ""
      files.remove_dir(child.dir)
      assert.is_true(exited)
      assert.matches("done", out)
      assert.matches("proxy", out)
      assert.is_nil(out:find("S3cretPW", 1, true), out)
      assert.is_nil(out:find("proxyuser:", 1, true), out)
    end)
  end)
end)

describe("core safety over HTTP/2 (finding 4)", function()
  local srv, dir, certs
  local token = fake_jwt{exp = os.time() + 600, iat = os.time(), sub = "h2-secret-subject"}

  setup(function()
    assert(nginx.available(), "nginx is not installed (make deps installs nginx-light)")
    dir = files.temp_dir()
    certs = require("prismacloud.emulator.tls").generate(dir)
    srv = nginx.start(certs, [[
      default_type application/json;
      location = /proto { return 200 '{"protocol":"$server_protocol"}'; }
    ]])
  end)
  teardown(function()
    if srv then srv.stop() end
    if dir then files.remove_dir(dir) end
  end)

  local secrets = {token, "Bearer h2-authorization-value", "session=h2-cookie-value", "h2-api-key-value"}

  local function assert_clean(text)
    for _, s in ipairs(secrets) do assert.is_nil(text:find(s, 1, true), "leaked: " .. s) end
    assert.is_nil(text:find("eyJ", 1, true), "a JWT leaked")
  end

  it("keeps the JWT and credential headers out of the trace", function()
    local lines = {}
    local c <close> = prismacloud.new{url = srv.url, cafile = certs.ca, token = token,
                                      trace = function(l) lines[#lines + 1] = l end}
    local body = assert(c:send("GET", "/proto", {headers = {Authorization = secrets[2], Cookie = secrets[3],
                                                             ["x-api-key"] = secrets[4]}}))
    assert.equal("HTTP/2.0", body.protocol)
    local all = table.concat(lines, "\n")
    assert.matches("HTTP/2", all)
    assert.matches("x%-redlock%-auth: <redacted>", all)
    assert_clean(all)
    local results = c:parallel{{method = "GET", path = "/proto", headers = {Cookie = secrets[3]}}}
    assert.equal(200, results[1].status)
    assert_clean(table.concat(lines, "\n"))
  end)

  it("keeps the JWT out of `prismacloud -v`", function()
    local p = io.popen(("%s PC_URL=%s PRISMACLOUD_JSON_WEB_TOKEN=%s PC_VERIFY=%s "
      .. "lua5.4 bin/prismacloud get /proto -v 2>&1"):format(RUN_ENV, files.shell_quote(srv.url),
        files.shell_quote(token), files.shell_quote(certs.ca)))
    local out = p:read("a")
    p:close()
    assert.matches("HTTP/2", out)
    assert_clean(out)
  end)
end)
