/*
 * pc_client: the `prismacloud.Client` userdata. One libcurl easy handle per
 * client, reused for every request (keep-alive), with a share handle for
 * DNS and TLS sessions. Every buffer is owned by the client and reused.
 */
#ifndef PC_CLIENT_H
#define PC_CLIENT_H

#include <curl/curl.h>
#include <lua.h>

#include "pc_buf.h"

#define PC_CLIENT_MT "prismacloud.Client"

typedef struct pc_client {
  CURL *easy;                      /* owned; NULL once closed */
  CURLSH *share;                   /* owned; DNS cache and TLS sessions */
  struct curl_slist *req_headers;  /* headers of the request being sent; wiped when freed */
  pc_buf base;                     /* normalised base URL, e.g. https://api.prismacloud.io */
  pc_buf url;                      /* URL of the request being built */
  pc_buf body;                     /* encoded JSON body of the request */
  pc_buf resp;                     /* body of the last response */
  pc_buf resp_headers;             /* raw header lines of the last response */
  pc_buf token;                    /* the JWT (secret); wiped on close */
  pc_buf access_key;               /* secret-adjacent; wiped on close */
  pc_buf secret_key;               /* secret; wiped on close */
  size_t max_body;                 /* a response body larger than this is refused */
  int body_too_large;              /* set by the write callback */
  int closed;
  char errbuf[CURL_ERROR_SIZE];    /* libcurl's message for the last failure */
} pc_client;

/* [-0, +1, m] Pushes the response of the last transfer: a table
 * {status, headers, body}, where body is decoded JSON when the content type
 * says JSON, the raw string otherwise and nil when empty. When a success
 * response (2xx) carries malformed JSON, pushes nil and a `decode` error
 * instead and returns 2; otherwise returns 1. */
int pc_response_push(lua_State *L, pc_client *c, long status, const char *method,
                     const char *path);

/* libcurl callbacks that collect the response into the client's buffers.
 * They never touch Lua and never raise. */
size_t pc_response_write(char *ptr, size_t size, size_t nmemb, void *userdata);
size_t pc_response_header(char *ptr, size_t size, size_t nmemb, void *userdata);

/* [-0, +0, m] Sets new, the Client methods table and the client metatable in the table on top. */
void pc_client_register(lua_State *L);

#endif
