-- Integrations and notification templates: what the tenant sends alerts to, a test of every
-- enabled integration, and a new webhook checked with a dry run. A test sends a real message
-- (Slack, PagerDuty, a webhook, ...), so the example runs against the local emulator, or against
-- a tenant only with PC_EXAMPLES_WRITE=1. Credentials from the environment or a profile.
local example = dofile((arg[0]:match("^(.*/)") or "") .. "support/example.lua")
local check = example.check

example.run(function(client)
  example.writes(client, "tests every enabled integration, which sends each of them a message")
  local list = check("listing integrations", client.integrations:list())
  print(("%d integrations"):format(#list))
  for _, i in ipairs(list) do
    local result = "disabled"
    if i.enabled then
      local ok, failure = client.integrations:test(i.id)
      result = ok and "test passed" or ("test failed: " .. tostring(failure))
    end
    print(("  %-24s %-18s %s"):format(i.name, i.integrationType, result))
  end

  local templates = check("listing notification templates", client.notification_templates:list())
  print(("%d notification templates"):format(#templates))
  for _, t in ipairs(templates) do print(("  %-24s %s"):format(t.name, t.integrationType)) end

  -- The constructor checks the documented fields of the type before anything is sent.
  local body = client.integrations.webhook{name = "Example webhook", url = "https://hooks.example.com/prisma",
                                           authToken = "example-token"}
  local request = check("preparing a webhook", client.integrations:create(body, {dry_run = true}))
  print(("a dry run would send %s %s"):format(request.method, request.path))
  local ok, why = pcall(client.integrations.webhook, {name = "Broken webhook", url = "https://hooks.example.com/x"})
  print("without authToken: " .. (ok and "accepted" or tostring(why):gsub("^[^:]*:%d+: ", "")))
end)
