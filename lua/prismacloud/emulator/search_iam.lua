-- prismacloud.emulator.search_iam: IAM permission search (PermissionsSearch, SearchMicroService.json).
--
--   POST /api/v1/permission              {query, limit, timeRange?, id?} -> {id, searchType = "iam",
--                                        query, timeRange, data = {totalRows, items, nextPageToken?}}
--   POST /api/v1/permission/page         {pageToken, limit?} -> {totalRows, items, nextPageToken?}
--   POST /api/v1/permission/access       {permissionId, limit?} -> {data = {totalRows, items,
--                                        nextPageToken?}}: the last access of each destination
--                                        resource one permission row reached
--   POST /api/v1/permission/access/page  {pageToken, limit?} -> its next page
--
-- PERMISSIONS rows (who may do which action on what, granted by which entity), made on demand
-- from (seed, index); the query is in the IAM subset of rql.lua (search_query.lua checks and
-- pages it). limit is required on the first page.
local api = require "prismacloud.emulator.api"
local data = require "prismacloud.emulator.data"
local search_query = require "prismacloud.emulator.search_query"

local M = {}

local array = api.array
local hash, roll, pick = data.hash, data.roll, data.pick

M.PERMISSIONS = 450          -- IAM permission rows
M.SALT = 104
M.ACCESS_SALT = 106

-- {action, service, resource type, cloud}
local ACTIONS = {
  {"s3:GetObject", "Amazon S3", "bucket", "AWS"}, {"s3:PutObject", "Amazon S3", "bucket", "AWS"},
  {"ec2:RunInstances", "Amazon EC2", "instance", "AWS"}, {"iam:PassRole", "AWS IAM", "role", "AWS"},
  {"Microsoft.Storage/storageAccounts/read", "Azure Storage", "storageAccount", "AZURE"},
  {"storage.objects.get", "Google Cloud Storage", "bucket", "GCP"},
}
local ENTITIES = {"user", "role", "group"}

-- Permission row i: the action, the source and destination accounts, who holds it and on what.
local function row(w, i)
  local h = hash(w.seed, M.SALT, i)
  local action = pick(h, ACTIONS, 0)
  local accounts = w.accounts_by_cloud[action[4]]
  return {index = i, h = h, action = action, source_account = pick(h, accounts, 8),
          dest_account = pick(h, accounts, 16), entity = pick(h, ENTITIES, 24),
          who = pick(h, data.CLOUD_USERS, 28), target = ("%s-%04d"):format(action[3]:lower(), roll(h, 10000, 32))}
end

-- The RQL attributes of row r.
local function attr(r, name)
  local cloud = r.action[4]
  if name == "source.cloud.type" or name == "dest.cloud.type" then return {cloud:lower()} end
  if name == "source.cloud.account" then return {r.source_account.name, r.source_account.accountId} end
  if name == "dest.cloud.account" then return {r.dest_account.name, r.dest_account.accountId} end
  if name == "source.cloud.resource.name" then return {r.who} end
  if name == "dest.cloud.service.name" then return {r.action[2]} end
  if name == "dest.cloud.resource.name" then return {r.target} end
  if name == "action.name" then return {r.action[1]} end
  if name == "grantedby.cloud.entity.type" then return {r.entity} end
  return {}
end

