/* pc_trace.c: the redacted verbose trace; see pc_trace.h. */
#include "pc_trace.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Header names whose values are never shown. */
static const char *const SECRET_HEADERS[] = {"x-redlock-auth", "authorization",
                                             "proxy-authorization", "cookie", "set-cookie",
                                             "x-api-key", NULL};

static const char REDACTED[] = "<redacted>";

int pc_trace_secret_name(const char *name, size_t n) {
  int i;
  for (i = 0; SECRET_HEADERS[i]; i++)
    if (strlen(SECRET_HEADERS[i]) == n && strncasecmp(name, SECRET_HEADERS[i], n) == 0) return 1;
  return 0;
}

int pc_trace_mask(pc_xfer *x, const char *p, size_t n) {
  if (!p || n == 0) return 1;
  if (x->nsecrets >= PC_XFER_MAX_SECRETS) return 0;
  x->secrets[x->nsecrets].p = p;
  x->secrets[x->nsecrets].n = n;
  x->nsecrets++;
  return 1;
}

/* Letters, digits and '-': what a header name is made of here. */
static int name_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

/* Length of a credential header name plus its ':' at line[i] (spaces may
 * stand before the ':'), when one starts there on a name boundary (`prev`
 * is the byte written before it, so that the boundary holds in the
 * redacted line too); else 0. */
static size_t secret_name_at(const char *line, size_t len, size_t i, char prev, size_t *name_len) {
  int k;
  if (name_char((unsigned char)prev)) return 0;
  for (k = 0; SECRET_HEADERS[k]; k++) {
    size_t n = strlen(SECRET_HEADERS[k]), j;
    if (len - i < n + 1 || strncasecmp(line + i, SECRET_HEADERS[k], n) != 0) continue;
    for (j = i + n; j < len && (line[j] == ' ' || line[j] == '\t'); j++) {
    }
    if (j < len && line[j] == ':') {
      *name_len = n;
      return j + 1 - i;
    }
  }
  return 0;
}

/* When "://" starts at line[i] and the authority after it holds user-info
 * (an '@'), returns the offset just past its last '@'; else 0. */
static size_t userinfo_end(const char *line, size_t len, size_t i) {
  size_t j, at = 0;
  if (len - i < 3 || memcmp(line + i, "://", 3) != 0) return 0;
  for (j = i + 3; j < len; j++) {
    char c = line[j];
    if (c == '/' || c == '?' || c == '#' || c == ' ' || c == '\t' || c == '\'' || c == '"' ||
        c == ']' || c == '>' || c == ')')
      break;
    if (c == '@') at = j + 1;
  }
  return at;
}

/* Length of a masked string starting at line[i], or 0. */
static size_t secret_at(const pc_xfer *x, const char *line, size_t len, size_t i) {
  int k;
  for (k = 0; k < x->nsecrets; k++) {
    size_t n = x->secrets[k].n;
    if (n <= len - i && memcmp(line + i, x->secrets[k].p, n) == 0) return n;
  }
  return 0;
}

/* Length of the valid UTF-8 sequence at p (n bytes left) when it is not a
 * C1 control (U+0080..U+009F); 0 for a C1 control or a byte that does not
 * start a valid sequence (shown as '?'). */
