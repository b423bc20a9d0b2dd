-- prismacloud.emulator.state: the mutable tenant behind the resource
-- families. A state is a seeded world (prismacloud.emulator.data) plus what
-- clients changed: alert status changes by alert index, the policy, account
-- group and cloud account stores. Rebuilt from scratch when the data options
-- change (POST /_emulator/config).
local data = require "prismacloud.emulator.data"
local json = require "prismacloud.json"

local function array(t) return setmetatable(t or {}, json.array_mt) end -- a JSON array, even empty
local M = {}

-- The options that shape the world; changing one rebuilds the state.
M.DATA_OPTIONS = {seed = true, alerts = true, policies = true, accounts = true, audit_logs = true, anchor_ms = true}

-- An ordered store: by_id and order (a list of ids); deleting is O(n), fine
-- for the few hundred items of a catalogue.
local Store = {}
Store.__index = Store

function Store:put(id, item)
  if self.by_id[id] == nil then self.order[#self.order + 1] = id end
  self.by_id[id] = item
end

function Store:delete(id)
  if self.by_id[id] == nil then return false end
  self.by_id[id] = nil
  for i, x in ipairs(self.order) do
    if x == id then
      table.remove(self.order, i)
      break
    end
  end
  return true
end

-- The items in insertion order.
function Store:list()
  local out = {}
  for _, id in ipairs(self.order) do out[#out + 1] = self.by_id[id] end
  return out
end

local function new_store()
  return setmetatable({by_id = {}, order = {}}, Store)
end
M.new_store = new_store

-- The initial account groups: everything, then one per cloud.
local function initial_groups(w)
  local groups = new_store()
  local function add(k, name, description, accounts)
    local ids = array{}
    for _, a in ipairs(accounts) do ids[#ids + 1] = a.accountId end
    local id = data.uuid(w.seed, data.SALT.group, k)
    groups:put(id, {
      id = id, name = name, description = description, accountIds = ids, autoCreated = false,
      lastModifiedBy = "Prisma Cloud System Admin", lastModifiedTs = w.anchor_ms - (30 + k) * data.DAY_MS,
    })
  end
  add(1, "Default Account Group", "Every onboarded cloud account", w.accounts)
  for k, cloud in ipairs(data.CLOUDS) do
    local list = {}
    for _, a in ipairs(w.accounts) do
      if a.cloudType == cloud then list[#list + 1] = a end
    end
    add(k + 1, cloud .. " Accounts", "All " .. cloud .. " accounts", list)
  end
  return groups
end

-- A new state from the app's config.
function M.new(config)
  local w = data.world{
    seed = config.seed, alerts = config.alerts, policies = config.policies, accounts = config.accounts,
    audit_logs = config.audit_logs, anchor_ms = config.anchor_ms,
  }
  local policies = new_store()
  for _, p in ipairs(w.policies) do policies:put(p.policyId, p) end
  local accounts = new_store()
  for _, a in ipairs(w.accounts) do accounts:put(a.accountId, a) end
  return {
    world = w,
    changes = {},        -- alert index -> {status, note, by, at, until_ms}
    changed = 0,         -- number of entries in changes
    generation = 0,      -- bumped on every change that can alter a count
    counts = {},         -- cached counts, valid for one generation
    buckets = {},        -- rate limit buckets
    policies = policies, accounts = accounts, groups = initial_groups(w),
    -- Distinguishes page tokens of this state from another's.
    id = ("%d-%d-%d"):format(w.seed, w.alert_count, w.anchor_ms),
  }
end

-- Marks a change: cached counts are stale.
function M.touch(st)
  st.generation = st.generation + 1
  st.counts = {}
end

return M
