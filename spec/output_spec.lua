-- Request option `output`: a 2xx body streams to a file (temporary file
-- beside it, renamed on success); error bodies are decoded as usual; a
-- failed, truncated or retried download leaves no partial file behind.
local prismacloud = require "prismacloud"
local server = require "support.server"

local files = require "spec.support.files"
local core = require "prismacloud.core"
local socket_sleep = require("socket").sleep
local read, write, listing = files.read, files.write, files.listing

describe("request option output", function()
  local srv, c, dir

  setup(function()
    srv = server.start{}
    c = prismacloud.new{url = srv.url, token = "t", retries = 0}
  end)
  teardown(function()
    if c then c:close() end
    if srv then srv.stop() end
  end)
  before_each(function()
    srv.clear()
    dir = files.temp_dir()
  end)
  after_each(function() files.remove_dir(dir) end)

  it("streams a 2xx body to the file, byte for byte", function()
    local size = 5 * 1024 * 1024 + 7
    local target = dir .. "/data.bin"
    local res = assert(c:request("GET", "/_test/bytes", {query = {size = size}, output = target}))
    assert.equal(200, res.status)
    assert.is_nil(res.body)
    assert.equal(target, res.output)
    assert.equal(size, res.size)
    local buffered = assert(c:request("GET", "/_test/bytes", {query = {size = size}}))
    local got = read(target)
    assert.equal(#buffered.body, #got)
    assert.is_true(got == buffered.body)
    assert.same({"data.bin"}, listing(dir))
  end)

  it("decodes an error body as usual and leaves no file", function()
    local target = dir .. "/missing.json"
    local res = assert(c:request("GET", "/_test/spring_error", {output = target}))
    assert.equal(404, res.status)
    assert.equal("no such thing", res.body.message)
    assert.is_nil(res.output)
    assert.same({}, listing(dir))
  end)

  it("a truncated body is a transport error, with no partial file and the old file kept", function()
    local target = dir .. "/report.csv"
    write(target, "old contents")
    srv.fault{path = "/_test/bytes", truncate = true}
    local res, err = c:request("GET", "/_test/bytes", {query = {size = 1024 * 1024}, output = target})
    assert.is_nil(res)
    assert.equal("transport", err.kind)
    assert.equal("old contents", read(target))
    assert.same({"report.csv"}, listing(dir))
  end)

  it("a reset then a retry gives a whole file and no leftovers", function()
    local target = dir .. "/retried.bin"
    srv.fault{path = "/_test/bytes", reset = true, times = 1}
    local res = assert(c:request("GET", "/_test/bytes", {query = {size = 300000}, output = target, retries = 2,
                                                         backoff_base = 0.01}))
    assert.equal(200, res.status)
    assert.equal(2, res.attempts)
    assert.equal(300000, #read(target))
    assert.same({"retried.bin"}, listing(dir))
  end)

  it("an empty 2xx body makes an empty file", function()
    local target = dir .. "/empty"
    srv.fault{path = "/_test/echo", status = 200, body = "", headers = {["Content-Type"] = "text/plain"}}
    local res = assert(c:request("GET", "/_test/echo", {output = target}))
    assert.equal(0, res.size)
    assert.equal("", read(target))
  end)

  it("a 204 No Content leaves the target as it was and reports no output", function()
    local target = dir .. "/pending.pdf"
    write(target, "previous report")
    srv.fault{path = "/_test/echo", status = 204}
    local res = assert(c:request("GET", "/_test/echo", {output = target}))
    assert.equal(204, res.status)
    assert.is_nil(res.output)
    assert.equal("previous report", read(target))
    assert.same({"pending.pdf"}, listing(dir))
  end)

  it("a file that cannot be written is an io error naming it", function()
    local target = dir .. "/no/such/dir/out.bin"
    local res, err = c:request("GET", "/_test/bytes", {query = {size = 4096}, output = target})
    assert.is_nil(res)
    assert.equal("io", err.kind)
    assert.equal(target, err.output)
    assert.is_false(err.retryable)
    assert.matches("cannot write '" .. dir:gsub("%p", "%%%0") .. "/no/such/dir/out.bin'", err.message)
    assert.matches("No such file", err.message)
  end)

  -- Runs Lua code in a child process (the code gets the emulator's URL as `url`), its stdout
  -- redirected as the shell text says; returns whether it exited 0, and what it printed on stderr.
  local function child(code, redirect)
    local script, errf = os.tmpname(), os.tmpname()
    write(script, ("local url = %q\n"):format(srv.url) .. code)
    local ok = os.execute(("lua5.4 %s %s 2> %s"):format(files.shell_quote(script), redirect, files.shell_quote(errf)))
    local err = read(errf)
    os.remove(script)
    os.remove(errf)
    return ok == true, err
  end

  it("replaces a symbolic link as it is, never following it, even to a device or a FIFO", function()
    write(dir .. "/real.bin", "old contents")
    files.run("ln -s real.bin " .. files.shell_quote(dir .. "/link.bin"))
    files.run("mkfifo " .. files.shell_quote(dir .. "/fifo"))
    files.run("ln -s fifo " .. files.shell_quote(dir .. "/to-fifo"))
    local res = assert(c:request("GET", "/_test/bytes", {query = {size = 4096}, output = dir .. "/link.bin"}))
    assert.equal(4096, res.size)
    assert.is_false(assert(core.file_info(dir .. "/link.bin")).link)
    assert.equal(4096, #read(dir .. "/link.bin"))
    assert.equal("old contents", read(dir .. "/real.bin"))
    -- a link to a FIFO nobody reads: replaced too, without waiting for a reader
    assert(c:request("GET", "/_test/bytes", {query = {size = 10}, output = dir .. "/to-fifo"}))
    assert.equal("file", assert(core.file_info(dir .. "/to-fifo")).type)
    assert.equal("other", assert(core.file_info(dir .. "/fifo")).type)
    assert.same({"fifo", "link.bin", "real.bin", "to-fifo"}, listing(dir))
  end)

  it("writes to a FIFO in place: its reader gets the body, and the FIFO is still one", function()
    local fifo, out = dir .. "/pipe", dir .. "/read.bin"
    files.run("mkfifo " .. files.shell_quote(fifo))
    -- the reader ends by itself within 10 s should nothing ever open the FIFO for writing
    files.run(("timeout 10 cat %s > %s 2>/dev/null &"):format(files.shell_quote(fifo), files.shell_quote(out)))
    socket_sleep(0.1) -- the reader opens its end
    local res = assert(c:request("GET", "/_test/bytes", {query = {size = 200000}, output = fifo}))
    assert.equal(200000, res.size)
    local got
    for _ = 1, 200 do -- the reader ends at the writer's close; bounded wait for it to flush
      got = read(out)
      if got and #got == 200000 then break end
      socket_sleep(0.02)
    end
    assert.equal(200000, #got)
    local buffered = assert(c:request("GET", "/_test/bytes", {query = {size = 200000}}))
    assert.is_true(got == buffered.body)
    assert.equal("other", assert(core.file_info(fifo)).type)
    assert.same({"pipe", "read.bin"}, listing(dir))
  end)

  it("a FIFO nobody reads is an io error at once, never a wait for a reader", function()
    local fifo = dir .. "/pipe"
    files.run("mkfifo " .. files.shell_quote(fifo))
    local t0 = core.monotime()
    local res, err = c:request("GET", "/_test/bytes", {query = {size = 100}, output = fifo, timeout = 30})
    assert.is_nil(res)
    assert.is_true(core.monotime() - t0 < 10, "it waited for a reader")
    assert.equal("io", err.kind)
    assert.equal(fifo, err.output)
    assert.matches("No such device or address", err.message)
    assert.equal("other", assert(core.file_info(fifo)).type)
  end)

  it("bytes written in place are not sent again: a truncated body to a FIFO is one request and final", function()
    local fifo, out = dir .. "/pipe", dir .. "/read.bin"
    files.run("mkfifo " .. files.shell_quote(fifo))
    local pid = files.run_output(("timeout 10 cat %s > %s 2>/dev/null & echo $!"):format(files.shell_quote(fifo),
      files.shell_quote(out))):match("%d+")
    socket_sleep(0.1)
    srv.fault{path = "/_test/bytes", truncate = true, times = 3}
    local res, err = c:request("GET", "/_test/bytes", {query = {size = 1024 * 1024}, output = fifo, retries = 2,
                                                       backoff_base = 0.01})
    assert.is_nil(res)
    assert.equal("transport", err.kind)
    assert.is_false(err.retryable)
    assert.equal(1, #srv.requests("/_test/bytes"))
    for _ = 1, 200 do -- the reader saw the writer close
      if not files.run("kill -0 " .. pid, true) then break end
      socket_sleep(0.02)
    end
    local got = read(out)
    -- what arrived, once (a retry would have sent it to the reader a second time)
    assert.is_true(#got > 0 and #got <= 1024 * 1024, "the part that arrived, once: " .. #got .. " bytes")
  end)

  it("a FIFO whose reader leaves early is an io error (EPIPE); the process goes on", function()
    local fifo = dir .. "/pipe"
    files.run("mkfifo " .. files.shell_quote(fifo))
    files.run(("timeout 10 head -c 100 %s > /dev/null 2>&1 &"):format(files.shell_quote(fifo)))
    socket_sleep(0.1)
    local ok, err = child(([[
      local c = require("prismacloud").new{url = url, token = "t", retries = 0}
      local res, e = c:request("GET", "/_test/bytes", {query = {size = 4 * 1024 * 1024}, output = %q})
      io.stderr:write(tostring(res), " ", e and e.kind or "-", " ", e and e.message or "-", "\n")
      io.stderr:write("still running\n")
    ]]):format(fifo), "> /dev/null")
    assert(ok, err)
    assert.matches("nil io ", err)
    assert.matches("Broken pipe", err)
    assert.matches("still running", err)
  end)

  -- /dev/fd/1 rather than /dev/stdout: should this ever regress to a rename, it fails inside /proc
  -- instead of replacing the machine's /dev/stdout
  it("writes to its own stdout (/dev/fd/1) in place: a `>>` redirection keeps its lines and is appended to", function()
    local log = dir .. "/log.txt"
    write(log, "earlier line\n")
    local ok, err = child([[
      local c = require("prismacloud").new{url = url, token = "t", retries = 0}
      io.stdout:write("before\n")
      io.stdout:flush()
      local res = assert(c:request("GET", "/_test/bytes", {query = {size = 4096}, output = "/dev/fd/1"}))
      io.stdout:write("\nafter ", res.size, "\n")
    ]], ">> " .. files.shell_quote(log))
    assert(ok, err)
    local text = read(log)
    assert.equal("earlier line\nbefore\n", text:sub(1, 20))
    assert.equal("\nafter 4096\n", text:sub(-12))
    assert.equal(20 + 4096 + 12, #text)
    assert.equal("file", assert(core.file_info(log)).type)
    assert.same({"log.txt"}, listing(dir))
  end)

  it("writes to a character device in place, never replacing it", function()
    local dev = dir .. "/null"
    if not files.run_output("uname -s"):find("^Linux") then return pending("the null device is 1,3 on Linux only") end
    if not files.run(("mknod %s c 1 3"):format(files.shell_quote(dev)), true) then
      return pending("mknod needs privileges this run does not have")
    end
    local res = assert(c:request("GET", "/_test/bytes", {query = {size = 65536}, output = dev}))
    assert.equal(65536, res.size)
    assert.equal("other", assert(core.file_info(dev)).type)
    assert.same({"null"}, listing(dir))
    -- a device without a driver (a misc minor nothing registers): an io error, the node kept
    local nodev = dir .. "/nodev"
    files.run(("mknod %s c 10 250"):format(files.shell_quote(nodev)))
    local none, err = c:request("GET", "/_test/bytes", {query = {size = 100}, output = nodev})
    assert.is_nil(none)
    assert.equal("io", err.kind)
    assert.equal("other", assert(core.file_info(nodev)).type)
    assert.same({"nodev", "null"}, listing(dir))
  end)

  it("treats a link whose text names one of the process's descriptors as a link (replaced)", function()
    files.run("ln -s /proc/self/fd/2 " .. files.shell_quote(dir .. "/to-stderr"))
    assert(c:request("GET", "/_test/bytes", {query = {size = 10}, output = dir .. "/to-stderr"}))
    assert.equal("file", assert(core.file_info(dir .. "/to-stderr")).type)
    assert.equal(10, #read(dir .. "/to-stderr"))
  end)

  it("refuses a directory as the target, an io error naming it", function()
    local res, err = c:request("GET", "/_test/bytes", {query = {size = 10}, output = dir})
    assert.is_nil(res)
    assert.equal("io", err.kind)
    assert.equal(dir, err.output)
    assert.matches("Is a directory", err.message)
    assert.same({}, listing(dir))
  end)

  it("works for client:send and client:parallel", function()
    local r = table.pack(c:send("GET", "/_test/bytes", {query = {size = 2048}, output = dir .. "/a"}))
    assert.same({n = 1, true}, r) -- a 2xx whose body went to the file: nothing to decode
    assert.equal(2048, #read(dir .. "/a"))
    local results = c:parallel{
      {method = "GET", path = "/_test/bytes", query = {size = 1000}, output = dir .. "/p1"},
      {method = "GET", path = "/_test/bytes", query = {size = 2000}, output = dir .. "/p2"},
      {method = "GET", path = "/_test/bytes", query = {size = 3000}},
    }
    assert.equal(1000, #read(dir .. "/p1"))
    assert.equal(2000, #read(dir .. "/p2"))
    assert.equal(3000, #results[3].body)
    assert.is_nil(results[3].output)
    assert.same({"a", "p1", "p2"}, listing(dir))
  end)

  it("a later request on the same client buffers again", function()
    assert(c:request("GET", "/_test/bytes", {query = {size = 100}, output = dir .. "/x"}))
    local res = assert(c:request("GET", "/_test/bytes", {query = {size = 100}}))
    assert.equal(100, #res.body)
    assert.is_nil(res.output)
  end)

  it("refuses a bad output option, naming it", function()
    assert.has_error(function() c:request("GET", "/_test/bytes", {output = 42}) end,
      "bad request option 'output' (file name expected, got number)")
    assert.has_error(function() c:request("GET", "/_test/bytes", {output = ""}) end,
      "bad request option 'output' (file name expected, got string)")
  end)
end)
