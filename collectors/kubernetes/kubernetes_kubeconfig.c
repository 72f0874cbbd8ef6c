/* kubernetes_kubeconfig.c - the kubeconfig file (YAML, read with libyaml): the cluster and the
 * user of one context, and loading the files they name. */
#include "kubernetes.h"

#include <stdarg.h>
#include <string.h>
#include <yaml.h>
#include "crypto_load.h"

void zt_k8s_conn_clear(struct zt_k8s_conn *c)
{
    free(c->server);
    free(c->ca_file);
    free(c->ca_pem);
    zt_secret_free(c->token);
    free(c->token_file);
    free(c->cert_file);
    free(c->cert_pem);
    free(c->key_file);
    zt_secret_free(c->key_pem);
    free(c->context);
    *c = (struct zt_k8s_conn){0};
}

struct kc {
    yaml_document_t doc;
    const char *path;
    char *err;
    size_t errlen;
};

_printf_(3, 4) static int kc_fail(struct kc *k, int r, const char *fmt, ...)
{
    char msg[384];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(k->err, k->errlen, "kubeconfig %s: %s", k->path, msg);
    return r;
}

/* The value of a plain scalar node (NULL for other nodes, or a scalar holding NUL bytes). */
static const char *scalar(const yaml_node_t *n)
{
    if (!n || n->type != YAML_SCALAR_NODE ||
        strlen((const char *)n->data.scalar.value) != n->data.scalar.length) {
        return NULL;
    }
    return (const char *)n->data.scalar.value;
}

static yaml_node_t *map_get(struct kc *k, const yaml_node_t *m, const char *key)
{
    if (!m || m->type != YAML_MAPPING_NODE) {
        return NULL;
    }
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        if (zt_streq(scalar(yaml_document_get_node(&k->doc, p->key)), key)) {
            return yaml_document_get_node(&k->doc, p->value);
        }
    }
    return NULL;
}

static const char *map_str(struct kc *k, const yaml_node_t *m, const char *key)
{
    const char *s = scalar(map_get(k, m, key));
    return s && s[0] ? s : NULL;
}

/* The `what` map of the element of list `list` whose name is name ("contexts", "ctx",
 * "context"); NULL when there is none. Also lists the names in names (for the error). */
static yaml_node_t *named(struct kc *k, const char *list, const char *name, const char *what,
                          char *names, size_t len)
{
    yaml_node_t *seq = map_get(k, yaml_document_get_root_node(&k->doc), list);
    size_t used = 0;

    names[0] = '\0';
    if (!seq || seq->type != YAML_SEQUENCE_NODE) {
        return NULL;
    }
    for (yaml_node_item_t *i = seq->data.sequence.items.start; i < seq->data.sequence.items.top;
         i++) {
        yaml_node_t *e = yaml_document_get_node(&k->doc, *i);
        const char *n = map_str(k, e, "name");
        if (zt_streq(n, name)) {
            yaml_node_t *v = map_get(k, e, what);
            return v && v->type == YAML_MAPPING_NODE ? v : NULL;
        }
        if (n && used < len) {
            int w = snprintf(names + used, len - used, "%s%s", used ? ", " : "", n);
            used += w > 0 ? (size_t)w : 0;
        }
    }
    return NULL;
}

/* Decode base64 text (newlines allowed) holding PEM. Returns 0 and *ret, or -EINVAL. */
static int decode_pem(const char *b64, char **ret)
{
    size_t len = strlen(b64);
    unsigned char *out = zt_xmalloc(len / 4 * 3 + 8);
    EVP_ENCODE_CTX *e = EVP_ENCODE_CTX_new();
    int n = 0, tail = 0;

    if (!e) {
        free(out);
        return -ENOMEM;
    }
    EVP_DecodeInit(e);
    int r = EVP_DecodeUpdate(e, out, &n, (const unsigned char *)b64, (int)len);
    if (r >= 0) {
        r = EVP_DecodeFinal(e, out + n, &tail);
    }
    EVP_ENCODE_CTX_free(e);
    size_t total = (size_t)n + (size_t)tail;
    if (r < 0 || total == 0 || memchr(out, '\0', total) || !memmem(out, total, "-----BEGIN ", 11)) {
        explicit_bzero(out, len / 4 * 3 + 8);
        free(out);
        return -EINVAL;
    }
    out[total] = '\0';
    *ret = (char *)out;
    return 0;
}

