/* http.h - the HTTPS engine: concurrent requests on one curl multi thread, retries and
 * throttling, pagination, OAuth2 client credentials. Collectors never see curl types. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;
struct zt_http_engine; /* one per scan (or per test); thread-safe */
struct zt_http_group;  /* a set of independent calls issued together and awaited together */

/* Engine limits. zt_http_limits_default() is the one place defaults live. */
struct zt_http_limits {
    unsigned max_concurrency;      /* transfers in flight at once, all callers together */
    unsigned max_host_connections; /* open connections per host (connection reuse pool) */
    uint64_t connect_timeout_ms;   /* TCP + TLS handshake */
    uint64_t total_timeout_ms;     /* one attempt, start to last byte */
    uint64_t low_speed_limit;      /* bytes/s; below it for low_speed_time_ms aborts */
    uint64_t low_speed_time_ms;
    uint64_t max_body;           /* bytes of one (decoded) response body */
    unsigned max_attempts;       /* per request or page, including the first */
    uint64_t backoff_base_ms;    /* first backoff step (doubled each retry) */
    uint64_t backoff_cap_ms;     /* cap of one computed backoff */
    uint64_t retry_after_cap_ms; /* cap of a server-requested wait (Retry-After & co) */
    unsigned max_pages;          /* default page limit of a paged call */
};

/* Fill l with the defaults: 16 concurrent, 10 s connect, 120 s total, 1 B/s for 30 s, 32 MiB
 * body, 5 attempts, backoff 500 ms doubling to 30 s, server waits capped at 120 s, 100000 pages. */
void zt_http_limits_default(struct zt_http_limits *l);

enum zt_http_method {
    ZT_HTTP_GET,
    ZT_HTTP_POST,
    ZT_HTTP_PUT,
    ZT_HTTP_PATCH,
    ZT_HTTP_DELETE,
    _ZT_HTTP_METHOD_MAX,
};
const char *zt_http_method_to_string(enum zt_http_method m);

/* How a paged call finds the next page. */
enum zt_http_paging {
    ZT_PAGING_NONE,
    ZT_PAGING_ODATA,      /* body "@odata.nextLink": absolute URL, followed verbatim (Graph) */
    ZT_PAGING_LINK,       /* every Link header field: <url>; rel="next" (Okta, GitHub) */
    ZT_PAGING_JSON_URL,   /* body field next_field holds the next URL (ARM "nextLink") */
    ZT_PAGING_JSON_TOKEN, /* body field next_field holds a string token, sent as query
                           * parameter token_param of the first URL (k8s metadata.continue ->
                           * continue). Not for lists that end at a count (Falcon offsets) */
    _ZT_PAGING_MAX,
};
/* A body field that is absent, null or "" ends the list; a value of another type fails the call
 * (-EBADMSG), as does a Link field that does not parse: a list cut short is an error, never a
 * shorter list. So do a next link off the first URL's origin (-EPERM) and max_pages (-ELOOP). */

struct zt_http_page; /* one received page, borrowed by the on_page callback */

/* How a token is obtained. */
enum zt_oauth_flow {
    ZT_OAUTH_CLIENT_CREDENTIALS = 0, /* RFC 6749 4.4 at token_url */
    ZT_OAUTH_AZURE_IMDS,             /* GET with "Metadata: true", api-version 2018-02-01 */
    ZT_OAUTH_AZURE_APP_SERVICE,      /* GET with X-IDENTITY-HEADER, api-version 2019-08-01 */
    ZT_OAUTH_AZURE_ARC,              /* GET, 401 names a key file in arc_key_dir, GET again */
};

/* OAuth2 client credentials (RFC 6749 4.4) for the Microsoft identity platform and alikes.
 * Give client_secret, or cert_file (+ key_file, may be the same PEM) for a private_key_jwt
 * assertion, or only a key (key_file or key_pem, optional key_id) for identity providers that
 * register a bare public key (Okta service apps). All strings are borrowed for the duration of
 * the call that uses them. */
