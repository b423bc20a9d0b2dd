--- prismacloud.notification_templates: notification templates (`client.notification_templates`) for
-- email, Jira and ServiceNow notifications, on the tenant API (/api/v1/tenant/{prismaId}/template).
--
--   for t in client.notification_templates:each{type = "email"} do print(t.name) end
--   local t = client.notification_templates:by_name("SOC email")
--   client.notification_templates:update(t.id, {enabled = false})
--
-- The Prisma ID in the paths is the one client:prisma_id() knows or learns.
local pager = require "prismacloud.pager"
local verbs = require "prismacloud.verbs"
local filters = require "prismacloud.filters"

local F = verbs.family()

-- The list filter {id =, type =, enabled =}.
local FILTER_SET = filters.define{what = "template",
  params = {id = {"id", "strings"}, type = {"type", "strings"}, enabled = {"enabled", "boolean"}}}

local check_string, check_table = verbs.check_string, verbs.check_table

-- by_name: the shared name lookup (verbs.crud) over the list.
local crud = verbs.crud{names = function(self) return self:list() end}

-- Sends operation id with the tenant's Prisma ID in its path (or returns the request on a dry run).
local function send(self, id, args, opts)
  local prisma_id, err = self.client:prisma_id()
  if not prisma_id then return nil, err end
  args.prismaId = prisma_id
  return verbs.call(self.client, id, args, opts)
end

--- Notification templates, all or filtered {id = {...}, type = "email" or {...}, enabled = true|false}.
-- syntax: templates, err = client.notification_templates:list([{id =, type =, enabled =}])
function F:list(filter)
  return send(self, "get-all-templates-v1", {query = FILTER_SET:query(filter, "list")})
end

--- The templates one by one (a for-loop raises a prismacloud.Error on failure).
-- syntax: for template in client.notification_templates:each([filter]) do ... end
function F:each(filter, paging)
  local query = FILTER_SET:query(filter, "each")
  local function args() -- learnt on the first :next(), whose nil, err says when it cannot be
    local prisma_id, err = self.client:prisma_id()
    if not prisma_id then return nil, err end
    return {prismaId = prisma_id}
  end
  return pager.items(self.client, pager.single{op = "get-all-templates-v1", args = args, query = query}, paging)
end

--- One template by id.
-- syntax: template, err = client.notification_templates:get(id)
function F:get(id)
  check_string(id, 1, "get")
  return send(self, "get-template-v1", {id = id})
end

--- Creates a template {name, integrationType = "email"|"jira"|"service_now", integrationId, templateConfig}.
-- syntax: template, err = client.notification_templates:create(template [, {dry_run = true}])
function F:create(template, opts)
  check_table(template, 1, "create", "template table")
  opts = verbs.options(opts, verbs.DRY_RUN, "create")
  return send(self, "create-template-v1", {body = template}, opts)
end

-- The fields of a template an update writes (customerId, integrationType and name are required).
local TEMPLATE = {"id", "name", "integrationType", "integrationId", "templateConfig", "enabled", "customerId"}

--- Updates a template: only the fields given change. The reference requires of the PATCH the
-- template's customerId, integrationType and name, so the template is read first and sent back
-- whole with the fields over it (a dry run reads it too, and returns the PATCH). The API answers
-- without a body: true, or nil, err.
-- syntax: ok, err = client.notification_templates:update(id, template [, {dry_run = true}])
function F:update(id, template, opts)
  check_string(id, 1, "update")
  check_table(template, 2, "update", "template table")
  opts = verbs.options(opts, verbs.DRY_RUN, "update")
  local current, err = verbs.table_body(self.client, self:get(id))
  if not current then return nil, err end
  local body = verbs.merge(current, TEMPLATE, template, "update-template-v1")
  return send(self, "update-template-v1", {id = id, body = body}, opts)
end

--- Deletes a template.
-- syntax: ok, err = client.notification_templates:delete(id [, {dry_run = true}])
function F:delete(id, opts)
  check_string(id, 1, "delete")
  opts = verbs.options(opts, verbs.DRY_RUN, "delete")
  return send(self, "delete-template-v1", {id = id}, opts)
end

--- Tests a template: a body {name, integrationType, integrationId, templateConfig}, or the id of a
-- stored template (its settings are sent). true, or nil, err.
-- syntax: ok, err = client.notification_templates:test(template_or_id [, {dry_run = true}])
function F:test(what, opts)
  opts = verbs.options(opts, verbs.DRY_RUN, "test")
  local query
  if type(what) == "string" and what ~= "" then
    local stored, err = self:get(what)
    if not stored then return nil, err end
    query = {id = what}
    what = {name = stored.name, integrationType = stored.integrationType, integrationId = stored.integrationId,
            templateConfig = stored.templateConfig}
  elseif type(what) ~= "table" then
    error(("bad argument #1 to 'test' (template table or id expected, got %s)"):format(type(what)), 2)
  end
  return send(self, "test-template-v1", {query = query, body = what}, opts)
end

--- The template with exactly this name: template, or nil when there is none, or nil, err.
-- syntax: template, err = client.notification_templates:by_name(name)
F.by_name = crud.by_name

--- The tenant's Prisma ID (client:prisma_id, which can also set it).
-- syntax: id, err = client.notification_templates:prisma_id()
function F:prisma_id()
  return self.client:prisma_id()
end

return F
