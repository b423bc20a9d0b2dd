-- prismacloud.emulator.search_network: network search (SearchMicroService.json).
--
--   POST /search   {query, timeRange, id?} -> {id, searchType = "network", query, timeRange,
--                  data = {nodes, connections}}: one answer, no paging
--
-- FLOWS flow records made on demand from (seed, index), between a few dozen nodes per account
-- and region; the query is in the network subset of rql.lua.
local api = require "prismacloud.emulator.api"
local data = require "prismacloud.emulator.data"
local rql = require "prismacloud.emulator.rql"
local saved_searches = require "prismacloud.emulator.saved_searches"
local search_query = require "prismacloud.emulator.search_query"

local M = {}

local array = api.array
local hash, roll, pick = data.hash, data.roll, data.pick

M.FLOWS = 300                -- network flow records
M.SALT = 105

local PROTOCOLS = {"TCP", "UDP"}
local PORTS = {22, 80, 443, 3389, 5432}

-- Flow record i: its cloud, account, region, protocol, port, ends and size.
local function flow(w, i)
  local h = hash(w.seed, M.SALT, i)
  local cloud = pick(h, data.CLOUDS, 0)
  return {index = i, h = h, cloud = cloud, account = pick(h, w.accounts_by_cloud[cloud], 4),
          region = pick(h, data.REGIONS[cloud], 12),
          protocol = pick(h, PROTOCOLS, 16), port = pick(h, PORTS, 20), src = roll(h, 40, 28), dst = roll(h, 40, 36),
          bytes = 1000 + roll(h, 1000000, 44)}
end

-- The flows a network query tree matches: their nodes and connections.
function M.graph(w, tree)
  local nodes, node_list, connections = {}, array{}, array{}
  local function node(f, n)
    local id = ("%s-%s-%02d"):format(f.account.accountId, f.region[2], n)
    if not nodes[id] then
      nodes[id] = true
      node_list[#node_list + 1] = {id = id, name = ("ip-10-0-%d-%d"):format(n, f.index % 250),
                                   accountId = f.account.accountId,
                                   accountName = f.account.name, cloudType = f.cloud:lower(), regionId = f.region[2],
                                   ipAddr = ("10.0.%d.%d"):format(n, 1 + n * 3 % 250)}
    end
    return id
  end
  for i = 1, M.FLOWS do
    local f = flow(w, i)
    local attrs = {["cloud.type"] = {f.cloud:lower()}, ["cloud.account"] = {f.account.name, f.account.accountId},
                   ["cloud.region"] = {f.region[1], f.region[2]}, protocol = {f.protocol},
                   ["dest.port"] = {tostring(f.port)}}
    if rql.eval(tree, {attr = function(name) return attrs[name] or {} end}) then
      connections[#connections + 1] = {from = node(f, f.src), to = node(f, f.dst), protocol = f.protocol,
                                       port = f.port, bytes = f.bytes, accepted = roll(f.h, 8, 50) ~= 0}
    end
  end
  return node_list, connections
end

local function search(app, req)
  local body, bad = search_query.query_body(req, "network")
  if not body then return bad end
  local tr = body.timeRange
  if type(tr) ~= "table" then
    return api.fail(req, 400, "invalid_parameter_value", "timeRange", "timeRange is required")
  end
  local a = api.time_range(tr, api.time_context(req, 0))
  if not a then return api.fail(req, 400, "invalid_parameter_value", "timeRange", "bad time range") end
  local node_list, connections = M.graph(app.state.world, rql.parse(body.query, "network"))
  local entry = saved_searches.record(app, req, "network", body.query, tr, body.id)
  return api.json(200, saved_searches.answer(entry, "network", body.query, tr,
                                            {nodes = node_list, connections = connections}))
end

-- Adds the route above.
function M.register(router, app)
  router:add("POST", "/search", function(req) return search(app, req) end)
end

return M
