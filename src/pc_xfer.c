/* pc_xfer.c: a transfer slot and its libcurl callbacks; see pc_xfer.h. */
#include "pc_xfer.h"

#include <string.h>

#include "pc_interrupt.h"

#include "pc_util.h"

/* Whether `total` decoded bytes exceed max_ratio times the bytes that
 * came over the wire (past PC_RATIO_FLOOR; max_ratio 0: never). */
static int over_ratio(pc_xfer *x, double total) {
  curl_off_t wire = 0;
  if (x->max_ratio <= 0 || total <= PC_RATIO_FLOOR) return 0;
  curl_easy_getinfo(x->easy, CURLINFO_SIZE_DOWNLOAD_T, &wire);
  return total > x->max_ratio * (double)(wire > 0 ? wire : 1);
}

/* libcurl write callback: the body goes to the output file (a 2xx with
 * `output`; the ratio cap holds there too, a bomb would fill the disk) or
 * into x->resp, within the client's budget and the compression ratio cap.
 * Returns n, or 0 (a write error) to stop. */
static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata) {
  pc_xfer *x = (pc_xfer *)userdata;
  pc_budget *b = x->budget;
  size_t n = size * nmemb;
  if (x->sink.output) {
    if (x->sink.state == PC_SINK_UNDECIDED) {
      long status = 0;
      curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
      pc_sink_decide(&x->sink, status);
    }
    if (x->sink.state == PC_SINK_FILE) {
      if (over_ratio(x, (double)x->sink.len + (double)n)) {
        x->cut = PC_CUT_RATIO;
        return 0;
      }
      return pc_sink_write(&x->sink, ptr, n);
    }
  }
  if (n > b->max - b->used) {
    x->cut = PC_CUT_BUDGET;
    return 0;
  }
  if (over_ratio(x, (double)x->resp.len + (double)n)) {
    x->cut = PC_CUT_RATIO;
    return 0;
  }
  if (!pc_buf_add(&x->resp, ptr, n)) return 0;
  b->used += n;
  return n;
}

/* libcurl header callback: keeps the raw lines of the final response. */
static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata) {
  pc_xfer *x = (pc_xfer *)userdata;
  size_t n = size * nmemb;
  /* A new status line (after 100 Continue, a redirect or a proxy CONNECT)
   * starts the headers of the response we keep. */
  if (n >= 5 && memcmp(ptr, "HTTP/", 5) == 0) pc_buf_reset(&x->resp_headers);
  return pc_buf_add(&x->resp_headers, ptr, n) ? n : 0;
}

/* libcurl read callback: the body of a request that is not idempotent. */
static size_t on_read(char *buffer, size_t size, size_t nitems, void *userdata) {
  pc_xfer *x = (pc_xfer *)userdata;
  size_t n = size * nitems, left = x->upload_len - x->upload_off;
  if (n > left) n = left;
  if (n) memcpy(buffer, x->upload + x->upload_off, n);
  x->upload_off += n;
  return n;
}

/* libcurl seek callback: libcurl asks to rewind the body only to send the
 * request again on its own (a reused connection that died without an
 * answer). For a request that is not idempotent, the first sending may
 * have been acted on: refused, so the exchange fails instead. */
static int on_seek(void *userdata, curl_off_t offset, int origin) {
  pc_xfer *x = (pc_xfer *)userdata;
  (void)offset;
  (void)origin;
  x->resend_refused = 1;
  return CURL_SEEKFUNC_FAIL;
}

/* libcurl progress callback, on while a host catches interrupts: a
 * pending SIGINT stops the transfer (CURLE_ABORTED_BY_CALLBACK). */
static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow) {
  (void)userdata;
  (void)dltotal;
  (void)dlnow;
  (void)ultotal;
  (void)ulnow;
  return pc_interrupt_pending();
}

int pc_xfer_bind(pc_xfer *x, pc_budget *budget) {
  CURL *e = x->easy;
  int ok = 1;
  x->budget = budget;
  ok &= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_WRITEDATA, x) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_HEADERDATA, x) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_READDATA, x) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, on_seek) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_SEEKDATA, x) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_DEBUGDATA, x) == CURLE_OK; /* a duplicated handle had its source's */
  return ok;
}

