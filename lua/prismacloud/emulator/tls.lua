-- prismacloud.emulator.tls: throw-away certificates for the emulator's HTTPS.
-- Generates (with luaossl) a self-signed CA, a server certificate for
-- 127.0.0.1 and localhost signed by it, and an unrelated second CA that tests
-- use to show that verification against the wrong CA fails. Keys are EC P-256:
-- quick to generate, so a TLS emulator starts in milliseconds.
local pkey = require "openssl.pkey"
local x509 = require "openssl.x509"
local x509_name = require "openssl.x509.name"
local x509_altname = require "openssl.x509.altname"
local x509_extension = require "openssl.x509.extension"
local rand = require "openssl.rand"

local M = {}

local LIFETIME = 365 * 24 * 3600 -- one year; not-before is an hour back for skewed clocks

local function new_key()
  return pkey.new{type = "EC", curve = "prime256v1"}
end

local function name_of(cn)
  local n = x509_name.new()
  n:add("O", "prismacloud emulator")
  n:add("CN", cn)
  return n
end

-- A positive random serial number (RFC 5280 asks for unique, up to 20 bytes).
local function random_serial()
  local b1, b2, b3, b4, b5, b6 = rand.bytes(6):byte(1, 6)
  return ((b1 & 0x7f) << 40) | (b2 << 32) | (b3 << 24) | (b4 << 16) | (b5 << 8) | b6
end

-- Key identifiers given as DER: SKI is an OCTET STRING, AKI a SEQUENCE
-- holding [0] keyIdentifier. Strict verifiers (e.g. Python >= 3.13) want both.
local function ski_der(id) return "\4" .. string.char(#id) .. id end
local function aki_der(id) return "\48" .. string.char(#id + 2) .. "\128" .. string.char(#id) .. id end

-- Builds and signs one certificate. spec: {subject, key, issuer_name,
-- issuer_key, issuer_id, ca = bool, ip = {...}, dns = {...}}; returns crt, id.
local function make_cert(spec)
  local crt = x509.new()
  local now = os.time()
  local id = rand.bytes(20)
  crt:setVersion(3)
  crt:setSerial(random_serial())
  crt:setSubject(spec.subject)
  crt:setIssuer(spec.issuer_name or spec.subject)
  crt:setPublicKey(spec.key)
  crt:setLifetime(now - 3600, now + LIFETIME)
  crt:setBasicConstraints{CA = spec.ca or false}
  crt:setBasicConstraintsCritical(true)
  if spec.ca then
    crt:addExtension(x509_extension.new("keyUsage", "critical,keyCertSign,cRLSign"))
  else
    crt:addExtension(x509_extension.new("keyUsage", "critical,digitalSignature,keyEncipherment"))
    crt:addExtension(x509_extension.new("extendedKeyUsage", "serverAuth"))
  end
  crt:addExtension(x509_extension.new("subjectKeyIdentifier", "DER", ski_der(id)))
  crt:addExtension(x509_extension.new("authorityKeyIdentifier", "DER", aki_der(spec.issuer_id or id)))
  if spec.ip or spec.dns then
    local alt = x509_altname.new()
    for _, ip in ipairs(spec.ip or {}) do alt:add("IP", ip) end
    for _, dns in ipairs(spec.dns or {}) do alt:add("DNS", dns) end
    crt:setSubjectAlt(alt)
  end
  assert(crt:sign(spec.issuer_key or spec.key, "sha256"))
  return crt, id
end

-- A self-signed CA: returns cert, key, key id.
local function make_ca(cn)
  local key = new_key()
  local crt, id = make_cert{subject = name_of(cn), key = key, ca = true}
  return crt, key, id
end

local function write_file(path, data)
  local f = assert(io.open(path, "wb"))
  assert(f:write(data))
  assert(f:close())
end

-- Writes ca.pem, server.pem, server.key and other-ca.pem into dir, which
-- must exist (and be private: the key file gets the umask's mode). Returns
-- {ca =, cert =, key =, other_ca =} paths.
function M.generate(dir)
  assert(type(dir) == "string" and dir ~= "", "tls.generate: directory expected")
  local ca_crt, ca_key, ca_id = make_ca("prismacloud emulator CA")
  local server_key = new_key()
  local server_crt = make_cert{
    subject = name_of("127.0.0.1"), key = server_key,
    issuer_name = ca_crt:getSubject(), issuer_key = ca_key, issuer_id = ca_id,
    ip = {"127.0.0.1"}, dns = {"localhost"},
  }
  local other_crt = make_ca("unrelated CA (must not verify the emulator)")
  local paths = {
    ca = dir .. "/ca.pem", cert = dir .. "/server.pem",
    key = dir .. "/server.key", other_ca = dir .. "/other-ca.pem",
  }
  write_file(paths.ca, ca_crt:toPEM())
  write_file(paths.cert, server_crt:toPEM())
  write_file(paths.key, server_key:toPEM("private"))
  write_file(paths.other_ca, other_crt:toPEM())
  return paths
end

return M
