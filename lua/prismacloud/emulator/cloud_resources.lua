-- prismacloud.emulator.cloud_resources: the tenant's cloud resources, made on demand from
-- (seed, index) like alerts, for config search, the asset inventory and resource lookups.
--
-- Resource i has a kind (one per api.name the generated policies use, so a policy's criteria
-- finds resources), an account of that cloud, a region, a status (about one in ten Deleted) and
-- an insertTs strictly decreasing in i; its JSON (data) is made only when asked for or when a
-- json.rule tests it.
local api = require "prismacloud.emulator.api"
local data = require "prismacloud.emulator.data"

local M = {}

local array = api.array
local hash, roll, pick = data.hash, data.roll, data.pick

M.DEFAULT_COUNT = 1000       -- app.config.resources overrides
M.SALT = 101                 -- data.SALT stops well below: ours cannot collide
M.DATA_SALT = 102

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

-- How many resources the tenant has.
function M.count(app)
  return math.max(1, math.tointeger(app.config.resources or M.DEFAULT_COUNT) or M.DEFAULT_COUNT)
end

-- The cheap part of resource i of n: kind, account, region, status, time, names.
function M.resource(w, n, i)
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

-- The resource's JSON (the config a cloud API returns for it).
local function resource_data(w, r)
  local make = MAKERS[r.kind.api] or generic
  return make(hash(w.seed, M.DATA_SALT, r.index), r)
end
M.resource_data = resource_data

-- Resource r as a search result item (ResourceMetaModel), with its JSON as data when with_json.
function M.item(w, r, with_json)
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
-- The view of resource r that rql.eval reads (attributes, and data for json.rule).
function M.view(w, r)
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

return M
