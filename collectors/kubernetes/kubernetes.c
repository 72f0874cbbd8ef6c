/* kubernetes.c - the `kubernetes` collector: connects by kubeconfig, by an explicit server with a
 * token or client certificate, or as the in-cluster service account; lists namespaces,
 * NetworkPolicies, ClusterRoleBindings, pods, admission policies (ValidatingAdmissionPolicy
 * bindings, Kyverno, Gatekeeper) and GitOps objects (Argo CD, Flux) concurrently, limit/continue
 * paged and item by item, restarting a list whose continue token expired (410 Gone); a CRD that
 * is not installed (404) is a fact, not an error. */
#include "kubernetes.h"

#include <inttypes.h>
#include <stddef.h>
#include <string.h>
#include <syslog.h>

#define K8S_SA_DIR       "/var/run/secrets/kubernetes.io/serviceaccount"
#define K8S_PAGE_MAX     10000u
#define K8S_LIST_RETRIES 2u /* restarts of one list after 410 Gone */

struct k8s_state {
    char *kubeconfig;
    char *context;
    char *server;
    char *token_file;
    char *credential;
    char *cert_file;
    char *key_file;
    char *ca_file;
    char *root;
    uint64_t page_size;
    struct zt_strv exclude;
};

static const struct zt_option k8s_options[] = {
    {"kubeconfig", ZT_OPT_PATH, NULL, offsetof(struct k8s_state, kubeconfig), ZT_OPT_SECRET,
     "kubeconfig file (mode 0600) to connect with"},
    {"context", ZT_OPT_STRING, NULL, offsetof(struct k8s_state, context), 0,
     "kubeconfig context to use (default: its current-context)"},
    {"server", ZT_OPT_URL, NULL, offsetof(struct k8s_state, server), 0,
     "API server URL, with token_file, credential or cert_file + key_file"},
    {"token_file", ZT_OPT_PATH, NULL, offsetof(struct k8s_state, token_file), ZT_OPT_SECRET,
     "file holding a bearer token for server (owner root or ztmmd, mode 0600)"},
    {"credential", ZT_OPT_STRING, NULL, offsetof(struct k8s_state, credential), 0,
     "systemd credential (LoadCredential=) holding the bearer token for server"},
    {"cert_file", ZT_OPT_PATH, NULL, offsetof(struct k8s_state, cert_file), 0,
     "PEM client certificate for server"},
    {"key_file", ZT_OPT_PATH, NULL, offsetof(struct k8s_state, key_file), ZT_OPT_SECRET,
     "PEM private key of cert_file (mode 0600)"},
    {"ca_file", ZT_OPT_PATH, NULL, offsetof(struct k8s_state, ca_file), 0,
     "PEM trust anchor of the API server (replaces the kubeconfig's or service account's CA)"},
    {"root", ZT_OPT_PATH, "/", offsetof(struct k8s_state, root), 0,
     "in-cluster mode: read " K8S_SA_DIR " under this directory (tests)"},
    {"page_size", ZT_OPT_UINT, "500", offsetof(struct k8s_state, page_size), 0,
     "objects per list request (limit)", 1, K8S_PAGE_MAX},
    {"exclude_namespaces", ZT_OPT_STRLIST, "kube-system kube-public kube-node-lease",
     offsetof(struct k8s_state, exclude), 0,
     "namespaces left out of the NetworkPolicy, Pod Security, GitOps and pod shares"},
    {.key = NULL},
};

static int k8s_check(const void *state, char *err, size_t errlen)
{
    const struct k8s_state *s = state;
    int tokens = !!s->token_file + !!s->credential;
    bool cert = s->cert_file || s->key_file;

    if (s->kubeconfig) {
        if (s->server || tokens || cert) {
            snprintf(err, errlen,
                     "'kubeconfig' excludes 'server', 'token_file', 'credential', "
                     "'cert_file' and 'key_file'");
            return -EINVAL;
        }
        return 0;
    }
    if (s->context) {
        snprintf(err, errlen, "'context' needs 'kubeconfig'");
        return -EINVAL;
    }
    if (!s->server && (tokens || cert)) {
        snprintf(err, errlen,
                 "'token_file', 'credential', 'cert_file' and 'key_file' need "
                 "'server' (or leave all out for the in-cluster service account)");
        return -EINVAL;
    }
    if (s->server && (tokens + (cert ? 1 : 0) != 1 || (cert && !(s->cert_file && s->key_file)))) {
        snprintf(err, errlen,
                 "'server' needs exactly one of 'token_file', 'credential' or "
                 "'cert_file' with 'key_file'");
        return -EINVAL;
    }
    return 0;
}

