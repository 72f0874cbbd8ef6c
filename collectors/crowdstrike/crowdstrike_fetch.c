/* crowdstrike_fetch.c - the crowdstrike collector's calls: the device scroll
 * (/devices/queries/devices-scroll/v1, which has no 10,000 cap unlike offset paging), each page's
 * ids posted to /devices/entities/devices/v2 for details while the scroll goes on (at most
 * CS_DETAILS_IN_FLIGHT batches at once, so memory is bounded), and the Zero Trust Assessment
 * counts and audit, all on one group; pacing from X-RateLimit-Limit / X-RateLimit-Remaining. */
#include <inttypes.h>
#include <syslog.h>

#include "crowdstrike_run.h"

#define CS_SCROLL_PATH  "/devices/queries/devices-scroll/v1"
#define CS_DETAILS_PATH "/devices/entities/devices/v2"
#define CS_ZTA_PATH     "/zero-trust-assessment/queries/assessments/v1"
#define CS_AUDIT_PATH   "/zero-trust-assessment/entities/audit/v1"

static const char *const scopes[_CS_CALL_KIND_MAX] = {
    [CS_CALL_SCROLL] = "Hosts: Read",
    [CS_CALL_DETAILS] = "Hosts: Read",
    [CS_CALL_ZTA] = "Zero Trust Assessment: Read",
    [CS_CALL_ZTA_AUDIT] = "Zero Trust Assessment: Read",
};

/* The budget left in this page's rate limit window sets the pacing of every Falcon request:
 * tightened at once, relaxed only when well above the reserve again (responses of concurrent
 * requests arrive out of order, and an older, more hopeful count must not undo it). */
static void pace_from_headers(struct cs_run *r, const struct zt_http_page *p)
{
    char buf[64];
    uint64_t limit = 0, remaining = 0;

    if (!zt_http_page_header(p, "X-RateLimit-Limit", buf, sizeof(buf)) ||
        zt_parse_uint64(buf, &limit) < 0 ||
        !zt_http_page_header(p, "X-RateLimit-Remaining", buf, sizeof(buf)) ||
        zt_parse_uint64(buf, &remaining) < 0 || limit > INT32_MAX || remaining > INT32_MAX) {
        return;
    }
    uint64_t ms = zt_cs_pace_ms((int64_t)limit, (int64_t)remaining);
    if (ms == r->pace_ms || (ms < r->pace_ms && remaining < limit / 5)) {
        return;
    }
    r->pace_ms = ms;
    zt_http_engine_set_pacing(zt_ctx_http_engine(r->ctx), r->pace_key, ms);
    zt_ctx_log(r->ctx, LOG_DEBUG,
               "%" PRIu64 " of %" PRIu64 " requests left in the rate limit: pacing at %" PRIu64
               " ms",
               remaining, limit, ms);
}

/* A failed call ends the pipeline: no more batches once any call of the group failed. */
static bool stopped(struct cs_run *r)
{
    for (struct cs_call *c = r->calls; c; c = c->next) {
        if (c->res.error < 0 && (c->kind == CS_CALL_SCROLL || c->kind == CS_CALL_DETAILS)) {
            return true;
        }
    }
    return zt_ctx_cancelled(r->ctx);
}

static int on_details_item(void *data, struct json_object *item)
{
    struct cs_call *c = data;
    zt_cs_host_item(&c->run->hosts, item);
    return 0;
}

static int on_scroll_item(void *data, struct json_object *item)
{
    struct cs_run *r = ((struct cs_call *)data)->run;
    const char *id =
        json_object_is_type(item, json_type_string) ? json_object_get_string(item) : NULL;
    struct cs_ids *ids = &r->ids;

    if (!zt_cs_id_valid(id)) {
        r->hosts.bad_ids++;
        return 0;
    }
    if (ids->n == ZT_CS_PAGE_MAX) {
        return -E2BIG; /* more than the limit asked for, and than one details request takes */
    }
    size_t need = ids->len + strlen(id) + 16;
    if (need > ids->cap) {
        ids->cap = need * 2;
        ids->buf = zt_xrealloc(ids->buf, ids->cap);
    }
    ids->len += (size_t)sprintf(ids->buf + ids->len, "%s\"%s\"", ids->n ? "," : "{\"ids\":[", id);
    ids->n++;
    return 0;
}

