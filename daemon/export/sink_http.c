/* sink_http.c - one POST for HTTP sinks on the export's engine, and the usual reading of its
 * answer. Sinks give meaning to their receivers' own codes (HEC code 9, bulk item errors). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sink.h"

/* Every status a receiver may answer with is handed to the sink, which decides what it means:
 * the engine makes one attempt and never retries on its own for the export. */
static const int every_status[] = {
    400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412,
    413, 414, 415, 416, 417, 421, 422, 423, 424, 425, 426, 428, 429,
    431, 451, 500, 501, 502, 503, 504, 505, 507, 508, 510, 511, 0,
};

static int on_page(void *userdata, const struct zt_http_page *p)
{
    struct zt_sink_http_reply *reply = userdata;
    size_t len = 0;
    const char *body = zt_http_page_body(p, &len);
    char buf[128];

    reply->status = zt_http_page_status(p);
    free(reply->body);
    reply->body = zt_xstrndup(body ? body : "", body ? len : 0);
    reply->body_len = body ? len : 0;
    if (zt_http_page_header(p, "Retry-After", buf, sizeof(buf))) {
        int64_t now = (int64_t)time(NULL);
        char date[128];
        if (zt_http_page_header(p, "Date", date, sizeof(date))) {
            zt_http_parse_date(date, &now);
        }
        reply->has_retry_after = zt_http_parse_retry_after(buf, now, &reply->retry_after_ms) == 0;
    }
    return 0;
}

int zt_sink_http_post(const struct zt_sink_env *env, const struct zt_sink_http_request *req,
                      struct zt_sink_http_reply *reply)
{
    struct zt_http_result res = {0};
    struct zt_http_request r = {
        .method = ZT_HTTP_POST,
        .url = req->url,
        .headers = req->headers,
        .body = req->body,
        .body_len = req->body_len,
        .content_type = req->content_type,
        .sensitive = req->sensitive,
        .ca_file = req->ca_file,
        .auth = req->auth,
        .raw = true,
        .accept_status = every_status,
        .deadline_usec = zt_now_mono_usec() + zt_ms_to_usec(env->timeout_ms),
        .cancelled = env->cancelled,
        .cancel_data = env->cancel_data,
        .on_page = on_page,
        .userdata = reply,
    };

    *reply = (struct zt_sink_http_reply){0};
    int rc = zt_http_do(env->http, &r, &res);
    if (rc < 0 && reply->status == 0) {
        snprintf(reply->message, sizeof(reply->message), "%s", res.message);
        return rc;
    }
    return 0;
}

void zt_sink_http_reply_done(struct zt_sink_http_reply *reply)
{
    free(reply->body);
    reply->body = NULL;
    reply->body_len = 0;
}

/* A printable one-line excerpt of a body. */
static void excerpt(const struct zt_sink_http_reply *reply, char *buf, size_t len)
{
    size_t n = reply->body_len < len - 1 ? reply->body_len : len - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)reply->body[i];
        buf[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : ' ';
    }
    buf[n] = '\0';
}

enum zt_sink_status zt_sink_http_outcome(int r, const struct zt_sink_http_reply *reply,
                                         const char *what, struct zt_sink_outcome *out)
{
    char body[161];

    if (r < 0) {
        snprintf(out->message, sizeof(out->message), "%s", reply->message);
        return ZT_SINK_RETRY;
    }
    long s = reply->status;
    if (s >= 200 && s < 300) {
        return ZT_SINK_OK;
    }
    excerpt(reply, body, sizeof(body));
    snprintf(out->message, sizeof(out->message), "%s: HTTP %ld: %s", what, s,
             body[0] ? body : "(empty body)");
    if (s == 413) {
        out->too_large = true;
        return ZT_SINK_RETRY;
    }
    if (s == 408 || s == 429 || s >= 500) {
        out->retry_after_ms = reply->has_retry_after ? reply->retry_after_ms : 0;
        return ZT_SINK_RETRY;
    }
    return ZT_SINK_ERROR;
}