-- Row r as a search result item.
local function item(w, r)
  local cloud = r.action[4]
  local sa, da = r.source_account, r.dest_account
  return {
    id = data.uuid(w.seed, M.SALT, r.index), sourceCloudType = cloud, sourceCloudAccount = sa.name,
    sourceResourceName = r.who, sourceResourceType = r.entity, sourceResourceId = r.who,
    sourceCloudResourceRrn = ("rrn:%s:%s::%s:%s"):format(cloud:lower(), r.entity, sa.accountId, r.who),
    sourceCloudRegion = "global", sourceCloudServiceName = "IAM", sourcePublic = false,
    destCloudType = cloud, destCloudAccount = da.name, destCloudRegion = "global",
    destCloudServiceName = r.action[2], destResourceType = r.action[3], destResourceName = r.target,
    destResourceId = r.target,
    destCloudResourceRrn = ("rrn:%s:%s::%s:%s"):format(cloud:lower(), r.action[3], da.accountId, r.target),
    effectiveActionName = r.action[1], grantedByCloudType = cloud, grantedByCloudEntityType = r.entity,
    grantedByCloudEntityName = r.who, grantedByCloudPolicyName = ("policy-%d"):format(roll(r.h, 50, 40)),
    grantedByCloudPolicyType = "Custom", isWildCardDestCloudResourceName = roll(r.h, 5, 44) == 0,
    accessedResourcesCount = roll(r.h, 20, 48), exceptions = array{},
    lastAccessDate = os.date("!%Y-%m-%dT%H:%M:%SZ", (w.anchor_ms // 1000) - roll(r.h, 90, 52) * 86400),
  }
end

-- The permission rows as a search source (search_query.lua).
M.source = {
  kind = "iam", search_type = "iam", limit_required = true,
  count = function() return M.PERMISSIONS end,
  row = row,
  view = function(_, r) return {attr = function(name) return attr(r, name) end} end,
  time = function() return nil end,
  item = item,
  page_fields = function(out) out.searchedDestCloudResourceNames = array{} end,
}

--------------------------------------------------------------------------
-- Permission access: the destination resources one permission row reached.
--------------------------------------------------------------------------

-- The index of a permission row by id, or nil.
local function permission_index(w, id)
  if type(id) ~= "string" then return nil end
  for i = 1, M.PERMISSIONS do
    if data.uuid(w.seed, M.SALT, i) == id then return i end
  end
  return nil
end

-- How many destination resources permission row i reached.
local function access_count(w, i)
  return 5 + roll(hash(w.seed, M.ACCESS_SALT, i), 120, 0)
end

-- Access item k of permission row i: a destination resource and its last access.
local function access_item(w, i, k)
  local r = row(w, i)
  local h = hash(w.seed, M.ACCESS_SALT, i * 1000 + k)
  return {destCloudResourceName = ("%s-%04d-%03d"):format(r.action[3]:lower(), roll(r.h, 10000, 32), k),
          lastAccessDate = os.date("!%Y-%m-%dT%H:%M:%SZ", (w.anchor_ms // 1000) - roll(h, 90 * 86400, 0))}
end

-- One page of t = {p (the row), o (offset), l (limit)}; t.o moves on.
local function access_page(app, t)
  local w = app.state.world
  local n = access_count(w, t.p)
  local items = array{}
  for k = t.o + 1, math.min(n, t.o + t.l) do items[#items + 1] = access_item(w, t.p, k) end
  local out = {items = items, totalRows = n}
  t.o = t.o + #items
  if t.o < n then
    out.nextPageToken = api.page_token("access", t.sid, {p = t.p, o = t.o, l = t.l})
  end
  return out
end

local function access(app, req)
  local body, bad = search_query.query_body(req, "iam")
  if not body then return bad end
  if type(body.permissionId) ~= "string" or body.permissionId == "" then
    return api.fail(req, 400, "missing_required_parameter", "permissionId", "permissionId is required")
  end
  local limit, lbad = search_query.limit(req, body.limit, search_query.DEFAULT_LIMIT)
  if not limit then return lbad end
  local i = permission_index(app.state.world, body.permissionId)
  if not i then return api.fail(req, 404, "not_found", "permissionId", "no permission with this id") end
  return api.json(200, {data = access_page(app, {sid = search_query.state_id(app), p = i, o = 0, l = limit})})
end

local function access_next(app, req)
  local body, bad = api.body(req, true)
  if not body then return bad end
  local t = api.read_token("access", search_query.state_id(app), body.pageToken)
  if not (t and math.type(t.p) == "integer" and t.p >= 1 and t.p <= M.PERMISSIONS and math.type(t.o) == "integer"
    and t.o >= 0 and math.type(t.l) == "integer") then
    return api.fail(req, 400, "invalid_parameter_value", "pageToken", "invalid or expired page token")
  end
  local limit, lbad = search_query.limit(req, body.limit, t.l)
  if not limit then return lbad end
  t.l = limit
  return api.json(200, access_page(app, t))
end

-- Adds the routes above.
function M.register(router, app)
  router:add("POST", "/api/v1/permission", function(req) return search_query.search(app, req, M.source) end)
  router:add("POST", "/api/v1/permission/page", function(req) return search_query.next(app, req, M.source) end)
  router:add("POST", "/api/v1/permission/access", function(req) return access(app, req) end)
  router:add("POST", "/api/v1/permission/access/page", function(req) return access_next(app, req) end)
end

return M