/* A file named in the kubeconfig: relative names are relative to the kubeconfig's directory. */
static char *resolve(struct kc *k, const char *file)
{
    const char *slash = strrchr(k->path, '/');
    if (file[0] == '/' || !slash) {
        return zt_xstrdup(file);
    }
    return zt_xasprintf("%.*s/%s", (int)(slash - k->path), k->path, file);
}

/* path-or-data pair: key (a file) or key-data (base64 PEM); not both. */
static int file_or_data(struct kc *k, const yaml_node_t *m, const char *key, const char *where,
                        char **file, char **pem)
{
    char data_key[64];
    snprintf(data_key, sizeof(data_key), "%s-data", key);
    const char *f = map_str(k, m, key), *d = map_str(k, m, data_key);

    if (f && d) {
        return kc_fail(k, -EINVAL, "%s sets both %s and %s", where, key, data_key);
    }
    if (d && decode_pem(d, pem) < 0) {
        return kc_fail(k, -EINVAL, "%s: %s is not base64-encoded PEM", where, data_key);
    }
    if (f) {
        *file = resolve(k, f);
    }
    return 0;
}

static int parse_cluster(struct kc *k, const yaml_node_t *c, const char *name,
                         struct zt_k8s_conn *conn)
{
    char where[160];
    const char *v = NULL;

    snprintf(where, sizeof(where), "cluster '%.100s'", name);
    if ((v = map_str(k, c, "insecure-skip-tls-verify")) && !zt_streq(v, "false")) {
        return kc_fail(k, -EPERM, "%s sets insecure-skip-tls-verify: ztmmd always verifies TLS",
                       where);
    }
    if (map_str(k, c, "proxy-url") || map_str(k, c, "tls-server-name")) {
        return kc_fail(k, -EOPNOTSUPP, "%s: proxy-url and tls-server-name are not supported",
                       where);
    }
    v = map_str(k, c, "server");
    if (!v || strncmp(v, "https://", 8) != 0 || strlen(v) >= ZT_K8S_URL_MAX / 2) {
        return kc_fail(k, -EINVAL, "%s: server must be an https:// URL", where);
    }
    conn->server = zt_url_join(v, "");
    return file_or_data(k, c, "certificate-authority", where, &conn->ca_file, &conn->ca_pem);
}

static int parse_user(struct kc *k, const yaml_node_t *u, const char *name,
                      struct zt_k8s_conn *conn)
{
    char where[160];

    snprintf(where, sizeof(where), "user '%.100s'", name);
    if (map_get(k, u, "exec") || map_get(k, u, "auth-provider")) {
        return kc_fail(k, -EOPNOTSUPP,
                       "%s uses an exec or auth-provider plugin, which ztmmd does not run: give "
                       "it a service account token (kubectl create token) as token or tokenFile",
                       where);
    }
    if (map_str(k, u, "username") || map_str(k, u, "password")) {
        return kc_fail(k, -EOPNOTSUPP, "%s: basic authentication is not supported", where);
    }
    const char *tok = map_str(k, u, "token"), *tok_file = map_str(k, u, "tokenFile");
    if (tok && tok_file) {
        return kc_fail(k, -EINVAL, "%s sets both token and tokenFile", where);
    }
    conn->token = tok ? zt_xstrdup(tok) : NULL;
    conn->token_file = tok_file ? resolve(k, tok_file) : NULL;
    int r = file_or_data(k, u, "client-certificate", where, &conn->cert_file, &conn->cert_pem);
    if (r < 0) {
        return r;
    }
    r = file_or_data(k, u, "client-key", where, &conn->key_file, &conn->key_pem);
    if (r < 0) {
        return r;
    }
    bool cert = conn->cert_file || conn->cert_pem, key = conn->key_file || conn->key_pem;
    if (cert != key) {
        return kc_fail(k, -EINVAL, "%s: a client certificate needs its client key and back", where);
    }
    if (!cert && !conn->token && !conn->token_file) {
        return kc_fail(k, -ENOKEY, "%s has no token, tokenFile or client certificate ztmmd can use",
                       where);
    }
    return 0;
}

