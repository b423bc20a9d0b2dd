-- prismacloud.emulator.search_events: audit event search (SearchMicroService.json).
--
--   POST /search/event            {query, timeRange?, limit?, id?} -> {id, searchType = "audit_event",
--                                 query, timeRange, data = {totalRows, items, nextPageToken?}, ...}
--   POST /search/event/page       {pageToken, limit?} -> {totalRows, items, nextPageToken?}
--   POST /search/event/filtered   the same as /search/event, with UI filters [{name, operator, value}]
--   POST /search/event/aggregate  the matching events counted by (service, user), newest first
--   GET /search/event/raw/{id}    one event with its raw cloud record
--
-- EVENTS audit events over the 30 days before the anchor, made on demand from (seed, index);
-- the query is in the event subset of rql.lua (search_query.lua checks and pages it).
local api = require "prismacloud.emulator.api"
local data = require "prismacloud.emulator.data"
local json = require "prismacloud.json"
local saved_searches = require "prismacloud.emulator.saved_searches"
local search_query = require "prismacloud.emulator.search_query"

local M = {}

local array = api.array
local hash, roll, pick = data.hash, data.roll, data.pick

M.EVENTS = 1200              -- audit events over the 30 days before the anchor
M.SALT = 103
M.FIRST_ID = 7000000         -- event i's id is FIRST_ID + i

-- {operation, crud, service, cloud}
local OPERATIONS = {
  {"CreateBucket", "CREATE", "Amazon S3", "AWS"}, {"DeleteBucket", "DELETE", "Amazon S3", "AWS"},
  {"ConsoleLogin", "LOGIN", "AWS IAM", "AWS"}, {"RunInstances", "CREATE", "Amazon EC2", "AWS"},
  {"DescribeInstances", "READ", "Amazon EC2", "AWS"}, {"AuthorizeSecurityGroupIngress", "UPDATE", "Amazon EC2", "AWS"},
  {"Microsoft.Storage/storageAccounts/write", "UPDATE", "Azure Storage", "AZURE"},
  {"Microsoft.Compute/virtualMachines/delete", "DELETE", "Azure Compute", "AZURE"},
  {"storage.buckets.create", "CREATE", "Google Cloud Storage", "GCP"},
  {"compute.instances.insert", "CREATE", "Google Compute Engine", "GCP"},
}

-- Event i: its operation, account, region, user and time.
local function row(w, i)
  local h = hash(w.seed, M.SALT, i)
  local op = pick(h, OPERATIONS, 0)
  local step = (30 * data.DAY_MS) // M.EVENTS
  return {index = i, h = h, op = op, account = pick(h, w.accounts_by_cloud[op[4]], 8),
          region = pick(h, data.REGIONS[op[4]], 16),
          user = pick(h, data.CLOUD_USERS, 24), time = data.series_time(w, step, M.SALT, i)}
end

-- The RQL attributes of event r.
local function attr(r, name)
  if name == "cloud.type" then return {r.op[4]:lower()} end
  if name == "cloud.account" then return {r.account.name, r.account.accountId} end
  if name == "cloud.region" then return {r.region[1], r.region[2]} end
  if name == "cloud.service" then return {r.op[3]} end
  if name == "operation" then return {r.op[1]} end
  if name == "user" then return {r.user} end
  if name == "crud" then return {r.op[2]:lower()} end
  return {}
end

-- Event r as a search result item.
local function item(_, r)
  local h = r.h
  local resource = ("%s-%05d"):format(r.op[3]:lower():gsub("%W+", "-"), roll(h, 100000, 32))
  return {
    id = M.FIRST_ID + r.index, eventTs = r.time, ingestionTs = r.time + 60000 + roll(h, 60000, 40),
    account = r.account.accountId, accountName = r.account.name, regionApiIdentifier = r.region[2],
    regionName = r.region[1], regionId = roll(h, 1000, 36), name = r.op[1], type = r.op[2], source = r.op[3],
    subject = r.user, subjectType = r.op[4] == "AWS" and (r.user == "root" and "AWS_ROOT" or "AWS_IAM_USER")
      or r.op[4] == "AZURE" and "AZURE_AD_USER" or "GCP_USER",
    ip = ("203.0.%d.%d"):format(roll(h, 256, 44), 1 + roll(h, 254, 52)), accessKeyUsed = roll(h, 2, 48) == 0,
    success = roll(h, 12, 56) ~= 0, internal = false, dynamicData = {},
    objects = array{{account = r.account.accountId, region = r.region[2], resource = resource,
                     type = r.op[3], cloudType = r.op[4]}},
  }
