--- prismacloud.cli.summary: `prismacloud alerts summary`, counts of alerts drawn as charts.
--
--   local s = summary.collect(next_alert, policies_by_id, {since = "30d", now_ms = ms})
--   io.write(summary.text(s, {utf8 = true, colour = false}))   -- terminal bars + sparkline
--   io.write(summary.html(s))                                   -- one self-contained page
--
-- A summary is {total, since, status, generated, by_severity, by_policy, by_cloud,
-- by_account (each an array of {key, count}, largest first; severities in
-- their own order; policies and accounts the top summary.TOP), by_day (an array of
-- {day = "YYYY-MM-DD", count}, oldest first), left_out = {by_policy =, by_account =}
-- ({keys, count} beyond the top, when any)}.
local output = require "prismacloud.cli.output"

local M = {}

M.TOP = 10                 -- rows shown by policy and by account
M.MAX_DAYS = 366           -- longest daily trend
M.SEVERITIES = {"critical", "high", "medium", "low", "informational"}
M.GROUPS = {
  {"by_severity", "Severity"}, {"by_policy", "Policy"}, {"by_cloud", "Cloud"}, {"by_account", "Account"},
}

local DAY_MS = 86400000
local UNIT_DAYS = {hour = 1 / 24, day = 1, week = 7, month = 31, year = 366}

