-- spec/support/referee.lua: the reference referees the suite. Every emulator the specs start
-- (spec/support/server.lua) checks each exchange against the API reference (its --referee mode,
-- lua/prismacloud/emulator/referee.lua); after each test of a fixture and when an emulator stops,
-- what it found is fetched here and the spec fails on anything that is neither
--   - a defect of the reference itself (lua/prismacloud/schema/defects.lua, the one allow-list:
--     the emulator marks those violations `waived`), nor
--   - a known defect of the client (or of the emulator where a client verb relies on it), listed
--     below with what the referee found, to be fixed after the Lua layer's restructuring (each
--     has a test in spec/referee_spec.lua, pending while the bug is there, failing once it is gone
--     and saying to remove the entry).
-- A request that breaks the reference and was refused (an answer of 400 or more) is no failure:
-- the emulator did what the API does. A request that breaks it and was accepted is one, and so is
-- any answer that breaks it.
local M = {}

-- The client's known defects: op (catalog id or list), where, pointer and message (Lua patterns,
-- pointer in full), value (the offending value's pattern, optional), finding (what is wrong and
-- what the fix is), verb (the client function that sends it).
M.KNOWN_CLIENT_BUGS = {
}

-- Answers of the emulator that break the reference where a client verb relies on them: the
-- emulator and the verb are to be fixed together (op, where, pointer, message, finding).
M.KNOWN_EMULATOR_BUGS = {
}

local function anchored(pattern, text)
  return text ~= nil and tostring(text):find("^" .. pattern .. "$") ~= nil
end

local function listed(op, id)
  if op == nil then return true end
  for _, x in ipairs(type(op) == "table" and op or {op}) do
    if x == id then return true end
  end
  return false
end

local function fits(bug, v)
  return listed(bug.op, v.operation) and (not bug.where or bug.where == v.where)
    and (not bug.pointer or anchored(bug.pointer, v.pointer))
    and (not bug.message or tostring(v.message):find(bug.message)) ~= nil
end

--- The known bug explaining violation v (an entry of the emulator's log), or nil.
function M.known(v)
  for _, bug in ipairs(v.side == "request" and M.KNOWN_CLIENT_BUGS or M.KNOWN_EMULATOR_BUGS) do
    if fits(bug, v) then return bug end
  end
  return nil
end

--- The violations of a log that fail the suite: neither waived (a reference defect), nor refused
-- (a request answered 400 or more), nor a known client bug.
function M.unexplained(list)
  local out = {}
  for _, v in ipairs(list or {}) do
    local refused = v.side == "request" and (tonumber(v.status) or 0) >= 400
    if not v.waived and not refused and not M.known(v) then out[#out + 1] = v end
  end
  return out
end

--- One line per violation, for a failure message.
function M.describe(list)
  local lines = {}
  for _, v in ipairs(list) do
    lines[#lines + 1] = ("  %s %s %s (%s, HTTP %s): %s %s: %s%s"):format(v.side, v.operation, v.path, v.method,
      tostring(v.status), v.where, v.pointer == "" and "(root)" or v.pointer, v.message,
      v.schema and (" [" .. v.schema .. "]") or "")
  end
  return table.concat(lines, "\n")
end

--- Raises when srv's referee found what fails the suite since the last check (and forgets it).
-- what: says when (a test's name, "stop"). earlier: violations taken from srv before, to check too.
function M.check(srv, what, earlier)
  local list = srv.take_violations()
  for i, v in ipairs(earlier or {}) do table.insert(list, i, v) end
  local bad = M.unexplained(list)
  if #bad > 0 then
    error(("the API reference refutes %d exchange(s) with the emulator%s (fix the emulator or the client, or, "
      .. "for a defect of the reference itself, add it to lua/prismacloud/schema/defects.lua):\n%s"):format(#bad,
      what and (" (" .. what .. ")") or "", M.describe(bad)), 0)
  end
end

return M