/* A bearer token goes into a header: refuse anything that could split it. */
static bool token_ok(const char *t)
{
    for (const unsigned char *p = (const unsigned char *)t; *p; p++) {
        if (*p <= 0x20 || *p >= 0x7f) {
            return false;
        }
    }
    return t[0] != '\0';
}

static int conn_kubeconfig(const struct k8s_state *s, struct zt_k8s_conn *c, char *err,
                           size_t errlen)
{
    _cleanup_(zt_secret_freep) char *text = NULL;
    char why[384];

    int r = zt_secret_read_file(s->kubeconfig, ZT_K8S_KUBECONFIG_MAX, &text, why, sizeof(why));
    if (r < 0) {
        snprintf(err, errlen, "kubeconfig: %s", why);
        return r;
    }
    r = zt_k8s_kubeconfig_parse(text, strlen(text), s->kubeconfig, s->context, c, err, errlen);
    if (r < 0) {
        return r;
    }
    r = zt_k8s_conn_load(c, why, sizeof(why));
    if (r < 0) {
        snprintf(err, errlen, "kubeconfig %s, context '%s': %s", s->kubeconfig, c->context, why);
    }
    return r;
}

static int conn_explicit(const struct k8s_state *s, struct zt_k8s_conn *c, char *err, size_t errlen)
{
    c->server = zt_url_join(s->server, "");
    if (s->token_file || s->credential) {
        return zt_secret_load(s->token_file, s->credential, &c->token, err, errlen);
    }
    c->cert_file = zt_xstrdup(s->cert_file);
    c->key_file = zt_xstrdup(s->key_file);
    return zt_k8s_conn_load(c, err, errlen);
}

/* The pod's service account: the API server from the environment, the token and CA from the
 * kubelet's projected volume (a symlinked, read-only tree the kubelet owns and rotates: read as
 * it is, every scan). */
