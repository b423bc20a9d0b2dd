-- prismacloud.emulator.search: RQL config search (SearchMicroService.json).
--
--   POST /search/config        {query, timeRange?, limit?, withResourceJson?, sort?}
--                              -> {query, searchType = "config", timeRange, data = {totalRows, items,
--                                  nextPageToken?}, ...}
--   POST /search/config/page   {pageToken, limit?, withResourceJson?} -> {totalRows, items, nextPageToken?}
--
-- The tenant's cloud resources are made on demand from (seed, index) like
-- alerts: resource i has an API (one of the api.names the generated policies
-- use, so a policy's criteria finds resources), an account of that cloud, a
-- region, a status (about one in ten Deleted) and an insertTs strictly
-- decreasing in i; its JSON (data) is generated only when asked for or when a
-- json.rule tests it. The query language is the subset in rql.lua; syntax
-- errors answer 400 with i18nKey invalid_rql_query, constructs outside the
-- subset 400 with unsupported_rql_query, both naming the subset. A timeRange
-- keeps the resources whose insertTs falls in it; without one, all match.
-- Page tokens carry the query, its absolute time bounds, sort and offset.
local api = require "prismacloud.emulator.api"
local data = require "prismacloud.emulator.data"
local json = require "prismacloud.json"
local rql = require "prismacloud.emulator.rql"
local state_mod = require "prismacloud.emulator.state"

local M = {}

local array = api.array
local hash, roll = data.hash, data.roll

M.DEFAULT_RESOURCES = 1000   -- app.config.resources overrides
M.DEFAULT_LIMIT = 100
M.MAX_LIMIT = 10000
M.SALT = 101                 -- data.SALT stops well below: ours cannot collide
M.DATA_SALT = 102
M.SYNTAX_KEY = "invalid_rql_query"
M.UNSUPPORTED_KEY = "unsupported_rql_query"

local SORT_FIELDS = {id = true, time = true, insert_ts = true, api_name = true, cloud_account = true,
                     cloud_region = true}
local SORT_COLUMNS = {"id", "time", "insert_ts", "api_name", "cloud_account", "cloud_region"}

--------------------------------------------------------------------------
-- Resource kinds: one per distinct api.name of the policy templates.
--------------------------------------------------------------------------

local KINDS = {}
do
  local seen = {}
  for _, cloud in ipairs(data.CLOUDS) do
    for _, t in ipairs(data.POLICY_TEMPLATES[cloud]) do
      if not seen[t[5]] then
        seen[t[5]] = true
        KINDS[#KINDS + 1] = {cloud = cloud, service = t[4], resource_type = t[3], api = t[5]}
      end
    end
  end
end
M.KINDS = KINDS

local function pick(h, list, shift)
  return list[roll(h, #list, shift) + 1]
end

-- Resource JSON per api.name; generic for the rest.
local MAKERS = {
  ["aws-s3api-get-bucket-acl"] = function(h, r)
    local grants = array{{grantee = r.owner, permission = "FULL_CONTROL"}}
    local public = roll(h, 4, 0)
    if public == 0 then grants[#grants + 1] = {grantee = "AllUsers", permission = "READ"} end
    if public == 1 then grants[#grants + 1] = {grantee = "AuthenticatedUsers", permission = "READ"} end
    return {
      bucketName = r.name, owner = {id = r.owner, displayName = "owner"},
      acl = {grants = grants, owner = {id = r.owner}},
      versioningConfiguration = {status = pick(h, {"Enabled", "Suspended", "Off"}, 4),
                                 mfaDeleteEnabled = roll(h, 2, 8) == 0},
      publicAccessBlockConfiguration = {blockPublicAcls = public > 1, blockPublicPolicy = public > 1},
    }
  end,
  ["aws-ec2-describe-security-groups"] = function(h, r)
    local perms = array{}
    for k = 1, 1 + roll(h, 3, 0) do
      local port = pick(h, {22, 443, 3389, 80}, 2 + 3 * k)
      perms[k] = {ipProtocol = "tcp", fromPort = port, toPort = port,
                  ipv4Ranges = array{{cidrIp = pick(h, {"0.0.0.0/0", "10.0.0.0/8", "192.168.0.0/16"}, 12 + 3 * k)}}}
    end
    return {groupId = r.name, groupName = r.name, vpcId = ("vpc-%08x"):format(roll(h, 0x7fffffff, 24)),
            description = "security group " .. r.name, ipPermissions = perms}
  end,
  ["aws-ec2-describe-instances"] = function(h, r)
    return {instanceId = r.name, instanceType = pick(h, {"t3.micro", "m5.large", "c5.xlarge"}, 0),
            metadataOptions = {httpTokens = pick(h, {"required", "optional"}, 4), httpEndpoint = "enabled"},
            state = {name = pick(h, {"running", "stopped"}, 6)}, cpuOptions = {coreCount = 1 + roll(h, 8, 8)},
            tags = array{{key = "env", value = r.env}}}
  end,
}

local function generic(h, r)
  return {name = r.name, region = r.region_id, encrypted = roll(h, 2, 0) == 0, publicAccess = roll(h, 3, 2) == 0,
          sizeGb = 8 * (1 + roll(h, 64, 4)), createdTime = r.insert_ts - roll(h, 300, 12) * data.DAY_MS,
          tags = array{{key = "env", value = r.env}, {key = "team", value = pick(h, {"web", "data", "ops"}, 20)}}}
end

--------------------------------------------------------------------------
-- Generation.
--------------------------------------------------------------------------

local function resource_count(app)
  return math.max(1, math.tointeger(app.config.resources or M.DEFAULT_RESOURCES) or M.DEFAULT_RESOURCES)
end
M.resource_count = resource_count

-- The cheap part of resource i: kind, account, region, status, time, names.
local function core(w, n, i)
  local h = hash(w.seed, M.SALT, i)
  local kind = KINDS[roll(h, #KINDS, 0) + 1]
  local accounts = w.accounts_by_cloud[kind.cloud]
  local account = accounts[roll(h, #accounts, 16) + 1]
  local regions = data.REGIONS[kind.cloud]
  local region = regions[roll(h, #regions, 24) + 1]
  local step = math.max(w.span_ms // n, 1)
  local env = account.name:match("^%a+%-(%a+)") or "prod"
  local prefix = kind.resource_type:lower():gsub("_", "-")
  return {
    index = i, h = h, kind = kind, account = account, region = region, env = env,
    status = roll(h, 10, 32) == 0 and "Deleted" or "Active",
    insert_ts = data.series_time(w, step, M.SALT, i),
    name = ("%s-%s-%05d"):format(prefix, env, i), owner = ("%016x"):format(hash(w.seed, M.DATA_SALT, -i)),
    region_id = region[2],
  }
end

M.resource = core

local function resource_data(w, r)
  local make = MAKERS[r.kind.api] or generic
  return make(hash(w.seed, M.DATA_SALT, r.index), r)
end
M.resource_data = resource_data

-- Resource r as a search result item (ResourceMetaModel).
local function item(w, r, with_json)
  local cloud, account = r.kind.cloud, r.account
  local id = cloud == "AWS" and r.name
    or ("/subscriptions/%s/%s/%s"):format(account.accountId, r.kind.resource_type:lower(), r.name)
  local out = {
    id = id, name = r.name, accountId = account.accountId, accountName = account.name, cloudType = cloud,
    regionId = r.region[2], regionName = r.region[1], service = r.kind.service,
    resourceType = r.kind.resource_type, assetId = ("%016x"):format(r.h),
    rrn = ("rrn:%s:%s:%s:%s:%s"):format(cloud:lower(), r.kind.api, r.region[2], account.accountId, r.name),
    stateId = ("%016x"):format(hash(w.seed, M.DATA_SALT, r.index)), insertTs = r.insert_ts,
    createdTs = r.insert_ts, deleted = r.status == "Deleted", hasNetwork = false, hasExternalFinding = false,
    hasExternalIntegration = false, allowDrillDown = true, hasExtFindingRiskFactors = false,
    resourceConfigJsonAvailable = true, tags = {}, dynamicData = {},
  }
  if with_json then out.data = resource_data(w, r) end
  return out
end
M.resource_item = item

-- The view rql.eval needs.
local function view(w, r)
  local cached
  return {
    attr = function(name)
      if name == "cloud.type" then return {r.kind.cloud:lower()} end
      if name == "cloud.account" then return {r.account.name, r.account.accountId} end
      if name == "cloud.accountid" then return {r.account.accountId} end
      if name == "cloud.region" then return {r.region[1], r.region[2]} end
      if name == "cloud.service" then return {r.kind.service} end
      if name == "api.name" then return {r.kind.api} end
      if name == "resource.status" then return {r.status:lower()} end
      return {}
    end,
    data = function()
      cached = cached or resource_data(w, r)
      return cached
    end,
  }
end

local SORT_KEYS = {
  id = function(r) return r.kind.cloud == "AWS" and r.name or r.account.accountId .. r.name end,
  time = function(r) return r.insert_ts end, insert_ts = function(r) return r.insert_ts end,
  api_name = function(r) return r.kind.api end, cloud_account = function(r) return r.account.name end,
  cloud_region = function(r) return r.region[2] end,
}

-- The matching resource indices of a query, in result order (cached per state).
local function matches(app, q)
  local st, n = app.state, resource_count(app)
  local key = json.encode{q.q, q.a, q.b, q.s, n}
  st.rql_cache = st.rql_cache or {size = 0, entries = {}}
  local cache = st.rql_cache
  if cache.entries[key] then return cache.entries[key] end
  local tree = assert(rql.parse(q.q))
  local w = st.world
  local list, cores = {}, {}
  for i = 1, n do
    local r = core(w, n, i)
    if r.insert_ts >= q.a and r.insert_ts <= q.b and rql.eval(tree, view(w, r)) then
      list[#list + 1] = i
      cores[i] = r
    end
  end
  for k = #q.s, 1, -1 do
    local field, desc = q.s[k][1], q.s[k][2] == "desc"
    local keyf = SORT_KEYS[field]
    local pos = {}
    for p, i in ipairs(list) do pos[i] = p end
    table.sort(list, function(x, y)
      local kx, ky = keyf(cores[x]), keyf(cores[y])
      if kx ~= ky then
        if desc then return kx > ky end
        return kx < ky
      end
      return pos[x] < pos[y] -- stable: earlier sort keys decide ties
    end)
  end
  if cache.size >= 32 then cache.entries, cache.size = {}, 0 end
  cache.entries[key] = list
  cache.size = cache.size + 1
  return list
end

--------------------------------------------------------------------------
-- Requests.
--------------------------------------------------------------------------

local function state_id(app)
  return app.state.id .. ":" .. resource_count(app)
end

local function encode_token(q)
  return api.page_token("config", q.sid, {q = q.q, a = q.a, b = q.b, s = q.s, o = q.o, l = q.l, j = q.j})
end

local function decode_token(app, token)
  local q = api.read_token("config", state_id(app), token)
  if not q or type(q.q) ~= "string" or type(q.s) ~= "table" then return nil end
  for _, k in ipairs{"a", "b", "o", "l"} do
    if math.type(q[k]) ~= "integer" then return nil end
  end
  for _, s in ipairs(q.s) do
    if type(s) ~= "table" or not SORT_FIELDS[s[1]] then return nil end
  end
  if not rql.parse(q.q) then return nil end
  return q
end

-- Validates limit (nil: default) and withResourceJson; nil and a response when bad.
local function page_options(req, body, default_limit, default_json)
  local limit = default_limit
  if body.limit ~= nil and body.limit ~= json.null then
    limit = math.tointeger(tonumber(body.limit))
    if not limit or limit < 1 or limit > M.MAX_LIMIT then
      return nil, api.fail(req, 400, "invalid_parameter_value", "limit",
        ("limit must be an integer from 1 to %d"):format(M.MAX_LIMIT))
    end
  end
  local with_json = api.bool(body.withResourceJson)
  if with_json == "bad" then return nil, api.fail(req, 400, "invalid_parameter_value", "withResourceJson") end
  if with_json == nil then with_json = default_json end
  return limit, with_json
end

-- One page of q: {totalRows, items, nextPageToken?, ...}.
local function page(app, q)
  local list = matches(app, q)
  local w, n = app.state.world, resource_count(app)
  local items = array{}
  for p = q.o + 1, math.min(#list, q.o + q.l) do
    items[#items + 1] = item(w, core(w, n, list[p]), q.j)
  end
  local out = {totalRows = #list, items = items, dynamicColumns = array{},
               sortAllowedColumns = array(SORT_COLUMNS)}
  q.o = q.o + #items
  if q.o < #list then out.nextPageToken = encode_token(q) end
  return out
end

local function parse_sort(sort)
  local out = {}
  if sort == nil or sort == json.null then return out end
  if type(sort) ~= "table" then return nil end
  for _, s in ipairs(sort) do
    if type(s) ~= "table" or not SORT_FIELDS[s.field] then return nil end
    local dir = s.direction or "asc"
    if dir ~= "asc" and dir ~= "desc" then return nil end
    out[#out + 1] = array{s.field, dir}
  end
  return out
end

local function search(app, req)
  local body, bad = api.body(req, true)
  if not body then return bad end
  local query = body.query
  if type(query) ~= "string" or query:match("^%s*$") then
    return api.fail(req, 400, "missing_required_parameter", "query", "query is required")
  end
  local _, err = rql.parse(query, nil, req)
  if err then
    local key = err.kind == "syntax" and M.SYNTAX_KEY or M.UNSUPPORTED_KEY
    return api.fail(req, 400, key, "query", err.message .. "; " .. rql.SUPPORTED)
  end
  local limit, with_json = page_options(req, body, M.DEFAULT_LIMIT, true)
  if not limit then return with_json end
  local sort = parse_sort(body.sort)
  if not sort then
    return api.fail(req, 400, "invalid_parameter_value", "sort",
      "sort fields: " .. table.concat(SORT_COLUMNS, ", ") .. "; directions asc, desc")
  end
  local tr = body.timeRange
  if tr == json.null then tr = nil end
  local ctx = api.time_context(req, 0)
  local a, b = api.time_range(tr, ctx)
  if not a then return api.fail(req, 400, "invalid_parameter_value", b, "bad time range") end
  if tr == nil then a, b = math.mininteger, math.maxinteger end
  local q = {v = 1, sid = state_id(app), q = query, a = a, b = b, s = sort, o = 0, l = limit, j = with_json}
  local result = page(app, q)
  local entry = M.record(app, req, "config", query, tr or {type = "to_now", value = "epoch"}, body.id)
  return api.json(200, {
    id = entry.id, name = entry.name, description = entry.description, searchType = "config",
    saved = entry.saved, query = query, timeRange = tr or {type = "to_now", value = "epoch"},
    cloudType = entry.cloudType, groupBy = array{}, filters = array{}, async = false, default = false,
    data = result,
  })
end

local function next_page(app, req)
  local body, bad = api.body(req, true)
  if not body then return bad end
  local q = decode_token(app, body.pageToken)
  if not q then
    return api.fail(req, 400, "invalid_parameter_value", "pageToken", "invalid or expired page token")
  end
  local limit, with_json = page_options(req, body, q.l, q.j)
  if not limit then return with_json end
  q.l, q.j = limit, with_json
  return api.json(200, page(app, q))
end

--------------------------------------------------------------------------
-- Search history: recent and saved searches (SearchManager.json).
--------------------------------------------------------------------------

M.HISTORY_SALT = 110
M.MAX_RECENT = 200

-- The system default saved searches every tenant starts with.
M.DEFAULT_SAVED = {
  {"Public S3 buckets", "config", "config from cloud.resource where api.name = 'aws-s3api-get-bucket-acl'"},
  {"Root user activity", "audit_event", "event from cloud.audit_logs where user = 'root'"},
  {"AWS flow logs", "network", "network from vpc.flow_record where cloud.type = 'aws'"},
}

local function cloud_of(query)
  return query:lower():match("cloud%.type%s*=%s*'(%a+)'")
end

local function history(app)
  local st = app.state
  if st.searches then return st.searches end
  st.searches, st.search_serial = state_mod.new_store(), 0
  for k, d in ipairs(M.DEFAULT_SAVED) do
    local id = data.uuid(st.world.seed, M.HISTORY_SALT, k)
    st.searches:put(id, {
      id = id, name = d[1], description = "System default: " .. d[1], searchType = d[2], query = d[3],
      saved = true, systemDefault = true, cloudType = cloud_of(d[3]),
      timeRange = {type = "relative", value = {amount = 24, unit = "hour"}},
      createdBy = "Prisma Cloud System Admin", lastModifiedBy = "Prisma Cloud System Admin",
      timestamp = st.world.anchor_ms - k * data.DAY_MS,
    })
  end
  -- the saved searches that seeded policies run (their rule's criteria is the search's id)
  for k, p in ipairs(st.world.policy_searches or {}) do
    st.searches:put(p.id, {
      id = p.id, name = p.name, description = "Saved search of the policy " .. p.name, searchType = "config",
      query = p.query, saved = true, systemDefault = true, cloudType = p.cloud,
      timeRange = {type = "relative", value = {amount = 24, unit = "hour"}},
      createdBy = "Prisma Cloud System Admin", lastModifiedBy = "Prisma Cloud System Admin",
      timestamp = st.world.anchor_ms - (#M.DEFAULT_SAVED + k) * data.DAY_MS,
    })
  end
  return st.searches
end

-- Records a search run: the entry of `id` when it names a known search (a
-- re-run keeps it), else a new recent search. Returns the entry.
function M.record(app, req, search_type, query, time_range, id)
  local store = history(app)
  local user = req.claims and req.claims.sub or "emulator"
  local known = type(id) == "string" and store.by_id[id]
  if known then
    known.timestamp = api.now_ms()
    return known
  end
  local st = app.state
  st.search_serial = st.search_serial + 1
  local new_id = data.uuid(st.world.seed, M.HISTORY_SALT, 1000 + st.search_serial)
  local entry = {id = new_id, name = "", description = "", searchType = search_type, query = query, saved = false,
                 systemDefault = false, cloudType = cloud_of(query), timeRange = time_range, createdBy = user,
                 lastModifiedBy = user, timestamp = api.now_ms()}
  store:put(new_id, entry)
  -- Forget the oldest recent searches beyond MAX_RECENT.
  local recent = 0
  for i = #store.order, 1, -1 do
    local e = store.by_id[store.order[i]]
    if not e.saved then
      recent = recent + 1
      if recent > M.MAX_RECENT then store:delete(e.id) end
    end
  end
  return entry
end

-- An entry as a SearchModel.
local function model(e)
  return {id = e.id, name = e.name, description = e.description, searchType = e.searchType, query = e.query,
          saved = e.saved, timeRange = e.timeRange, cloudType = e.cloudType, default = e.systemDefault,
          readOnly = e.systemDefault, groupBy = array{}, filters = array{}, async = false}
end

local function history_routes(router, app)
  router:add("GET", "/search/history", function(req)
    local filter = api.query(req, "filter")
    if filter ~= "saved" and filter ~= "recent" then
      return api.fail(req, 400, "invalid_parameter_value", "filter", "filter must be saved or recent")
    end
    local limit = 1000
    local raw = api.query(req, "limit")
    if raw ~= nil then
      limit = math.tointeger(tonumber(raw))
      if not limit then return api.fail(req, 400, "invalid_parameter_value", "limit") end
      if limit < 1 or limit > 1000 then limit = 1000 end
    end
    local store, out = history(app), array{}
    for i = #store.order, 1, -1 do -- newest first
      local e = store.by_id[store.order[i]]
      if (filter == "saved") == e.saved and #out < limit then
        out[#out + 1] = {id = e.id, searchName = e.name, description = e.description, query = e.query,
                         searchModel = model(e), systemDefault = e.systemDefault, createdBy = e.createdBy,
                         lastModifiedBy = e.lastModifiedBy, timestamp = e.timestamp, policies = array{}}
      end
    end
    return api.json(200, out)
  end)

  router:add("GET", "/search/history/:id", function(req, params)
    local e = history(app).by_id[params.id]
    if not e then return api.fail(req, 404, "not_found", "id", "no saved or recent search with this id") end
    return api.json(200, model(e))
  end)

  router:add("POST", "/search/history/:id", function(req, params)
    local body, bad = api.body(req, true)
    if not body then return bad end
    local store = history(app)
    local e = store.by_id[params.id]
    if not e then return api.fail(req, 404, "not_found", "id", "no saved or recent search with this id") end
    if e.systemDefault then
      return api.fail(req, 403, "cannot_update_default_saved_search", "id", "a system default search is read-only")
    end
    if type(body.query) ~= "string" or body.query:match("^%s*$") then
      return api.fail(req, 400, "bad_request", "query", "query is required")
    end
    if type(body.timeRange) ~= "table" or type(body.timeRange.type) ~= "string" then
      return api.fail(req, 400, "bad_request", "timeRange", "timeRange is required")
    end
    if type(body.name) ~= "string" or body.name:match("^%s*$") then
      return api.fail(req, 400, "bad_request", "name", "a saved search needs a unique name")
    end
    for _, other in ipairs(store:list()) do
      if other.saved and other.id ~= e.id and other.name == body.name then
        return api.fail(req, 400, "duplicate_search_name", "name", "a saved search has this name already")
      end
    end
    local kind = e.searchType == "audit_event" and "event" or e.searchType
    if rql.KINDS[kind] and not rql.parse(body.query, kind, req) then
      return api.fail(req, 400, "unsupported_search_query", "query", rql.SUPPORTED_BY_KIND[kind])
    end
    e.name, e.query, e.timeRange, e.saved = body.name, body.query, body.timeRange, true
    if type(body.description) == "string" then e.description = body.description end
    e.cloudType = cloud_of(body.query)
    e.lastModifiedBy = req.claims and req.claims.sub or "emulator"
    e.timestamp = api.now_ms()
    local out = model(e)
    out.data = model(e)
    return api.json(200, out)
  end)

  router:add("DELETE", "/search/history/:id", function(req, params)
    local store = history(app)
    local e = store.by_id[params.id]
    if not e then return api.fail(req, 404, "not_found", "id", "no saved or recent search with this id") end
    if e.systemDefault then
      return api.fail(req, 403, "unauthorized_access", "id", "a system default search cannot be deleted")
    end
    store:delete(e.id)
    return api.empty(204)
  end)
end

--------------------------------------------------------------------------
-- Event and IAM searches: rows made on demand from (seed, index), paged
-- like config search with their own /page continuation and tokens.
--------------------------------------------------------------------------

M.EVENTS = 1200              -- audit events over the 30 days before the anchor
M.PERMISSIONS = 450          -- IAM permission rows
M.FLOWS = 300                -- network flow records
M.EVENT_SALT = 103
M.IAM_SALT = 104
M.FLOW_SALT = 105

-- {operation, crud, service, cloud}
local EVENT_OPS = {
  {"CreateBucket", "CREATE", "Amazon S3", "AWS"}, {"DeleteBucket", "DELETE", "Amazon S3", "AWS"},
  {"ConsoleLogin", "LOGIN", "AWS IAM", "AWS"}, {"RunInstances", "CREATE", "Amazon EC2", "AWS"},
  {"DescribeInstances", "READ", "Amazon EC2", "AWS"}, {"AuthorizeSecurityGroupIngress", "UPDATE", "Amazon EC2", "AWS"},
  {"Microsoft.Storage/storageAccounts/write", "UPDATE", "Azure Storage", "AZURE"},
  {"Microsoft.Compute/virtualMachines/delete", "DELETE", "Azure Compute", "AZURE"},
  {"storage.buckets.create", "CREATE", "Google Cloud Storage", "GCP"},
  {"compute.instances.insert", "CREATE", "Google Compute Engine", "GCP"},
}
local EVENT_USERS = {"root", "alice", "bob", "deploy-bot", "ci-runner"}

-- {action, service, resource type, cloud}
local IAM_ACTIONS = {
  {"s3:GetObject", "Amazon S3", "bucket", "AWS"}, {"s3:PutObject", "Amazon S3", "bucket", "AWS"},
  {"ec2:RunInstances", "Amazon EC2", "instance", "AWS"}, {"iam:PassRole", "AWS IAM", "role", "AWS"},
  {"Microsoft.Storage/storageAccounts/read", "Azure Storage", "storageAccount", "AZURE"},
  {"storage.objects.get", "Google Cloud Storage", "bucket", "GCP"},
}
local IAM_ENTITIES = {"user", "role", "group"}

local function account_of(w, cloud, h, shift)
  local accounts = w.accounts_by_cloud[cloud]
  return accounts[roll(h, #accounts, shift) + 1]
end

local SERIES = {}

SERIES.event = {
  count = M.EVENTS, path = "/search/event", search_type = "audit_event",
  row = function(w, i)
    local h = hash(w.seed, M.EVENT_SALT, i)
    local op = pick(h, EVENT_OPS, 0)
    local regions = data.REGIONS[op[4]]
    local step = (30 * data.DAY_MS) // M.EVENTS
    return {index = i, h = h, op = op, account = account_of(w, op[4], h, 8),
            region = regions[roll(h, #regions, 16) + 1],
            user = pick(h, EVENT_USERS, 24), time = data.series_time(w, step, M.EVENT_SALT, i)}
  end,
  attr = function(r, name)
    if name == "cloud.type" then return {r.op[4]:lower()} end
    if name == "cloud.account" then return {r.account.name, r.account.accountId} end
    if name == "cloud.region" then return {r.region[1], r.region[2]} end
    if name == "cloud.service" then return {r.op[3]} end
    if name == "operation" then return {r.op[1]} end
    if name == "user" then return {r.user} end
    if name == "crud" then return {r.op[2]:lower()} end
    return {}
  end,
  item = function(_, r)
    local h = r.h
    local resource = ("%s-%05d"):format(r.op[3]:lower():gsub("%W+", "-"), roll(h, 100000, 32))
    return {
      id = 7000000 + r.index, eventTs = r.time, ingestionTs = r.time + 60000 + roll(h, 60000, 40),
      account = r.account.accountId, accountName = r.account.name, regionApiIdentifier = r.region[2],
      regionName = r.region[1], regionId = roll(h, 1000, 36), name = r.op[1], type = r.op[2], source = r.op[3],
      subject = r.user, subjectType = r.op[4] == "AWS" and (r.user == "root" and "AWS_ROOT" or "AWS_IAM_USER")
        or r.op[4] == "AZURE" and "AZURE_AD_USER" or "GCP_USER",
      ip = ("203.0.%d.%d"):format(roll(h, 256, 44), 1 + roll(h, 254, 52)), accessKeyUsed = roll(h, 2, 48) == 0,
      success = roll(h, 12, 56) ~= 0, internal = false, dynamicData = {},
      objects = array{{account = r.account.accountId, region = r.region[2], resource = resource,
                       type = r.op[3], cloudType = r.op[4]}},
    }
  end,
}

SERIES.iam = {
  count = M.PERMISSIONS, path = "/api/v1/permission", search_type = "iam",
  row = function(w, i)
    local h = hash(w.seed, M.IAM_SALT, i)
    local action = pick(h, IAM_ACTIONS, 0)
    return {index = i, h = h, action = action, source_account = account_of(w, action[4], h, 8),
            dest_account = account_of(w, action[4], h, 16), entity = pick(h, IAM_ENTITIES, 24),
            who = pick(h, EVENT_USERS, 28), target = ("%s-%04d"):format(action[3]:lower(), roll(h, 10000, 32))}
  end,
  attr = function(r, name)
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
  end,
  item = function(w, r)
    local cloud = r.action[4]
    local sa, da = r.source_account, r.dest_account
    return {
      id = data.uuid(w.seed, M.IAM_SALT, r.index), sourceCloudType = cloud, sourceCloudAccount = sa.name,
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
  end,
}

-- Matching row indices of a series query (cached per state).
local function series_matches(app, kind, q)
  local st, spec = app.state, SERIES[kind]
  local key = json.encode{kind, q.q, q.a, q.b, q.f or json.null}
  st.rql_cache = st.rql_cache or {size = 0, entries = {}}
  local cache = st.rql_cache
  if cache.entries[key] then return cache.entries[key] end
  local tree = assert(rql.parse(q.q, kind))
  -- UI filters (filtered event search): each {name, value} ANDed as name = value.
  for _, f in ipairs(q.f or {}) do
    tree = {op = "and", tree, {op = "in", attr = f[1], negate = false, values = {f[2]}}}
  end
  local w, list = st.world, {}
  for i = 1, spec.count do
    local r = spec.row(w, i)
    if (not r.time or r.time >= q.a and r.time <= q.b)
      and rql.eval(tree, {attr = function(name) return spec.attr(r, name) end}) then
      list[#list + 1] = i
    end
  end
  if cache.size >= 32 then cache.entries, cache.size = {}, 0 end
  cache.entries[key] = list
  cache.size = cache.size + 1
  return list
end

local function series_token(kind, q)
  return api.page_token(kind, q.sid, {q = q.q, a = q.a, b = q.b, o = q.o, l = q.l, f = q.f})
end

local function series_decode(app, kind, token)
  local q = api.read_token(kind, state_id(app), token)
  if not q or type(q.q) ~= "string" then return nil end
  for _, k in ipairs{"a", "b", "o", "l"} do
    if math.type(q[k]) ~= "integer" then return nil end
  end
  if q.o < 0 or not rql.parse(q.q, kind) then return nil end
  if q.f ~= nil then
    if type(q.f) ~= "table" then return nil end
    for _, f in ipairs(q.f) do
      if type(f) ~= "table" or not rql.KINDS[kind].attrs[f[1]] or type(f[2]) ~= "string" then return nil end
    end
  end
  return q
end

-- One page of a series query: {totalRows, items, nextPageToken?}.
local function series_page(app, kind, q)
  local spec, w = SERIES[kind], app.state.world
  local list = series_matches(app, kind, q)
  local items = array{}
  for p = q.o + 1, math.min(#list, q.o + q.l) do items[#items + 1] = spec.item(w, spec.row(w, list[p])) end
  local out = {totalRows = #list, items = items}
  if kind == "event" then out.dynamicColumns, out.sortAllowedColumns = array{}, array{"time", "operation"} end
  if kind == "iam" then out.searchedDestCloudResourceNames = array{} end
  q.o = q.o + #items
  if q.o < #list then out.nextPageToken = series_token(kind, q) end
  return out
end

local function parse_limit(req, raw, default)
  if raw == nil or raw == json.null then return default end
  local limit = math.tointeger(tonumber(raw))
  if not limit or limit < 1 or limit > M.MAX_LIMIT then
    return nil, api.fail(req, 400, "invalid_parameter_value", "limit",
      ("limit must be an integer from 1 to %d"):format(M.MAX_LIMIT))
  end
  return limit
end

local function query_error(req, kind, query)
  if type(query) ~= "string" or query:match("^%s*$") then
    return api.fail(req, 400, "missing_required_parameter", "query", "query is required")
  end
  local _, err = rql.parse(query, kind, req)
  if err then
    local key = err.kind == "syntax" and M.SYNTAX_KEY or M.UNSUPPORTED_KEY
    return api.fail(req, 400, key, "query", err.message .. "; " .. rql.SUPPORTED_BY_KIND[kind])
  end
  return nil
end

-- The body of a search request with a valid query of kind: body, or nil and a 400 response.
local function query_body(req, kind)
  local body, bad = api.body(req, true)
  if not body then return nil, bad end
  local failed = query_error(req, kind, body.query)
  if failed then return nil, failed end
  return body
end

-- The UI filters of a filtered search: {{name, value}}, or nil and a response.
local function ui_filters(req, kind, list)
  if list == nil or list == json.null then return array{} end
  if type(list) ~= "table" then return nil, api.fail(req, 400, "invalid_parameter_value", "filters") end
  local out = array{}
  for _, f in ipairs(list) do
    if type(f) ~= "table" or not rql.KINDS[kind].attrs[f.name] or type(f.value) ~= "string" then
      return nil, api.fail(req, 400, "invalid_parameter_value", "filters",
        "filters are {name, operator = '=', value} on the attributes of the query")
    end
    local value = rql.CASELESS[f.name] and f.value:lower() or f.value
    out[#out + 1] = array{f.name, value}
  end
  return out
end

local function series_search(app, req, kind, filtered)
  local spec = SERIES[kind]
  local body, bad = query_body(req, kind)
  if not body then return bad end
  local filters
  if filtered then
    local f, fbad = ui_filters(req, kind, body.filters)
    if not f then return fbad end
    filters = f
  end
  if kind == "iam" and (body.limit == nil or body.limit == json.null) then
    return api.fail(req, 400, "missing_required_parameter", "limit", "limit is required")
  end
  local limit, lbad = parse_limit(req, body.limit, M.DEFAULT_LIMIT)
  if not limit then return lbad end
  local tr = body.timeRange
  if tr == json.null then tr = nil end
  local a, b = math.mininteger, math.maxinteger
  if tr ~= nil then
    a, b = api.time_range(tr, api.time_context(req, 0))
    if not a then return api.fail(req, 400, "invalid_parameter_value", b, "bad time range") end
  end
  local q = {sid = state_id(app), q = body.query, a = a, b = b, o = 0, l = limit, f = filters}
  local result = series_page(app, kind, q)
  local shown_tr = tr or {type = "to_now", value = "epoch"}
  local entry = M.record(app, req, spec.search_type, body.query, shown_tr, body.id)
  local out = {id = entry.id, name = entry.name, description = entry.description, searchType = spec.search_type,
               saved = entry.saved, query = body.query, timeRange = shown_tr, data = result}
  if kind == "event" then
    out.cloudType, out.groupBy, out.filters, out.async, out.default = entry.cloudType, array{}, array{}, false, false
  end
  return api.json(200, out)
end

local function series_next(app, req, kind)
  local body, bad = api.body(req, true)
  if not body then return bad end
  local q = series_decode(app, kind, body.pageToken)
  if not q then
    return api.fail(req, 400, "invalid_parameter_value", "pageToken", "invalid or expired page token")
  end
  local limit, lbad = parse_limit(req, body.limit, q.l)
  if not limit then return lbad end
  q.l = limit
  return api.json(200, series_page(app, kind, q))
end

-- POST /search/event/aggregate: the matching events counted by (service, user), newest first.
local function event_aggregate(app, req)
  local body, bad = query_body(req, "event")
  if not body then return bad end
  local tr = body.timeRange
  if tr == json.null then tr = nil end
  local a, b = math.mininteger, math.maxinteger
  if tr ~= nil then
    a, b = api.time_range(tr, api.time_context(req, 0))
    if not a then return api.fail(req, 400, "invalid_parameter_value", b, "bad time range") end
  end
  local spec, w = SERIES.event, app.state.world
  local list = series_matches(app, "event", {q = body.query, a = a, b = b})
  local groups, order = {}, {}
  for _, i in ipairs(list) do
    local r = spec.row(w, i)
    local key = r.op[3] .. "\0" .. r.user
    local g = groups[key]
    if not g then
      g = {service = r.op[3], user = r.user, events = 0, timestamp = r.time, anomalies = 0, distinctUsers = 1,
           serviceAnomalies = 0, geoAnomalies = 0, serviceHighlighted = false}
      groups[key] = g
      order[#order + 1] = key
    end
    g.events = g.events + 1
  end
  local out = array{}
  for _, key in ipairs(order) do out[#out + 1] = groups[key] end
  local shown_tr = tr or {type = "to_now", value = "epoch"}
  local entry = M.record(app, req, "audit_event", body.query, shown_tr, body.id)
  return api.json(200, {id = entry.id, name = entry.name, searchType = "audit_event", saved = entry.saved,
                        query = body.query, timeRange = shown_tr, data = out})
end

-- GET /search/event/raw/:id: one event with its raw cloud record.
local function event_raw(app, req, id)
  local i = math.tointeger(tonumber(id))
  i = i and i - 7000000
  if not i or i < 1 or i > M.EVENTS then
    return api.fail(req, 404, "not_found", "id", "no audit event with this id")
  end
  local spec, w = SERIES.event, app.state.world
  local r = spec.row(w, i)
  local out = spec.item(w, r)
  out.rawEvent = {eventName = r.op[1], eventSource = r.op[3],
                  eventTime = os.date("!%Y-%m-%dT%H:%M:%SZ", r.time // 1000),
                  userIdentity = {userName = r.user, accountId = r.account.accountId}, sourceIPAddress = out.ip,
                  awsRegion = r.region[2], errorCode = out.success and json.null or "AccessDenied"}
  return api.json(200, out)
end

--------------------------------------------------------------------------
-- IAM permission access (last access per destination resource of one
-- permission row): POST /api/v1/permission/access, then /access/page.
--------------------------------------------------------------------------

M.ACCESS_SALT = 106

-- The index of a permission row by id, or nil.
local function permission_index(w, id)
  if type(id) ~= "string" then return nil end
  for i = 1, M.PERMISSIONS do
    if data.uuid(w.seed, M.IAM_SALT, i) == id then return i end
  end
  return nil
end

-- How many destination resources permission row i reached, and access item k of it.
local function access_count(w, i)
  return 5 + roll(hash(w.seed, M.ACCESS_SALT, i), 120, 0)
end

local function access_item(w, i, k)
  local r = SERIES.iam.row(w, i)
  local h = hash(w.seed, M.ACCESS_SALT, i * 1000 + k)
  return {destCloudResourceName = ("%s-%04d-%03d"):format(r.action[3]:lower(), roll(r.h, 10000, 32), k),
          lastAccessDate = os.date("!%Y-%m-%dT%H:%M:%SZ", (w.anchor_ms // 1000) - roll(h, 90 * 86400, 0))}
end

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

local function permission_access(app, req)
  local body, bad = query_body(req, "iam")
  if not body then return bad end
  if type(body.permissionId) ~= "string" or body.permissionId == "" then
    return api.fail(req, 400, "missing_required_parameter", "permissionId", "permissionId is required")
  end
  local limit, lbad = parse_limit(req, body.limit, M.DEFAULT_LIMIT)
  if not limit then return lbad end
  local i = permission_index(app.state.world, body.permissionId)
  if not i then return api.fail(req, 404, "not_found", "permissionId", "no permission with this id") end
  return api.json(200, {data = access_page(app, {sid = state_id(app), p = i, o = 0, l = limit})})
end

local function permission_access_next(app, req)
  local body, bad = api.body(req, true)
  if not body then return bad end
  local t
  local v = api.read_token("access", state_id(app), body.pageToken)
  if v and math.type(v.p) == "integer" and v.p >= 1 and v.p <= M.PERMISSIONS and math.type(v.o) == "integer"
    and v.o >= 0 and math.type(v.l) == "integer" then
    t = v
  end
  if not t then return api.fail(req, 400, "invalid_parameter_value", "pageToken", "invalid or expired page token") end
  local limit, lbad = parse_limit(req, body.limit, t.l)
  if not limit then return lbad end
  t.l = limit
  return api.json(200, access_page(app, t))
end

--------------------------------------------------------------------------
-- Network search: one answer (nodes and connections), no paging.
--------------------------------------------------------------------------

local PROTOCOLS = {"TCP", "UDP"}
local PORTS = {22, 80, 443, 3389, 5432}

local function flow(w, i)
  local h = hash(w.seed, M.FLOW_SALT, i)
  local cloud = data.CLOUDS[roll(h, #data.CLOUDS, 0) + 1]
  local regions = data.REGIONS[cloud]
  return {index = i, h = h, cloud = cloud, account = account_of(w, cloud, h, 4),
          region = regions[roll(h, #regions, 12) + 1],
          protocol = pick(h, PROTOCOLS, 16), port = pick(h, PORTS, 20), src = roll(h, 40, 28), dst = roll(h, 40, 36),
          bytes = 1000 + roll(h, 1000000, 44)}
end

-- The flows a network query tree matches: nodes and connections.
local function network_graph(w, tree)
  local nodes, node_list, connections = {}, array{}, array{}
  local function node(f, n)
    local id = ("%s-%s-%02d"):format(f.account.accountId, f.region[2], n)
    if not nodes[id] then
      nodes[id] = true
      node_list[#node_list + 1] = {id = id, name = ("ip-10-0-%d-%d"):format(n, f.index % 250),
                                   accountId = f.account.accountId,
                                   accountName = f.account.name, cloudType = f.cloud:lower(), regionId = f.region[2],
                                   ipAddr = ("10.0.%d.%d"):format(n, 1 + n * 3 % 250)}
    end
    return id
  end
  for i = 1, M.FLOWS do
    local f = flow(w, i)
    local attrs = {["cloud.type"] = {f.cloud:lower()}, ["cloud.account"] = {f.account.name, f.account.accountId},
                   ["cloud.region"] = {f.region[1], f.region[2]}, protocol = {f.protocol},
                   ["dest.port"] = {tostring(f.port)}}
    if rql.eval(tree, {attr = function(name) return attrs[name] or {} end}) then
      connections[#connections + 1] = {from = node(f, f.src), to = node(f, f.dst), protocol = f.protocol,
                                       port = f.port, bytes = f.bytes, accepted = roll(f.h, 8, 50) ~= 0}
    end
  end
  return node_list, connections
end

local function network_search(app, req)
  local body, bad = query_body(req, "network")
  if not body then return bad end
  local tr = body.timeRange
  if type(tr) ~= "table" then
    return api.fail(req, 400, "invalid_parameter_value", "timeRange", "timeRange is required")
  end
  local a = api.time_range(tr, api.time_context(req, 0))
  if not a then return api.fail(req, 400, "invalid_parameter_value", "timeRange", "bad time range") end
  local node_list, connections = network_graph(app.state.world, rql.parse(body.query, "network"))
  local entry = M.record(app, req, "network", body.query, tr, body.id)
  return api.json(200, {id = entry.id, name = entry.name, description = entry.description, searchType = "network",
                        saved = entry.saved, query = body.query, timeRange = tr, cloudType = entry.cloudType,
                        groupBy = array{}, filters = array{}, async = false, default = false,
                        data = {nodes = node_list, connections = connections}})
end

--------------------------------------------------------------------------
-- GET /search/alert?alertId=: the search behind a network or audit event
-- (anomaly) alert, run over the alert's cloud account; 404 for other alerts.
--------------------------------------------------------------------------

local function alert_search(app, req)
  local alert_id = api.query(req, "alertId")
  if type(alert_id) ~= "string" or alert_id == "" then
    return api.fail(req, 400, "missing_required_parameter", "alertId", "alertId is required")
  end
  local st = app.state
  local i = math.tointeger(tonumber(alert_id:match("^P%-(%d+)$") or ""))
  if not i or i < 1 or i > st.world.alert_count then
    return api.fail(req, 404, "not_found", "alertId", "no alert with this id")
  end
  local _, pidx, account = require("prismacloud.emulator.alerts").core(st, i)
  local ptype = st.world.policies[pidx].policyType
  local tr = {type = "relative", value = {amount = 24, unit = "hour"}}
  local query, search_type, rows
  if ptype == "network" then
    query = ("network from vpc.flow_record where cloud.account = '%s'"):format(account.name)
    search_type = "network"
    local _, connections = network_graph(st.world, assert(rql.parse(query, "network")))
    rows = connections
  elseif ptype == "audit_event" then
    query = ("event from cloud.audit_logs where cloud.account = '%s'"):format(account.name)
    search_type = "audit_event"
    local list = series_matches(app, "event", {q = query, a = math.mininteger, b = math.maxinteger})
    rows = array{}
    for k = 1, math.min(#list, M.DEFAULT_LIMIT) do
      rows[k] = SERIES.event.item(st.world, SERIES.event.row(st.world, list[k]))
    end
  else
    return api.fail(req, 404, "not_found", "alertId", "search data exists for network and anomaly alerts only")
  end
  local entry = M.record(app, req, search_type, query, tr, nil)
  return api.json(200, {id = entry.id, name = "", description = "", searchType = search_type, saved = false,
                        alertId = alert_id, query = query, timeRange = tr, cloudType = account.cloudType:lower(),
                        groupBy = array{}, filters = array{}, async = false, default = false, data = array(rows)})
end

--------------------------------------------------------------------------
-- RQL autocomplete (POST /search/suggest).
--------------------------------------------------------------------------

local function suggest(_, req, only_iam)
  local body, bad = api.body(req, true)
  if not body then return bad end
  local query = body.query
  if type(query) ~= "string" then
    return api.fail(req, 400, "missing_required_parameter", "query", "query is required")
  end
  local starts = {"config from cloud.resource where ", "config from iam where ", "event from cloud.audit_logs where ",
                  "network from vpc.flow_record where "}
  local kinds = {"config", "iam", "event", "network"}
  if only_iam then starts, kinds = {"config from iam where "}, {"iam"} end
  local suggestions, kind = array{}, nil
  for k, start in ipairs(starts) do
    if query:lower():sub(1, #start) == start then kind = kinds[k] end
  end
  local valid = false
  if kind then
    valid = rql.parse(query, kind, nil, true) ~= nil -- what the subset completes
    local word = query:match("([%w%.%-_]*)$") or ""
    local names = {}
    for name in pairs(rql.KINDS[kind].attrs) do names[#names + 1] = name end
    table.sort(names)
    for _, name in ipairs(names) do
      if word == "" or (name:sub(1, #word) == word:lower() and name ~= word:lower()) then
        suggestions[#suggestions + 1] = name
      end
    end
    if valid and query:match("%S$") then
      suggestions[#suggestions + 1] = "AND"
      suggestions[#suggestions + 1] = "OR"
    end
  else
    for _, start in ipairs(starts) do
      if start:sub(1, #query) == query:lower() then suggestions[#suggestions + 1] = start:sub(#query + 1) end
    end
  end
  local word = query:match("([%w%.%-_]*)$") or ""
  return api.json(200, {valid = valid, offset = #query - #word, suggestions = suggestions, translate = false,
                        needsOffsetUpdate = false})
end

--------------------------------------------------------------------------
-- Config search by query and by saved search id, v1 (timeRange) and v2
-- (startTime, at most 100 a page): the page itself with the search's id;
-- later pages through /search/config/page.
--------------------------------------------------------------------------

M.V2_MAX_LIMIT = 100

local function search_versioned(app, req, version, search_id)
  local body, bad = api.body(req, search_id == nil)
  if not body then return bad end
  local entry, query, tr
  if search_id then
    entry = history(app).by_id[search_id]
    if not entry or entry.searchType ~= "config" then
      return api.fail(req, 404, "not_found", "id", "no config search with this id")
    end
    query, tr = entry.query, entry.timeRange
  else
    query = body.query
    if type(query) ~= "string" or query:match("^%s*$") then
      return api.fail(req, 400, "missing_required_parameter", "query", "query is required")
    end
  end
  local _, err = rql.parse(query, nil, req)
  if err then
    local key = err.kind == "syntax" and M.SYNTAX_KEY or M.UNSUPPORTED_KEY
    return api.fail(req, 400, key, "query", err.message .. "; " .. rql.SUPPORTED)
  end
  local limit, with_json = page_options(req, body, M.DEFAULT_LIMIT, true)
  if not limit then return with_json end
  if version == 2 and limit > M.V2_MAX_LIMIT then
    return api.fail(req, 400, "invalid_parameter_value", "limit", "at most 100 results a page")
  end
  local sort = parse_sort(body.sort)
  if not sort then return api.fail(req, 400, "invalid_parameter_value", "sort") end
  local a, b = math.mininteger, math.maxinteger
  local ctx = api.time_context(req, 0)
  if version == 1 then
    if body.timeRange ~= nil and body.timeRange ~= json.null then tr = body.timeRange end
    if tr ~= nil then
      a, b = api.time_range(tr, ctx)
      if not a then return api.fail(req, 400, "invalid_parameter_value", b, "bad time range") end
    end
  elseif body.startTime ~= nil and body.startTime ~= json.null then
    a, b = math.tointeger(body.startTime), ctx.now_ms
    if not a then return api.fail(req, 400, "invalid_parameter_value", "startTime") end
  end
  local q = {v = 1, sid = state_id(app), q = query, a = a, b = b, s = sort, o = 0, l = limit, j = with_json}
  local out = page(app, q)
  if api.bool(body.skipResult) == true then out.items = array{} end
  if not entry and api.bool(body.skipSearchCreation) ~= true then
    entry = M.record(app, req, "config", query, tr or {type = "to_now", value = "epoch"}, nil)
  end
  out.id = entry and entry.id or json.null
  return api.json(200, out)
end

function M.register(router, app)
  router:add("POST", "/search/config", function(req) return search(app, req) end)
  for _, v in ipairs{1, 2} do
    router:add("POST", ("/search/api/v%d/config"):format(v), function(req) return search_versioned(app, req, v) end)
    router:add("POST", ("/search/api/v%d/config/:id"):format(v), function(req, params)
      return search_versioned(app, req, v, params.id)
    end)
  end
  router:add("POST", "/search/config/page", function(req) return next_page(app, req) end)
  router:add("POST", "/search/event", function(req) return series_search(app, req, "event") end)
  router:add("POST", "/search/event/page", function(req) return series_next(app, req, "event") end)
  router:add("POST", "/search/event/filtered", function(req) return series_search(app, req, "event", true) end)
  router:add("POST", "/search/event/aggregate", function(req) return event_aggregate(app, req) end)
  router:add("GET", "/search/event/raw/:id", function(req, params) return event_raw(app, req, params.id) end)
  router:add("POST", "/api/v1/permission", function(req) return series_search(app, req, "iam") end)
  router:add("POST", "/api/v1/permission/page", function(req) return series_next(app, req, "iam") end)
  router:add("POST", "/search", function(req) return network_search(app, req) end)
  router:add("POST", "/search/suggest", function(req) return suggest(app, req) end)
  router:add("GET", "/search/alert", function(req) return alert_search(app, req) end)
  router:add("POST", "/api/v1/suggest", function(req) return suggest(app, req, true) end)
  router:add("POST", "/api/v1/permission/access", function(req) return permission_access(app, req) end)
  router:add("POST", "/api/v1/permission/access/page", function(req) return permission_access_next(app, req) end)
  history_routes(router, app)
end

return M
