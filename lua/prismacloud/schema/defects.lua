--- prismacloud.schema.defects: the reference's own defects, the one allow-list of the referee.
-- A violation that one of these entries explains is still reported, with the entry's kind and
-- reason in its `waived` field: the emulator's fallback does not refuse a request for it and the
-- suite does not fail for it. Anything else the referee finds fails the suite; a defect of the
-- client is never listed here (spec/support/referee.lua lists those, to be fixed).
--
-- An entry names one defect of the reference: where it is (schema: the component and the path
-- in it, "*" for items and map values; or op and pointer for a schema without a name), which
-- violations it explains (a test on the violation), and why the reference, not the emulator or
-- the client, is wrong. Fields: kind, reason, schema or op (an id or a list), side ("request" or
-- "response"), where ("body", "query", ...), pointer, message (Lua patterns; schema and pointer
-- must match in full), test (function(violation, ctx) -> true when it is this defect).
local M = {}

-- The tests of each kind of defect.

-- The value is one of the parts of an enum written as one string ("Low, Medium, High").
local function joined_enum(v)
  if type(v.value) ~= "string" or not v.enum or #v.enum ~= 1 or type(v.enum[1]) ~= "string" then return false end
  for part in v.enum[1]:gmatch("[^,/]+") do
    if part:match("^%s*(.-)%s*$") == v.value then return true end
  end
  return false
end

-- A scalar (or a list) where the schema is a bare {"type": "object"} with nothing in it.
local function bare_object(v)
  return v.bare == true
end

-- The value is in the enum but for its case.
local function enum_case(v)
  if type(v.value) ~= "string" or not v.enum then return false end
  for _, e in ipairs(v.enum) do
    if type(e) == "string" and e:lower() == v.value:lower() then return true end
  end
  return false
end

-- The only operator of a filter enum is the YAML tag "tag:yaml.org,2002:value =": "=" is meant.
local function yaml_operator(v)
  return v.enum and #v.enum == 1 and v.enum[1] == "tag:yaml.org,2002:value =" and v.value == "="
end

local BARE = "a bare {\"type\": \"object\"}"
local JOINED = "an enum written as one joined string"