struct zt_oauth_config {
    const char *token_url; /* https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token */
    const char *client_id;
    const char *scope;         /* one resource: "https://graph.microsoft.com/.default" */
    const char *client_secret; /* plain secret (see secret.h to load it) */
    const char *cert_file;     /* PEM certificate registered on the app */
    const char *key_file;      /* PEM private key (RSA); NULL = in cert_file */
    const char *key_pem;       /* the PEM private key itself (from a credential); wins over files */
    const char *key_id;        /* "kid" JOSE header of the assertion; NULL = none */
    const char *ca_file;       /* trust anchor for the token endpoint; NULL = system */
    /* Workload identity federation: a file holding a JWT issued by another identity provider
     * (AKS's AZURE_FEDERATED_TOKEN_FILE), read afresh for every token request (it rotates) and
     * sent as the client assertion instead of a secret or a signed one. */
    const char *assertion_file;
    /* Azure managed identity instead of the client credentials grant: token_url is the identity
     * endpoint (plain http:// allowed only to 169.254.169.254 or a loopback host), client_id the
     * user-assigned identity (NULL = system-assigned), scope's resource is asked for. */
    enum zt_oauth_flow flow;
    const char *identity_header; /* ZT_OAUTH_APP_SERVICE: IDENTITY_HEADER's value (a secret) */
    const char *arc_key_dir;     /* ZT_OAUTH_AZURE_ARC: the only directory a challenge may name */
    /* Optional: called with each successful token response (after its token was read), on the
     * thread that fetched it, so a caller can read what the endpoint says beside the token
     * (CrowdStrike's X-CS-Region header). Not called when the token came from the cache. */
    void (*on_token)(void *data, const struct zt_http_page *page);
    void *on_token_data;
};

/* One call: a request, its retries and (if paging is set) all its pages. Strings are copied
 * when the call is submitted; the caller may reuse the struct afterwards. */
struct zt_http_request {
    enum zt_http_method method;
    const char *url;            /* https:// only (but see credential_http) */
    const char *const *headers; /* NULL-terminated "Name: value" list, or NULL */
    const char *body;           /* request body (POST/PUT/PATCH), or NULL */
    size_t body_len;            /* 0 = strlen(body) */
    const char *content_type;   /* of body; default application/json */
    bool sensitive;             /* body or response hold secrets: wipe copies after use */
    /* The one exception to https only, for cloud credential endpoints that are plain HTTP by
     * their vendor's design (AWS IMDS and container credentials, Azure managed identity): an
     * http:// URL is accepted when its host is loopback or one of zt_http_credential_host()'s
     * link-local addresses, and then only http is enabled on the transfer, with no proxy, no
     * redirect followed and a short connect timeout. https:// URLs behave as always. */
    bool credential_http;
    const char *ca_file; /* trust anchor PEM; replaces the system store; NULL = system */
    const char *ca_pem;  /* the same as PEM text in memory (not with ca_file) */
    /* Mutual TLS: a PEM client certificate (chain) and its private key, in memory; both or
     * neither. The call keeps its own copies and wipes the key's when it ends. */
    const char *client_cert_pem;
    const char *client_key_pem;
    const struct zt_oauth_config *auth; /* add "Authorization: Bearer"; NULL = none */
    const char *pace_key;               /* pacing bucket; NULL = the URL's host */
    uint64_t pace_ms;                   /* min interval between request starts in the bucket */
    enum zt_http_paging paging;
    const char *next_field;        /* JSON_URL/JSON_TOKEN: dotted path ("metadata.continue") */
    const char *token_param;       /* JSON_TOKEN: query parameter name ("continue") */
    unsigned max_pages;            /* 0 = engine default */
    bool raw;                      /* do not parse the body as JSON (XML, text) */
    const int *accept_status;      /* 0-terminated non-2xx statuses delivered as pages (404) */
    uint64_t deadline_usec;        /* monotonic deadline, 0 = none */
    bool (*cancelled)(void *data); /* polled while waiting; true aborts the call */
    void *cancel_data;
    /* Called on the waiting thread for every page, in order. Return 0 to continue, > 0 to stop
     * paging early (success), < 0 to fail the call with that error. It may zt_http_group_add()
     * further calls to the same group (a request that needs this page); the wait covers them. */
    int (*on_page)(void *userdata, const struct zt_http_page *page);
    /* Item by item delivery of list pages: when items_field is set ("value"), the body of a 2xx
     * page is not parsed as one tree. Each element of its items_field array is parsed alone and
     * passed to on_item, in order, then freed; on_page then sees the rest of the page (next
     * links, counts) and zt_http_page_items() tells how many items it held. Memory is bounded
     * by the largest item instead of the page. A 2xx page without that array fails the call;
     * pages of accept_status (a 404) go whole to on_page, with no items. Return 0 to go on or
     * -errno to fail the call. A failed call may have delivered some items of its last page: as
     * with any failed call, throw away what it gave. */
    const char *items_field;
    int (*on_item)(void *userdata, struct json_object *item);
    /* Optional, for APIs that say "slow down" with a status that also means other things (AWS
     * IAM and CloudTrail answer 400 with code Throttling): called on the waiting thread for
     * every non-2xx response (before accept_status); true makes it a throttled answer, retried
     * like a 429 (Retry-After honoured, else backoff), failing with -EBUSY after the last try. */
    bool (*throttled)(void *userdata, long status, const char *body, size_t len);
    void *userdata;
};

