--- prismacloud.compliance: compliance standards, requirements, sections and posture (`client.compliance`).
--
--   for std in client.compliance:each() do print(std.name) end
--   for _, r in ipairs(client.compliance:requirements(std.id)) do ... end
--   local p = client.compliance:posture{standard_id = std.id, cloud_type = "aws"}
--   print(p.summary.failedResources, p.summary.totalResources)
--
-- Standards are custom or built in; custom ones (and their requirements and sections) can be
-- created, updated, cloned and deleted. The API answers these writes without a body: they
-- return true.
local pager = require "prismacloud.pager"
local verbs = require "prismacloud.verbs"
local filters = require "prismacloud.filters"
local timerange = require "prismacloud.timerange"

local F = verbs.family()


-- get, create, update, delete and by_name of standards: the shared shape (verbs.crud).
local standards = verbs.crud{
  get = "get-standards-by-id", create = "add-standard", update = "update-standard", delete = "delete-standard",
  id = "complianceId", fnames = {get = "standard"},
  names = function(self) return self:standards() end,
}
local requirements = verbs.crud{
  get = "get-requirement-by-id", update = "update-requirement", delete = "delete-requirement",
  id = "requirementId",
  fnames = {get = "requirement", update = "update_requirement", delete = "delete_requirement"},
}
local sections = verbs.crud{
  update = "update-section", delete = "delete-section", id = "sectionId",
  fnames = {update = "update_section", delete = "delete_section"},
}

--- Every compliance standard.
-- syntax: standards, err = client.compliance:standards()
function F:standards()
  return self.client:call("get-all-standards")
end
F.list = F.standards

--- The standards one by one (a for-loop raises a prismacloud.Error on failure).
-- syntax: for standard in client.compliance:each() do ... end
function F:each()
  return pager.items(self.client, pager.single{op = "get-all-standards"})
end

--- One compliance standard by id.
-- syntax: standard, err = client.compliance:standard(id)
F.standard = standards.get
F.get = F.standard

--- The standard with exactly this name: standard, or nil when there is none, or nil, err.
-- syntax: standard, err = client.compliance:by_name(name)
F.by_name = standards.by_name

--- Creates a custom standard {name, description}: true, or nil, err (find it with by_name).
-- syntax: ok, err = client.compliance:create(standard [, {dry_run = true}])
F.create = standards.create

--- Updates a custom standard {name, description}.
-- syntax: ok, err = client.compliance:update(id, standard [, {dry_run = true}])
F.update = standards.update

--- Deletes a custom standard.
-- syntax: ok, err = client.compliance:delete(id [, {dry_run = true}])
F.delete = standards.delete

--- Clones a standard (built in or custom) with its requirements and sections under a new {name, description}.
-- syntax: ok, err = client.compliance:clone(id, {name =, description =} [, {dry_run = true}])
function F:clone(id, standard, opts)
  verbs.check_table(standard, 2, "clone")
  return verbs.call(self.client, "clone-standard", {complianceId = id, body = standard}, opts, "clone")
end

--- The requirements of a standard.
-- syntax: requirements, err = client.compliance:requirements(standard_id)
function F:requirements(standard_id)
  return self.client:call("get-requirements", {complianceId = standard_id})
end

--- One requirement by id.
-- syntax: requirement, err = client.compliance:requirement(id)
F.requirement = requirements.get

--- Adds a requirement {name, requirementId, description} to a custom standard.
-- syntax: ok, err = client.compliance:add_requirement(standard_id, requirement [, {dry_run = true}])
function F:add_requirement(standard_id, requirement, opts)
  verbs.check_table(requirement, 2, "add_requirement")
  return verbs.call(self.client, "add-requirement", {complianceId = standard_id, body = requirement},
    opts, "add_requirement")
end

--- Updates a requirement {name, requirementId, description}.
-- syntax: ok, err = client.compliance:update_requirement(id, requirement [, {dry_run = true}])
F.update_requirement = requirements.update

--- Deletes a requirement of a custom standard.
-- syntax: ok, err = client.compliance:delete_requirement(id [, {dry_run = true}])
F.delete_requirement = requirements.delete

--- The sections of a requirement.
-- syntax: sections, err = client.compliance:sections(requirement_id)
function F:sections(requirement_id)
  return self.client:call("get-sections", {requirementId = requirement_id})
end

--- Adds a section {sectionId, description} to a requirement of a custom standard.
-- syntax: ok, err = client.compliance:add_section(requirement_id, section [, {dry_run = true}])
function F:add_section(requirement_id, section, opts)
  verbs.check_table(section, 2, "add_section")
  return verbs.call(self.client, "add-section", {requirementId = requirement_id, body = section}, opts, "add_section")