static int parse_doc(struct kc *k, const char *context, struct zt_k8s_conn *conn)
{
    yaml_node_t *root = yaml_document_get_root_node(&k->doc);
    char names[256];

    if (!root || root->type != YAML_MAPPING_NODE) {
        return kc_fail(k, -EINVAL, "not a kubeconfig (the document is not a mapping)");
    }
    const char *ctx_name = context ? context : map_str(k, root, "current-context");
    if (!ctx_name) {
        return kc_fail(k, -EINVAL, "no current-context: set 'context' in the collector section");
    }
    yaml_node_t *ctx = named(k, "contexts", ctx_name, "context", names, sizeof(names));
    if (!ctx) {
        return kc_fail(k, -ENOENT, "context '%.100s' not found (contexts: %s)", ctx_name,
                       names[0] ? names : "none");
    }
    conn->context = zt_xstrdup(ctx_name);
    const char *cluster = map_str(k, ctx, "cluster"), *user = map_str(k, ctx, "user");
    if (!cluster || !user) {
        return kc_fail(k, -EINVAL, "context '%.100s' lacks a cluster or a user", ctx_name);
    }
    yaml_node_t *c = named(k, "clusters", cluster, "cluster", names, sizeof(names));
    if (!c) {
        return kc_fail(k, -ENOENT, "cluster '%.100s' of context '%.100s' not found", cluster,
                       ctx_name);
    }
    yaml_node_t *u = named(k, "users", user, "user", names, sizeof(names));
    if (!u) {
        return kc_fail(k, -ENOENT, "user '%.100s' of context '%.100s' not found", user, ctx_name);
    }
    int r = parse_cluster(k, c, cluster, conn);
    return r < 0 ? r : parse_user(k, u, user, conn);
}

int zt_k8s_kubeconfig_parse(const char *text, size_t len, const char *path, const char *context,
                            struct zt_k8s_conn *ret, char *err, size_t errlen)
{
    struct kc k = {.path = path, .err = err, .errlen = errlen};
    struct zt_k8s_conn conn = {0};
    yaml_parser_t p;

    *ret = (struct zt_k8s_conn){0};
    if (len > ZT_K8S_KUBECONFIG_MAX) {
        return kc_fail(&k, -EFBIG, "larger than %u bytes", ZT_K8S_KUBECONFIG_MAX);
    }
    if (!yaml_parser_initialize(&p)) {
        return -ENOMEM;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    if (!yaml_parser_load(&p, &k.doc)) {
        int r = kc_fail(&k, -EBADMSG, "not valid YAML: %s at line %zu",
                        p.problem ? p.problem : "error", p.problem_mark.line + 1);
        yaml_parser_delete(&p);
        return r;
    }
    yaml_parser_delete(&p);
    int r = parse_doc(&k, context, &conn);
    yaml_document_delete(&k.doc);
    if (r < 0) {
        zt_k8s_conn_clear(&conn);
        return r;
    }
    *ret = conn;
    return 0;
}

int zt_k8s_conn_load(struct zt_k8s_conn *c, char *err, size_t errlen)
{
    int r = 0;

    if (c->token_file && !c->token) {
        r = zt_secret_read_file(c->token_file, 0, &c->token, err, errlen);
    }
    if (r == 0 && c->key_file && !c->key_pem) {
        r = zt_secret_read_file(c->key_file, 0, &c->key_pem, err, errlen);
    }
    if (r == 0 && c->cert_file && !c->cert_pem) {
        r = zt_read_file(c->cert_file, ZT_SECRET_MAX, &c->cert_pem, NULL);
        if (r < 0) {
            snprintf(err, errlen, "cannot read client certificate %s: %s", c->cert_file,
                     strerror(-r));
        }
    }
    return r;
}