end

-- The events as a search source (search_query.lua).
M.source = {
  kind = "event", search_type = "audit_event", search_fields = true,
  count = function() return M.EVENTS end,
  row = row,
  view = function(_, r) return {attr = function(name) return attr(r, name) end} end,
  time = function(r) return r.time end,
  item = item,
  page_fields = function(out) out.dynamicColumns, out.sortAllowedColumns = array{}, array{"time", "operation"} end,
}

-- The first events of query (all time), as search result items: for the search behind an alert.
function M.first(app, query, limit)
  local w = app.state.world
  local list = search_query.matches(app, M.source, {q = query, a = math.mininteger, b = math.maxinteger})
  local rows = array{}
  for k = 1, math.min(#list, limit) do rows[k] = item(w, row(w, list[k])) end
  return rows
end

-- POST /search/event/aggregate: the matching events counted by (service, user), newest first.
local function aggregate(app, req)
  local body, bad = search_query.query_body(req, "event")
  if not body then return bad end
  local tr = body.timeRange
  if tr == json.null then tr = nil end
  local a, b = search_query.time_bounds(req, tr)
  if not a then return b end
  local w = app.state.world
  local list = search_query.matches(app, M.source, {q = body.query, a = a, b = b})
  local groups, out = {}, array{}
  for _, i in ipairs(list) do
    local r = row(w, i)
    local key = r.op[3] .. "\0" .. r.user
    local g = groups[key]
    if not g then
      g = {service = r.op[3], user = r.user, events = 0, timestamp = r.time, anomalies = 0, distinctUsers = 1,
           serviceAnomalies = 0, geoAnomalies = 0, serviceHighlighted = false}
      groups[key] = g
      out[#out + 1] = g
    end
    g.events = g.events + 1
  end
  local shown_tr = tr or search_query.ALL_TIME
  local entry = saved_searches.record(app, req, "audit_event", body.query, shown_tr, body.id)
  return api.json(200, {id = entry.id, name = entry.name, searchType = "audit_event", saved = entry.saved,
                        query = body.query, timeRange = shown_tr, data = out})
end

-- GET /search/event/raw/{id}: one event with its raw cloud record.
local function raw(app, req, id)
  local i = math.tointeger(tonumber(id))
  i = i and i - M.FIRST_ID
  if not i or i < 1 or i > M.EVENTS then
    return api.fail(req, 404, "not_found", "id", "no audit event with this id")
  end
  local w = app.state.world
  local r = row(w, i)
  local out = item(w, r)
  out.rawEvent = {eventName = r.op[1], eventSource = r.op[3],
                  eventTime = os.date("!%Y-%m-%dT%H:%M:%SZ", r.time // 1000),
                  userIdentity = {userName = r.user, accountId = r.account.accountId}, sourceIPAddress = out.ip,
                  awsRegion = r.region[2], errorCode = out.success and json.null or "AccessDenied"}
  return api.json(200, out)
end

-- Adds the routes above.
function M.register(router, app)
  router:add("POST", "/search/event", function(req) return search_query.search(app, req, M.source) end)
  router:add("POST", "/search/event/page", function(req) return search_query.next(app, req, M.source) end)
  router:add("POST", "/search/event/filtered", function(req) return search_query.search(app, req, M.source, true) end)
  router:add("POST", "/search/event/aggregate", function(req) return aggregate(app, req) end)
  router:add("GET", "/search/event/raw/:id", function(req, params) return raw(app, req, params.id) end)
end

return M