M.entries = {
  -- Enums written as one string.
  {kind = JOINED, schema = "AnomaliesSettings/alertDisposition", test = joined_enum,
   reason = "the enum is the one value \"Aggressive, Moderate, Conservative\": three values are meant"},
  {kind = JOINED, schema = "AnomaliesSettings/trainingModelThreshold", test = joined_enum,
   reason = "the enum is the one value \"Low, Medium, High\": three values are meant"},
  {kind = JOINED, schema = "AnomaliesTrustedListSummary/trustedListType", test = joined_enum,
   reason = "the enum is the one value \"ip, resource, image, tag, ...\": nine values are meant"},
  {kind = JOINED, schema = "[%a]*PolicyViewModel/policyMode", test = joined_enum,
   reason = "the enum is the one value \"custom/redlock_default\": two values are meant"},

  -- The YAML tag for "=".
  {kind = "a YAML tag as the only filter operator", schema = "UIFilterModel/operator", test = yaml_operator,
   reason = "the enum is \"tag:yaml.org,2002:value =\", a YAML dump of the operator \"=\""},

  -- Whole bodies typed "string".
  {kind = "a whole body typed \"string\"", op = "get-oidc-login-url", side = "response", pointer = "",
   message = "^object, string expected", reason = "the answer is a JSON object ({redirectUrl}), typed string"},
  {kind = "a whole body typed \"string\"", op = "get-security-hub-accounts-v1", side = "response", pointer = "",
   message = "^object, string expected", reason = "the answer is a JSON object of accounts, typed string"},
  {kind = "a whole body typed \"string\"", op = "getWhitelistEntryById", side = "response", pointer = "",
   message = "^object, string expected", reason = "the answer is the trusted list entry (an object), typed string"},

  -- Bare objects where a string, a boolean, a number, a list or a map of them is meant.
  {kind = BARE, schema = "PolicyType", test = bare_object,
   reason = "policyType is a string (config, network, audit_event, ...), typed as an empty object"},
  {kind = BARE, schema = "PolicyClass", test = bare_object,
   reason = "policyClass is a string (default, exposure, ...), typed as an empty object"},
  {kind = BARE, schema = "PolicySubType", test = bare_object,
   reason = "policySubTypes holds strings (build, run, ...), typed as empty objects"},
  {kind = BARE, schema = "[%a]*Integration[%a]*/integrationConfig/%*", test = bare_object,
   reason = "integrationConfig's fields are strings and lists (url, authToken, ...), typed as empty objects"},
  {kind = BARE, op = {"add-cloud-account", "update-cloud-account", "get-cloud-account-status"}, side = "request",
   test = bare_object, reason = "the OCI and Alibaba onboarding body is typed as a map of empty objects; its "
     .. "fields are strings and lists (accountId, name, groupIds, ...)"},
  {kind = BARE, schema = "CloudAccountListViewModel/groups/%*/%*", test = bare_object,
   reason = "an account's groups are {id, name} strings, typed as maps of empty objects"},
  {kind = BARE, op = "get-account-group-name-by-cloudType", side = "response", test = bare_object,
   reason = "the account groups' fields (id, name, autoCreated) are typed as a map of empty objects"},
  {kind = BARE, op = "update-login-ip-allow-list-status", side = "request", test = bare_object,
   reason = "the body is {\"enabled\": boolean} (its description says so), typed as a map of empty objects"},
  {kind = BARE, schema = "Feature/operations/%*", test = bare_object,
   reason = "a feature's operations map names to booleans, typed as empty objects"},
  {kind = "a list typed as one object", schema = "Feature", message = "^array, object expected$",
   reason = "a permission group's features are a list of {featureName, operations} (the requests that make "
     .. "one send a list), typed as one Feature in the answers"},
  {kind = BARE, schema = "PermissionGroupDetail/associatedRoles/%*", test = bare_object,
   reason = "associatedRoles maps role ids to role names (strings), typed as empty objects"},
  {kind = BARE, schema = "Item/resourceTypeCount/%*", test = bare_object,
   reason = "resourceTypeCount maps resource types to counts (integers), typed as empty objects"},
  {kind = "a Java type documented by its internals", schema = "TimeRange/[%a]+Time",
   message = "^integer %-?%d+, object expected$", reason = "a data point's startTime and endTime are epoch "
     .. "milliseconds, documented as Java's OptionalLong {asLong, empty, present}"},
  {kind = "a string typed as the object it encodes", schema = "RRNModel", message = "^string .*, object expected$",
   reason = "rrn is the string rrn:<cloud>:<region>:<account>:<...>, typed as its parts {accountId, cloudType, ...}"},
  {kind = "a string typed as the object it encodes", schema = "ResourceInfoPageOption",
   message = "^string .*, object expected$", reason = "nextPageToken is an opaque string, typed as the page "
     .. "options it encodes"},

  -- Enums that are not what the API takes or gives.
  {kind = "an enum in the wrong case", schema = "ToNowTimeRangeConfigModel/value", test = enum_case,
   reason = "docs/api-time-range-model.md: a to_now time range's value is login, epoch, day, week, month or "
     .. "year, in lower case"},
  {kind = "an enum in the wrong case", schema = "PolicyModel/cloudType", test = enum_case,
   reason = "its description says the value is not case-sensitive (policies carry aws, azure, ... in lower case)"},
  {kind = "a time range narrower than the time range model", schema = "TimeRangeConfigModel/type",
   reason = "docs/api-time-range-model.md: RQL searches take absolute, relative and to_now time ranges; the "
     .. "search schemas allow relative alone", test = function(v)
       return v.enum and #v.enum == 1 and v.enum[1] == "relative" and (v.value == "absolute" or v.value == "to_now")
     end},
  {kind = "a time range narrower than the time range model", schema = "RelativeTimeDurationModel",
   op = {"search-config", "search-events", "search-events-aggregated", "search-network", "search-iam",
         "search-config-page", "search-events-page", "search-events-filtered", "search-events-filtered-page"},
   reason = "the value of a to_now time range (a string) is typed as the relative one's {amount, unit}",
   message = "object expected$"},
  {kind = "an enum that leaves out a value in use", schema = "SearchModel/searchType", test = function(v)
     return v.value == "iam" end,
   reason = "IAM queries (config from iam, /api/v1/permission) are saved and listed as searches too; their "
     .. "searchType, iam, is missing from the enum"},
  {kind = "an enum that leaves out a value in use", schema = "SearchResponseModelSearchModel/searchType",
   test = function(v) return v.value == "iam" end,
   reason = "as for SearchModel/searchType: the searchType of an IAM search, iam, is missing from the enum"},

  -- Error statuses documented with the body of a success.
  {kind = "an error documented with a success's body", side = "response", test = function(_, ctx)
     return ctx and ctx.status and ctx.status >= 400 and ctx.error_like_success == true end,
   reason = "the operation's error status is documented with the very schema of its 2xx answer (a map of "
     .. "settings, an asset, a permission group...); the API's errors are {timestamp, status, error, message, "
     .. "path} with x-redlock-status"},
  {kind = "an error documented with a success's body", side = "response", op = {"updateSettings",
   "addToTrustedList"}, pointer = "", test = function(_, ctx) return ctx and ctx.status and ctx.status >= 400 end,
   reason = "the 400 answers are documented as a boolean (updateSettings) and a list of trusted lists "
     .. "(addToTrustedList), the 200 answers' shapes; the API's errors are {timestamp, status, error, message, path}"},

  {kind = "an error documented as a oneOf any error satisfies twice", op = "license-usage-count-by-cloud-paginated_1",
   side = "response", pointer = "", message = "^object matches 2 of oneOf's 2 schemas",
   test = function(_, ctx) return ctx and ctx.status and ctx.status >= 400 end,
   reason = "the 4xx answers are oneOf [LicenseResponseModel, SpringErrorResponse], and nothing in "
     .. "LicenseResponseModel is required: a Spring error body satisfies both"},

  -- Null where the description allows it and the schema does not.
  {kind = "a null the description allows", schema = "CreditAllocationRuleList/rules", message = "^null, ",
   reason = "rules is described as \"Null when no rules\" but not marked nullable"},

  -- Parameters required that the API's own paging leaves out.
  {kind = "parameters required that the API does not require", op = "get-alerts-v2", where = "query",
   pointer = "/[%a]+", message = "^missing required query parameter '[%a]+'$",
   reason = "timeType, timeAmount, timeUnit and detailed are marked required on GET /v2/alert, yet the API "
     .. "documents the next page as GET /v2/alert?pageToken=... alone, and a time range defaults"},

  -- A request model shared by operations that need less of it than one of them requires.
  {kind = "a whole model required of a partial update", op = "patch-oauth2-config", side = "request",
   where = "body", pointer = "", message = "^missing required property '[%a]+'$",
   reason = "PATCH /authn/api/v1/oauth2/config \"updates only the specified parameters\", yet its body is "
     .. "OAuth2ConfigDetail, whose required fields are those of a new configuration (PUT replaces it whole)"},
  {kind = "a whole model required of a partial update", op = {"update-my-profile", "update-profile-v2"},
   side = "request", where = "body", pointer = "", message = "^missing required property '[%a]+'$",
   reason = "PUT /user/me and PUT /v2/user/{id}: \"The red required labels in the request body schema below apply "
     .. "only when you create a new user profile\" (its other parameters \"are optional\"), yet the body is "
     .. "MultiRoleUserProfile, whose required fields are those of a new user"},
  {kind = "a whole model required of a partial update", op = "update-report", side = "request",
   where = "body", pointer = "", message = "^missing required property '(%a+)'$",
   test = function(v) return v.message:find("'target'", 1, true) == nil end,
   reason = "PUT /report/{id}: \"the only body parameter that is required is target\", yet its body is "
     .. "ReportGenerationConfigApiModel, which requires the name and cloudType of a new report"},
  {kind = "a whole model required of a partial update", op = "updateCreditAllocationRule", side = "request",
   where = "body", pointer = "", message = "^missing required property '[%a]+'$",
   test = function(v) return v.message ~= "missing required property 'id'" end,
   reason = "CreditAllocationRule's name, targetType, allocatedCredits, alarmThreshold and accountGroups are "
     .. "\"Required on create. Ignored on update if null.\"; only its id \"Must match path param on update\""},
  {kind = "a field required that the operation ignores", op = "policy-rule-validate", side = "request",
   where = "body", pointer = "", message = "^missing required property '[%a]+'$",
   test = function(v) return not v.message:find("'policyType'", 1, true) and not v.message:find("'rule'", 1, true) end,
   reason = "POST /policy/rule/validate: \"The only request body parameters for this request are\" policyType "
     .. "and rule, \"both of these parameters are required\", yet its body is PolicyModel, which requires a name "
     .. "and a severity too"},
  {kind = "a field required that the operation ignores", op = "createCreditAllocationRule", side = "request",
   where = "body", pointer = "", message = "^missing required property 'id'$",
   reason = "the rule's id is \"Unique id. Ignored on create.\": the server makes it, yet CreditAllocationRule, "
     .. "the model a new rule shares with reads and updates, requires it"},
  {kind = "a field required that the operation ignores", op = "test-template-v1", side = "request",
   where = "body", pointer = "", message = "^missing required property 'integrationId'$",
   reason = "an email template has no integration (EventsCreateTemplateRequest does not require integrationId), "
     .. "yet EventsTestTemplateRequest requires one of every template tested"},

  -- Errors documented as the download's media type.
  {kind = "an error documented as a download", side = "response", where = "media", pointer = "",
   op = {"download-vulnerability-file", "download-vulnerability-file-v2",
         "download-vulnerability-csv-file-in-investigate-table-view"},
   message = "^Content%-Type 'application/json', documented: application/octet%-stream$",
   test = function(_, ctx) return ctx and ctx.status and ctx.status >= 400 end,
   reason = "the 4xx and 5xx answers are documented as application/octet-stream, yet their schema is "
     .. "ApiErrorResponse, a JSON object {code, message, target}: the download's media type was copied to its errors"},

  -- Downloads documented without what they download.
  {kind = "a download documented without its content", side = "response", pointer = "",
   op = {"download-alert-csv", "download-alerts-list-json", "download-policy-alerts-json", "download-report",
         "download-historical-by-id"},
   message = "^status 200 documents no body", reason = "the operation downloads a file (CSV, JSON, PDF), but its "
     .. "200 answer is documented with no content"},
}

local function anchored(pattern, text)
  return text ~= nil and text:find("^" .. pattern .. "$") ~= nil
end

local function matches(entry, id, v, ctx)
  if entry.where and entry.where ~= v.where then return false end
  if entry.side and entry.side ~= (ctx and ctx.side) then return false end
  if entry.op then
    local ok = false
    for _, x in ipairs(type(entry.op) == "table" and entry.op or {entry.op}) do
      if x == id then ok = true break end
    end
    if not ok then return false end
  end
  if entry.schema and not anchored(entry.schema, v.schema) then return false end
  if entry.pointer and not anchored(entry.pointer, v.pointer) then return false end
  if entry.message and not v.message:find(entry.message) then return false end
  if entry.test and not entry.test(v, ctx) then return false end
  return true
end

--- The kind and reason of the first entry explaining violation v ({where, pointer, message,
-- schema, value, enum, bare}) of operation id, as one string, or nil. ctx: {side = "request" or
-- "response", query =, status =}.
-- syntax: reason = defects.explain(id, violation, ctx)
function M.explain(id, v, ctx)
  for _, entry in ipairs(M.entries) do
    if matches(entry, id, v, ctx) then return entry.kind .. ": " .. entry.reason end
  end
  return nil
end

return M
