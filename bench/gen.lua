-- bench/gen.lua: alert pages in the /v2/alert response shape
-- ({totalRows, items = [...], nextPageToken}) for the benchmark.
--
-- Alerts are deterministic functions of their index: epoch-ms integers,
-- nested objects and arrays, booleans, a float, and strings with JSON
-- escapes and multi-byte UTF-8, as the emulator and the real API send.
--
--   local gen = require "gen"
--   local files = gen.write_all(dir)   -- {small =, medium =, large =, chain =, chain_last =}
--   local tenant = gen.write_tenant(dir) -- tenant-1.json .. tenant-100.json: 100,000 alerts
local json = require "prismacloud.json"

local M = {}

local CLOUDS = {"aws", "azure", "gcp"}
local REGIONS = {{"AWS Virginia", "us-east-1"}, {"Azure West Europe", "westeurope"}, {"GCP Tokyo", "asia-northeast1"}}
local POLICIES = {
  "S3 bucket is publicly accessible",
  "Security Group allows all traffic on SSH port (22)",
  "Storage account allows \"public\" blob access",
  "Firewall rule allows SSH from the internet\t(0.0.0.0/0)",
}
local NOTES = {
  "Accepted risk — reviewed by Zoë Müller",
  "Line one\nline two: \"quoted\" \\ backslash",
  "東京リージョンの例外 ✓",
  "ok",
}
local STATUSES = {"open", "open", "open", "resolved", "dismissed", "snoozed"}

local BASE_MS = 1736225516707   -- an epoch-ms instant; times go back from it

local function pick(list, i) return list[(i - 1) % #list + 1] end

-- Alert i as a Lua table shaped like the API's.
function M.alert(i)
  local cloud = pick(CLOUDS, i)
  local region = pick(REGIONS, i)
  local status = pick(STATUSES, i * 7)
  local t = BASE_MS - i * 61013
  local account_id = ("%012d"):format(100000000000 + (i * 7919) % 900000000000)
  local rname = ("%s-resource-%06x"):format(cloud, (i * 2654435761) & 0xffffff)
  local history = setmetatable({}, json.array_mt)
  history[1] = {status = "OPEN", reason = "NEW_ALERT", modifiedOn = t - 86400000, modifiedBy = "System"}
  if status ~= "open" then
    history[2] = {status = status:upper(), reason = "USER_DISMISSED", modifiedOn = t, modifiedBy = "alice@example.com"}
  end
  local a = {
    id = "P-" .. i, status = status, reason = "NEW_ALERT", alertTime = t, eventOccurred = t,
    firstSeen = t - 86400000, lastSeen = t + 3600000, lastUpdated = t + 3600000,
    policyId = ("%08x-1f2e-4d3c-8b7a-%012x"):format(i % 97, i % 31),
    policy = {policyId = ("%08x-1f2e-4d3c-8b7a-%012x"):format(i % 97, i % 31), policyType = "config",
              name = pick(POLICIES, i), systemDefault = i % 2 == 0, remediable = i % 3 == 0},
    resource = {
      id = ("arn:%s:%s:%s:%s"):format(cloud, region[2], account_id, rname), name = rname,
      rrn = ("rrn::%s:%s:%s"):format(cloud, region[2], rname),
      account = cloud .. "-prod-" .. (i % 12), accountId = account_id, cloudType = cloud,
      region = region[1], regionId = region[2], resourceType = "BUCKET", resourceApiName = cloud .. "-storage-list",
      cloudAccountGroups = setmetatable({"Default Account Group", "Prod – Europe"}, json.array_mt),
      resourceTags = {env = "prod", owner = "team-" .. (i % 9)},
      resourceConfigJsonAvailable = true, resourceDetailsAvailable = i % 5 ~= 0,
    },
    history = history, alertRules = setmetatable({}, json.array_mt), alertCount = 1 + i % 4,
    investigateOptions = {alertId = "P-" .. i, hasSearchExecutionSupport = true},
    riskDetail = {riskScore = {score = 10 + i % 90, maxScore = 100}, rating = "F", weight = (i % 100) / 8 + 0.5},
  }
  if status == "dismissed" or status == "snoozed" then
    a.dismissalNote = pick(NOTES, i)
    a.dismissedBy = "bob@example.com"
  end
  return a
end

-- A page: alerts first .. first + n - 1 of total, with next as its nextPageToken (or none).
function M.page(first, n, total, next)
  local items = setmetatable({}, json.array_mt)
  for k = 1, n do items[k] = M.alert(first + k - 1) end
  return json.encode{totalRows = total, items = items, nextPageToken = next}
end

-- The number of alerts that makes a page of about `bytes`.
function M.count_for(bytes)
  local per = #M.page(1, 200, 200) / 200
  return math.max(1, math.floor(bytes / per + 0.5))
end

local function write(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

-- Writes the pages into dir. The chain page's token is the placeholder
-- "@NEXT@", which nginx replaces per request (see run.lua). Returns paths
-- and counts.
M.CHAIN_PAGES, M.CHAIN_PAGE_ALERTS = 100, 10000

function M.write_all(dir)
  local out = {}
  for _, spec in ipairs{{"small", 10 * 1024}, {"medium", 1024 * 1024}, {"large", 20 * 1024 * 1024}} do
    local n = M.count_for(spec[2])
    out[spec[1]] = dir .. "/" .. spec[1] .. ".json"
    out[spec[1] .. "_alerts"] = n
    write(out[spec[1]], M.page(1, n, n, "eyJwYWdlIjoyfQ=="))
  end
  local total = M.CHAIN_PAGES * M.CHAIN_PAGE_ALERTS
  out.chain = dir .. "/chain.json"
  write(out.chain, M.page(1, M.CHAIN_PAGE_ALERTS, total, "@NEXT@"))
  out.chain_last = dir .. "/chain-last.json"
  write(out.chain_last, M.page(1, M.CHAIN_PAGE_ALERTS, total, nil))
  return out
end

-- The alert tenant of the alerts:each row: TENANT_PAGES pages of TENANT_PAGE_ALERTS
-- distinct alerts, tenant-<k>.json, whose nextPageToken is "p<k+1>" (none on the last).
M.TENANT_PAGES, M.TENANT_PAGE_ALERTS = 100, 1000

function M.write_tenant(dir)
  local total = M.TENANT_PAGES * M.TENANT_PAGE_ALERTS
  local bytes = 0
  for k = 1, M.TENANT_PAGES do
    local text = M.page((k - 1) * M.TENANT_PAGE_ALERTS + 1, M.TENANT_PAGE_ALERTS, total,
      k < M.TENANT_PAGES and ("p" .. (k + 1)) or nil)
    write(("%s/tenant-%d.json"):format(dir, k), text)
    bytes = bytes + #text
  end
  return {alerts = total, pages = M.TENANT_PAGES, bytes = bytes}
end

return M
