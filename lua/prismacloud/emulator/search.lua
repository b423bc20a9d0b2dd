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
local json = require "prismacloud.emulator.json"
local jwt = require "prismacloud.emulator.jwt"
local rql = require "prismacloud.emulator.rql"

local M = {}

local array = json.array
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

local function resource_data(w, r)
  local make = MAKERS[r.kind.api] or generic
  return make(hash(w.seed, M.DATA_SALT, r.index), r)
end

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
  return jwt.b64url_encode(json.encode{v = 1, sid = q.sid, q = q.q, a = q.a, b = q.b, s = q.s, o = q.o,
                                       l = q.l, j = q.j})
end

local function decode_token(app, token)
  if type(token) ~= "string" or token == "" or #token > 65536 then return nil end
  local text = jwt.b64url_decode(token)
  local ok, q = pcall(json.decode, text or "")
  if not ok or type(q) ~= "table" or q.v ~= 1 or q.sid ~= state_id(app) or type(q.q) ~= "string"
    or type(q.s) ~= "table" then
    return nil
  end
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
  local _, err = rql.parse(query)
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
  local cloud = query:lower():match("cloud%.type%s*=%s*'(%a+)'")
  return api.json(200, {
    id = data.uuid(app.state.world.seed, M.SALT, #query), name = "", description = "", searchType = "config",
    saved = false, query = query, timeRange = tr or {type = "to_now", value = "epoch"}, cloudType = cloud,
    groupBy = array{}, filters = array{}, async = false, default = false, data = result,
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

function M.register(router, app)
  router:add("POST", "/search/config", function(req) return search(app, req) end)
  router:add("POST", "/search/config/page", function(req) return next_page(app, req) end)
end

return M