local function day_of(ms)
  return os.date("!%Y-%m-%d", ms // 1000)
end

-- Rows {key, count}, largest first, at most limit of them; also how many
-- keys and alerts were left out.
local function ranked(counts, limit)
  local rows = {}
  for k, n in pairs(counts) do rows[#rows + 1] = {key = k, count = n} end
  table.sort(rows, function(a, b) return a.count > b.count or (a.count == b.count and a.key < b.key) end)
  local left_keys, left_count = 0, 0
  if limit and #rows > limit then
    for i = #rows, limit + 1, -1 do
      left_keys, left_count = left_keys + 1, left_count + rows[i].count
      rows[i] = nil
    end
  end
  return rows, left_keys > 0 and {keys = left_keys, count = left_count} or nil
end

--- Words for a time range given as text: "last 30d", "all time", "since login", "since the start of the week".
-- syntax: s = summary.range_label("30d")
function M.range_label(since)
  if since == nil then return nil end
  local kind = since:match("^to_now:(%a+)$")
  if kind == "epoch" then return "all time" end
  if kind == "login" then return "since login" end
  if kind then return "since the start of the " .. kind end
  return "last " .. since
end

--- Counts the alerts an iterator returns. policies maps a policy id to
-- {name, severity} (alerts that carry `policy.name`/`policy.severity` need none).
-- opts: since (a time range string, for the trend's first day), status, now_ms.
-- syntax: s = summary.collect(next_alert, policies, opts)
function M.collect(next_alert, policies, opts)
  opts = opts or {}
  policies = policies or {}
  local sev, pol, cloud, acct, days = {}, {}, {}, {}, {}
  local total, first_ms, last_ms = 0, nil, nil
  for alert in next_alert do
    total = total + 1
    local p = type(alert.policy) == "table" and alert.policy or {}
    local known = policies[alert.policyId or p.policyId] or {}
    local severity = (p.severity or known.severity or "unknown"):lower()
    local name = p.name or known.name or alert.policyId or "unknown"
    local r = type(alert.resource) == "table" and alert.resource or {}
    local cloud_type = (r.cloudType or p.cloudType or known.cloudType or "unknown"):lower()
    local account = r.account or r.accountId or "unknown"
    sev[severity] = (sev[severity] or 0) + 1
    pol[name] = (pol[name] or 0) + 1
    cloud[cloud_type] = (cloud[cloud_type] or 0) + 1
    acct[account] = (acct[account] or 0) + 1
    local t = math.tointeger(alert.alertTime or alert.firstSeen)
    if t then
      local d = day_of(t)
      days[d] = (days[d] or 0) + 1
      first_ms = math.min(first_ms or t, t)
      last_ms = math.max(last_ms or t, t)
    end
  end

  local by_severity = {}
  for _, s in ipairs(M.SEVERITIES) do
    if sev[s] then by_severity[#by_severity + 1] = {key = s, count = sev[s]} end
    sev[s] = nil
  end
  for _, row in ipairs(ranked(sev)) do by_severity[#by_severity + 1] = row end

  -- The trend runs from the start of the time range (when it is relative) or
  -- the first alert, to today or the last alert, one bucket per UTC day.
  local now = opts.now_ms or os.time() * 1000
  local start_ms = first_ms
  local amount, unit = (opts.since or ""):match("^(%d+)(%a+)$")
  local unit_days = unit and (UNIT_DAYS[unit] or UNIT_DAYS[({h = "hour", d = "day", w = "week", mo = "month",
                                                            y = "year"})[unit] or ""])
  if amount and unit_days then
    start_ms = math.min(start_ms or now, now - math.floor(tonumber(amount) * unit_days * DAY_MS))
  end
  local by_day = {}
  if start_ms then
    local end_ms = math.max(last_ms or now, now)
    start_ms = math.max(start_ms, end_ms - (M.MAX_DAYS - 1) * DAY_MS)
    local t = start_ms - start_ms % DAY_MS
    while t <= end_ms do
      local d = day_of(t)
      by_day[#by_day + 1] = {day = d, count = days[d] or 0}
      t = t + DAY_MS
    end
  end

  local by_policy, more_policies = ranked(pol, M.TOP)
  local by_account, more_accounts = ranked(acct, M.TOP)
  return {
    total = total, since = opts.since, status = opts.status, generated = now,
    by_severity = by_severity, by_policy = by_policy, by_cloud = (ranked(cloud)), by_account = by_account,
    by_day = by_day, left_out = {by_policy = more_policies, by_account = more_accounts},
  }
end

--- The summary as flat rows {group, key, count} (for csv and ndjson).
-- syntax: rows = summary.rows(s)
function M.rows(s)
  local rows = {}
  for _, g in ipairs(M.GROUPS) do
    for _, r in ipairs(s[g[1]]) do rows[#rows + 1] = {group = g[2]:lower(), key = r.key, count = r.count} end
  end
  for _, r in ipairs(s.by_day) do rows[#rows + 1] = {group = "day", key = r.day, count = r.count} end
  return rows
end

--------------------------------------------------------------------------
-- Terminal.
--------------------------------------------------------------------------

local EIGHTHS = {"▏", "▎", "▍", "▌", "▋", "▊", "▉"}
local SPARKS_UTF8 = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"}
local SPARKS_ASCII = {"_", ".", "-", "~", "=", "+", "*", "#"}
local SEVERITY_COLOUR = {critical = "35", high = "31", medium = "33", low = "34", informational = "36"}

local function width_of(s)
  return utf8.len(s) or #s
end

local function pad(s, w)
  return s .. (" "):rep(w - width_of(s))
end

local function clip(s, w, ascii)
  if width_of(s) <= w then return s end
  if ascii then return s:sub(1, (utf8.offset(s, w - 2) or w) - 1) .. "..." end
  return s:sub(1, (utf8.offset(s, w) or w) - 1) .. "…"
end

--- " (top 10; 241 more with 634 alerts)" when a group was cut to its top rows, else "".
-- syntax: s = summary.left_out_note(s, "by_policy")
function M.left_out_note(s, group)
  local more = s.left_out and s.left_out[group]
  if not more then return "" end
  return ("  (top %d; %d more with %d alerts)"):format(#s[group], more.keys, more.count)
end

--- A horizontal bar of `value` out of `max` in `width` cells (eighths of a cell in UTF-8, `#` in ASCII).
-- syntax: s = summary.bar(value, max, width, utf8)
function M.bar(value, max, width, use_utf8)
  if max <= 0 or value <= 0 then return "" end
  local eighths = math.max(1, math.floor(value / max * width * 8 + 0.5))
  if not use_utf8 then return ("#"):rep(math.max(1, eighths // 8)) end
  local s = ("█"):rep(eighths // 8)
  if eighths % 8 > 0 then s = s .. EIGHTHS[eighths % 8] end
  return s
end

--- A sparkline of counts: one character per count, scaled to the largest.
-- syntax: s = summary.sparkline({3, 0, 5}, utf8)
function M.sparkline(counts, use_utf8)
  local marks = use_utf8 and SPARKS_UTF8 or SPARKS_ASCII
  local max = 0
  for _, n in ipairs(counts) do max = math.max(max, n) end
  local out = {}
  for i, n in ipairs(counts) do
    if n == 0 or max == 0 then out[i] = " "
    else out[i] = marks[math.max(1, math.ceil(n / max * #marks))] end
  end
  return table.concat(out)
end

--- The summary as terminal text: a bar chart per group and the daily trend.
-- opts: utf8 (block characters), colour (ANSI colours), width (of the terminal, default 80).
-- syntax: text = summary.text(s, {utf8 = true, colour = false, width = 80})
function M.text(s, opts)
  opts = opts or {}
  local u, colour = opts.utf8, opts.colour
  local width = math.max(opts.width or 80, 50)
  local out = {}
  local function add(line) out[#out + 1] = line end
  local function bold(t) return colour and ("\27[1m" .. t .. "\27[0m") or t end
  local scope = {}
  if s.status then scope[#scope + 1] = "status " .. s.status end
  if s.since then scope[#scope + 1] = M.range_label(s.since) end
  add(bold(("Alerts: %d"):format(s.total)) .. (#scope > 0 and ("  (" .. table.concat(scope, ", ") .. ")") or ""))
  local sep = u and "│" or "|"
  for _, g in ipairs(M.GROUPS) do
    local rows = s[g[1]]
    if #rows > 0 then
      add("")
      add(bold("By " .. g[2]:lower()) .. M.left_out_note(s, g[1]))
      local label_w, max, num_w = 0, 0, 1
      local labels = {} -- the keys come from the API: harmless for a terminal
      for i, r in ipairs(rows) do
        labels[i] = output.printable(tostring(r.key))
        label_w = math.max(label_w, width_of(labels[i]))
        max = math.max(max, r.count)
        num_w = math.max(num_w, #tostring(r.count))
      end
      label_w = math.min(label_w, math.max(16, math.floor(width * 0.45)))
      local bar_w = math.max(10, width - label_w - num_w - 6)
      for i, r in ipairs(rows) do
        local b = M.bar(r.count, max, bar_w, u)
        local code = colour and g[1] == "by_severity" and SEVERITY_COLOUR[r.key] or (colour and "32")
        local shown = code and ("\27[" .. code .. "m" .. b .. "\27[0m") or b
        local n = tostring(r.count)
        add(("  %s %s%s %s%s%s"):format(pad(clip(labels[i], label_w, not u), label_w), sep, shown,
          (" "):rep(bar_w - width_of(b)), (" "):rep(num_w - #n), n))
      end
    end
  end
  if #s.by_day > 0 then
    local counts, max, peak = {}, 0, s.by_day[1]
    for i, d in ipairs(s.by_day) do
      counts[i] = d.count
      if d.count > max then max, peak = d.count, d end
    end
    add("")
    add(bold("Daily trend") .. ("  %s .. %s, peak %d on %s"):format(s.by_day[1].day, s.by_day[#s.by_day].day,
      max, peak.day))
    local line = M.sparkline(counts, u)
    local room = width - 4
    while width_of(line) > 0 do
      local len = width_of(line)
      local cut = math.min(len, room)
      local piece = line:sub(1, (utf8.offset(line, cut + 1) or (#line + 1)) - 1)
      add("  " .. sep .. (colour and ("\27[32m" .. piece .. "\27[0m") or piece))
      line = line:sub(#piece + 1)
    end
  end
  return table.concat(out, "\n") .. "\n"
end

--------------------------------------------------------------------------
-- HTML: one self-contained page, the charts as inline SVG.
--------------------------------------------------------------------------

local esc = output.html_escape
local PALETTE = {critical = "#7b1fa2", high = "#d32f2f", medium = "#f9a825", low = "#1976d2",
                 informational = "#00838f"}
local DEFAULT_FILL = "#2e7d5b"

local function fmt_num(n)
  return ("%.1f"):format(n):gsub("%.0$", "")
end

-- A horizontal bar chart of rows {key, count}: label, bar (rect.bar), count.
local function bar_chart(id, title, rows, colour_of)
  local label_w, bar_w, row_h, num_w = 340, 420, 24, 60
  local max = 0
  for _, r in ipairs(rows) do max = math.max(max, r.count) end
  local h = #rows * row_h + 8
  local parts = {("<section class=\"chart\" id=\"%s\"><h2>%s</h2>\n"):format(id, esc(title)),
    ("<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
      .. "aria-label=\"%s\">\n"):format(label_w + bar_w + num_w, h, label_w + bar_w + num_w, h, esc(title))}
  for i, r in ipairs(rows) do
    local y = (i - 1) * row_h + 4
    local w = max > 0 and r.count / max * bar_w or 0
    local label = r.key
    if width_of(label) > 50 then label = clip(label, 50) end
    parts[#parts + 1] = ("<text x=\"%d\" y=\"%s\" text-anchor=\"end\" class=\"label\">%s<title>%s</title></text>"
      .. "<rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%s\" height=\"%d\" rx=\"2\" fill=\"%s\">"
      .. "<title>%s: %d</title></rect>"
      .. "<text x=\"%s\" y=\"%s\" class=\"count\">%d</text>\n"):format(
      label_w - 8, fmt_num(y + row_h * 0.65), esc(label), esc(r.key), label_w, y, fmt_num(math.max(w, 1)),
      row_h - 6, colour_of and colour_of(r.key) or DEFAULT_FILL, esc(r.key), r.count,
      fmt_num(label_w + math.max(w, 1) + 6), fmt_num(y + row_h * 0.65), r.count)
  end
  parts[#parts + 1] = "</svg></section>\n"
  return table.concat(parts), #rows
end

-- A column chart of the daily counts (days with no alert draw no bar).
local function trend_chart(days)
  local col_w = math.max(4, math.min(24, math.floor(900 / math.max(#days, 1))))
  local h, top, bottom = 160, 14, 22
  local w = #days * col_w + 40
  local max = 0
  for _, d in ipairs(days) do max = math.max(max, d.count) end
  local parts = {"<section class=\"chart\" id=\"trend\"><h2>Daily trend</h2>\n",
    ("<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
      .. "aria-label=\"Alerts per day\">\n"):format(w, h, w, h),
    ("<line x1=\"20\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#9aa5b1\"/>\n"):format(h - bottom, w - 10, h - bottom)}
  local bars = 0
  for i, d in ipairs(days) do
    local x = 20 + (i - 1) * col_w
    if d.count > 0 then
      bars = bars + 1
      local bh = d.count / max * (h - top - bottom)
      parts[#parts + 1] = ("<rect class=\"bar day\" x=\"%d\" y=\"%s\" width=\"%d\" height=\"%s\" fill=\"%s\">"
        .. "<title>%s: %d</title></rect>\n"):format(x + 1, fmt_num(h - bottom - bh), math.max(col_w - 2, 2),
        fmt_num(bh), DEFAULT_FILL, d.day, d.count)
    end
  end
  parts[#parts + 1] = ("<text x=\"20\" y=\"%d\" class=\"axis\">%s</text>"):format(h - 6, days[1].day)
  parts[#parts + 1] = ("<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"axis\">%s</text>\n"):format(
    w - 10, h - 6, days[#days].day)
  parts[#parts + 1] = ("<text x=\"20\" y=\"10\" class=\"axis\">peak %d</text>\n"):format(max)
  parts[#parts + 1] = "</svg></section>\n"
  return table.concat(parts), bars
end

-- On load: counts the bars that have a rendered size and writes the count into
-- #rendered-bars; any script error lands in #script-errors.
local SCRIPT = [[
<script>
window.onerror = function (message, source, line) {
  var box = document.getElementById("script-errors");
  if (box) box.textContent += message + " (line " + line + ")\n";
};
window.addEventListener("load", function () {
  var bars = document.querySelectorAll("svg rect.bar");
  var rendered = 0;
  for (var i = 0; i < bars.length; i++) {
    var box = bars[i].getBoundingClientRect();
    if (box.width > 0 && box.height > 0) rendered++;
    bars[i].addEventListener("mouseenter", function (e) { e.target.setAttribute("opacity", "0.7"); });
    bars[i].addEventListener("mouseleave", function (e) { e.target.removeAttribute("opacity"); });
  }
  document.getElementById("rendered-bars").textContent = String(rendered);
  document.body.setAttribute("data-charts", "ready");
});
</script>
]]

local STYLE = [[
<style>
.chart svg{display:block;overflow:visible}
.label,.count,.axis{font-size:12px;fill:#33414f}
.count{font-weight:600}
.totals{display:flex;gap:1.5em;flex-wrap:wrap}
.totals div{background:#f1f4f8;border-radius:6px;padding:.6em 1em}
.totals b{display:block;font-size:1.5em}
#status{color:#5b6b7b;font-size:.85em}
#script-errors{color:#b00020}
</style>
]]

--- The summary as one self-contained HTML page: inline SVG charts, inline style
-- and a small inline script (no external file of any kind).
-- syntax: html = summary.html(s)
function M.html(s)
  local body = {"<h1>Prisma Cloud alerts</h1>\n<div class=\"totals\">",
    ("<div><b id=\"total\">%d</b>alerts</div>"):format(s.total)}
  for _, r in ipairs(s.by_severity) do
    body[#body + 1] = ("<div><b>%d</b>%s</div>"):format(r.count, esc(r.key))
  end
  body[#body + 1] = "</div>\n"
  local scope = {}
  if s.status then scope[#scope + 1] = "status " .. esc(s.status) end
  if s.since then scope[#scope + 1] = esc(M.range_label(s.since)) end
  scope[#scope + 1] = "generated " .. output.date(s.generated)
  body[#body + 1] = "<p>" .. table.concat(scope, " · ") .. "</p>\n"
  local expected = 0
  for _, g in ipairs(M.GROUPS) do
    if #s[g[1]] > 0 then
      local colour_of = g[1] == "by_severity" and function(k) return PALETTE[k] or DEFAULT_FILL end or nil
      local chart, n = bar_chart((g[1]:gsub("_", "-")), "By " .. g[2]:lower() .. M.left_out_note(s, g[1]),
        s[g[1]], colour_of)
      body[#body + 1] = chart
      expected = expected + n
    end
  end
  if #s.by_day > 0 then
    local chart, n = trend_chart(s.by_day)
    body[#body + 1] = chart
    expected = expected + n
  end
  body[#body + 1] = ("<p id=\"status\">bars drawn: <span id=\"rendered-bars\">0</span> of "
    .. "<span id=\"expected-bars\">%d</span></p>\n<pre id=\"script-errors\"></pre>\n"):format(expected)
  return output.html_page("Prisma Cloud alerts summary", table.concat(body), STYLE .. SCRIPT)
end

return M
