-- prismacloud.emulator.compliance: the compliance standard family
-- (ComplianceStandards.json), read-only.
--
--   GET /compliance                               standards
--   GET /compliance/{id}                          one standard
--   GET /compliance/{id}/requirement              its requirements
--   GET /compliance/{requirementId}/section       a requirement's sections (as documented)
--   GET /compliance/requirement/{id}              one requirement
--   GET /compliance/requirement/{id}/section      the same sections (alias)
--
-- Standards, requirements and sections are generated per world; built-in
-- policies are assigned to sections (their complianceMetadata), which gives
-- the policiesAssignedCount and associatedPolicyIds.
local api = require "prismacloud.emulator.api"
local json = require "prismacloud.emulator.json"

local M = {}

local array = json.array

local function section_policies(sec)
  local ids = array{}
  for id in pairs(sec.policies) do ids[#ids + 1] = id end
  table.sort(ids)
  return ids
end

local function view_section(sec)
  local ids = section_policies(sec)
  return {
    id = sec.id, sectionId = sec.sectionId, label = sec.label, description = sec.description,
    requirementId = sec.requirementId, requirementName = sec.requirementName, standardName = sec.standardName,
    createdBy = sec.createdBy, createdOn = sec.createdOn, lastModifiedBy = sec.lastModifiedBy,
    lastModifiedOn = sec.lastModifiedOn, systemDefault = sec.systemDefault, viewOrder = sec.viewOrder,
    associatedPolicyIds = ids, policiesAssignedCount = #ids,
  }
end

local function requirement_count(req)
  local seen, n = {}, 0
  for _, sec in ipairs(req.sections) do
    for id in pairs(sec.policies) do
      if not seen[id] then
        seen[id] = true
        n = n + 1
      end
    end
  end
  return n, seen
end

local function view_requirement(req)
  return {
    id = req.id, complianceId = req.complianceId, name = req.name, requirementId = req.requirementId,
    description = req.description, standardName = req.standardName, createdBy = req.createdBy,
    createdOn = req.createdOn, lastModifiedBy = req.lastModifiedBy, lastModifiedOn = req.lastModifiedOn,
    systemDefault = req.systemDefault, viewOrder = req.viewOrder, policiesAssignedCount = (requirement_count(req)),
  }
end

local function view_standard(std)
  local seen, n = {}, 0
  for _, req in ipairs(std.requirements) do
    local _, ids = requirement_count(req)
    for id in pairs(ids) do
      if not seen[id] then
        seen[id] = true
        n = n + 1
      end
    end
  end
  return {
    id = std.id, name = std.name, description = std.description, cloudType = array(api.copy(std.cloudType)),
    createdBy = std.createdBy, createdOn = std.createdOn, lastModifiedBy = std.lastModifiedBy,
    lastModifiedOn = std.lastModifiedOn, systemDefault = std.systemDefault, policiesAssignedCount = n,
  }
end

local function find_standard(st, id)
  for _, std in ipairs(st.world.standards) do
    if std.id == id then return std end
  end
  return nil
end

function M.register(router, app)
  router:add("GET", "/compliance", function()
    local out = array{}
    for _, std in ipairs(app.state.world.standards) do out[#out + 1] = view_standard(std) end
    return api.json(200, out)
  end)

  local function sections(req, params)
    local r = app.state.world.requirements[params.id]
    if not r then return api.fail(req, 404, "not_found", params.id, "no compliance requirement " .. params.id) end
    local out = array{}
    for _, sec in ipairs(r.sections) do out[#out + 1] = view_section(sec) end
    return api.json(200, out)
  end

  router:add("GET", "/compliance/requirement/:id/section", sections)

  router:add("GET", "/compliance/requirement/:id", function(req, params)
    local r = app.state.world.requirements[params.id]
    if not r then return api.fail(req, 404, "not_found", params.id, "no compliance requirement " .. params.id) end
    return api.json(200, view_requirement(r))
  end)

  router:add("GET", "/compliance/:id/section", sections)

  router:add("GET", "/compliance/:id/requirement", function(req, params)
    local std = find_standard(app.state, params.id)
    if not std then return api.fail(req, 404, "not_found", params.id, "no compliance standard " .. params.id) end
    local out = array{}
    for _, r in ipairs(std.requirements) do out[#out + 1] = view_requirement(r) end
    return api.json(200, out)
  end)

  router:add("GET", "/compliance/:id", function(req, params)
    local std = find_standard(app.state, params.id)
    if not std then return api.fail(req, 404, "not_found", params.id, "no compliance standard " .. params.id) end
    return api.json(200, view_standard(std))
  end)
end

return M
