-- spec/support/nginx.lua: a private nginx (Debian's nginx-light) on
-- 127.0.0.1 for the specs that need a second, real server: HTTP/2 over TLS.
-- Its own prefix, config, pid file and port; stopped by its PID.
local M = {}

local socket = require "socket"

-- A free port on 127.0.0.1 (bound, read, released).
local function free_port()
  local s = assert(socket.bind("127.0.0.1", 0))
  local _, port = s:getsockname()
  s:close()
  return port
end

local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

local function read(path)
  local f = io.open(path)
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

-- Whether nginx is installed.
function M.available()
  return os.execute("command -v nginx >/dev/null 2>&1") == true
end

-- A free port on 127.0.0.1, for a server about to start.
M.free_port = free_port

-- Runs nginx under its own prefix `dir` (created; a fresh temporary one when
-- nil) with `http_block`, the text inside `http { }` (temp paths are set
-- here). Returns {dir, pid, stop}; stop kills it by its PID and waits for
-- its pid file to go (and removes a temporary dir).
function M.run(http_block, dir, worker_connections)
  local own = dir == nil
  if own then
    dir = os.tmpname()
    os.remove(dir)
  end
  assert(os.execute("mkdir -p " .. dir .. "/logs"))
  write(dir .. "/nginx.conf", ([[
worker_processes 1;
daemon on;
pid %s/nginx.pid;
error_log %s/logs/error.log;
events { worker_connections %d; }
http {
  client_body_temp_path %s/body;
  proxy_temp_path %s/proxy;
  fastcgi_temp_path %s/fastcgi;
  uwsgi_temp_path %s/uwsgi;
  scgi_temp_path %s/scgi;
%s
}
]]):format(dir, dir, worker_connections or 256, dir, dir, dir, dir, dir, http_block))
  local ok = os.execute(("nginx -p %s -c %s/nginx.conf 2>%s/logs/start.log"):format(dir, dir, dir))
  if not ok then error("nginx did not start: " .. (read(dir .. "/logs/start.log") or "")) end
  local pid
  for _ = 1, 200 do
    pid = tonumber(read(dir .. "/nginx.pid") or "")
    if pid then break end
    socket.sleep(0.02)
  end
  assert(pid, "nginx wrote no pid file: " .. (read(dir .. "/logs/start.log") or ""))
  return {
    dir = dir, pid = pid,
    stop = function()
      os.execute("kill " .. pid .. " 2>/dev/null")
      for _ = 1, 200 do
        if not read(dir .. "/nginx.pid") then break end
        socket.sleep(0.02)
      end
      if own then os.execute("rm -rf " .. dir) end
    end,
  }
end

-- Starts nginx with TLS and HTTP/2 using the PEM files of `tls` (from the
-- emulator's tls.generate); `locations` is nginx config text for the server
-- block. Returns {url, stop}.
function M.start(tls, locations)
  local port = free_port()
  local ng = M.run(([[
  access_log off;
  server {
    listen 127.0.0.1:%d ssl http2;
    ssl_certificate %s;
    ssl_certificate_key %s;
    keepalive_requests 10000;
    %s
  }]]):format(port, tls.cert, tls.key, locations))
  return {url = ("https://127.0.0.1:%d"):format(port), stop = ng.stop}
end

return M
