-- prismacloud.config: precedence (overrides > environment > profile), every
-- environment name and profile alias, permissions, secret_command, URLs, and
-- a real connect() to the emulator (in this process and in a child process).
local prismacloud = require "prismacloud"
local config = require "prismacloud.config"
local server = require "support.server"

local function sh(cmd)
  local p = assert(io.popen(cmd))
  local out = p:read("a")
  local ok, _, code = p:close()
  return out, ok, code
end

-- Runs a file tool (chmod, mkdir, mktemp, rm) without the sanitizer preload
-- of `make asan`: the tools are not ours to check, their leak reports only noise.
local function tool(cmd)
  return sh("env -u LD_PRELOAD " .. cmd)
end

local function write(path, text, mode)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  tool(("chmod %s '%s'"):format(mode or "600", path))
end

describe("config", function()
  local env, warnings, dir
  local real_getenv, real_warn = config.getenv, config.warn

  -- A profile <dir>/<name>.json holding the given JSON text.
  local function profile(text, name, mode)
    write(dir .. "/" .. (name or "credentials") .. ".json", text, mode)
  end

  before_each(function()
    dir = (tool("mktemp -d"):gsub("%s+$", ""))
    env = {PC_CONFIG_DIR = dir}
    warnings = {}
    config.getenv = function(name) return env[name] end
    config.warn = function(msg) warnings[#warnings + 1] = msg end
  end)

  after_each(function()
    config.getenv, config.warn = real_getenv, real_warn
    tool("rm -rf '" .. dir .. "'")
  end)

  describe("precedence", function()
    -- key -> {profile JSON key, env name, override value}
    local cases = {
      url = {"url", "PC_URL", "https://api.eu.prismacloud.io"},
      access_key = {"identity", "PC_IDENTITY"},
      secret_key = {"secret", "PC_SECRET"},
      customer_name = {"name", "PC_CUSTOMER_NAME"},
    }
    local base = {url = "api.prismacloud.io", identity = "k", secret = "s"}

    for key, case in pairs(cases) do
      local fkey, ename = case[1], case[2]
      local function file_with(value)
        local doc = {}
        for k, v in pairs(base) do doc[k] = v end
        doc[fkey] = value
        return prismacloud.json.encode(doc)
      end
      local want = {
        file = key == "url" and "https://api2.prismacloud.io" or "from-file",
        env = key == "url" and "https://api3.prismacloud.io" or "from-env",
        over = key == "url" and "https://api4.prismacloud.io" or "from-override",
      }

      it(key .. ": the profile alone", function()
        profile(file_with(key == "url" and "api2.prismacloud.io" or "from-file"))
        local opts, src = assert(config.resolve())
        assert.equal(want.file, opts[key])
        assert.matches("^profile .*%(" .. fkey .. "%)$", src[key])
      end)

      it(key .. ": the environment beats the profile", function()
        profile(file_with(key == "url" and "api2.prismacloud.io" or "from-file"))
        env[ename] = key == "url" and "api3.prismacloud.io" or "from-env"
        local opts, src = assert(config.resolve())
        assert.equal(want.env, opts[key])
        assert.equal("env " .. ename, src[key])
      end)

      it(key .. ": an override beats the environment", function()
        profile(file_with(key == "url" and "api2.prismacloud.io" or "from-file"))
        env[ename] = key == "url" and "api3.prismacloud.io" or "from-env"
        local opts, src = assert(config.resolve(nil, {[key] = key == "url" and "api4.prismacloud.io/"
                                                                   or "from-override"}))
        assert.equal(want.over, opts[key])
        assert.equal("override " .. key, src[key])
      end)
    end

    it("verify and cafile: override > env > profile", function()
      profile('{"url":"api.prismacloud.io","identity":"k","secret":"s","verify":"/file/ca.pem"}')
      local opts = assert(config.resolve())
      assert.same({true, "/file/ca.pem"}, {opts.verify, opts.cafile})
      env.PC_VERIFY = "false"
      opts = assert(config.resolve())
      assert.is_false(opts.verify)
      assert.equal("/file/ca.pem", opts.cafile)   -- key by key: the file's cafile stays
      opts = assert(config.resolve(nil, {verify = true, cafile = "/over/ca.pem"}))
      assert.same({true, "/over/ca.pem"}, {opts.verify, opts.cafile})
    end)

    it("token: environment beats nothing, override beats environment", function()
      env.PC_URL = "api.prismacloud.io"
      env.PRISMACLOUD_JSON_WEB_TOKEN = "jwt-env"
      assert.equal("jwt-env", assert(config.resolve()).token)
      assert.equal("jwt-over", assert(config.resolve{token = "jwt-over"}).token)
    end)

    it("passes other overrides through untouched", function()
      env.PC_URL, env.PC_IDENTITY, env.PC_SECRET = "api.prismacloud.io", "k", "s"
      local hook = function() end
      local opts = assert(config.resolve{retries = 2, timeout = 5, on_request = hook})
      assert.same({2, 5, hook}, {opts.retries, opts.timeout, opts.on_request})
      assert.is_nil(opts.region)
      assert.is_nil(opts.secret_command)
    end)
  end)

  describe("environment", function()
    it("reads every official SDK name", function()
      env.PC_URL, env.PC_IDENTITY, env.PC_SECRET = "app.eu.prismacloud.io", "id", "sec"
      write(dir .. "/ca.pem", "")
      env.PC_CUSTOMER_NAME, env.PC_VERIFY = "acme", dir .. "/ca.pem"
      local opts = assert(config.resolve())
      assert.same({url = "https://api.eu.prismacloud.io", access_key = "id", secret_key = "sec",
                   customer_name = "acme", verify = true, cafile = dir .. "/ca.pem"}, opts)
    end)

    it("reads every Terraform provider name", function()
      env.PRISMACLOUD_URL, env.PRISMACLOUD_USERNAME = "api2.prismacloud.io", "tf-id"
      env.PRISMACLOUD_PASSWORD, env.PRISMACLOUD_CUSTOMER_NAME = "tf-sec", "tf-acme"
      env.PRISMACLOUD_JSON_WEB_TOKEN, env.PRISMACLOUD_SKIP_SSL_CERT_VERIFICATION = "jwt", "true"
      local opts = assert(config.resolve())
      assert.same({url = "https://api2.prismacloud.io", access_key = "tf-id", secret_key = "tf-sec",
                   customer_name = "tf-acme", token = "jwt", verify = false}, opts)
      env.PRISMACLOUD_SKIP_SSL_CERT_VERIFICATION = "false"
      assert.is_true(assert(config.resolve()).verify)
    end)

    it("prefers PC_* over PRISMACLOUD_* when both are set", function()
      env.PC_URL, env.PRISMACLOUD_URL = "api3.prismacloud.io", "api2.prismacloud.io"
      env.PC_IDENTITY, env.PRISMACLOUD_USERNAME = "pc-id", "tf-id"
      env.PC_SECRET, env.PRISMACLOUD_PASSWORD = "pc-sec", "tf-sec"
      env.PC_CUSTOMER_NAME, env.PRISMACLOUD_CUSTOMER_NAME = "pc-c", "tf-c"
      env.PC_VERIFY, env.PRISMACLOUD_SKIP_SSL_CERT_VERIFICATION = "true", "true"
      local opts, src = assert(config.resolve())
      assert.same({url = "https://api3.prismacloud.io", access_key = "pc-id", secret_key = "pc-sec",
                   customer_name = "pc-c", verify = true}, opts)
      assert.equal("env PC_VERIFY", src.verify)
    end)

    it("reads PC_VERIFY as true, false or a CA bundle path", function()
      env.PC_URL, env.PC_IDENTITY, env.PC_SECRET = "api.prismacloud.io", "k", "s"
      local ca = dir .. "/ca bundle.pem"
      write(ca, "")
      for value, want in pairs{["true"] = {true}, ["TRUE"] = {true}, ["false"] = {false},
                               ["False"] = {false}, [ca] = {true, ca}} do
        env.PC_VERIFY = value
        local opts = assert(config.resolve())
        assert.same(want, {opts.verify, opts.cafile}, value)
      end
    end)

    it("refuses a PC_VERIFY or PRISMACLOUD_SKIP_SSL_CERT_VERIFICATION it cannot read, naming it", function()
      env.PC_URL, env.PC_IDENTITY, env.PC_SECRET = "api.prismacloud.io", "k", "s"
      for _, value in ipairs{"flase", dir .. "/missing.pem", dir} do
        env.PC_VERIFY = value
        local opts, err = config.resolve()
        assert.is_nil(opts, value)
        assert.equal("decode", err.kind)
        assert.matches("env PC_VERIFY is neither a boolean", err.message, 1, true)
      end
      env.PC_VERIFY = nil
      for _, value in ipairs{"ture", "/etc/ssl/certs/ca-certificates.crt"} do
        env.PRISMACLOUD_SKIP_SSL_CERT_VERIFICATION = value
        local opts, err = config.resolve()
        assert.is_nil(opts, value)
        assert.matches("env PRISMACLOUD_SKIP_SSL_CERT_VERIFICATION is not a boolean", err.message, 1, true)
      end
    end)

    it("treats an empty variable as unset", function()
      profile('{"url":"api.prismacloud.io","identity":"k","secret":"s"}')
      env.PC_IDENTITY = ""
      assert.equal("k", assert(config.resolve()).access_key)
    end)
  end)

  describe("profiles", function()
    it("maps every legacy alias", function()
      profile('{"api_endpoint":"app.prismacloud.io","username":"u","password":"p","ca_bundle":"/ca.pem"}')
      assert.same({url = "https://api.prismacloud.io", access_key = "u", secret_key = "p", cafile = "/ca.pem"},
        assert(config.resolve()))
      profile('{"url":"api.prismacloud.io","access_key_id":"ak","secret_key":"sk","name":"cust","verify":false}')
      assert.same({url = "https://api.prismacloud.io", access_key = "ak", secret_key = "sk",
                   customer_name = "cust", verify = false}, assert(config.resolve()))
    end)

    it("prefers the SDK name over a legacy alias in one file", function()
      profile('{"url":"api.prismacloud.io","api_endpoint":"api2.prismacloud.io","identity":"i",'
        .. '"username":"u","secret":"s","password":"p"}')
      local opts = assert(config.resolve())
      assert.same({"https://api.prismacloud.io", "i", "s"}, {opts.url, opts.access_key, opts.secret_key})
    end)

    it("reads a named profile and a region", function()
      profile('{"region":"eu2","identity":"k","secret":"s"}', "work")
      local opts, src = assert(config.resolve("work"))
      assert.equal("https://api2.eu.prismacloud.io", opts.url)
      assert.matches("work%.json %(region%)$", src.url)
    end)

    it("reads a profile given as a path", function()
      profile('{"url":"api.prismacloud.io","identity":"k","secret":"s"}', "elsewhere")
      assert.equal("k", assert(config.resolve(dir .. "/elsewhere.json")).access_key)
    end)

    it("falls back to $HOME/.prismacloud/credentials.json", function()
      tool("mkdir -p -m 700 '" .. dir .. "/.prismacloud'") -- whatever the umask: a group-writable one is refused
      write(dir .. "/.prismacloud/credentials.json", '{"url":"api.prismacloud.io","identity":"h","secret":"s"}')
      env = {HOME = dir}
      assert.equal("h", assert(config.resolve()).access_key)
    end)

    it("ignores unknown keys with one warning", function()
      profile('{"url":"api.prismacloud.io","identity":"k","secret":"s","colour":"red","shape":1}')
      local opts = assert(config.resolve())
      assert.is_nil(opts.colour)
      assert.equal(1, #warnings)
      assert.matches("colour, shape", warnings[1])
    end)

    it("ignores null and empty values (the SDK writes \"name\": \"\")", function()
      profile('{"url":"api.prismacloud.io","identity":"k","secret":"s","name":"","verify":null}')
      assert.same({url = "https://api.prismacloud.io", access_key = "k", secret_key = "s"},
        assert(config.resolve()))
    end)

    it("warns once when the file is readable by group or others", function()
      profile('{"url":"api.prismacloud.io","identity":"k","secret":"s"}', nil, "644")
      assert(config.resolve())
      assert.equal(1, #warnings)
      assert.matches("readable by group or others %(mode 644%)", warnings[1])
      warnings = {}
      tool("chmod 600 '" .. dir .. "/credentials.json'")
      assert(config.resolve())
      assert.same({}, warnings)
    end)

    describe("that others could change (issue 13, finding 9)", function()
      local core = require "prismacloud.core"
      local marker

      -- A profile whose secret_command leaves a marker file when it runs.
      local function hostile(path, mode)
        marker = dir .. "/ran"
        os.remove(marker)
        write(path, prismacloud.json.encode{url = "api.prismacloud.io", identity = "k",
          secret_command = ("touch '%s'; echo s"):format(marker)}, mode)
      end

      -- Asserts that resolve and connect refuse the profile for `why` (a
      -- pattern), naming the file and the fix, and that its command never ran.
      local function refused(why, file, fix)
        for _, f in ipairs{config.resolve, prismacloud.connect} do
          local opts, err = f()
          assert.is_nil(opts)
          assert.is_true(prismacloud.is_error(err))
          assert.equal("auth", err.kind)
          assert.matches(why, err.message)
          assert.truthy(err.message:find(file, 1, true), err.message)
          assert.truthy(err.message:find("fix: " .. fix, 1, true), err.message)
        end
        assert.is_nil(io.open(marker), "the secret_command of an unsafe profile ran")
      end

      it("runs the command of a safe profile (the marker works)", function()
        hostile(dir .. "/credentials.json", "600")
        assert.equal("s", assert(config.resolve()).secret_key)
        assert.truthy(io.open(marker), "the marker was not written")
      end)

      it("refuses a file writable by group or others, even with the secret in the environment", function()
        for _, mode in ipairs{"620", "602", "666"} do
          hostile(dir .. "/credentials.json", mode)
          refused("writable by group or others %(mode " .. mode .. "%)", dir .. "/credentials.json",
            "chmod go-w " .. dir .. "/credentials.json")
          env.PC_SECRET = "from-env" -- its URL could still send the environment's secret elsewhere
          refused("writable by group or others", dir .. "/credentials.json", "chmod go-w")
          env.PC_SECRET = nil
        end
        -- readable only: used, with the warning kept
        hostile(dir .. "/credentials.json", "644")
        assert(config.resolve())
        assert.matches("readable by group or others", warnings[1])
      end)

      it("refuses a file in a directory writable by group or others, sticky or not", function()
        for _, mode in ipairs{"770", "707", "1777"} do
          hostile(dir .. "/credentials.json", "600")
          tool(("chmod %s '%s'"):format(mode, dir))
          refused("its directory " .. dir:gsub("%p", "%%%0") .. " is writable by group or others", dir,
            "chmod go-w " .. dir)
          tool(("chmod 700 '%s'"):format(dir))
        end
      end)

      it("refuses a file below a directory others can write, up to $HOME, unless it is sticky", function()
        local top, inner = dir .. "/top", dir .. "/top/mid/cfg"
        tool(("mkdir -p -m 700 '%s'"):format(inner))
        tool(("chmod 700 '%s/top/mid'"):format(dir))
        env.PC_CONFIG_DIR = inner
        hostile(inner .. "/credentials.json", "600")
        for _, mode in ipairs{"777", "770", "702"} do
          tool(("chmod %s '%s'"):format(mode, top))
          for _, f in ipairs{config.resolve, prismacloud.connect} do
            local opts, err = f()
            assert.is_nil(opts, mode)
            assert.equal("auth", err.kind)
            assert.truthy(err.message:find("the directory " .. top .. " above it is writable by group or others", 1,
              true), err.message)
            assert.truthy(err.message:find("fix: chmod go-w " .. top, 1, true), err.message)
          end
          assert.is_nil(io.open(marker), "the secret_command of an unsafe profile ran")
        end
        env.HOME = dir .. "/top/mid" -- the walk stops at $HOME
        assert.equal("s", assert(config.resolve()).secret_key)
        os.remove(marker)
        env.HOME = nil
        for _, mode in ipairs{"1777", "755"} do
          tool(("chmod %s '%s'"):format(mode, top))
          assert.equal("s", assert(config.resolve()).secret_key, mode)
        end
      end)

      it("refuses a symbolic link to a file in a directory others can write, and a link to a directory", function()
        local open_dir = dir .. "/open"
        tool(("mkdir -m 777 '%s'"):format(open_dir))
        tool(("chmod 777 '%s'"):format(open_dir)) -- whatever the umask
        hostile(open_dir .. "/real.json", "600")
        tool(("ln -s '%s' '%s'"):format(open_dir .. "/real.json", dir .. "/credentials.json"))
        refused("its directory .*/open is writable by group or others", dir .. "/credentials.json", "chmod go-w")
        os.remove(dir .. "/credentials.json")
        tool(("ln -s '%s' '%s'"):format(open_dir, dir .. "/credentials.json"))
        refused("not a regular file", dir .. "/credentials.json", "make it one")
      end)

      it("refuses a file owned by another user (root-owned or one's own is fine)", function()
        if core.euid() ~= 0 then
          -- Only root can give a file to another user, so a non-root run
          -- cannot build this case; CI runs the suite as root.
          pending("needs root to chown a file to another user")
          return
        end
        hostile(dir .. "/credentials.json", "600")
        tool(("chown 65534 '%s'"):format(dir .. "/credentials.json"))
        refused("owned by uid 65534, neither you %(uid 0%) nor root", dir .. "/credentials.json",
          "chown 0 " .. dir .. "/credentials.json")
        tool(("chown 0 '%s'"):format(dir .. "/credentials.json"))
        tool(("chown 65534 '%s'"):format(dir))
        refused("its directory .* is owned by uid 65534", dir, "chown 0 " .. dir)
        tool(("chown 0 '%s'"):format(dir))
        assert(config.resolve())
      end)

      it("core.file_info reports owner, mode and type, following links; nil, message otherwise", function()
        hostile(dir .. "/f.json", "640")
        tool(("ln -s f.json '%s'"):format(dir .. "/l.json"))
        local info = assert(core.file_info(dir .. "/l.json"))
        assert.same({uid = core.euid(), mode = tonumber("640", 8), type = "file", link = true,
                     real = assert(core.file_info(dir)).real .. "/f.json"}, info)
        assert.equal(tonumber("700", 8), core.file_info(dir).mode)
        assert.equal("directory", core.file_info(dir).type)
        assert.equal("other", core.file_info("/dev/null").type)
        local none, message, errno = core.file_info(dir .. "/none")
        assert.is_nil(none)
        assert.matches("none: ", message)
        assert.equal("integer", math.type(errno))
        assert.has_error(function() core.file_info() end)
      end)
    end)

    it("fails on a missing named profile, not on a missing default one", function()
      local opts, err = config.resolve("nope")
      assert.is_nil(opts)
      assert.is_true(prismacloud.is_error(err))
      assert.equal("auth", err.kind)
      assert.matches("profile 'nope' not found", err.message)
      assert(config.resolve{url = "api.prismacloud.io", token = "t"})
    end)

    it("fails on malformed or ill-typed files", function()
      profile("{not json")
      local opts, err = config.resolve()
      assert.is_nil(opts)
      assert.equal("decode", err.kind)
      profile('{"url":42}')
      opts, err = config.resolve()
      assert.is_nil(opts)
      assert.matches("'url' must be a string", err.message)
      for _, text in ipairs{"[]", '["url", "api.prismacloud.io"]', "42", '"x"'} do
        profile(text)
        env.PC_URL, env.PC_IDENTITY, env.PC_SECRET = "api.prismacloud.io", "k", "s"
        opts, err = config.resolve()
        assert.is_nil(opts, text)
        assert.matches("is not a JSON object", err.message, 1, true)
      end
    end)
  end)

  describe("secret_command", function()
    local SECRET = "hunter2-very-secret"

    it("uses the command's trimmed output as the secret", function()
      profile('{"url":"api.prismacloud.io","identity":"k","secret_command":"printf \'  ' .. SECRET .. '\\\\n\'"}')
      local opts, src = assert(config.resolve())
      assert.equal(SECRET, opts.secret_key)
      assert.matches("^secret_command", src.secret_key)
      assert.is_nil(opts.secret_command)
      assert.equal("<redacted>", config.describe(opts).secret_key)
    end)

    it("runs an override's command", function()
      local opts = assert(config.resolve{url = "api.prismacloud.io", access_key = "k",
                                         secret_command = "echo " .. SECRET})
      assert.equal(SECRET, opts.secret_key)
    end)

    it("an override's command beats the environment's secret", function()
      env.PC_URL, env.PC_IDENTITY, env.PC_SECRET = "api.prismacloud.io", "k", "from-env"
      local opts, src = assert(config.resolve{secret_command = "echo from-command"})
      assert.equal("from-command", opts.secret_key)
      assert.equal("secret_command (overrides)", src.secret_key)
    end)

    it("is not run when a higher layer or the same layer gives the secret", function()
      profile('{"url":"api.prismacloud.io","identity":"k","secret_command":"exit 7"}')
      env.PC_SECRET = "from-env"
      assert.equal("from-env", assert(config.resolve()).secret_key)
      assert.equal("lit", assert(config.resolve{secret_key = "lit", secret_command = "exit 7"}).secret_key)
    end)

    it("fails with an auth error that never shows the secret", function()
      for _, command in ipairs{"echo " .. SECRET .. "; exit 3", "echo " .. SECRET .. " >&2; true",
                               "printf '   \\n'"} do
        local opts, err = config.resolve{url = "api.prismacloud.io", access_key = "k",
                                         secret_command = "(" .. command .. ") 2>/dev/null"}
        assert.is_nil(opts)
        assert.is_true(prismacloud.is_error(err))
        assert.equal("auth", err.kind)
        assert.not_matches(SECRET, tostring(err), 1, true)
        assert.not_matches(SECRET, err.message, 1, true)
      end
    end)

    it("takes one line only: refuses more lines or more than 64 KiB, never showing the output", function()
      local opts = assert(config.resolve{url = "api.prismacloud.io", access_key = "k",
                                         secret_command = "printf '" .. SECRET .. "\\n\\n  \\n'"})
      assert.equal(SECRET, opts.secret_key)
      local cases = {
        {"printf 'line-one\\n" .. SECRET .. "\\n'", "printed more than one line"},
        {"printf '" .. SECRET .. "\\r\\nmore'", "printed more than one line"},
        {"(yes " .. SECRET .. " | head -c 70000) 2>/dev/null", "printed more than 65536 bytes"},
      }
      for _, case in ipairs(cases) do
        local got, err = config.resolve{url = "api.prismacloud.io", access_key = "k", secret_command = case[1]}
        assert.is_nil(got, case[1])
        assert.equal("auth", err.kind)
        assert.matches(case[2], err.message, 1, true)
        assert.not_matches(SECRET, tostring(err), 1, true)
        assert.not_matches("line-one", tostring(err), 1, true)
      end
    end)

    it("connect returns nil, err when the command fails", function()
      local client, err = prismacloud.connect{url = "api.prismacloud.io", access_key = "k", secret_command = "false"}
      assert.is_nil(client)
      assert.equal("auth", err.kind)
    end)
  end)

  describe("describe", function()
    it("redacts secrets and keeps the rest", function()
      local opts = {url = "https://x", access_key = "k", secret_key = "s3cr3t", token = "jwt", retries = 1}
      local copy = config.describe(opts)
      assert.same({url = "https://x", access_key = "k", secret_key = "<redacted>", token = "<redacted>",
                   retries = 1}, copy)
      assert.equal("s3cr3t", opts.secret_key)   -- the original is untouched
    end)

    it("redacts the user-info of a proxy URL", function()
      for proxy, want in pairs{["http://user:Pr0xy-Pass@proxy:3128"] = "http://<redacted>@proxy:3128",
                               ["socks5h://u:p@w@[::1]:1080/x"] = "socks5h://<redacted>@[::1]:1080/x",
                               ["user:Pr0xy-Pass@proxy:3128"] = "<redacted>@proxy:3128",
                               ["http://proxy:3128"] = "http://proxy:3128"} do
        assert.equal(want, config.describe{proxy = proxy}.proxy)
      end
    end)
  end)

  describe("normalize_url", function()
    local cases = {
      {"api.prismacloud.io", "https://api.prismacloud.io"},
      {"https://api.prismacloud.io/", "https://api.prismacloud.io"},
      {"http://127.0.0.1:8080/", "http://127.0.0.1:8080"},
      {"HTTPS://APP.PrismaCloud.io//", "https://api.prismacloud.io"},
      {"app2.eu.prismacloud.io", "https://api2.eu.prismacloud.io"},
      {"app.redlock.io", "https://api.prismacloud.io"},
      {"https://app3.redlock.io/", "https://api3.prismacloud.io"},
      {"api.eu.redlock.io", "https://api.eu.prismacloud.io"},
      {"app.prismacloud.cn", "https://api.prismacloud.cn"},
      {"  api.prismacloud.io  ", "https://api.prismacloud.io"},
    }
    for region, host in pairs(config.regions) do
      local console = host:gsub("^api", "app")
      cases[#cases + 1] = {host, "https://" .. host}
      cases[#cases + 1] = {"https://" .. console .. "/", "https://" .. host}
      cases[#cases + 1] = {false, "https://" .. host, region = region}
    end

    for _, case in ipairs(cases) do
      local label = case.region and ("region " .. case.region) or case[1]
      it(label, function()
        if case.region then
          assert.equal(case[2], assert(config.resolve{region = case.region, token = "t"}).url)
        else
          assert.equal(case[2], config.normalize_url(case[1]))
        end
        assert.same({}, warnings)
      end)
    end

    it("has the 16 regional hosts of the documentation", function()
      local n = 0
      for _ in pairs(config.regions) do n = n + 1 end
      assert.equal(16, n)
      assert.equal("api.eu.prismacloud.io", config.region_host("EU"))
    end)

    it("warns once about an unknown host and keeps it", function()
      assert.equal("https://prisma.corp.example:8443/api", config.normalize_url("prisma.corp.example:8443/api/"))
      assert.equal(1, #warnings)
      assert.matches("prisma.corp.example", warnings[1], 1, true)
      warnings = {}
      assert(config.resolve{url = "api9.prismacloud.io", token = "t"})
      assert.equal(1, #warnings)
    end)

    it("does not warn for the emulator on loopback", function()
      for _, url in ipairs{"http://127.0.0.1:4000", "http://localhost:4000/", "https://[::1]:4443"} do
        config.normalize_url(url)
      end
      assert.same({}, warnings)
    end)

    describe("authority (issue 13, finding 17)", function()
      -- Asserts normalize_url refuses url with nil, err whose message matches
      -- `why` and holds none of the `hidden` strings.
      local function refuses(url, why, hidden)
        local out, err = config.normalize_url(url)
        assert.is_nil(out, url)
        assert.is_true(prismacloud.is_error(err), url)
        assert.equal("decode", err.kind)
        assert.matches(why, err.message)
        for _, h in ipairs(hidden or {}) do
          assert.is_nil(err.message:find(h, 1, true), ("'%s' shows in: %s"):format(h, err.message))
          assert.is_nil(tostring(err):find(h, 1, true))
        end
      end

      it("refuses userinfo, naming the real host and never the user or password", function()
        refuses("http://api.prismacloud.io:443@127.0.0.1:9", "credentials.*host '127%.0%.0%.1:9'",
          {"api.prismacloud.io", ":443"})
        refuses("https://me:hunter2@api.prismacloud.io/", "credentials", {"hunter2", "me:"})
        refuses("https://me:hun@ter2@api.prismacloud.io", "credentials", {"hunter2", "hun@", "ter2", "me:"})
        refuses("https://@api.prismacloud.io", "credentials")
        refuses("api.prismacloud.io@evil.example", "credentials.*evil%.example", {"api.prismacloud.io"})
        -- a password holding '/', '?' or '#' splits the URL early: still refused, still unseen
        refuses("https://me:s3cr/et@api.prismacloud.io", "'@'", {"s3cr", "et@", "me:"})
        refuses("https://me:s3cr?et@api.prismacloud.io", "query", {"s3cr", "et@", "me:"})
        refuses("https://me:s3cr#et@api.prismacloud.io", "fragment", {"s3cr", "et@", "me:"})
        assert.same({}, warnings) -- no host was taken for the API host, not even an unknown one
      end)

      it("reads IPv6 literals, ports and label boundaries", function()
        assert.equal("https://[::1]:4443", config.normalize_url("https://[::1]:4443/"))
        assert.equal("http://[::1]", config.normalize_url("http://[::1]"))
        assert.equal("https://api.prismacloud.io:443", config.normalize_url("api.prismacloud.io:0443"))
        assert.equal("https://api.prismacloud.io", config.normalize_url("api.prismacloud.io:"))
        assert.same({}, warnings)
        assert.equal("https://[2001:db8::1]:8443/x", config.normalize_url("[2001:DB8::1]:8443/x/"))
        assert.equal(1, #warnings)
        assert.matches("'%[2001:db8::1%]'", warnings[1])
        -- redlock.io and prismacloud.io are domains, not suffixes of a name
        assert.equal("https://evilredlock.io", config.normalize_url("evilredlock.io"))
        assert.equal("https://app.evilprismacloud.io", config.normalize_url("app.evilprismacloud.io"))
        assert.equal(3, #warnings)
      end)

      it("refuses what cannot be an API base URL", function()
        for _, case in ipairs{
          {"ftp://api.prismacloud.io", "scheme"}, {"https:/api.prismacloud.io", "scheme"},
          {"https://", "no host"}, {"", "empty"}, {"https://:443", "no host"},
          {"https://api.prismacloud.io?x=1", "query"}, {"https://api.prismacloud.io/#x", "fragment"},
          {"https://api.prisma cloud.io", "control character or a space"},
          {"https://api.prismacloud.io\0.evil", "control character"},
          {"https://api.prismacloud.io\27[31m", "control character"},
          {"https://ex\\ample.com", "host"}, {"https://exämple.com", "non%-ASCII"},
          {"https://api.prismacloud.io:99999", "port"}, {"https://api.prismacloud.io:https", "port"},
          {"https://api.prismacloud.io:0", "port"}, {"https://[::1", "IPv6"}, {"https://[zz::1]", "IPv6"},
          {"https://api.prismacloud.io/a%zz", "percent"}, {"https://api.prismacloud.io/a<b>", "path"},
        } do
          refuses(case[1], case[2])
        end
        assert.has_error(function() config.normalize_url(42) end,
          "bad argument #1 to 'normalize_url' (string expected, got number)")
      end)

      it("resolve and connect return the refusal, naming where the URL came from", function()
        env.PC_URL, env.PC_IDENTITY, env.PC_SECRET = "https://me:hunter2@127.0.0.1:9", "k", "s"
        for _, f in ipairs{config.resolve, prismacloud.connect} do
          local opts, err = f()
          assert.is_nil(opts)
          assert.equal("decode", err.kind)
          assert.matches("credentials", err.message)
          assert.matches("env PC_URL", err.message)
          assert.is_nil(tostring(err):find("hunter2", 1, true))
        end
        env.PC_URL = nil
        profile('{"url":"https://me:hunter2@127.0.0.1:9","identity":"k","secret":"s"}')
        local opts, err = config.resolve()
        assert.is_nil(opts)
        assert.matches("profile .*credentials%.json %(url%)", err.message)
        assert.is_nil(tostring(err):find("hunter2", 1, true))
      end)
    end)

    it("keeps a url over a region in the same layer", function()
      local opts = assert(config.resolve{url = "api2.prismacloud.io", region = "eu", token = "t"})
      assert.equal("https://api2.prismacloud.io", opts.url)
    end)
  end)

  describe("misuse and missing configuration", function()
    it("raises on bad arguments", function()
      assert.has_error(function() config.resolve(42) end)
      assert.has_error(function() config.resolve("bad name") end)
      assert.has_error(function() config.resolve(nil, "x") end)
      assert.has_error(function() config.resolve{url = 1} end)
      assert.has_error(function() config.resolve{region = "mars"} end)
      assert.has_error(function() config.resolve{verify = 1} end)
      assert.has_error(function() prismacloud.connect(nil, {url = "127.0.0.1", token = "t", bogus = 1}) end)
    end)

    it("returns nil, err without a URL or credentials", function()
      local opts, err = config.resolve()
      assert.is_nil(opts)
      assert.equal("auth", err.kind)
      assert.matches("no API URL", err.message)
      env.PC_URL, env.PC_IDENTITY = "api.prismacloud.io", "k"
      opts, err = config.resolve()
      assert.is_nil(opts)
      assert.matches("no credentials %(secret missing%)", err.message)
      local client
      client, err = prismacloud.connect()
      assert.is_nil(client)
      assert.equal("auth", err.kind)
    end)
  end)

  describe("values the client refuses", function()
    it("from the environment or a profile: nil, err naming where; from the caller: a raise", function()
      env.PC_URL, env.PC_IDENTITY, env.PC_SECRET = "http://api.prismacloud.io", "k", "s"
      local client, err = prismacloud.connect()
      assert.is_nil(client)
      assert.equal("decode", err.kind)
      assert.matches("clear text", err.message)
      assert.matches("env PC_URL", err.message)
      env.PC_URL = nil
      profile('{"url": "http://10.1.2.3", "identity": "k", "secret": "s"}')
      client, err = prismacloud.connect()
      assert.is_nil(client)
      assert.matches("profile", err.message)
      assert.has_error(function()
        prismacloud.connect{url = "http://10.1.2.3", access_key = "k", secret_key = "s"}
      end)
      client = assert(prismacloud.connect{url = "http://10.1.2.3", access_key = "k", secret_key = "s",
                                          allow_http = true})
      client:close()
    end)
  end)

  describe("build", function()
    it("maps a refused value to nil, err naming its source, as connect does; the caller's raise", function()
      local opts = {url = "http://api.prismacloud.io", access_key = "k", secret_key = "s"}
      local client, err = config.build(opts, {url = "env PC_URL"})
      assert.is_nil(client)
      assert.equal("decode", err.kind)
      assert.matches("(from env PC_URL)", err.message, 1, true)
      assert.has_error(function() config.build(opts, {url = "override url"}) end)
      assert.has_error(function() config.build(opts) end, "bad argument #2 to 'build' (table expected, got nil)")
      opts.allow_http = true
      client = assert(config.build(opts, {}))
      client:close()
    end)
  end)

  describe("connect to the emulator", function()
    local srv
    setup(function() srv = server.start{} end)
    teardown(function() if srv then srv.stop() end end)

    it("logs in with overrides", function()
      local client <close> = assert(prismacloud.connect{url = srv.url, access_key = "test-key",
                                                        secret_key = "test-secret", retries = 0})
      assert.is_true(client:login())
      assert.same({}, warnings)
    end)

    it("logs in with a profile file", function()
      profile(('{"url":"%s","identity":"test-key","secret_command":"echo test-secret"}'):format(srv.url), "emu")
      local client <close> = assert(prismacloud.connect("emu"))
      assert.is_true(client:login())
    end)

    it("logs in from the real environment in a child process", function()
      local empty = dir .. "/none"
      local cmd = ("cd '%s' && env -u PRISMACLOUD_URL -u PRISMACLOUD_USERNAME -u PRISMACLOUD_PASSWORD "
        .. "PC_CONFIG_DIR='%s' PC_URL='%s' PC_IDENTITY=test-key PC_SECRET=test-secret "
        .. "LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./?.so;;' lua5.4 -e '%s' 2>&1")
        :format(os.getenv("PWD") or ".", empty, srv.url,
          'local c = assert(require("prismacloud").connect()); print(assert(c:login()), c:session().authenticated)')
      local out, ok = sh(cmd)
      assert.is_true(ok, out)
      assert.equal("true\ttrue\n", out)
    end)
  end)
end)
