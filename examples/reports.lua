-- Generates a one-time AWS compliance report and exports the open alerts as
-- CSV, both asynchronous jobs: create, wait (with backoff), stream the file to
-- disk. Files go to the directory given as the first argument (kept), else to
-- temporary files (removed at the end). Credentials from the environment or a
-- profile.
local prismacloud = require "prismacloud"

local client <close>, err = prismacloud.connect()
if not client then
  io.stderr:write("cannot connect: ", tostring(err), "\n")
  os.exit(1)
end

local dir = arg[1]
local function target(name)
  return dir and (dir .. "/" .. name) or os.tmpname()
end

local function progress(what)
  return function(status, attempt)
    io.write(("  %s: poll %d, %s\n"):format(what, attempt, tostring(status.status)))
  end
end

local report_path = target("aws-compliance.pdf")
local name = ("AWS compliance %s"):format(os.date("!%Y-%m-%d %H:%M:%S"))
local report, e = client.reports:generate({name = name, cloudType = "aws", type = "COMPLIANCE"}, report_path,
  {interval = 0.5, max_interval = 5, timeout = 600, on_poll = progress("report")})
if not report then
  io.stderr:write("report failed: ", tostring(e), "\n")
  os.exit(1)
end
print(("report '%s' (%s): %d bytes in %s"):format(name, report.report.id, report.size, report.output))

local csv_path = target("open-alerts.csv")
local csv, e2 = client.alerts:export_csv({status = "open", time_range = "30d"}, csv_path,
  {interval = 0.5, max_interval = 5, timeout = 600, on_poll = progress("alert CSV")})
if not csv then
  io.stderr:write("alert CSV export failed: ", tostring(e2), "\n")
  os.exit(1)
end
print(("%d open alerts of the last 30 days: %d bytes in %s"):format(csv.records or 0, csv.size, csv.output))

local existing = 0
for _ in client.reports:each() do existing = existing + 1 end
print(("%d report configurations in the tenant"):format(existing))

if not dir then
  os.remove(report_path)
  os.remove(csv_path)
end