/* The outcome of a call. */
struct zt_http_result {
    int error;         /* 0 or the negative errno the call failed with */
    long status;       /* last HTTP status, 0 when no response arrived */
    unsigned attempts; /* HTTP attempts made for this call (all pages, token fetches) */
    unsigned pages;    /* pages delivered to on_page */
    char message[512]; /* on failure: "GET https://host/path (attempt 3/5): HTTP 503: ..." */
};

/* Accessors of a page (valid only during the on_page callback). json is NULL for raw calls and
 * empty bodies; it is freed after the callback (take a reference to keep a part of it). */
struct json_object *zt_http_page_json(const struct zt_http_page *p);
const char *zt_http_page_body(const struct zt_http_page *p, size_t *len);
long zt_http_page_status(const struct zt_http_page *p);
unsigned zt_http_page_index(const struct zt_http_page *p);
/* Items of this page passed to on_item (0 without items_field). */
size_t zt_http_page_items(const struct zt_http_page *p);
/* The URL this page came from (may carry query secrets: never log it as is). */
const char *zt_http_page_url(const struct zt_http_page *p);
/* The value of response header name (case-insensitive), copied into buf; NULL if absent. The
 * first field of that name only: paging reads every Link field itself. */
const char *zt_http_page_header(const struct zt_http_page *p, const char *name, char *buf,
                                size_t len);

/* Create an engine with limits (NULL = defaults) and start its thread. Returns 0 and hands the
 * engine out through *ret, or -errno with the reason (libcurl cannot be loaded) in err (may be
 * NULL); nothing is logged: the caller reports it. */
int zt_http_engine_new(const struct zt_http_limits *limits, struct zt_http_engine **ret, char *err,
                       size_t errlen);
/* Stop the thread and free everything (token cache wiped). Calls must have finished. */
void zt_http_engine_free(struct zt_http_engine *e);
void zt_http_engine_freep(struct zt_http_engine **e);
/* The engine's limits (borrowed). */
const struct zt_http_limits *zt_http_engine_limits(const struct zt_http_engine *e);
/* Minimum interval between request starts for pacing bucket key (a host by default), e.g.
 * 1000 ms for Graph Conditional Access per tenant. A request's pace_ms raises it. */
void zt_http_engine_set_pacing(struct zt_http_engine *e, const char *key, uint64_t interval_ms);

/* Attempt hook: called on the waiting thread once per HTTP attempt (for request counting). */
typedef void (*zt_http_attempt_fn)(void *data);

/* Create an empty group. on_attempt may be NULL. Returns 0 and the group through *ret. */
int zt_http_group_new(struct zt_http_engine *e, zt_http_attempt_fn on_attempt, void *data,
                      struct zt_http_group **ret);
/* Submit req now; res (owned by the caller, must outlive the wait) receives its outcome.
 * Returns 0, or -errno if the request is invalid (message in res). */
int zt_http_group_add(struct zt_http_group *g, const struct zt_http_request *req,
                      struct zt_http_result *res);
/* Run callbacks, retries and paging on this thread until every call finished. Returns 0 if all
 * succeeded, else the error of the first failed call (in submission order). */
int zt_http_group_wait(struct zt_http_group *g);
/* Free a group (waits for it first if needed). NULL is fine. */
void zt_http_group_free(struct zt_http_group *g);
void zt_http_group_freep(struct zt_http_group **g);

/* One call, blocking: a group of one. Returns res->error. */
int zt_http_do(struct zt_http_engine *e, const struct zt_http_request *req,
               struct zt_http_result *res);

/* How a token request waits: its attempts are counted, and it honours the caller's deadline and
 * cancellation like any call. All fields may be zero. */
struct zt_oauth_wait {
    zt_http_attempt_fn on_attempt;
    void *data;
    uint64_t deadline_usec; /* monotonic, 0 = none */
    bool (*cancelled)(void *data);
    void *cancel_data;
};

/* Get a bearer token for cfg from the engine's cache (fetching it if missing or within the
 * refresh margin), waiting as w says (NULL = no bounds beyond the engine's limits). A caller that
 * finds another thread fetching the same token waits for that fetch, which the other caller's
 * bounds limit. Returns 0 and a copy in *ret (free with zt_secret_free()), its cache generation
 * in *gen (may be NULL), or -errno with a message in err. */
int zt_oauth_token(struct zt_http_engine *e, const struct zt_oauth_config *cfg,
                   const struct zt_oauth_wait *w, char **ret, uint64_t *gen, char *err,
                   size_t errlen);
