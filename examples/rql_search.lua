-- RQL searches through client.search: a config search walked lazily across its continuation
-- pages, then the last day's audit events by operation. Read-only. Credentials from the
-- environment or a profile.
-- usage: lua5.4 examples/rql_search.lua ["config from cloud.resource where ..."]
local example = dofile((arg[0]:match("^(.*/)") or "") .. "support/example.lua")

example.run(function(client)
  local query = arg[1]
    or "config from cloud.resource where cloud.type = 'aws' AND api.name = 'aws-s3api-get-bucket-acl'"
  local resources = client.search:config(query, {page_size = 100, with_resource_json = false})
  local count = 0
  while true do -- :next() gives nil, err where a for-loop would raise
    local resource, e = resources:next()
    if e then example.check("searching", nil, e) end
    if not resource then break end
    count = count + 1
    if count <= 5 then print(("  %s  %s  %s"):format(resource.name, resource.accountName, resource.regionName)) end
  end
  print(("%d resources for: %s"):format(count, query))

  local by_operation = {}
  local events = client.search:event("event from cloud.audit_logs where crud IN ('create', 'delete')",
                                     {time_range = "24h", max_items = 1000})
  for event in events do by_operation[event.name] = (by_operation[event.name] or 0) + 1 end
  print("create and delete events of the last day:")
  for operation, n in pairs(by_operation) do print(("  %-45s %d"):format(operation, n)) end
end)
