-- The whole catalog, walked through client:call against the emulator: every one of the 545
-- operations, with minimal valid arguments made from the reference's schemas, is answered with a
-- 2xx (but for walk.PENDING, the operations whose valid arguments the walk does not yet gather: none),
-- and its answer is what the reference documents (the referee checks every exchange); a
-- request that breaks the reference is refused with a 400 where the spec-driven fallback serves it.
local server = require "spec.support.server"
local referee = require "spec.support.referee"
local prismacloud = require "prismacloud"
local operations = require "prismacloud.operations"
local walk = require "spec.support.walk"

describe("the whole catalog through client:call", function()
  local srv, client
  setup(function()
    srv = server.start{alerts = 50, policies = 40, resources = 60, csv_delay_ms = 0}
    client = prismacloud.new{url = srv.url, access_key = "test-key", secret_key = "test-secret", retries = 0,
                             timeout = 20}
    assert(client:login())
  end)
  teardown(function()
    if client then client:close() end
    if srv then srv.stop() end
  end)

  it("answers every operation with a 2xx and what the reference documents", function()
    local failures, answered, routed, refused = {}, 0, 0, {}
    local _, login = srv.request("POST", "/login", {username = "test-key", password = "test-secret"})
    for _, r in ipairs(walk.run(client, login, nil, nil, {username = "test-key", password = "test-secret"})) do
      local op, err, route = operations[r.id], r.err, r.route
      routed = routed + (route and 1 or 0)
      if r.ok then
        answered = answered + 1
      elseif route == "spec" or not route or (err and (err.status or 0) >= 500) then
        failures[#failures + 1] = ("%s %s %s [%s]: %s"):format(r.id, op.method, op.path, tostring(route), tostring(err))
      elseif walk.PENDING[r.id] then
        -- an operation the walk does not yet send a valid request (walk.PENDING says why)
        refused[#refused + 1] = ("%s [%s]: %s"):format(r.id, route, err and err.message or "?")
      else
        failures[#failures + 1] = ("%s %s %s [%s]: %s"):format(r.id, op.method, op.path, tostring(route), tostring(err))
      end
    end
    assert(#failures == 0, #failures .. " operation(s) not answered with a 2xx:\n  " .. table.concat(failures, "\n  "))
    assert.equal(545, routed) -- every operation has a route: its own, or the spec-driven one
    assert.equal(545, answered + #refused)
    local pending = 0
    for _ in pairs(walk.PENDING) do pending = pending + 1 end
    assert.is_true(answered >= 545 - pending)
    referee.check(srv, "the walk")
    if os.getenv("PC_WALK_REPORT") then
      io.stderr:write(("\nwalk: %d answered 2xx, %d still refused (walk.PENDING):\n  %s\n"):format(
        answered, #refused, table.concat(refused, "\n  ")))
    end
  end)

  it("sends the Accept an operation's answers need, and gives a non-JSON answer back as a string", function()
    -- documented only with an octet-stream script: Accept: application/json would be refused (406)
    local script = assert(client:call("generateNetworkAclScriptByTenantID"))
    assert.is_string(script)
    local sent = client:last_response()
    assert.equal(200, sent.status)
    assert.matches("^application/octet%-stream", sent.headers["content-type"])
    -- XML
    local xml = assert(client:call("get-malware-report", walk.args_of("get-malware-report")))
    assert.is_string(xml)
    assert.matches("^application/xml", client:last_response().headers["content-type"])
    referee.check(srv, "non-JSON answers")
    -- the request shows it; the caller's own Accept wins (and is refused by the server here)
    local req = client:call("generateNetworkAclScriptByTenantID", {dry_run = true})
    assert.equal("application/octet-stream, application/json;q=0.5", req.headers.Accept)
    local headers = {accept = "application/json"}
    local none, err = client:call("generateNetworkAclScriptByTenantID", {headers = headers})
    assert.is_nil(none)
    assert.equal(406, err.status)
    assert.same({accept = "application/json"}, headers) -- the caller's table is left as it was
    srv.take_violations()
    -- JSON operations keep the default Accept
    assert.is_nil(client:call("get-user-profiles-v2", {dry_run = true}).headers)
  end)

  it("refuses a body that leaves out what the reference requires, on every route", function()
    local checked, spec_driven, failures = 0, 0, {}
    local ids = {}
    for id in pairs(operations) do ids[#ids + 1] = id end
    table.sort(ids)
    for _, id in ipairs(ids) do
      local body, missing = walk.broken_body(id)
      if body then
        local args = walk.args_of(id)
        args.body = body
        local _, err = client:call(id, args)
        local route = client:last_response() and client:last_response().headers["x-emulator-route"]
        srv.take_violations() -- the request breaks the reference on purpose
        checked = checked + 1
        if route == "spec" then
          spec_driven = spec_driven + 1
          if not (err and err.status == 400) then
            failures[#failures + 1] = ("%s without %s: %s"):format(id, missing, err and tostring(err) or "accepted")
          end
        elseif not (err and err.status and err.status >= 400 and err.status < 500) then
          -- a hand-written route refuses it too: a 400 with its documented key, or a 4xx its own
          -- checks of the walk's made-up ids give first
          failures[#failures + 1] = ("%s [%s] without %s: %s"):format(id, tostring(route), missing,
            err and tostring(err) or "accepted")
        end
      end
    end
    assert(#failures == 0, table.concat(failures, "\n"))
    assert.is_true(spec_driven > 50, "only " .. spec_driven .. " spec-driven operations with a required property")
    assert.is_true(checked > spec_driven, "no hand-written route was checked")
  end)
end)
