/* sink_azure_monitor.c - events to Azure Monitor / Microsoft Sentinel through the Logs Ingestion
 * API: a JSON array of objects POSTed to a data collection rule's stream, with a client
 * credentials token for https://monitor.azure.com/.default from the export's engine cache.
 *
 * Each object is the event in its format with two members put in front: "TimeGenerated" (the
 * event time, the column every Log Analytics table needs) and "event_id" (the event id: `id` is
 * a reserved column name, so a stream cannot carry it as is). A DCR whose transform is just
 * `source` then keeps both. One call may carry at most 1,000,000 bytes: a batch is sent as as
 * many POSTs as it takes within the deliver() bound; an event that alone exceeds the limit is
 * refused for good. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "scan.h"
#include "sink.h"

#define AZMON_SCOPE       "https://monitor.azure.com/.default"
#define AZMON_API_VERSION "2023-01-01"
#define AZMON_LOGIN_URL   "https://login.microsoftonline.com"
#define AZMON_BODY_MAX    1000000u /* bytes of one call, the service limit */
#define AZMON_NAME_MAX    256u     /* tenant, DCR id, stream: path segments we build */

struct azmon_sink {
    char *url;
    char *dcr_id;
    char *stream;
    char *tenant_id;
    char *client_id;
    char *client_secret_file;
    char *credential;
    char *login_url;
    char *ca_file;
    const struct zt_sink_env *env;
    char *secret;
    char *token_url;
    char *ingest_url;
    char what[400]; /* "POST <ingest url>" for messages */
    struct zt_oauth_config oauth;
};

static const struct zt_option azmon_options[] = {
    {"url", ZT_OPT_URL, NULL, offsetof(struct azmon_sink, url), ZT_OPT_REQUIRED,
     "logs ingestion endpoint of the DCE or DCR: https://<dce>.<region>.ingest.monitor.azure.com"},
    {"dcr_id", ZT_OPT_STRING, NULL, offsetof(struct azmon_sink, dcr_id), ZT_OPT_REQUIRED,
     "immutable id of the data collection rule (dcr-...)"},
    {"stream", ZT_OPT_STRING, NULL, offsetof(struct azmon_sink, stream), ZT_OPT_REQUIRED,
     "stream of the rule the events go to (Custom-<Table>_CL)"},
    {"tenant_id", ZT_OPT_STRING, NULL, offsetof(struct azmon_sink, tenant_id), ZT_OPT_REQUIRED,
     "directory (tenant) id or verified domain of the app registration"},
    {"client_id", ZT_OPT_STRING, NULL, offsetof(struct azmon_sink, client_id), ZT_OPT_REQUIRED,
     "application (client) id; needs Monitoring Metrics Publisher on the DCR"},
    {"client_secret_file", ZT_OPT_PATH, NULL, offsetof(struct azmon_sink, client_secret_file), 0,
     "file holding the client secret (owner root or ztmmd, mode 0600)"},
    {"credential", ZT_OPT_STRING, NULL, offsetof(struct azmon_sink, credential), 0,
     "systemd credential (LoadCredential=) holding the client secret"},
    {"login_url", ZT_OPT_URL, AZMON_LOGIN_URL, offsetof(struct azmon_sink, login_url), 0,
     "Microsoft identity platform base URL (sovereign clouds, tests)"},
    {"ca_file", ZT_OPT_PATH, NULL, offsetof(struct azmon_sink, ca_file), 0,
     "PEM trust anchor replacing the system store for login and ingestion"},
    {.key = NULL},
};

/* A non-empty name of only the characters in allowed, short enough for a URL path segment. */
static bool name_ok(const char *s, const char *allowed)
{
    return s && s[0] && strlen(s) < AZMON_NAME_MAX && strspn(s, allowed) == strlen(s);
}

#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