static size_t printable_utf8(const char *p, size_t n) {
  const unsigned char *u = (const unsigned char *)p;
  size_t k, need;
  unsigned cp;
  if (u[0] >= 0xC2 && u[0] <= 0xDF) need = 2, cp = u[0] & 0x1Fu;
  else if (u[0] >= 0xE0 && u[0] <= 0xEF) need = 3, cp = u[0] & 0x0Fu;
  else if (u[0] >= 0xF0 && u[0] <= 0xF4) need = 4, cp = u[0] & 0x07u;
  else return 0;
  if (n < need) return 0;
  for (k = 1; k < need; k++) {
    if ((u[k] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (u[k] & 0x3Fu);
  }
  if (need == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return 0;
  if (need == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return 0;
  return cp >= 0xA0 ? need : 0;
}

/* Appends "<prefix><line>\n" to the trace, redacted (see pc_trace.h). On
 * out-of-memory the rest of the line is dropped: a line is cut, never
 * shown unredacted. */
static void add_line(pc_xfer *x, const char *prefix, const char *line, size_t len) {
  pc_buf *t = &x->trace;
  size_t i = 0, start;
  while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) len--;
  if (len == 0 || !pc_buf_adds(t, prefix)) return;
  start = t->len;
  while (i < len) {
    unsigned char c = (unsigned char)line[i];
    char prev = t->len > start ? t->data[t->len - 1] : ' ';
    size_t n, name_len = 0;
    if ((n = secret_at(x, line, len, i)) > 0) {
      if (!pc_buf_adds(t, REDACTED)) return;
      i += n;
    } else if ((n = secret_name_at(line, len, i, prev, &name_len)) > 0) {
      /* the name stays; the value up to a closing ']' goes */
      if (!(pc_buf_add(t, line + i, name_len) && pc_buf_adds(t, ": ") && pc_buf_adds(t, REDACTED)))
        return;
      for (i += n; i < len && line[i] != ']'; i++) {
      }
    } else if ((n = userinfo_end(line, len, i)) > 0) {
      if (!(pc_buf_adds(t, "://") && pc_buf_adds(t, REDACTED) && pc_buf_addc(t, '@'))) return;
      i = n;
    } else if (c >= 0x80 && (n = printable_utf8(line + i, len - i)) > 0) {
      if (!pc_buf_add(t, line + i, n)) return;
      i += n;
    } else {
      if (!pc_buf_addc(t, c < 0x20 || c >= 0x7f ? '?' : (char)c)) return;
      i++;
    }
  }
  pc_buf_addc(t, '\n');
}

/* Adds every line of a block (header blocks come whole or a line at a time). */
static void add_block(pc_xfer *x, const char *prefix, const char *data, size_t len) {
  while (len > 0) {
    const char *nl = memchr(data, '\n', len);
    size_t n = nl ? (size_t)(nl - data) + 1 : len;
    add_line(x, prefix, data, n);
    data += n;
    len -= n;
  }
}

/* Emits the pending body-size line of one direction. */
static void add_body_size(pc_xfer *x, const char *prefix, curl_off_t *count) {
  char line[64];
  if (*count <= 0) return;
  snprintf(line, sizeof line, "[%lld bytes of body]", (long long)*count);
  add_line(x, prefix, line, strlen(line));
  *count = 0;
}

int pc_trace_debug(CURL *easy, curl_infotype type, char *data, size_t size, void *userdata) {
  pc_xfer *x = (pc_xfer *)userdata;
  (void)easy;
  switch (type) {
    case CURLINFO_TEXT:
      add_block(x, "* ", data, size);
      break;
    case CURLINFO_HEADER_OUT:
      add_block(x, "> ", data, size);
      break;
    case CURLINFO_DATA_OUT:
      x->trace_out += (curl_off_t)size;
      break;
    case CURLINFO_HEADER_IN:
      add_body_size(x, "> ", &x->trace_out);
      add_block(x, "< ", data, size);
      break;
    case CURLINFO_DATA_IN:
      x->trace_in += (curl_off_t)size;
      break;
    default: /* TLS records: nothing readable */
      break;
  }
  return 0;
}

void pc_trace_finish(pc_xfer *x) {
  add_body_size(x, "> ", &x->trace_out);
  add_body_size(x, "< ", &x->trace_in);
}

int pc_trace_enable(pc_xfer *x) {
  int ok = curl_easy_setopt(x->easy, CURLOPT_DEBUGFUNCTION, pc_trace_debug) == CURLE_OK;
  ok &= curl_easy_setopt(x->easy, CURLOPT_DEBUGDATA, x) == CURLE_OK;
  ok &= curl_easy_setopt(x->easy, CURLOPT_VERBOSE, 1L) == CURLE_OK;
  return ok;
}
