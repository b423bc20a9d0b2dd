/*
 * pc_jwt: what the client reads from a JWT: whether it can travel in a
 * header, and its lifetime from the claims. The signature is not checked
 * (the server does that); nothing here trusts the claims beyond timing.
 */
#ifndef PC_JWT_H
#define PC_JWT_H

#include <stddef.h>

#include <lua.h>

#include "pc_buf.h"

/* The API's documented JWT lifetime, in seconds. */
#define PC_JWT_DEFAULT_LIFE 600.0

/* The longest token accepted: a Prisma Cloud JWT is about 1 KiB; one much
 * longer would travel in every request and cost memory to read. */
#define PC_JWT_MAX_LEN 65536

/* Whether the len bytes at tok are all visible ASCII (0x21..0x7e), so that
 * the token cannot inject a header line, and at most PC_JWT_MAX_LEN; an
 * empty token is refused too. */
int pc_jwt_header_safe(const char *tok, size_t len);

/* [-0, +0, m] A JWT's lifetime in seconds from its claims: exp - iat when
 * both are there (immune to a skewed local clock), else exp against the
 * local clock, else (no readable exp) the documented 10 minutes. Claims
 * that leave no time (exp in our past without iat, exp <= iat) give 0 for
 * a token the caller brought, but the documented 10 minutes for one the
 * server issued just now (`issued`): our clock is then the one that is
 * wrong, and the server's 401 decides, instead of one login per request.
 * `scratch` receives the decoded payload and is wiped again. */
double pc_jwt_lifetime(lua_State *L, pc_buf *scratch, const char *tok, size_t len, int issued);

#endif
