-- Integrations and notification templates: what the tenant sends alerts to,
-- a test of every enabled integration, and a new webhook checked with a dry
-- run. Credentials from the environment or a profile.
local prismacloud = require "prismacloud"

local client <close>, err = prismacloud.connect()
if not client then
  io.stderr:write("cannot connect: ", tostring(err), "\n")
  os.exit(1)
end

local list, e = client.integrations:list()
if not list then
  io.stderr:write("listing integrations failed: ", tostring(e), "\n")
  os.exit(1)
end
print(("%d integrations"):format(#list))
for _, i in ipairs(list) do
  local result = "disabled"
  if i.enabled then
    local ok, failure = client.integrations:test(i.id)
    result = ok and "test passed" or ("test failed: " .. tostring(failure and failure.message))
  end
  print(("  %-24s %-18s %s"):format(i.name, i.integrationType, result))
end

local templates = assert(client.notification_templates:list())
print(("%d notification templates"):format(#templates))
for _, t in ipairs(templates) do print(("  %-24s %s"):format(t.name, t.integrationType)) end

-- The constructor checks the documented fields of the type before anything is sent.
local body = client.integrations.webhook{name = "Example webhook", url = "https://hooks.example.com/prisma",
                                         authToken = "example-token"}
local request = assert(client.integrations:create(body, {dry_run = true}))
print(("a dry run would send %s %s"):format(request.method, request.path))
local ok, why = pcall(client.integrations.webhook, {name = "Broken webhook", url = "https://hooks.example.com/x"})
print("without authToken: " .. (ok and "accepted" or tostring(why)))