static int conn_in_cluster(const struct k8s_state *s, struct zt_k8s_conn *c, char *err,
                           size_t errlen)
{
    const char *host = getenv("KUBERNETES_SERVICE_HOST");
    const char *port = getenv("KUBERNETES_SERVICE_PORT");

    if (!host || !host[0] || !port || !port[0] || strspn(port, "0123456789") != strlen(port) ||
        strlen(host) > 253) {
        snprintf(err, errlen,
                 "no connection configured and not running in a cluster "
                 "(KUBERNETES_SERVICE_HOST/PORT unset): set 'kubeconfig' or 'server'");
        return -ENXIO;
    }
    c->server = zt_xasprintf(strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s", host, port);
    int r = zt_read_file_at(s->root, K8S_SA_DIR "/token", ZT_SECRET_MAX, &c->token, NULL);
    if (r < 0) {
        _cleanup_free_ char *p = zt_path_join(s->root, K8S_SA_DIR "/token");
        snprintf(err, errlen, "cannot read the service account token %s: %s", p, strerror(-r));
        return r;
    }
    c->token[strcspn(c->token, "\r\n")] = '\0';
    c->ca_file = zt_path_join(s->root, K8S_SA_DIR "/ca.crt");
    return 0;
}

static int conn_open(const struct k8s_state *s, struct zt_k8s_conn *c, char *err, size_t errlen)
{
    int r = s->kubeconfig ? conn_kubeconfig(s, c, err, errlen)
            : s->server   ? conn_explicit(s, c, err, errlen)
                          : conn_in_cluster(s, c, err, errlen);
    if (r < 0) {
        return r;
    }
    if (c->token && !token_ok(c->token)) {
        snprintf(err, errlen, "the bearer token is empty or holds spaces or control characters");
        return -EINVAL;
    }
    if (s->ca_file) {
        free(c->ca_file);
        free(c->ca_pem);
        c->ca_pem = NULL;
        c->ca_file = zt_xstrdup(s->ca_file);
    }
    return 0;
}

/* ---- lists --------------------------------------------------------------------------------- */

/* Gatekeeper constraints are read after the templates, one list per constraint kind. */
#define K8S_GK_CONSTRAINTS _ZT_K8S_LIST_MAX
#define K8S_GK_GROUP       "/apis/constraints.gatekeeper.sh/v1beta1/"

struct k8s_list {
    struct zt_k8s_facts *facts;
    int which;      /* enum zt_k8s_list, or K8S_GK_CONSTRAINTS */
    char path[256]; /* the collection's API path */
    bool expired;   /* the continue token expired: read again from the start */
    bool failed;
    bool gone_first; /* 410 on the first page: no continue token to blame */
    bool absent;     /* 404 on the first page: the API group (CRD) is not installed */
    unsigned restarts;
    struct zt_http_result res;
};

/* Lists of API groups a cluster may lack: 404 there means "not installed", a fact. */
static bool list_optional(int which)
{
    return which >= ZT_K8S_LIST_VAP_BINDINGS;
}

static int on_item(void *data, struct json_object *item)
{
    struct k8s_list *l = data;

    if (l->which == K8S_GK_CONSTRAINTS) {
        zt_k8s_gk_constraint_item(l->facts, item);
    } else {
        zt_k8s_item(l->facts, (enum zt_k8s_list)l->which, item);
    }
    return 0;
}

static int on_page(void *data, const struct zt_http_page *p)
{
    struct k8s_list *l = data;
    long status = zt_http_page_status(p);

    if (status == 404) {
        if (zt_http_page_index(p) > 0) {
            return -ENOENT; /* vanished while being read */
        }
        l->absent = true;
        return 1;
    }
    if (status != 410) {
        return 0;
    }
    if (zt_http_page_index(p) == 0) {
        l->gone_first = true; /* 410 without a continue token: nothing to restart */
        return -ENOENT;
    }
    l->expired = true;
    return 1;
}

static int list_add(struct zt_ctx *ctx, struct zt_http_group *g, const struct k8s_state *s,
                    const struct zt_k8s_conn *c, const char *const *headers, struct k8s_list *l)
{
    static const int accept_410[] = {410, 0}, accept_404[] = {410, 404, 0};
    char query[64];

    snprintf(query, sizeof(query), "?limit=%" PRIu64, s->page_size);
    _cleanup_free_ char *url = zt_xasprintf("%s%s%s", c->server, l->path, query);
    struct zt_http_request req = {
        .method = ZT_HTTP_GET,
        .url = url,
        .headers = headers,
        .ca_file = c->ca_file,
        .ca_pem = c->ca_pem,
        .client_cert_pem = c->cert_pem,
        .client_key_pem = c->key_pem,
        .paging = ZT_PAGING_JSON_TOKEN,
        .next_field = "metadata.continue",
        .token_param = "continue",
        .accept_status = list_optional(l->which) ? accept_404 : accept_410,
        .items_field = "items",
        .on_item = on_item,
        .on_page = on_page,
        .userdata = l,
    };
    l->expired = l->absent = false;
    return zt_ctx_http_group_add(ctx, g, &req, &l->res);
}

/* After a round: mark each list done, failed, or to be read again. Returns lists to rerun. */
static unsigned settle(struct zt_ctx *ctx, struct k8s_list *lists)
{
    unsigned again = 0;

    for (int i = 0; i < _ZT_K8S_LIST_MAX; i++) {
        struct k8s_list *l = &lists[i];
        const char *name = zt_k8s_list_to_string(l->which);
        if (l->failed || l->facts->done[i]) {
            continue;
        }
        if (l->gone_first) {
            l->failed = true;
            zt_ctx_error(ctx, -ENOENT, "cannot list %s: HTTP 410 Gone on the first page: %s", name,
                         l->res.message);
        } else if (l->res.error < 0) {
            l->failed = true;
            zt_ctx_error(ctx, l->res.error, "cannot list %s: %s", name, l->res.message);
        } else if (l->absent) { /* only optional lists accept 404 */
            l->facts->done[i] = l->facts->absent[i] = true;
        } else if (l->expired && l->restarts >= K8S_LIST_RETRIES) {
            l->failed = true;
            zt_ctx_error(ctx, -ENOENT,
                         "cannot list %s: the continue token expired %u times (HTTP 410 Gone); "
                         "the list changes faster than it is read: raise page_size",
                         name, l->restarts + 1);
        } else if (l->expired) {
            zt_ctx_log(ctx, LOG_NOTICE,
                       "listing %s: continue token expired (HTTP 410 Gone), reading it again",
                       name);
            l->restarts++;
            zt_k8s_facts_reset(l->facts, (enum zt_k8s_list)l->which);
            again++;
        } else {
            l->facts->done[i] = true;
        }
    }
    return again;
}

static int fetch(struct zt_ctx *ctx, const struct k8s_state *s, const struct zt_k8s_conn *c,
                 const char *const *headers, struct k8s_list *lists)
{
    do {
        _cleanup_(zt_http_group_freep) struct zt_http_group *g = NULL;
        int r = zt_ctx_http_group_new(ctx, &g);
        if (r < 0) {
            return zt_ctx_error(ctx, r, "cannot start HTTP requests");
        }
        for (int i = 0; i < _ZT_K8S_LIST_MAX; i++) {
            struct k8s_list *l = &lists[i];
            if (!l->failed && !l->facts->done[i]) {
                list_add(ctx, g, s, c, headers, l);
            }
        }
        zt_http_group_wait(g);
    } while (settle(ctx, lists) > 0);
    return 0;
}

/* The constraints of every kind the templates create, read concurrently; complete only when
 * every kind was read (a kind whose CRD is not yet created answers 404: none). */
static void fetch_constraints(struct zt_ctx *ctx, const struct k8s_state *s,
                              const struct zt_k8s_conn *c, const char *const *headers,
                              struct zt_k8s_facts *f)
{
    _cleanup_(zt_http_group_freep) struct zt_http_group *g = NULL;
    struct k8s_list *ls = zt_xcalloc(f->gk_nkinds + 1, sizeof(*ls));
    bool ok = f->gk_templates == f->gk_nkinds;

    if (!ok) {
        zt_ctx_error(ctx, -E2BIG,
                     "Gatekeeper: %" PRIu64 " constraint templates, %zu constraint kinds read "
                     "(at most %u, each template naming one): constraints not counted",
                     f->gk_templates, f->gk_nkinds, ZT_K8S_GK_KINDS_MAX);
    } else if (zt_ctx_http_group_new(ctx, &g) < 0) {
        ok = false;
        zt_ctx_error(ctx, -ENOMEM, "cannot start HTTP requests");
    }
    for (size_t i = 0; ok && i < f->gk_nkinds; i++) {
        ls[i] = (struct k8s_list){.facts = f, .which = K8S_GK_CONSTRAINTS};
        int n = snprintf(ls[i].path, sizeof(ls[i].path), K8S_GK_GROUP "%s", f->gk_kinds[i]);
        for (char *p = ls[i].path + strlen(K8S_GK_GROUP); *p; p++) {
            *p = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
        }
        ok = n > 0 && (size_t)n < sizeof(ls[i].path);
        if (ok) {
            list_add(ctx, g, s, c, headers, &ls[i]);
        }
    }
    if (g) {
        zt_http_group_wait(g);
    }
    for (size_t i = 0; ok && i < f->gk_nkinds; i++) {
        if (ls[i].res.error < 0 || ls[i].expired || ls[i].gone_first) {
            ok = false;
            zt_ctx_error(ctx, ls[i].res.error < 0 ? ls[i].res.error : -ENOENT,
                         "cannot list Gatekeeper constraints %s: %s", ls[i].path,
                         ls[i].res.error < 0 ? ls[i].res.message : "HTTP 410 Gone");
        }
    }
    f->gk_done = ok;
    /* The group's calls point into ls: end the group before ls goes. */
    zt_http_group_free(TAKE_PTR(g));
    free(ls);
}

static int k8s_collect(void *state, struct zt_ctx *ctx)
{
    const struct k8s_state *s = state;
    _cleanup_(zt_k8s_conn_clear) struct zt_k8s_conn conn = {0};
    struct zt_k8s_facts facts;
    struct k8s_list lists[_ZT_K8S_LIST_MAX];
    _cleanup_(zt_secret_freep) char *auth = NULL;
    const char *headers[2] = {NULL, NULL};
    char err[512] = "";

    int r = conn_open(s, &conn, err, sizeof(err));
    if (r < 0) {
        return zt_ctx_error(ctx, r, "%s", err);
    }
    if (conn.token) {
        auth = zt_xasprintf("Authorization: Bearer %s", conn.token);
        headers[0] = auth;
    }
    zt_k8s_facts_init(&facts, &s->exclude);
    for (int i = 0; i < _ZT_K8S_LIST_MAX; i++) {
        lists[i] = (struct k8s_list){.facts = &facts, .which = i};
        snprintf(lists[i].path, sizeof(lists[i].path), "%s", zt_k8s_list_path(i));
    }
    fetch(ctx, s, &conn, headers, lists);
    if (facts.done[ZT_K8S_LIST_GK_TEMPLATES] && !facts.absent[ZT_K8S_LIST_GK_TEMPLATES]) {
        fetch_constraints(ctx, s, &conn, headers, &facts);
    }
    bool any = false;
    int first = 0;
    for (int i = 0; i < _ZT_K8S_LIST_MAX; i++) {
        any |= facts.done[i];
        first = first ? first : (lists[i].res.error < 0 ? lists[i].res.error : 0);
    }
    zt_k8s_emit(ctx, &facts);
    zt_k8s_emit_workloads(ctx, &facts);
    zt_k8s_facts_free(&facts);
    /* Every list failed: could not collect. Some did: the recorded problems make it partial. */
    return any ? 0 : (first ? first : -EIO);
}

const struct zt_collector zt_collector_kubernetes = {
    .name = "kubernetes",
    .summary = "Kubernetes API: default-deny NetworkPolicies per namespace, cluster-admin "
               "bindings, Pod Security admission levels, admission policy engines, GitOps "
               "controllers, image signature policies (Kyverno, sigstore), pod hardening",
    .options = k8s_options,
    .state_size = sizeof(struct k8s_state),
    .flags = ZT_COLLECTOR_USES_HTTP,
    .check = k8s_check,
    .collect = k8s_collect,
};
