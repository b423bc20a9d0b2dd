-- Generates a one-time AWS compliance report and exports the open alerts as CSV, both
-- asynchronous jobs: create, wait (with backoff), stream the file to disk. Files go to the
-- directory given as the first argument (kept), else to temporary files (removed at the end).
-- The report config it creates is deleted at the end, even when a step fails. It changes the
-- tenant, so it runs against the local emulator, or against a tenant only with
-- PC_EXAMPLES_WRITE=1. Credentials from the environment or a profile.
local example = dofile((arg[0]:match("^(.*/)") or "") .. "support/example.lua")
local check = example.check

example.run(function(client)
  example.writes(client, "creates a report config and an alert CSV job")
  local dir = arg[1]
  local function target(name)
    return dir and (dir .. "/" .. name) or os.tmpname()
  end
  local function progress(what)
    return function(status, attempt)
      io.write(("  %s: poll %d, %s\n"):format(what, attempt, tostring(status.status)))
    end
  end

  local report_path, csv_path = target("aws-compliance.pdf"), target("open-alerts.csv")
  local _ <close> = example.cleanup("removing the files", function()
    if not dir then
      os.remove(report_path)
      os.remove(csv_path)
    end
  end)

  local name = ("Example AWS compliance %s"):format(os.date("!%Y-%m-%d %H:%M:%S"))
  -- generate() creates the config, then waits: if anything fails after the creation, the config is
  -- found by its name and deleted on the way out
  local _ <close> = example.cleanup("deleting the report config", function()
    local left, err = client.reports:by_name(name)
    if left then
      check("deleting it", client.reports:delete(left.id))
    elseif err then
      check("looking it up", nil, err)
    end
  end)
  local report = check("generating the report", client.reports:generate(
    {name = name, cloudType = "aws", type = "COMPLIANCE"}, report_path,
    {interval = 0.5, max_interval = 5, timeout = 600, on_poll = progress("report")}))
  print(("report '%s' (%s): %d bytes in %s"):format(name, report.report.id, report.size, report.output))

  local csv = check("exporting the alert CSV", client.alerts:export_csv({status = "open", time_range = "30d"},
    csv_path, {interval = 0.5, max_interval = 5, timeout = 600, on_poll = progress("alert CSV")}))
  print(("%d open alerts of the last 30 days: %d bytes in %s"):format(csv.records or 0, csv.size, csv.output))

  local existing = 0
  for _ in client.reports:each() do existing = existing + 1 end
  print(("%d report configurations in the tenant (this one is deleted on the way out)"):format(existing))
end)