end

--- Updates a section {sectionId, description}.
-- syntax: ok, err = client.compliance:update_section(id, section [, {dry_run = true}])
F.update_section = sections.update

--- Deletes a section of a custom standard.
-- syntax: ok, err = client.compliance:delete_section(id [, {dry_run = true}])
F.delete_section = sections.delete

--------------------------------------------------------------------------
-- Posture: one of 24 operations (v2 or v1, GET or POST, overall, per standard or per
-- requirement), chosen by what the filter needs.
--------------------------------------------------------------------------

-- Short filter names -> the API's filter names.
F.POSTURE_FILTERS = {
  account = "cloud.account", cloud_type = "cloud.type", region = "cloud.region", account_group = "account.group",
  standard = "policy.complianceStandard", requirement = "policy.complianceRequirement",
  section = "policy.complianceSection",
}
local POSTURE = filters.define{what = "posture", names = F.POSTURE_FILTERS, values = "strings",
                               settings = {standard_id = true, requirement_id = true, time_range = true}}

-- The filter's names ({api name -> {values}}), the time range and the scope; raises on bad input.
local function posture_args(filter, fname)
  local f = POSTURE:split(filter, fname, 4)
  local settings = f.settings
  if settings.requirement_id ~= nil and settings.standard_id == nil then
    error(("bad filter to '%s' (requirement_id needs standard_id)"):format(fname), 4)
  end
  for _, k in ipairs{"standard_id", "requirement_id"} do
    if settings[k] ~= nil and type(settings[k]) ~= "string" then
      error(("bad %s to '%s' (string expected, got %s)"):format(k, fname, type(settings[k])), 4)
    end
  end
  local tr = settings.time_range ~= nil and timerange.parse(settings.time_range) or nil
  return f.names, tr, settings.standard_id, settings.requirement_id
end

-- Whether a v2 POST operation's body takes a time range (only the overall trend's does).
local function post_takes_time(id)
  return id == "post-compliance-posture-trend-v2"
end

-- The operation id and its args for a posture or trend request.
local function posture_call(kind, filter, fname)
  local names, tr, standard_id, requirement_id = posture_args(filter, fname)
  local base = "compliance-posture" .. (kind == "trend" and "-trend" or "")
    .. (requirement_id and "-for-requirement" or standard_id and "-for-standard" or "")
  local args = {complianceId = standard_id, requirementId = requirement_id}
  -- In order: v2 GET, v2 POST, v1 GET, v1 POST (which takes every filter and time range). A GET
  -- takes relative time ranges only.
  local query = filters.query(names, tr and timerange.query(tr) or {})
  for _, version in ipairs{"-v2", ""} do
    local get_id, post_id = "get-" .. base .. version, "post-" .. base .. version
    if (not tr or tr.type == "relative") and filters.fits(get_id, query) then
      args.query = query
      return get_id, args
    end
    if version == "" or not tr or post_takes_time(post_id) then
      args.body = {filters = filters.body(names), timeRange = tr}
      return post_id, args
    end
  end
end

--- Passed and failed resources: overall, per standard (standard_id) or per requirement (with
-- requirement_id); filter: account, cloud_type, region, account_group, standard, requirement,
-- section (strings or arrays), time_range. GET for simple filters, POST for the rest (and past
-- filters.MAX_URL); a time range on a standard or requirement uses the v1 endpoints (v2 take none).
-- syntax: posture, err = client.compliance:posture([{standard_id =, requirement_id =, cloud_type =, ...}])
function F:posture(filter)
  local id, args = posture_call("posture", filter, "posture")
  return self.client:call(id, args)
end

--- The posture over time: an array of summaries {timestamp, totalResources, failedResources, ...}.
-- syntax: points, err = client.compliance:trend([{standard_id =, requirement_id =, time_range =, ...}])
function F:trend(filter)
  local id, args = posture_call("trend", filter, "trend")
  return self.client:call(id, args)
end

--- The posture filters and their options.
-- syntax: filters, err = client.compliance:posture_filters()
function F:posture_filters()
  return self.client:call("get-compliance-posture-filters-and-options")
end

--- The options of one posture filter, optionally narrowed by a case-insensitive substring.
-- syntax: options, err = client.compliance:posture_filter_options(filter_name [, query])
function F:posture_filter_options(name, query)
  if type(name) ~= "string" then
    error(("bad argument #1 to 'posture_filter_options' (string expected, got %s)"):format(type(name)), 2)
  end
  return self.client:call("get-compliance-posture-filter-options", {body = {filterName = name, query = query}})
end

return F
