--- prismacloud.audit_logs: the audit log (`client.audit_logs`), GET /audit/redlock.
--
--   for entry in client.audit_logs:each("7d") do print(entry.timestamp, entry.user, entry.action) end
local pager = require "prismacloud.pager"
local verbs = require "prismacloud.verbs"
local timerange = require "prismacloud.timerange"

local F = verbs.family()

-- The query of a time range (relative only, as the endpoint documents); "24h" by default.
local function query_of(time_range)
  local q = timerange.query(time_range or "24h")
  if q.timeType ~= "relative" then
    error(("bad time range for the audit log (relative only, e.g. '24h' or '7d'; got %s)"):format(q.timeType), 3)
  end
  return q
end

--- Audit log entries of a relative time range ("24h" by default): an array, or nil, err.
-- syntax: entries, err = client.audit_logs:list([time_range])
function F:list(time_range)
  return self.client:call("rl-audit-logs", {query = query_of(time_range)})
end

--- The entries one by one (a for-loop raises a prismacloud.Error on failure).
-- syntax: for entry in client.audit_logs:each([time_range]) do ... end
function F:each(time_range)
  return pager.items(self.client, pager.single{op = "rl-audit-logs", query = query_of(time_range)})
end

return F
