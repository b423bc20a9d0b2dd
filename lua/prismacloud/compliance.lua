--- prismacloud.compliance: compliance standards, requirements and sections (`client.compliance`).
--
--   for std in client.compliance:each() do print(std.name) end
--   for _, r in ipairs(client.compliance:requirements(std.id)) do ... end
local pager = require "prismacloud.pager"

local F = {}
F.__index = F

--- Every compliance standard.
-- syntax: standards, err = client.compliance:standards()
function F:standards()
  return self.client:call("get-all-standards")
end
F.list = F.standards

--- The standards one by one (a for-loop raises a prismacloud.Error on failure).
-- syntax: for standard in client.compliance:each() do ... end
function F:each()
  return pager.items(self.client, pager.single{path = "/compliance"})
end

--- One compliance standard by id.
-- syntax: standard, err = client.compliance:standard(id)
function F:standard(id)
  return self.client:call("get-standards-by-id", {complianceId = id})
end
F.get = F.standard

--- The requirements of a standard.
-- syntax: requirements, err = client.compliance:requirements(standard_id)
function F:requirements(standard_id)
  return self.client:call("get-requirements", {complianceId = standard_id})
end

--- The sections of a requirement.
-- syntax: sections, err = client.compliance:sections(requirement_id)
function F:sections(requirement_id)
  return self.client:call("get-sections", {requirementId = requirement_id})
end

--- The standard with exactly this name: standard, or nil when there is none, or nil, err.
-- syntax: standard, err = client.compliance:by_name(name)
function F:by_name(name)
  if type(name) ~= "string" then error("bad argument #1 to 'by_name' (string expected)", 2) end
  local list, err = self:standards()
  if not list then return nil, err end
  for _, s in ipairs(list) do
    if s.name == name then return s end
  end
  return nil
end

return F