static int azmon_check(const void *state, char *err, size_t errlen)
{
    const struct azmon_sink *a = state;

    if (!!a->client_secret_file + !!a->credential != 1) {
        snprintf(err, errlen, "set exactly one of 'client_secret_file' or 'credential'");
        return -EINVAL;
    }
    if (!name_ok(a->tenant_id, ALNUM ".-")) {
        snprintf(err, errlen,
                 "'tenant_id' must be a tenant GUID or domain name (letters, digits, '.', '-')");
        return -EINVAL;
    }
    if (!name_ok(a->dcr_id, ALNUM "-")) {
        snprintf(err, errlen, "'dcr_id' must be the rule's immutable id (dcr-<hex>)");
        return -EINVAL;
    }
    if (!name_ok(a->stream, ALNUM "-_")) {
        snprintf(err, errlen, "'stream' must be a stream name such as Custom-Ztmmd_CL");
        return -EINVAL;
    }
    if (!a->client_id || !a->client_id[0]) {
        snprintf(err, errlen, "'client_id' must not be empty");
        return -EINVAL;
    }
    return 0;
}

static void azmon_close(void *state)
{
    struct azmon_sink *a = state;
    zt_secret_free(a->secret);
    free(a->token_url);
    free(a->ingest_url);
    a->secret = a->token_url = a->ingest_url = NULL;
}

static int azmon_open(void *state, const struct zt_sink_env *env, char *err, size_t errlen)
{
    struct azmon_sink *a = state;
    char u[320];

    int r = azmon_check(a, err, errlen);
    if (r < 0) {
        return r;
    }
    if (env->format != ZT_FORMAT_JSON && env->format != ZT_FORMAT_OCSF) {
        snprintf(err, errlen, "the Logs Ingestion API takes JSON: use format json or ocsf");
        return -EINVAL;
    }
    r = zt_secret_load(a->client_secret_file, a->credential, &a->secret, err, errlen);
    if (r < 0) {
        return r;
    }
    a->env = env;
    _cleanup_free_ char *tpath = zt_xasprintf("/%s/oauth2/v2.0/token", a->tenant_id);
    _cleanup_free_ char *ipath = zt_xasprintf(
        "/dataCollectionRules/%s/streams/%s?api-version=" AZMON_API_VERSION, a->dcr_id, a->stream);
    a->token_url = zt_url_join(a->login_url ? a->login_url : AZMON_LOGIN_URL, tpath);
    a->ingest_url = zt_url_join(a->url, ipath);
    snprintf(a->what, sizeof(a->what), "POST %s", zt_http_redact_url(a->ingest_url, u, sizeof(u)));
    a->oauth = (struct zt_oauth_config){
        .token_url = a->token_url,
        .client_id = a->client_id,
        .scope = AZMON_SCOPE,
        .client_secret = a->secret,
        .ca_file = a->ca_file,
    };
    return 0;
}

/* The JSON string literal of s (quotes included), newly allocated. */
static char *json_quote(const char *s)
{
    struct json_object *o = json_object_new_string(s ? s : "");
    char *q = zt_xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    return q;
}

/* The array element for ev: {"TimeGenerated":"...","event_id":"...", + the event's members.
 * NULL when the rendered event is not a JSON object (nothing the core renders for json/ocsf). */
static char *element_new(const struct zt_sink_event *ev, size_t *len)
{
    char t[40];
    size_t k = 0;

    while (k < ev->len && (ev->text[k] == ' ' || ev->text[k] == '\t')) {
        k++;
    }
    if (k >= ev->len || ev->text[k] != '{') {
        return NULL;
    }
    k++;
    size_t m = k;
    while (m < ev->len && (ev->text[m] == ' ' || ev->text[m] == '\t')) {
        m++;
    }
    bool empty = m < ev->len && ev->text[m] == '}';
    _cleanup_free_ char *id = json_quote(ev->id);
    char *e = zt_xasprintf("{\"TimeGenerated\":\"%s\",\"event_id\":%s%s%.*s",
                           zt_format_rfc3339(ev->time_usec, t, sizeof(t)), id, empty ? "" : ",",
                           (int)(ev->len - k), ev->text + k);
    *len = strlen(e);
    return e;
}

/* A token failure that only an operator cures (wrong secret, tenant or client id). */
static bool token_refused(int r)
{
    return r == -EACCES || r == -EINVAL || r == -ENOENT || r == -EBADMSG;
}

