-- An RQL config search, following its continuation pages, through the
-- operation catalog (client:call). Credentials from the environment or a profile.
-- usage: lua5.4 examples/rql_search.lua ["config from cloud.resource where ..."]
local prismacloud = require "prismacloud"

local client <close>, err = prismacloud.connect()
if not client then
  io.stderr:write("cannot connect: ", tostring(err), "\n")
  os.exit(1)
end

local query = arg[1] or "config from cloud.resource where cloud.type = 'aws' AND api.name = 'aws-s3api-get-bucket-acl'"
local body, e = client:call("search-config", {body = {query = query, limit = 100, withResourceJson = false,
  timeRange = {type = "to_now", value = "epoch"}}})
local count, pages = 0, 0
while body do
  pages = pages + 1
  for _, resource in ipairs(body.data.items) do
    count = count + 1
    if count <= 5 then print(("  %s  %s  %s"):format(resource.name, resource.accountName, resource.regionName)) end
  end
  local token = body.data.nextPageToken
  if not token or token == prismacloud.null then break end
  body, e = client:send("POST", "/search/config/page", {idempotent = true,
    body = {pageToken = token, limit = 100, withResourceJson = false}})
end
if not body then
  io.stderr:write("search failed: ", tostring(e), "\n")
  os.exit(1)
end
print(("%d resources in %d pages for: %s"):format(count, pages, query))
