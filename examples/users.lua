-- An access review: who can log in, with which roles, which access keys are expired or unused,
-- and how logins are restricted. Read-only. Credentials from the environment or a profile.
local example = dofile((arg[0]:match("^(.*/)") or "") .. "support/example.lua")
local check = example.check

example.run(function(client)
  print("Users:")
  for user in client.users:each() do
    local roles = {}
    for _, r in ipairs(user.roles or {}) do roles[#roles + 1] = r.name end
    print(("  %-28s %-8s %s"):format(user.email, user.enabled and "enabled" or "disabled",
      table.concat(roles, ", ")))
  end

  local now = os.time() * 1000
  print("Access keys:")
  for key in client.access_keys:each() do
    local note = ""
    if key.status == "expired" or (key.expiresOn or 0) > 0 and key.expiresOn < now then
      note = "  <- expired: delete it"
    elseif (key.lastUsedTime or 0) == 0 then
      note = "  <- never used"
    end
    print(("  %-20s %-22s %-8s%s"):format(key.name, key.username, key.status, note))
  end

  local settings = check("reading the enterprise settings", client.settings:get())
  local validity = (settings.accessKeyMaxValidity or 0) > 0 and ("%d days"):format(settings.accessKeyMaxValidity)
    or "no limit"
  print(("Browser sessions time out after %d minutes; access key validity: %s"):format(settings.sessionTimeout,
    validity))

  local enabled = check("reading whether login IPs are restricted", client.trusted_ips:login_ips_enabled())
  local lists = check("listing the login IP allow lists", client.trusted_ips:login_ips())
  print(("Login IP allow lists: %s, %d list(s)"):format(enabled and "enforced" or "not enforced", #lists))
  for _, l in ipairs(lists) do print(("  %-20s %s"):format(l.name, table.concat(l.cidr, " "))) end
end)
