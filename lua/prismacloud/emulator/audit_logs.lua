-- prismacloud.emulator.audit_logs: the audit log family (AuditLogs.json).
--
--   GET /audit/redlock?timeType=relative&timeAmount=N&timeUnit=U
--
-- Entry i (1 = newest) is made on demand from (seed, i), on a series
-- strictly decreasing in time over the 30 days before the world's anchor.
-- Without a time range the last day is listed; more than MAX_ROWS entries
-- in the range answer 413 too_many_matching_results_reduce_time_range.
local api = require "prismacloud.emulator.api"
local data = require "prismacloud.emulator.data"

local array = api.array
local M = {}

M.MAX_ROWS = 10000

local ACTIONS = {
  {"login", "Login", "'%s' logged in via access key", "Login"},
  {"create", "Policy", "'%s' created policy '%s'", "Policy"},
  {"update", "Policy", "'%s' updated policy '%s'", "Policy"},
  {"update", "Account Group", "'%s' updated account group '%s'", "Account Group"},
  {"dismiss", "Alert", "'%s' dismissed alert '%s'", "Alert"},
  {"create", "Saved Search", "'%s' created saved search '%s'", "Saved Search"},
  {"login", "Login", "'%s' logged in via the web console", "Login"},
}

-- Audit log entry i.
function M.entry(w, i)
  local h = data.hash(w.seed, data.SALT.audit, i)
  local user = data.USERS[data.roll(h, #data.USERS, 0) + 1]
  local a = ACTIONS[data.roll(h, #ACTIONS, 8) + 1]
  local target = ("%s-%d"):format(a[2]:lower():gsub(" ", "-"), data.roll(h, 1000, 16))
  return {
    timestamp = data.series_time(w, w.audit_step, data.SALT.audit, i), user = user,
    ipAddress = ("10.%d.%d.%d"):format(data.roll(h, 256, 24), data.roll(h, 256, 32), 1 + data.roll(h, 254, 40)),
    resourceType = a[4], resourceName = a[2] == "Login" and user or target, actionType = a[1]:upper(),
    action = a[3]:format(user, target), result = data.roll(h, 20, 48) == 0 and "Failed" or "Successful",
  }
end

function M.register(router, app)
  router:add("GET", "/audit/redlock", function(req)
    local w = app.state.world
    local tr = api.query_time_range(req) or {type = "relative", value = {amount = 1, unit = "day"}}
    if tr.type ~= "relative" then return api.fail(req, 400, "bad_request", "timeType", "timeType must be relative") end
    local s, e = api.time_range(tr, api.time_context(req, 0))
    if not s then return api.fail(req, 400, "bad_request", e, "bad time range") end
    local lo, hi = data.series_range(w, w.audit_step, data.SALT.audit, w.audit_count, s, e)
    if hi - lo + 1 > M.MAX_ROWS then
      return api.fail(req, 413, "too_many_matching_results_reduce_time_range", "timeAmount")
    end
    local out = array{}
    for i = lo, hi do out[#out + 1] = M.entry(w, i) end
    return api.json(200, out)
  end)
end

return M