/* The body of the ids collected so far (caller frees), NULL without any. */
static char *ids_take(struct cs_ids *ids)
{
    if (!ids->n) {
        return NULL;
    }
    memcpy(ids->buf + ids->len, "]}", 3);
    char *body = ids->buf;
    *ids = (struct cs_ids){0};
    return body;
}

/* Issue req as a new call of kind (threshold: a ZTA count's filter) on the collection's group,
 * with what every Falcon call shares (token, trust anchor, pacing bucket, the call as userdata).
 * Returns the group's result. */
static int issue(struct cs_run *r, enum cs_call_kind kind, uint64_t threshold,
                 struct zt_http_request req)
{
    struct cs_call *c = zt_xcalloc(1, sizeof(*c));
    c->run = r;
    c->kind = kind;
    c->threshold = threshold;
    c->next = r->calls;
    r->calls = c;
    req.auth = &r->oauth;
    req.ca_file = r->s->ca_file;
    req.pace_key = r->pace_key;
    req.userdata = c;
    return zt_ctx_http_group_add(r->ctx, r->g, &req, &c->res);
}

static int on_details(void *data, const struct zt_http_page *p);
static int on_scroll(void *data, const struct zt_http_page *p);

static void add_details(struct cs_run *r, char *body)
{
    _cleanup_free_ char *url = zt_xasprintf("%s%s", r->api, CS_DETAILS_PATH);
    struct zt_http_request req = {.method = ZT_HTTP_POST,
                                  .url = url,
                                  .body = body,
                                  .items_field = "resources",
                                  .on_item = on_details_item,
                                  .on_page = on_details};
    if (issue(r, CS_CALL_DETAILS, 0, req) == 0) {
        r->in_flight++;
    }
    free(body);
}

static void add_scroll(struct cs_run *r)
{
    _cleanup_free_ char *url = r->next_offset
                                   ? zt_http_url_set_param(r->scroll_url, "offset", r->next_offset)
                                   : zt_xstrdup(r->scroll_url);
    struct zt_http_request req = {.method = ZT_HTTP_GET,
                                  .url = url,
                                  .items_field = "resources",
                                  .on_item = on_scroll_item,
                                  .on_page = on_scroll};
    free(r->next_offset);
    r->next_offset = NULL;
    issue(r, CS_CALL_SCROLL, 0, req);
}

/* A scroll page: post its ids for details (or keep them until a slot frees), then ask for the
 * next page unless a batch is waiting, which holds the scroll back (bounded memory). */
static int on_scroll(void *data, const struct zt_http_page *p)
{
    struct cs_call *c = data;
    struct cs_run *r = c->run;
    const char *next = NULL;
    int k = zt_cs_scroll_next(&r->hosts, zt_http_page_json(p), zt_http_page_items(p), &next, c->why,
                              sizeof(c->why));
    if (k < 0) {
        return k; /* a list cut short: the call fails, naming this page and why */
    }
    char *body = ids_take(&r->ids);

    pace_from_headers(r, p);
    if (!next) {
        r->scroll_done = true;
    } else {
        r->next_offset = zt_xstrdup(next);
    }
    if (stopped(r)) {
        free(body);
        return 0;
    }
    if (body && r->in_flight < CS_DETAILS_IN_FLIGHT) {
        add_details(r, body);
    } else if (body) {
        r->pending = body;
    }
    if (r->next_offset && !r->pending) {
        add_scroll(r);
    }
    return 0;
}

static int on_details(void *data, const struct zt_http_page *p)
{
    struct cs_run *r = ((struct cs_call *)data)->run;

    zt_cs_details_page(&r->hosts, zt_http_page_json(p));
    pace_from_headers(r, p);
    r->in_flight--;
    if (stopped(r)) {
        return 0;
    }
    if (r->pending) {
        add_details(r, r->pending);
        r->pending = NULL;
    }
    if (r->next_offset) {
        add_scroll(r);
    }
    return 0;
}

static int on_zta(void *data, const struct zt_http_page *p)
{
    struct cs_call *c = data;

    pace_from_headers(c->run, p);
    if (c->kind == CS_CALL_ZTA_AUDIT) {
        return zt_cs_zta_audit_page(&c->run->zta, zt_http_page_json(p), c->why, sizeof(c->why));
    }
    return zt_cs_zta_count_page(&c->run->zta, c->threshold, zt_http_page_json(p), c->why,
                                sizeof(c->why));
}

