-- prismacloud.emulator.search_alert: the search behind an alert (SearchMicroService.json).
--
--   GET /search/alert?alertId=   the network or audit event search of a network or anomaly
--                                alert, run over the alert's cloud account (the last 24 hours);
--                                404 for other alerts
local api = require "prismacloud.emulator.api"
local alerts = require "prismacloud.emulator.alerts"
local rql = require "prismacloud.emulator.rql"
local saved_searches = require "prismacloud.emulator.saved_searches"
local search_events = require "prismacloud.emulator.search_events"
local search_network = require "prismacloud.emulator.search_network"
local search_query = require "prismacloud.emulator.search_query"

local M = {}

local function search(app, req)
  local alert_id = api.query(req, "alertId")
  if type(alert_id) ~= "string" or alert_id == "" then
    return api.fail(req, 400, "missing_required_parameter", "alertId", "alertId is required")
  end
  local st = app.state
  local i = math.tointeger(tonumber(alert_id:match("^P%-(%d+)$") or ""))
  if not i or i < 1 or i > st.world.alert_count then
    return api.fail(req, 404, "not_found", "alertId", "no alert with this id")
  end
  local _, pidx, account = alerts.core(st, i)
  local ptype = st.world.policies[pidx].policyType
  local tr = {type = "relative", value = {amount = 24, unit = "hour"}}
  local query, search_type, rows
  if ptype == "network" then
    query = ("network from vpc.flow_record where cloud.account = '%s'"):format(account.name)
    search_type = "network"
    local _, connections = search_network.graph(st.world, assert(rql.parse(query, "network")))
    rows = connections
  elseif ptype == "audit_event" then
    query = ("event from cloud.audit_logs where cloud.account = '%s'"):format(account.name)
    search_type = "audit_event"
    rows = search_events.first(app, query, search_query.DEFAULT_LIMIT)
  else
    return api.fail(req, 404, "not_found", "alertId", "search data exists for network and anomaly alerts only")
  end
  local entry = saved_searches.record(app, req, search_type, query, tr, nil)
  return api.json(200, {id = entry.id, name = "", description = "", searchType = search_type, saved = false,
                        alertId = alert_id, query = query, timeRange = tr, cloudType = account.cloudType:lower(),
                        groupBy = api.array{}, filters = api.array{}, async = false, default = false,
                        data = api.array(rows)})
end

-- Adds the route above.
function M.register(router, app)
  router:add("GET", "/search/alert", function(req) return search(app, req) end)
end

return M