/* Drop the cached token of cfg if it is still generation gen (after a 401). */
void zt_oauth_invalidate(struct zt_http_engine *e, const struct zt_oauth_config *cfg, uint64_t gen);
/* Build a signed RS256 client assertion JWT for cfg (cert_file and/or key_file or key_pem,
 * key_id, client_id) with audience token_url, valid from now for 10 min. The x5t thumbprints are
 * set only with a certificate. Returns 0 and the JWT in *ret (free with
 * zt_secret_free()), or -errno with a message in err. */
int zt_oauth_client_assertion(const struct zt_oauth_config *cfg, char **ret, char *err,
                              size_t errlen);

/* Read the federated client assertion of cfg->assertion_file afresh (at most 16 KiB, outer
 * whitespace dropped; it must look like a JWT: three base64url parts). Returns 0 and the JWT in
 * *ret (free with zt_secret_free()), or -errno with a message naming the file in err. */
int zt_oauth_federated_assertion(const struct zt_oauth_config *cfg, char **ret, char *err,
                                 size_t errlen);

/* Sign claims_json (a JSON object as text, used verbatim) as an RS256 JWT with the PEM RSA private
 * key key_pem (key_name labels messages): for APIs that authenticate with a JWT of their own claims
 * (a GitHub App's iat/exp/iss). Returns 0 and the JWT in *ret (free with zt_secret_free()), or
 * -errno with a message in err. */
int zt_jwt_rs256(const char *key_pem, const char *key_name, const char *claims_json, char **ret,
                 char *err, size_t errlen);

/* Helpers shared with collectors and fuzzers (no I/O). */

/* Copy url into buf with userinfo dropped and the values of secret-looking query parameters
 * (token, secret, key, sig, password, code, assertion...) replaced by "REDACTED". */
char *zt_http_redact_url(const char *url, char *buf, size_t len);
/* Parse a Retry-After value (delta seconds or HTTP-date) relative to now_sec (server Date when
 * known). Returns 0 and the wait in ms, or -EINVAL. */
int zt_http_parse_retry_after(const char *value, int64_t now_sec, uint64_t *ret_ms);
/* Parse an HTTP-date (IMF-fixdate, RFC 850 or asctime). Returns 0 and epoch seconds or -EINVAL. */
int zt_http_parse_date(const char *value, int64_t *ret_sec);
/* Find header name in a raw header block (the last response's) and copy the value of its first
 * field, trimmed, into buf (cut to len). Returns buf, or NULL when the header is absent. For a
 * header that may repeat (Link), see zt_http_headers_link_next(). */
const char *zt_http_header_value(const char *block, const char *name, char *buf, size_t len);
/* The rel="next" target of a Link field value (RFC 8288: comma-separated link-values, rel
 * unquoted or quoted with several space-separated types, parameters in any order, commas inside
 * <...> part of the URI; a link with an anchor parameter is not about this page), as written (a
 * URI-Reference: see zt_http_url_resolve()). Returns 0 and a new string, -ENOENT when no link is
 * rel=next, -EBADMSG when a link-value does not parse or two next links differ: what a garbled
 * value hid cannot be told, so it is no "last page". */
int zt_http_link_next(const char *value, char **ret);
/* The same over every Link field of a raw header block (Okta sends rel="self" and rel="next"
 * as two fields, GitHub one field of comma-joined values; RFC 9110 makes both one list). */
int zt_http_headers_link_next(const char *block, char **ret);
/* The absolute URL of reference ref relative to base (RFC 3986 5.2, without removing dot
 * segments): ref itself when it has a scheme. Returns a new string, NULL when base is not an
 * absolute URL. */
char *zt_http_url_resolve(const char *base, const char *ref);
/* Percent-encode s (RFC 3986 unreserved kept). Returns a new string. */
char *zt_http_urlencode(const char *s);
/* Return a new URL: url with query parameter name set to value (encoded), replacing any. */
char *zt_http_url_set_param(const char *url, const char *name, const char *value);
/* Whether url is http:// to a host the credential_http exception allows: loopback
 * (127.0.0.0/8, [::1], localhost), the EC2 instance metadata service (169.254.169.254,
 * [fd00:ec2::254]) or the ECS/EKS container credential endpoints (169.254.170.2,
 * 169.254.170.23, [fd00:ec2::23]); no userinfo. */
bool zt_http_credential_host(const char *url);
/* "scheme://host[:port]" of an absolute URL, lowercased, into buf; NULL if unparsable. */
char *zt_http_url_origin(const char *url, char *buf, size_t len);
/* Whether url is a plain http:// URL a managed identity endpoint may have: host 169.254.169.254
 * (Azure IMDS) or loopback (127.0.0.0/8, [::1], localhost), no userinfo. */
bool zt_http_url_identity_local(const char *url);
/* The object member at dotted path ("meta.pagination.offset"), borrowed, or NULL. */
struct json_object *zt_http_json_path(struct json_object *o, const char *path);