/* One ZTA request: the count of hosts scoring at least threshold (filter=score:>=T, required by
 * the API; limit=1 and the lowest first, which shows the filter held), or the audit. */
static void add_zta(struct cs_run *r, enum cs_call_kind kind, uint64_t threshold)
{
    _cleanup_free_ char *url =
        kind == CS_CALL_ZTA_AUDIT
            ? zt_xasprintf("%s" CS_AUDIT_PATH, r->api)
            : zt_xasprintf("%s" CS_ZTA_PATH "?filter=score%%3A%%3E%%3D%" PRIu64
                           "&limit=1&sort=score%%7Casc",
                           r->api, threshold);
    issue(r, kind, threshold,
          (struct zt_http_request){.method = ZT_HTTP_GET, .url = url, .on_page = on_zta});
}

int zt_cs_fetch(struct cs_run *r)
{
    int e = zt_ctx_http_group_new(r->ctx, &r->g);
    if (e < 0) {
        return e;
    }
    r->scroll_url = zt_xasprintf("%s" CS_SCROLL_PATH "?limit=%" PRIu64, r->api, r->s->page_size);
    add_scroll(r);
    if (r->s->zta) {
        add_zta(r, CS_CALL_ZTA, 0);
        add_zta(r, CS_CALL_ZTA, r->s->zta_min_score);
        add_zta(r, CS_CALL_ZTA_AUDIT, 0);
    }
    zt_http_group_wait(r->g);
    return 0;
}

static void call_problem(struct cs_run *r, const struct cs_call *c)
{
    /* The hint first: Falcon's error body starts with a long "meta" that the excerpt keeps. */
    if (c->res.status == 403) {
        zt_ctx_error(r->ctx, c->res.error, "the API client lacks the '%s' scope%s: %s",
                     scopes[c->kind],
                     c->kind >= CS_CALL_ZTA
                         ? " (or the CID has no Zero Trust Assessment: set zta = no to skip it)"
                         : "",
                     c->res.message);
    } else {
        zt_ctx_error(r->ctx, c->res.error, "%s%s%s", c->res.message, c->why[0] ? ": " : "", c->why);
    }
}

void zt_cs_problems(struct cs_run *r, struct cs_failed *f)
{
    size_t n = 0;

    *f = (struct cs_failed){0};
    for (struct cs_call *c = r->calls; c; c = c->next) {
        n++;
    }
    /* The list is newest first: report in the order the calls were issued. */
    _cleanup_free_ struct cs_call **v = zt_xcalloc(n + 1, sizeof(*v));
    size_t i = n;
    for (struct cs_call *c = r->calls; c; c = c->next) {
        v[--i] = c;
    }
    bool denied[_CS_CALL_KIND_MAX] = {false}; /* one problem per missing scope is enough */
    for (i = 0; i < n; i++) {
        const struct cs_call *c = v[i];
        if (c->res.error >= 0) {
            continue;
        }
        *(c->kind == CS_CALL_ZTA         ? &f->zta
          : c->kind == CS_CALL_ZTA_AUDIT ? &f->audit
                                         : &f->hosts) = true;
        f->first_err = f->first_err ? f->first_err : c->res.error;
        bool *seen = &denied[c->kind >= CS_CALL_ZTA ? CS_CALL_ZTA : CS_CALL_SCROLL];
        if (c->res.status != 403 || !*seen) {
            call_problem(r, c);
        }
        *seen = *seen || c->res.status == 403;
    }
    if (!f->hosts && (!r->scroll_done || r->pending || r->in_flight)) {
        f->hosts = true; /* defensive: a pipeline that stopped without a failed call */
        f->first_err = f->first_err ? f->first_err : -EIO;
        zt_ctx_error(r->ctx, -EIO, "%s%s: the host list stopped before its end", r->api,
                     CS_SCROLL_PATH);
    }
}

void zt_cs_fetch_close(struct cs_run *r)
{
    zt_http_group_free(r->g);
    r->g = NULL;
    while (r->calls) {
        struct cs_call *next = r->calls->next;
        free(r->calls);
        r->calls = next;
    }
    free(r->scroll_url);
    free(r->next_offset);
    free(r->pending);
    free(r->ids.buf);
}
