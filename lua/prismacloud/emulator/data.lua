-- prismacloud.emulator.data: the seeded, deterministic universe the
-- emulator's resource families serve.
--
-- Everything is a pure function of (seed, kind, index) through a 64-bit
-- mixing hash (the splitmix64 finaliser), so the same seed gives the same
-- tenant on every run and any item can be made on demand: alerts and audit
-- log entries are never stored, only their state changes are. The small
-- catalogues (cloud accounts, policies, compliance standards) are built
-- once per world because the API lets clients edit them.
--
--   local data = require "prismacloud.emulator.data"
--   local world = data.world{seed = 1, alerts = 5000, anchor_ms = 0}
--   data.hash(world.seed, data.SALT.alert, 17)   --> a 64-bit integer
local json = require "prismacloud.json"

local M = {}

local function array(t) return setmetatable(t or {}, json.array_mt) end -- a JSON array, even empty

--------------------------------------------------------------------------
-- Hashing.
--------------------------------------------------------------------------

-- The splitmix64 finaliser: a bijective scramble of a 64-bit integer
-- (integer arithmetic in Lua 5.4 wraps around).
local function mix(x)
  x = (x ~ (x >> 30)) * -4658895280553007687  -- 0xbf58476d1ce4e5b9
  x = (x ~ (x >> 27)) * -7723592293110705685  -- 0x94d049bb133111eb
  return x ~ (x >> 31)
end

-- A well-spread 64-bit value for (seed, salt, index).
function M.hash(seed, salt, index)
  return mix(mix(seed * -7046029254386353131 + salt) + index) -- 0x9e3779b97f4a7c15
end
local hash = M.hash

-- A number in 0..n-1 from bits of h starting at bit shift (0..40).
function M.roll(h, n, shift)
  return ((h >> (shift or 0)) & 0x7fffffff) % n
end
local roll = M.roll

-- Salts: one per kind of generated thing.
M.SALT = {account = 1, policy = 2, standard = 3, requirement = 4, section = 5, alert = 6,
          alert_extra = 7, audit = 8, group = 9, uuid = 10, compliance = 11, policy_search = 12}
local SALT = M.SALT

-- The cloud identities that act in audit events and hold IAM permissions.
M.CLOUD_USERS = {"root", "alice", "bob", "deploy-bot", "ci-runner"}

