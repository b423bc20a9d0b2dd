-- The whole catalog, walked through client:call against the emulator: every one of the 545
-- operations, with minimal valid arguments made from the reference's schemas, is answered with a
-- 2xx (but for walk.PENDING, the operations whose valid arguments the walk does not yet gather: none),
-- and its answer is what the reference documents (the referee checks every exchange); the same
-- request with a body that leaves out a required property is refused with a 400, on every route.
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

  -- The walk, once: its results, the calls with a broken body it made (walk.run's opts.broken),
  -- and what the referee found of its valid calls (a broken body breaks the reference on purpose:
  -- what the referee finds of it is dropped).
  local walked
  local function walk_once()
    if walked then return walked end
    local broken, seen = {}, {}
    local _, login = srv.request("POST", "/login", {username = "test-key", password = "test-secret"})
    local results = walk.run(client, login, nil, nil, {username = "test-key", password = "test-secret"}, {
      broken = function(r)
        for _, v in ipairs(srv.take_violations()) do
          if v.operation ~= r.id or v.side ~= "request" then seen[#seen + 1] = v end
        end
        broken[#broken + 1] = r
      end,
    })
    for _, v in ipairs(srv.take_violations()) do seen[#seen + 1] = v end
    walked = {results = results, broken = broken, violations = seen}
    return walked
  end

  it("answers every operation with a 2xx and what the reference documents", function()
    local failures, answered, routed, refused = {}, 0, 0, {}
    local w = walk_once()
    for _, r in ipairs(w.results) do
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
    referee.check(srv, "the walk", w.violations)
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

  -- The operations whose reference documents another status than 400 for the property the walk
  -- leaves out: id = {status, why}.
  local NOT_400 = {
    -- "404 invalid_account_id_format" (its 400s name no missing field): an AWS account id is 12
    -- digits, and one left out is not
    ["add-aws-cloud-account"] = {status = 404, why = "accountId: 404 invalid_account_id_format"},
    -- POST /login documents only "401 sso_enabled_password_login_attempt / invalid_credentials"
    ["app-login"] = {status = 401, why = "password: 401 invalid_credentials"},
  }

  -- Right before its valid call, the walk makes each call whose body has a required property
  -- with that property left out and its valid path, query and headers (walk.run's opts.broken):
  -- only the body is wrong, and every route, spec-driven or hand-written, refuses it with a 400
  -- (or the status NOT_400 names). A property whose absence the reference's own defects explain
  -- (prismacloud.schema.defects: a partial update, a field the operation ignores) is not left out.
  it("refuses a body that leaves out what the reference requires, on every route", function()
    local spec_driven, hand_written, failures, excepted = 0, 0, {}, {}
    for _, r in ipairs(walk_once().broken) do
      excepted[r.id] = NOT_400[r.id] and true or nil
      if r.route == "spec" then spec_driven = spec_driven + 1 else hand_written = hand_written + 1 end
      local want = NOT_400[r.id] and NOT_400[r.id].status or 400
      if not (r.err and r.err.status == want) then
        local op = operations[r.id]
        failures[#failures + 1] = ("%s %s %s [%s] without %s, not a %d: %s"):format(r.id, op.method, op.path,
          tostring(r.route), r.missing, want, r.err and tostring(r.err) or "accepted")
      end
    end
    for id, e in pairs(NOT_400) do
      if not excepted[id] then failures[#failures + 1] = id .. " (NOT_400: " .. e.why .. ") was not checked" end
    end
    assert(#failures == 0,
      #failures .. " operation(s) not refused as documented:\n  " .. table.concat(failures, "\n  "))
    assert.is_true(spec_driven > 50, "only " .. spec_driven .. " spec-driven operations with a required property")
    assert.is_true(hand_written > 0, "no hand-written route was checked")
    if os.getenv("PC_WALK_REPORT") then
      io.stderr:write(("\nbodies without a required property refused: %d spec-driven, %d hand-written "
        .. "(all 400 but NOT_400)\n"):format(spec_driven, hand_written))
    end
  end)
end)
