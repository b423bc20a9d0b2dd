-- The main job of `make demo`: log in, page through open alerts and count
-- them by severity and policy, export the policies, fetch alert details in
-- parallel, run an RQL search, and print what it found. With PC_URL, PC_IDENTITY and PC_SECRET
-- set it talks to that tenant; otherwise it starts the local emulator and
-- stops it at the end.
local prismacloud = require "prismacloud"

-- Starts the local emulator (stopped at the end, or by itself if the demo dies).
local function start_emulator()
  local emu = assert(require("prismacloud.emulator.process").start{
    script = "bin/prismacloud-emulator", args = {"--alerts", "20000"}})
  return emu.url, emu.stop
end

-- Prints rows (arrays of cells) as a table with a header.
local function print_table(title, header, rows)
  local widths = {}
  for i, h in ipairs(header) do widths[i] = #h end
  for _, row in ipairs(rows) do
    for i, cell in ipairs(row) do widths[i] = math.max(widths[i], #tostring(cell)) end
  end
  local function line(cells)
    local out = {}
    for i, cell in ipairs(cells) do
      local s = tostring(cell)
      local pad = (" "):rep(widths[i] - #s)
      if type(cell) == "number" then out[i] = pad .. s
      elseif i == #cells then out[i] = s
      else out[i] = s .. pad end
    end
    return "  " .. table.concat(out, "  ")
  end
  print("\n" .. title)
  print(line(header))
  local rule = {}
  for i, w in ipairs(widths) do rule[i] = ("-"):rep(w) end
  print("  " .. table.concat(rule, "  "))
  for _, row in ipairs(rows) do print(line(row)) end
end

-- Sorted {key, count} rows of a count table, largest first.
local function ranked(counts, limit)
  local rows = {}
  for k, n in pairs(counts) do rows[#rows + 1] = {k, n} end
  table.sort(rows, function(a, b) return a[2] > b[2] or (a[2] == b[2] and a[1] < b[1]) end)
  while limit and #rows > limit do rows[#rows] = nil end
  return rows
end

local function check(value, err)
  if value == nil then error(tostring(err), 0) end
  return value
end

local url, key, secret = os.getenv("PC_URL"), os.getenv("PC_IDENTITY"), os.getenv("PC_SECRET")
local stop = function() end
if not (url and key and secret) then
  url, stop = start_emulator()
  key, secret = "test-key", "test-secret"
  print("no PC_URL/PC_IDENTITY/PC_SECRET: using the local emulator at " .. url)
end

local ok, failure = pcall(function()
  local client <close> = prismacloud.new{url = url, access_key = key, secret_key = secret}
  check(client:login())
  local session = client:session()
  print(("logged in to %s as roles [%s]; the token is renewed on its own (valid %.0f s)"):format(
    table.concat(session.customer_names or {}, ", "), table.concat(session.roles or {}, ", "),
    session.expires_in))

  -- policies: exported to a file, and indexed by id for the alert counts
  local policies = check(client:send("GET", "/v2/policy"))
  local by_id = {}
  for _, p in ipairs(policies) do by_id[p.policyId] = p end
  local export = os.tmpname()
  -- removed when the demo ends, however it ends
  local _ <close> = setmetatable({}, {__close = function() os.remove(export) end})
  local f = assert(io.open(export, "w"))
  f:write(prismacloud.json.encode(policies))
  f:close()
  print(("exported %d policies to %s"):format(#policies, export))

  -- open alerts of the last 30 days, page by page (later pages send only the token)
  local first = {limit = 1000, filters = {{name = "alert.status", operator = "=", value = "open"}},
                 timeRange = {type = "relative", value = {amount = 30, unit = "day"}}}
  local by_severity, by_policy, sample = {}, {}, {}
  local total, pages, body = 0, 0, check(client:send("POST", "/v2/alert", {body = first, idempotent = true}))
  while true do
    pages = pages + 1
    for _, alert in ipairs(body.items) do
      total = total + 1
      local policy = by_id[alert.policyId] or {}
      local severity = policy.severity or "unknown"
      by_severity[severity] = (by_severity[severity] or 0) + 1
      local name = policy.name or alert.policyId
      by_policy[name] = (by_policy[name] or 0) + 1
      if #sample < 8 then sample[#sample + 1] = alert.id end
    end
    local token = body.nextPageToken
    if not token or token == prismacloud.null or #body.items == 0 then break end
    body = check(client:send("POST", "/v2/alert", {body = {pageToken = token}, idempotent = true}))
  end
  print(("%d open alerts in %d pages (the tenant reports %s)"):format(total, pages, tostring(body.totalRows)))
  print_table("open alerts by severity", {"severity", "alerts"}, ranked(by_severity))
  print_table("top policies by open alerts", {"policy", "alerts"}, ranked(by_policy, 8))

  -- alert details, fetched concurrently
  local reqs = {}
  for i, id in ipairs(sample) do reqs[i] = {method = "GET", path = "/alert/" .. id} end
  local details = {}
  for i, res in ipairs(client:parallel(reqs, {concurrency = 4})) do
    -- each result is the response for any HTTP status, or the error when none came
    if not prismacloud.is_error(res) and (res.status < 200 or res.status > 299) then
      res = require("prismacloud.core").http_error(res, reqs[i].method, reqs[i].path)
    end
    if prismacloud.is_error(res) then
      details[i] = {sample[i], "error", tostring(res)}
    else
      local a = res.body
      details[i] = {a.id, a.status, a.resource and a.resource.name or "?"}
    end
  end
  print_table("alert details (client:parallel)", {"alert", "status", "resource"}, details)

  -- an RQL config search, following its own continuation (/search/config/page)
  local rql = "config from cloud.resource where cloud.type = 'aws' AND api.name = 'aws-s3api-get-bucket-acl'"
  local found = check(client:send("POST", "/search/config", {idempotent = true, body = {
    query = rql, limit = 50, withResourceJson = false, timeRange = {type = "to_now", value = "epoch"}}}))
  local resources, search_pages = {}, 1
  while true do
    for _, r in ipairs(found.data.items) do resources[#resources + 1] = r end
    local token = found.data.nextPageToken
    if not token or token == prismacloud.null then break end
    found = check(client:send("POST", "/search/config/page", {idempotent = true,
      body = {pageToken = token, limit = 50, withResourceJson = false}}))
    search_pages = search_pages + 1
  end
  local rows = {}
  for i = 1, math.min(5, #resources) do
    local r = resources[i]
    rows[i] = {r.name, r.accountName or r.accountId, r.regionName or r.regionId}
  end
  print(("\nRQL: %s\n  -> %d resources in %d pages"):format(rql, #resources, search_pages))
  print_table("first resources", {"resource", "account", "region"}, rows)

  local s = client:stats()
  print(("\n%d requests (%d logins, %d retries, %d rate-limited), %.1f MB received"):format(
    s.requests, s.logins, s.retries, s.rate_limited, s.bytes_received / 1e6))
end)
stop()
if not ok then
  io.stderr:write(arg[0], ": ", (tostring(failure):gsub("[\r\n\t]+", " ")), "\n")
  os.exit(1)
end