-- One item of list, picked by bits of h from shift on.
function M.pick(h, list, shift)
  return list[M.roll(h, #list, shift) + 1]
end

-- A UUID-looking string made from (seed, salt, index).
function M.uuid(seed, salt, index)
  local a = hash(seed, SALT.uuid * 1000 + salt, index)
  local b = hash(seed, SALT.uuid * 1000 + salt, -index - 1)
  local hex = ("%016x%016x"):format(a, b)
  return ("%s-%s-4%s-%x%s-%s"):format(hex:sub(1, 8), hex:sub(9, 12), hex:sub(14, 16),
    8 + roll(b, 4, 40), hex:sub(18, 20), hex:sub(21, 32))
end
local uuid = M.uuid

--------------------------------------------------------------------------
-- Vocabulary.
--------------------------------------------------------------------------

M.CLOUDS = {"AWS", "AZURE", "GCP"}

M.REGIONS = {
  AWS = {{"AWS Virginia", "us-east-1"}, {"AWS Oregon", "us-west-2"}, {"AWS Frankfurt", "eu-central-1"},
         {"AWS Ireland", "eu-west-1"}, {"AWS Tokyo", "ap-northeast-1"}},
  AZURE = {{"Azure East US", "eastus"}, {"Azure West Europe", "westeurope"},
           {"Azure Southeast Asia", "southeastasia"}},
  GCP = {{"GCP Iowa", "us-central1"}, {"GCP Belgium", "europe-west1"}, {"GCP Tokyo", "asia-northeast1"}},
}

-- Per cloud: {policy name, policy type, resource type, cloud service, api name}.
M.POLICY_TEMPLATES = {
  AWS = {
    {"S3 bucket is publicly accessible", "config", "s3", "Amazon S3", "aws-s3api-get-bucket-acl"},
    {"Security Group allows all traffic on SSH port (22)", "config", "SECURITY_GROUP", "Amazon EC2",
     "aws-ec2-describe-security-groups"},
    {"IAM password policy does not require a minimum of 14 characters", "config", "IAM_PASSWORD_POLICY",
     "AWS IAM", "aws-iam-get-account-password-policy"},
    {"CloudTrail is not enabled in all regions", "config", "CLOUDTRAIL", "AWS CloudTrail",
     "aws-cloudtrail-describe-trails"},
    {"EC2 instance does not require IMDSv2", "config", "EC2_INSTANCE", "Amazon EC2", "aws-ec2-describe-instances"},
    {"RDS instance is not encrypted", "config", "RDS_INSTANCE", "Amazon RDS", "aws-rds-describe-db-instances"},
    {"KMS customer managed key rotation is disabled", "config", "KMS_KEY", "AWS KMS",
     "aws-kms-get-key-rotation-status"},
    {"Root account used for console login", "audit_event", "IAM_USER", "AWS IAM", "aws-cloudtrail"},
    {"VPC allows traffic from a suspicious IP", "network", "VPC", "Amazon VPC", "aws-ec2-describe-flow-logs"},
    {"Lambda function has an administrative role", "iam", "LAMBDA_FUNCTION", "AWS Lambda",
     "aws-lambda-list-functions"},
  },
  AZURE = {
    {"Storage account allows public blob access", "config", "STORAGE_ACCOUNT", "Azure Storage",
     "azure-storage-account-list"},
    {"Network Security Group allows RDP from the internet", "config", "NSG", "Azure Network",
     "azure-network-nsg-list"},
    {"SQL server auditing is disabled", "config", "SQL_SERVER", "Azure SQL", "azure-sql-server-list"},
    {"Key Vault is not recoverable", "config", "KEY_VAULT", "Azure Key Vault", "azure-key-vault-list"},
    {"Activity log alert for policy assignment is missing", "audit_event", "ACTIVITY_LOG", "Azure Monitor",
     "azure-activity-log"},
    {"Virtual machine disk is not encrypted", "config", "VM_DISK", "Azure Compute", "azure-vm-list"},
  },
  GCP = {
    {"Storage bucket is publicly accessible", "config", "GCS_BUCKET", "Google Cloud Storage",
     "gcloud-storage-buckets-list"},
    {"Firewall rule allows SSH from the internet", "config", "FIREWALL_RULE", "Google VPC",
     "gcloud-compute-firewall-rules-list"},
    {"Cloud SQL instance has a public IP", "config", "CLOUD_SQL", "Google Cloud SQL", "gcloud-sql-instances-list"},
    {"Service account has admin privileges", "iam", "SERVICE_ACCOUNT", "Google IAM",
     "gcloud-iam-service-accounts-list"},
    {"VPC flow logs are disabled", "network", "SUBNET", "Google VPC", "gcloud-compute-networks-subnets-list"},
  },
}

local RULE_TYPES = {config = "Config", network = "Network", audit_event = "AuditEvent", iam = "IAM"}
local SEVERITIES = {"high", "medium", "low"}
local LABELS = {"Prisma_Cloud", "CSPM", "PCI", "CIS", "Prod", "Encryption", "Exposure"}
local USERS = {"alice@example.com", "bob@example.com", "carol@example.com", "Prisma Cloud System Admin"}
M.USERS = USERS

M.STANDARDS = {
  {"CIS v1.4.0 (AWS)", {"AWS"}}, {"CIS v1.5.0 (Azure)", {"AZURE"}}, {"CIS v1.3.0 (GCP)", {"GCP"}},
  {"PCI DSS v3.2.1", {"AWS", "AZURE", "GCP"}}, {"NIST 800-53 Rev 5", {"AWS", "AZURE", "GCP"}},
  {"SOC 2", {"AWS", "AZURE", "GCP"}},
}
local REQUIREMENTS = {"Identity and Access Management", "Logging", "Monitoring", "Networking", "Storage"}

M.DAY_MS = 86400000
-- The tenant's customer id (integrations and notification templates carry it).
M.CUSTOMER_ID = 100001

--------------------------------------------------------------------------
-- The catalogues.
--------------------------------------------------------------------------

-- Cloud accounts: {accountId, name, cloudType, accountType, enabled, addedOn, ...}.
local function make_accounts(w, n)
  local list = {}
  for i = 1, n do
    local h = hash(w.seed, SALT.account, i)
    local cloud = M.CLOUDS[(i - 1) % #M.CLOUDS + 1]
    local env = ({"prod", "staging", "dev", "sandbox"})[roll(h, 4, 8) + 1]
    local id
    if cloud == "AWS" then
      id = ("%012d"):format((h & 0x7fffffffffff) % 1000000000000)
    elseif cloud == "AZURE" then
      id = uuid(w.seed, SALT.account, i)
    else
      id = ("%s-%s-%06d"):format(env, "project", roll(h, 1000000, 20))
    end
    list[i] = {
      index = i, accountId = id, name = ("%s-%s-%d"):format(cloud:lower(), env, i), cloudType = cloud,
      accountType = "ACCOUNT", enabled = roll(h, 10, 30) ~= 0,
      addedOn = w.anchor_ms - (400 + roll(h, 300, 12)) * M.DAY_MS,
      lastModifiedTs = w.anchor_ms - roll(h, 60, 14) * M.DAY_MS,
      lastModifiedBy = USERS[roll(h, #USERS, 40) + 1],
      deploymentType = cloud == "AZURE" and "AZURE" or cloud,
    }
  end
  return list
end

-- Compliance standards with their requirements and sections.
local function make_compliance(w)
  local standards, requirements, sections = {}, {}, {}
  local created = w.anchor_ms - 500 * M.DAY_MS
  for s, def in ipairs(M.STANDARDS) do
    local std = {
      id = uuid(w.seed, SALT.standard, s), name = def[1], description = def[1] .. " compliance standard",
      cloudType = def[2], createdBy = "Prisma Cloud System Admin", createdOn = created,
      lastModifiedBy = "Prisma Cloud System Admin", lastModifiedOn = created, systemDefault = true,
      requirements = {}, policiesAssignedCount = 0,
    }
    standards[s] = std
    for r, rname in ipairs(REQUIREMENTS) do
      local ri = s * 100 + r
      local req = {
        id = uuid(w.seed, SALT.requirement, ri), complianceId = std.id, name = rname,
        requirementId = ("%d"):format(r), description = rname .. " controls of " .. def[1],
        standardName = std.name, createdBy = std.createdBy, createdOn = created,
        lastModifiedBy = std.lastModifiedBy, lastModifiedOn = created, systemDefault = true, viewOrder = r,
        sections = {}, policiesAssignedCount = 0, standard = std,
      }
      std.requirements[r] = req
      requirements[req.id] = req
      for k = 1, 3 do
        local si = ri * 10 + k
        local sec = {
          id = uuid(w.seed, SALT.section, si), sectionId = ("%d.%d"):format(r, k),
          label = ("%d.%d"):format(r, k), description = ("Control %d.%d: %s"):format(r, k, rname:lower()),
          requirementId = req.id, requirementName = rname, standardName = std.name,
          createdBy = std.createdBy, createdOn = created, lastModifiedBy = std.lastModifiedBy,
          lastModifiedOn = created, systemDefault = true, viewOrder = k, policies = {}, requirement = req,
        }
        req.sections[k] = sec
        sections[sec.id] = sec
      end
    end
  end
  return standards, requirements, sections
end

-- The compliance metadata entry linking a policy to a section.
local function compliance_entry(sec, policy_id)
  local req, std = sec.requirement, sec.requirement.standard
  return {
    standardName = std.name, standardDescription = std.description, requirementId = req.requirementId,
    requirementName = req.name, requirementDescription = req.description, sectionId = sec.sectionId,
    sectionDescription = sec.description, sectionLabel = sec.label, policyId = policy_id,
    complianceId = sec.id, customAssigned = false, standardId = std.id,
  }
end

-- The built-in policies (Prisma Cloud defaults), shaped like GET /policy/{id}.
-- Returns the list and, per policy, generation hints {service, resource_type, api}.
local function make_policies(w, n, standards)
  local list, seen, hints, searches = {}, {}, {}, {}
  for i = 1, n do
    local h = hash(w.seed, SALT.policy, i)
    local cloud = M.CLOUDS[roll(h, #M.CLOUDS, 0) + 1]
    local templates = M.POLICY_TEMPLATES[cloud]
    local t = templates[roll(h, #templates, 8) + 1]
    local base = ("%s %s"):format(cloud == "AZURE" and "Azure" or cloud, t[1])
    seen[base] = (seen[base] or 0) + 1
    local name = seen[base] == 1 and base or ("%s (%d)"):format(base, seen[base])
    local id = uuid(w.seed, SALT.policy, i)
    local created = w.anchor_ms - (200 + roll(h, 400, 16)) * M.DAY_MS
    local modified = created + roll(h, 150, 24) * M.DAY_MS
    local labels = array{}
    for k = 1, roll(h, 3, 32) do labels[k] = LABELS[(roll(h, #LABELS, 34) + k - 1) % #LABELS + 1] end
    local compliance = array{}
    local candidates = {}
    for _, std in ipairs(standards) do
      for _, c in ipairs(std.cloudType) do
        if c == cloud then candidates[#candidates + 1] = std end
      end
    end
    for k = 1, roll(h, 3, 36) do
      local std = candidates[(roll(h, #candidates, 38) + k - 1) % #candidates + 1]
      local req = std.requirements[roll(h, #std.requirements, 42 + k) + 1]
      local sec = req.sections[roll(h, #req.sections, 46 + k) + 1]
      if not sec.policies[id] then
        sec.policies[id] = true
        compliance[#compliance + 1] = compliance_entry(sec, id)
      end
    end
    local ptype = t[2]
    local remediable = ptype == "config" and roll(h, 3, 50) == 0
    list[i] = {
      policyId = id, name = name, policyType = ptype, policySubTypes = array{ptype == "config" and "run" or ptype},
      systemDefault = true, policyMode = "redlock_default", policyCategory = "risk",
      policyClass = "default", policyUpi = ("PC-%s-%s-%d"):format(cloud, ptype:upper():sub(1, 3), 100 + i),
      description = ("This policy identifies %s resources where: %s."):format(cloud, t[1]:lower()),
      severity = SEVERITIES[roll(h, #SEVERITIES, 52) + 1], cloudType = cloud,
      recommendation = "1. Sign in to the console.\n2. Open the " .. t[4] .. " settings.\n3. Fix the finding.",
      labels = labels, complianceMetadata = compliance, deleted = false,
      enabled = roll(h, 10, 56) ~= 0, remediable = remediable, overridden = false, readOnly = false,
      restrictAlertDismissal = false, findingTypes = array{}, owner = "Prisma Cloud",
      createdBy = "Prisma Cloud System Admin", createdOn = created,
      lastModifiedBy = "Prisma Cloud System Admin", lastModifiedOn = modified, ruleLastModifiedOn = modified,
      rule = {
        name = name, cloudType = cloud, type = RULE_TYPES[ptype] or "Config", resourceType = t[3],
        criteria = ("config from cloud.resource where api.name = '%s'"):format(t[5]),
        parameters = {savedSearch = "false", withIac = "false"},
      },
      remediation = remediable and {
        cliScriptTemplate = ("%s-cli fix --resource ${resourceName}"):format(cloud:lower()),
        description = "Applies the recommended setting.", actions = array{},
      } or nil,
    }
    hints[i] = {service = t[4], resource_type = t[3], api = t[5]}
    -- As on a tenant, some config policies run a saved search: the rule's criteria is the
    -- search's id, the search (a system default saved search, listed by search history) the RQL.
    if ptype == "config" and i % 10 == 0 then
      local rule = list[i].rule
      local search_id = uuid(w.seed, SALT.policy_search, i)
      searches[#searches + 1] = {id = search_id, name = name, query = rule.criteria, cloud = cloud:lower()}
      rule.criteria, rule.parameters.savedSearch = search_id, "true"
    end
  end
  return list, hints, searches
end

--------------------------------------------------------------------------
-- The world.
--------------------------------------------------------------------------

-- The start of the current UTC hour, in epoch milliseconds.
function M.current_hour_ms(now_s)
  local s = math.floor(now_s or os.time())
  return (s - s % 3600) * 1000
end

-- Builds a world. opts: seed, alerts, policies, accounts, audit_logs,
-- anchor_ms (0: the start of the current UTC hour), span_days.
function M.world(opts)
  local w = {
    seed = opts.seed or 1, alert_count = opts.alerts or 5000, audit_count = opts.audit_logs or 2000,
    anchor_ms = (opts.anchor_ms and opts.anchor_ms > 0) and opts.anchor_ms or M.current_hour_ms(),
    span_ms = (opts.span_days or 90) * M.DAY_MS,
  }
  w.accounts = make_accounts(w, math.max(opts.accounts or 9, 1))
  w.accounts_by_cloud = {}
  for _, a in ipairs(w.accounts) do
    local t = w.accounts_by_cloud[a.cloudType] or {}
    t[#t + 1] = a
    w.accounts_by_cloud[a.cloudType] = t
  end
  -- Every cloud needs an account for its alerts.
  for _, c in ipairs(M.CLOUDS) do
    if not w.accounts_by_cloud[c] then w.accounts_by_cloud[c] = {w.accounts[1]} end
  end
  w.standards, w.requirements, w.sections = make_compliance(w)
  w.policies, w.policy_hints, w.policy_searches = make_policies(w, math.max(opts.policies or 300, 1), w.standards)
  w.alert_step = math.max(w.span_ms // math.max(w.alert_count, 1), 1)
  w.audit_step = math.max((30 * M.DAY_MS) // math.max(w.audit_count, 1), 1)
  return w
end

-- The time of generated item i (1 = newest) in a series of `step` ms that
-- ends at the anchor: strictly decreasing in i.
function M.series_time(w, step, salt, i)
  return w.anchor_ms - i * step + 1 + roll(hash(w.seed, salt, i), step, 3)
end

-- The index range [lo, hi] of a series (step, salt) of n items whose times fall in
-- [start_ms, end_ms]; lo > hi when none do.
function M.series_range(w, step, salt, n, start_ms, end_ms)
  -- Times lie in (anchor - i*step, anchor - (i-1)*step]: bound, then refine.
  local lo = math.max(1, (w.anchor_ms - end_ms) // step)
  local hi = math.min(n, (w.anchor_ms - start_ms) // step + 1)
  while lo <= hi and M.series_time(w, step, salt, lo) > end_ms do lo = lo + 1 end
  while hi >= lo and M.series_time(w, step, salt, hi) < start_ms do hi = hi - 1 end
  return lo, hi
end

return M
