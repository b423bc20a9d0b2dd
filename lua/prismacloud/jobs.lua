--- prismacloud.jobs: waiting for the API's asynchronous jobs, and fetching their results to a file.
--
--   local status, err = jobs.wait(function() return client.alerts:csv_status(id) end,
--                                 function(s) return s.status == "READY_TO_DOWNLOAD" end,
--                                 {interval = 1, factor = 2, max_interval = 30, timeout = 600,
--                                  on_poll = function(s, attempt) print(attempt, s.status) end})
--   local result, err = jobs.download(client, "download-alert-csv", {id = id}, "alerts.csv")
--   print(result.output, result.size)
--
-- wait() polls with exponential backoff: the first poll at once, then after
-- interval, interval * factor, ... (never more than max_interval apart), until
-- the status is ready, failed (status "FAILED", "ERROR", ...: nil, err), or the
-- timeout has passed (nil, err with kind "timeout"); the option `failed =
-- function(status)` replaces the test for a failed job. download() streams a 2xx
-- body straight to a file (memory stays flat whatever its size): written to a
-- temporary file beside it and renamed when complete, so a failed download
-- leaves no file behind and an existing file is only replaced by a whole one.
local core = require "prismacloud.core"
local verbs = require "prismacloud.verbs"
local errors = require "prismacloud.errors"

local M = {}

--- Defaults of the wait options (seconds).
M.defaults = {interval = 1, factor = 2, max_interval = 30, timeout = 600}

-- Job statuses that mean the job will never be ready (compared without case).
M.FAILED = {failed = true, error = true, errored = true, cancelled = true, canceled = true, aborted = true}

local NUMBER_OPTIONS = {interval = true, factor = true, max_interval = true, timeout = true}
local FUNCTION_OPTIONS = {on_poll = true, failed = true}

local new_error = errors.new

--- Checks a job option table (wait's options plus any of `extra`); raises naming a bad key. Returns a copy.
-- syntax: opts = jobs.options(opts, fname [, {dry_run = true}])
function M.options(opts, fname, extra)
  if opts == nil then return {} end
  if type(opts) ~= "table" then
    error(("bad options to '%s' (table expected, got %s)"):format(fname, type(opts)), 3)
  end
  local copy = {}
  for k, v in pairs(opts) do
    if NUMBER_OPTIONS[k] then
      local ok = type(v) == "number" and v == v and v < math.huge
      ok = ok and (k == "factor" and v >= 1 or k ~= "factor" and v > 0)
      if not ok then
        error(("option '%s' to '%s' must be a %s"):format(k, fname,
          k == "factor" and "number >= 1" or "positive number of seconds"), 3)
      end
    elseif FUNCTION_OPTIONS[k] then
      if type(v) ~= "function" then error(("option '%s' to '%s' must be a function"):format(k, fname), 3) end
    elseif not (extra and extra[k]) then
      error(("unknown option '%s' to '%s'"):format(tostring(k), fname), 3)
    end
    copy[k] = v
  end
  return copy
end

-- The status word of a job status table (its `status` field), or nil.
local function status_word(status)
  if type(status) == "table" and type(status.status) == "string" then return status.status end
  return nil
end

-- Default failure test: the status word is one of M.FAILED.
local function default_failed(status)
  local word = status_word(status)
  return word ~= nil and M.FAILED[word:lower()] == true
end

--- Polls status_fn until ready(status) is true: the last status; or nil, err when a poll fails, the job
-- failed (kind "server", err.job = the status) or the timeout passed (kind "timeout").
-- syntax: status, err = jobs.wait(status_fn, ready_fn [, {interval =, factor =, max_interval =, timeout =, on_poll =}])
function M.wait(status_fn, ready_fn, opts)
  if type(status_fn) ~= "function" then
    error(("bad argument #1 to 'wait' (function expected, got %s)"):format(type(status_fn)), 2)
  end
  if type(ready_fn) ~= "function" then
    error(("bad argument #2 to 'wait' (function expected, got %s)"):format(type(ready_fn)), 2)
  end
  opts = M.options(opts, "wait")
  local factor = opts.factor or M.defaults.factor
  local cap = opts.max_interval or M.defaults.max_interval
  local interval = math.min(opts.interval or M.defaults.interval, cap)
  local timeout = opts.timeout or M.defaults.timeout
  local failed = opts.failed or default_failed
  local deadline = core.monotime() + timeout
  local attempt = 0
  while true do
    attempt = attempt + 1
    local status, err = status_fn()
    if status == nil then
      if errors.is_error(err) then return nil, err end
      return nil, new_error("decode", "the job status request returned no status", {attempts = attempt})
    end
    if opts.on_poll then opts.on_poll(status, attempt) end
    if ready_fn(status) then return status end
    if failed(status) then
      local word = status_word(status) or "failed"
      local id = type(status) == "table" and status.id
      return nil, new_error("server", ("job %s%s"):format(id and (tostring(id) .. " ") or "", word),
        {job = status, job_status = word, attempts = attempt})
    end
    local now = core.monotime()
    if now >= deadline then
      return nil, new_error("timeout", ("job %snot ready after %g s (%d polls, last status %s)"):format(
        type(status) == "table" and status.id and (tostring(status.id) .. " ") or "", timeout, attempt,
        tostring(status_word(status))), {job = status, job_status = status_word(status), attempts = attempt})
    end
    core.sleep(math.min(interval, deadline - now))
    interval = math.min(interval * factor, cap)
  end
end

--- Streams a catalog GET operation's 2xx body to a file (client:call with `output`): {output = path,
-- size = bytes, status =}; or nil, err: an HTTP error, kind "pending" for a 204 (no file yet), kind
-- "io"; no file is left behind. With opts.dry_run returns the request.
-- syntax: result, err = jobs.download(client, operation_id, {<path params>}, path [, {dry_run = true}])
function M.download(client, id, args, path, opts)
  verbs.check_string(path, 4, "download", "file path")
  opts = verbs.options(opts, {dry_run = true}, "download")
  local call_args = {output = path, idempotent = true}
  for k, v in pairs(args or {}) do call_args[k] = v end
  if opts.dry_run then
    local req = verbs.request_for(id, call_args)
    req.output = path
    return req
  end
  -- the core streams to a temporary file beside path and renames it on success; a 204 leaves path alone
  local ok, err = client:call(id, call_args)
  if not ok then return nil, err end
  local last = client:last_response()
  if last.status == 204 then
    return nil, new_error("pending", ("%s %s: no content yet (204)"):format(last.method, last.path),
      {status = 204, method = last.method, path = last.path, attempts = last.attempts})
  end
  local file = io.open(path, "rb") -- (the size of what was written)
  local size = file and file:seek("end")
  if file then file:close() end
  return {output = path, size = size, status = last.status}
end

return M
