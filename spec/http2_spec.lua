-- HTTP/2 over TLS against a real nginx: negotiated when offered, and
-- client:parallel multiplexes its requests over one connection.
local prismacloud = require "prismacloud"
local nginx = require "support.nginx"
local tls = require "prismacloud.emulator.tls"

describe("HTTP/2 over TLS (nginx)", function()
  local srv, dir, certs

  setup(function()
    assert(nginx.available(), "nginx is not installed (make deps installs nginx-light)")
    dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir))
    certs = tls.generate(dir)
    srv = nginx.start(certs, [[
      default_type application/json;
      location = /proto { return 200 '{"protocol":"$server_protocol","connection":$connection}'; }
    ]])
  end)

  teardown(function()
    if srv then srv.stop() end
    if dir then os.execute("rm -rf " .. dir) end
  end)

  it("negotiates HTTP/2 with a TLS server that offers it", function()
    local c <close> = prismacloud.new{url = srv.url, cafile = certs.ca}
    local body = assert(c:send("GET", "/proto"))
    assert.equal("HTTP/2.0", body.protocol)
  end)

  it("multiplexes parallel requests over one connection", function()
    local c <close> = prismacloud.new{url = srv.url, cafile = certs.ca}
    assert(c:send("GET", "/proto")) -- warm: the main handle's connection
    local reqs = {}
    for i = 1, 40 do reqs[i] = {method = "GET", path = "/proto", query = {i = i}} end
    local results = c:parallel(reqs, {concurrency = 16})
    local conns, n = {}, 0
    for _, res in ipairs(results) do
      assert.equal(200, res.status)
      assert.equal("HTTP/2.0", res.body.protocol)
      if not conns[res.body.connection] then
        conns[res.body.connection] = true
        n = n + 1
      end
    end
    assert.equal(1, n)
  end)
end)