/* Milliseconds left of the delivery, or 0 (message set) when less than one is or the export is
 * stopping: no call of a split batch starts then. */
static uint64_t time_left_ms(const struct azmon_sink *a, uint64_t deadline_usec,
                             struct zt_sink_outcome *out)
{
    uint64_t now = zt_now_mono_usec();
    if (a->env->cancelled && a->env->cancelled(a->env->cancel_data)) {
        snprintf(out->message, sizeof(out->message), "%s: the export is stopping", a->what);
        return 0;
    }
    if (now + ZT_USEC_PER_MS < deadline_usec) {
        return zt_usec_to_ms(deadline_usec - now);
    }
    snprintf(out->message, sizeof(out->message), "%s: no time left in this delivery", a->what);
    return 0;
}

/* One POST of body with a token, re-fetched once after a 401 (the sink's POST helper hands
 * every status back, so the engine's own 401 refresh does not apply here). */
static enum zt_sink_status post_body(struct azmon_sink *a, const char *body, size_t len,
                                     uint64_t deadline_usec, struct zt_sink_outcome *out)
{
    char err[384], rid[37], hdr[80];
    struct zt_sink_env env = *a->env;

    for (int attempt = 0;; attempt++) {
        if (time_left_ms(a, deadline_usec, out) == 0) {
            return ZT_SINK_RETRY;
        }
        const struct zt_oauth_wait w = {
            .deadline_usec = deadline_usec,
            .cancelled = env.cancelled,
            .cancel_data = env.cancel_data,
        };
        _cleanup_(zt_secret_freep) char *token = NULL;
        uint64_t gen = 0;
        int r = zt_oauth_token(env.http, &a->oauth, &w, &token, &gen, err, sizeof(err));
        if (r < 0) {
            snprintf(out->message, sizeof(out->message),
                     "cannot get an access token for %s (client_id %.64s): %.300s", AZMON_SCOPE,
                     a->client_id, err);
            return token_refused(r) ? ZT_SINK_ERROR : ZT_SINK_RETRY;
        }
        zt_uuid4(rid);
        snprintf(hdr, sizeof(hdr), "x-ms-client-request-id: %s", rid);
        const char *headers[] = {hdr, NULL};
        const struct zt_sink_http_request req = {
            .url = a->ingest_url,
            .headers = headers,
            .body = body,
            .body_len = len,
            .content_type = "application/json",
            .ca_file = a->ca_file,
            .auth = &a->oauth,
        };
        struct zt_sink_http_reply reply;
        env.timeout_ms = time_left_ms(a, deadline_usec, out); /* the token fetch may have waited */
        if (env.timeout_ms == 0) {
            return ZT_SINK_RETRY;
        }
        r = zt_sink_http_post(&env, &req, &reply);
        long status = r < 0 ? 0 : reply.status;
        if (status == 401 && attempt == 0) {
            zt_sink_http_reply_done(&reply);
            zt_oauth_invalidate(env.http, &a->oauth, gen);
            continue;
        }
        enum zt_sink_status s = zt_sink_http_outcome(r, &reply, a->what, out);
        zt_sink_http_reply_done(&reply);
        if (status == 401) {
            snprintf(out->message, sizeof(out->message),
                     "%.200s: HTTP 401 with a freshly issued token: the ingestion endpoint refuses "
                     "the app (client_id %.48s, tenant %.48s; request id %s)",
                     a->what, a->client_id, a->tenant_id, rid);
        } else if (status == 403) {
            snprintf(out->message, sizeof(out->message),
                     "%.200s: HTTP 403: the app (client_id %.48s) needs the 'Monitoring Metrics "
                     "Publisher' role on data collection rule %.48s (request id %s)",
                     a->what, a->client_id, a->dcr_id, rid);
        }
        return s;
    }
}

struct elems {
    char **v;    /* array element of each event, NULL when it cannot be sent */
    size_t *len; /* its length */
    size_t n;
};

static void elems_free(struct elems *el)
{
    for (size_t i = 0; i < el->n; i++) {
        free(el->v[i]);
    }
    free(el->v);
    free(el->len);
}

