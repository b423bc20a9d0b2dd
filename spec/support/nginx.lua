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

-- Starts nginx with TLS and HTTP/2 using the PEM files of `tls` (from the
-- emulator's tls.generate); `locations` is nginx config text for the server
-- block. Returns {url, stop}.
function M.start(tls, locations)
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. dir .. "/logs"))
  local port = free_port()
  write(dir .. "/nginx.conf", ([[
worker_processes 1;
daemon on;
pid %s/nginx.pid;
error_log %s/logs/error.log;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path %s/body;
  proxy_temp_path %s/proxy;
  fastcgi_temp_path %s/fastcgi;
  uwsgi_temp_path %s/uwsgi;
  scgi_temp_path %s/scgi;
  server {
    listen 127.0.0.1:%d ssl http2;
    ssl_certificate %s;
    ssl_certificate_key %s;
    keepalive_requests 10000;
    %s
  }
}
]]):format(dir, dir, dir, dir, dir, dir, dir, port, tls.cert, tls.key, locations))
  local ok = os.execute(("nginx -p %s -c %s/nginx.conf 2>%s/logs/start.log"):format(dir, dir, dir))
  if not ok then error("nginx did not start: " .. (read(dir .. "/logs/start.log") or "")) end
  local pid
  for _ = 1, 100 do
    pid = tonumber(read(dir .. "/nginx.pid") or "")
    if pid then break end
    socket.sleep(0.02)
  end
  assert(pid, "nginx wrote no pid file")
  return {
    url = ("https://127.0.0.1:%d"):format(port),
    stop = function()
      os.execute("kill " .. pid)
      for _ = 1, 100 do
        if not read(dir .. "/nginx.pid") then break end
        socket.sleep(0.02)
      end
      os.execute("rm -rf " .. dir)
    end,
  }
end

return M
