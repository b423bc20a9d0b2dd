--- prismacloud.errors: the library's error objects, made and recognised in one place.
-- The C core makes the errors of an exchange (transport, TLS, an HTTP status, a body it cannot
-- decode); every other failure the library reports (a profile it cannot use, a job that failed,
-- an answer without what a verb promises) is made here, with the same metatable
-- (`prismacloud.Error`: `tostring`, `..`) and fields (see the README's Errors).
--
--   if errors.is_error(err) and err.kind == "pending" then ... end
--   return nil, errors.new("decode", "the job submission returned no job id")
--
-- It loads the C core only when it makes an error: the CLI's help and completion, which run
-- without the core, recognise errors with it too (none can exist before the core is loaded).
local M = {}

--- A prismacloud.Error of this kind and message, with extra fields (by default not retryable, one attempt).
-- syntax: err = errors.new(kind, message [, {field = value}])
function M.new(kind, message, fields)
  local err = {kind = kind, message = message, retryable = false, attempts = 1}
  for k, v in pairs(fields or {}) do err[k] = v end
  return setmetatable(err, require("prismacloud.core").Error)
end

--- Whether v is an error object of this library.
-- syntax: ok = errors.is_error(v)
function M.is_error(v)
  local core = package.loaded["prismacloud.core"]
  return core ~= nil and type(v) == "table" and getmetatable(v) == core.Error
end

--- The error of a response that is not a success: what the core reads from its status, body and
-- headers, with the attempts the request took.
-- syntax: err = errors.from_response(res, method, path)
function M.from_response(res, method, path)
  local err = require("prismacloud.core").http_error(res, method, path)
  err.attempts = res.attempts
  return err
end

--- nil and a decode error naming the last request (its method, path and status): for a verb whose
-- 2xx answer lacks what the verb promises.
-- syntax: nil, err = errors.decode(client, message)
function M.decode(client, message)
  local last = client:last_response() or {}
  return nil, M.new("decode", message, {status = last.status, method = last.method, path = last.path,
                                        attempts = last.attempts})
end

return M