/* Whether element i can never be sent: not an object, or over the limit alone. */
static bool elem_refused(const struct elems *el, size_t i)
{
    return !el->v[i] || el->len[i] + 2 > AZMON_BODY_MAX;
}

/* The next call's body: the elements from i on that fit under the limit, skipping refused ones
 * (counted in *skipped). Returns the index after the last event covered (refused or in the
 * body); *body is NULL when only refused events were covered. */
static size_t chunk_fill(const struct elems *el, size_t i, char **body, size_t *len,
                         size_t *skipped)
{
    size_t total = 2, end = i, n = 0; /* [] */

    *skipped = 0;
    for (; end < el->n; end++) {
        if (elem_refused(el, end)) {
            (*skipped)++;
            continue;
        }
        size_t add = el->len[end] + (n ? 1 : 0);
        if (total + add > AZMON_BODY_MAX) {
            break;
        }
        total += add;
        n++;
    }
    *body = NULL;
    if (n == 0) {
        return end;
    }
    char *p = *body = zt_xmalloc(total + 1);
    *p++ = '[';
    for (size_t j = i, k = 0; j < end; j++) {
        if (elem_refused(el, j)) {
            continue;
        }
        if (k++ > 0) {
            *p++ = ',';
        }
        memcpy(p, el->v[j], el->len[j]);
        p += el->len[j];
    }
    *p++ = ']';
    *p = '\0';
    *len = total;
    return end;
}

/* Name the last refused event of ev[i..end) in the message. */
static void report_refused(const struct azmon_sink *a, const struct zt_sink_batch *b,
                           const struct elems *el, size_t i, size_t end,
                           struct zt_sink_outcome *out)
{
    for (size_t j = end; j-- > i;) {
        if (!elem_refused(el, j)) {
            continue;
        }
        const char *id = b->ev[j].id ? b->ev[j].id : "?";
        if (el->v[j]) {
            snprintf(out->message, sizeof(out->message),
                     "%s: event %.40s is %zu bytes, over the %u bytes one call may carry: "
                     "dropped",
                     a->what, id, el->len[j] + 2, AZMON_BODY_MAX);
        } else {
            snprintf(out->message, sizeof(out->message),
                     "%s: event %.40s is not a JSON object: dropped", a->what, id);
        }
        return;
    }
}

/* A batch as as many calls as its size needs, in order; a failed call ends the delivery with the
 * events before it done. */
static enum zt_sink_status azmon_deliver(void *state, const struct zt_sink_batch *b,
                                         struct zt_sink_outcome *out)
{
    struct azmon_sink *a = state;
    uint64_t deadline = zt_now_mono_usec() + zt_ms_to_usec(a->env->timeout_ms);
    struct elems el = {
        .v = zt_xcalloc(b->n, sizeof(char *)), .len = zt_xcalloc(b->n, sizeof(size_t)), .n = b->n};
    enum zt_sink_status s = ZT_SINK_OK;
    size_t i = 0;

    for (size_t j = 0; j < b->n; j++) {
        el.v[j] = element_new(&b->ev[j], &el.len[j]);
    }
    while (i < b->n) {
        _cleanup_free_ char *body = NULL;
        size_t len = 0, skipped = 0;
        size_t end = chunk_fill(&el, i, &body, &len, &skipped);
        if (body) {
            s = post_body(a, body, len, deadline, out);
            if (s != ZT_SINK_OK) {
                break;
            }
        }
        if (skipped) {
            out->rejected += skipped;
            report_refused(a, b, &el, i, end, out);
        }
        i = end;
    }
    out->done = i;
    elems_free(&el);
    return s;
}

const struct zt_sink zt_sink_azure_monitor = {
    .name = "azure_monitor",
    .flags = ZT_SINK_USES_HTTP,
    .summary = "Azure Monitor / Microsoft Sentinel through the Logs Ingestion API (DCR stream)",
    .options = azmon_options,
    .state_size = sizeof(struct azmon_sink),
    .formats = ZT_FORMATS_JSONS,
    .default_format = ZT_FORMAT_JSON,
    .check = azmon_check,
    .open = azmon_open,
    .deliver = azmon_deliver,
    .close = azmon_close,
};