void pc_xfer_drop_response(pc_xfer *x) {
  if (x->budget) x->budget->used -= x->resp.len < x->budget->used ? x->resp.len : x->budget->used;
  if (x->resp.cap > PC_RATIO_FLOOR) pc_buf_wipe(&x->resp); /* a big page: give the memory back */
  else pc_buf_reset(&x->resp);
}

void pc_xfer_clear_headers(pc_xfer *x) {
  struct curl_slist *h;
  for (h = x->req_headers; h; h = h->next) pc_wipe(h->data, strlen(h->data));
  curl_slist_free_all(x->req_headers);
  x->req_headers = NULL;
}

void pc_xfer_abandon(pc_xfer *x) {
  if (x->easy) curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, NULL);
  pc_xfer_clear_headers(x);
  pc_sink_reset(&x->sink);
  x->sink.output = NULL;
  x->upload = NULL;
  x->upload_len = x->upload_off = 0;
  x->nsecrets = 0;
  pc_buf_wipe(&x->secret_copy);
  x->trace_in = x->trace_out = 0;
  pc_buf_wipe(&x->trace);
  pc_xfer_drop_response(x);
}

void pc_xfer_release(pc_xfer *x) {
  pc_xfer_abandon(x);
  if (x->easy) curl_easy_cleanup(x->easy);
  x->easy = NULL;
  pc_buf_free(&x->url);
  pc_buf_wipe(&x->body);
  pc_buf_wipe(&x->resp);
  pc_buf_free(&x->resp_headers);
}

int pc_xfer_header(pc_xfer *x, const char *name, size_t nlen, const char *value, size_t vlen) {
  pc_buf line = PC_BUF_INIT;
  struct curl_slist *next;
  int ok = pc_buf_add(&line, name, nlen) && pc_buf_add(&line, ": ", 2) &&
           pc_buf_add(&line, value, vlen);
  next = ok ? curl_slist_append(x->req_headers, line.data) : NULL;
  pc_buf_wipe(&line);
  if (!next) return 0;
  x->req_headers = next;
  return 1;
}

/* Sets method and body on the reused easy handle. A NULL body sends none
 * for GET and DELETE, an empty one for POST, PUT and PATCH. A resendable
 * body is handed over whole (libcurl may send it again by itself on a dead
 * reused connection); any other goes through the read callback, whose seek
 * callback refuses that second sending. */
static void set_method(pc_xfer *x, const pc_xfer_request *rq) {
  CURL *e = x->easy;
  const char *method = rq->method;
  int is_get = strcmp(method, "GET") == 0, is_delete = strcmp(method, "DELETE") == 0;
  x->upload = NULL;
  x->upload_len = x->upload_off = 0;
  x->resend_refused = 0;
  if (!rq->body && (is_get || is_delete)) {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  } else if (rq->resendable) {
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->blen);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
  } else {
    x->upload = rq->body ? rq->body : "";
    x->upload_len = rq->blen;
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, NULL);
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->blen);
  }
  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST,
                   strcmp(method, "POST") == 0 || (is_get && !rq->body) ? NULL : method);
}

void pc_xfer_prepare(pc_xfer *x, const pc_xfer_request *rq) {
  curl_easy_setopt(x->easy, CURLOPT_URL, rq->url);
  curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->req_headers);
  curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, rq->timeout_ms);
  curl_easy_setopt(x->easy, CURLOPT_NOPROGRESS, pc_interrupt_catching() ? 0L : 1L);
  set_method(x, rq);
  pc_xfer_drop_response(x);
  pc_buf_reset(&x->resp_headers);
  x->cut = PC_CUT_NONE;
  x->errbuf[0] = '\0';
  pc_sink_reset(&x->sink);
  x->sink.output = rq->output;
  x->trace_in = x->trace_out = 0;
}

void pc_xfer_finish(pc_xfer *x, long long *sent, long long *received) {
  curl_off_t n = 0;
  curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, NULL);
  pc_xfer_clear_headers(x);
  x->nsecrets = 0; /* the spans may point into memory the caller frees next */
  pc_buf_wipe(&x->secret_copy);
  curl_easy_getinfo(x->easy, CURLINFO_SIZE_UPLOAD_T, &n);
  *sent = (long long)n;
  *received = (long long)(x->resp.len + x->resp_headers.len) + x->sink.len;
}
