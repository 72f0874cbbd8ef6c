/* ms_auth.c - shared by the Microsoft collectors: credential options, the OAuth2 session, platform
 * names and timestamp parsing. */
#include "ms_auth.h"

#include <strings.h>
#include <syslog.h>
#include <time.h>

int zt_ms_auth_sources(const struct zt_ms_auth *a)
{
    return !!a->client_secret_file + !!a->credential + !!a->certificate_file +
           !!a->federated_token_file;
}

static const char *env_nonempty(const char *name)
{
    const char *v = getenv(name);
    return v && v[0] ? v : NULL;
}

enum zt_ms_source zt_ms_auth_source(const struct zt_ms_auth *a)
{
    if (a->client_secret_file || a->credential) {
        return ZT_MS_SOURCE_SECRET;
    }
    if (a->certificate_file) {
        return ZT_MS_SOURCE_CERTIFICATE;
    }
    if (a->federated_token_file || env_nonempty("AZURE_FEDERATED_TOKEN_FILE")) {
        return ZT_MS_SOURCE_FEDERATED;
    }
    if (env_nonempty("IDENTITY_ENDPOINT") && env_nonempty("IDENTITY_HEADER")) {
        return ZT_MS_SOURCE_APP_SERVICE;
    }
    if (env_nonempty("IDENTITY_ENDPOINT") && env_nonempty("IMDS_ENDPOINT")) {
        return ZT_MS_SOURCE_ARC; /* the Arc agent sets both, and no header */
    }
    return ZT_MS_SOURCE_IMDS;
}

const char *zt_ms_source_to_string(enum zt_ms_source s)
{
    static const char *const names[] = {
        [ZT_MS_SOURCE_SECRET] = "client secret",
        [ZT_MS_SOURCE_CERTIFICATE] = "certificate",
        [ZT_MS_SOURCE_FEDERATED] = "workload identity",
        [ZT_MS_SOURCE_APP_SERVICE] = "managed identity (App Service)",
        [ZT_MS_SOURCE_IMDS] = "managed identity (instance metadata)",
        [ZT_MS_SOURCE_ARC] = "managed identity (Azure Arc)",
    };
    return (size_t)s < ZT_ELEMENTSOF(names) ? names[s] : "?";
}

const char *zt_ms_tenant(const struct zt_ms_auth *a)
{
    return a->tenant_id ? a->tenant_id : env_nonempty("AZURE_TENANT_ID");
}

const char *zt_ms_client_id(const struct zt_ms_auth *a)
{
    return a->client_id ? a->client_id : env_nonempty("AZURE_CLIENT_ID");
}

bool zt_ms_tenant_valid(const char *tenant)
{
    /* The tenant goes into the token URL's path: a GUID or a domain name, nothing else. */
    return tenant && tenant[0] &&
           strspn(tenant, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") ==
               strlen(tenant);
}

int zt_ms_auth_check(const struct zt_ms_auth *a, char *err, size_t errlen)
{
    int sources = zt_ms_auth_sources(a);
    enum zt_ms_source src = zt_ms_auth_source(a);
    const char *tenant = zt_ms_tenant(a), *client = zt_ms_client_id(a);

    if (sources > 1) {
        snprintf(err, errlen,
                 "set at most one of 'client_secret_file', 'credential', 'certificate_file' or "
                 "'federated_token_file' (%d set; none = managed or workload identity)",
                 sources);
        return -EINVAL;
    }
    if (a->private_key_file && !a->certificate_file) {
        snprintf(err, errlen, "'private_key_file' needs 'certificate_file'");
        return -EINVAL;
    }
    if (a->managed_identity_url && !zt_http_url_identity_local(a->managed_identity_url)) {
        snprintf(err, errlen,
                 "'managed_identity_url' must be http:// to 169.254.169.254 or a loopback host");
        return -EINVAL;
    }
    bool managed = src >= ZT_MS_SOURCE_APP_SERVICE; /* App Service, IMDS, Arc */
    if ((tenant || !managed) &&
        (!zt_ms_tenant_valid(tenant) || strlen(tenant) >= ZT_MS_TENANT_MAX)) {
        snprintf(err, errlen,
                 "'tenant_id' (or AZURE_TENANT_ID) must be a tenant GUID or domain "
                 "name (letters, digits, '.', '-')");
        return -EINVAL;
    }
    if ((client && !client[0]) || (!client && !managed)) {
        snprintf(err, errlen, "'client_id' (or AZURE_CLIENT_ID) must not be empty");
        return -EINVAL;
    }
    return 0;
}

void zt_ms_session_close(struct zt_ms_session *s)
{
    zt_secret_free(s->secret);
    free(s->token_url);
    free(s->scope);
    *s = (struct zt_ms_session){0};
}

/* The token endpoint of a's source: the tenant's, App Service's or the metadata endpoint. */
static char *session_token_url(struct zt_ms_session *s, const struct zt_ms_auth *a)
{
    if (s->source == ZT_MS_SOURCE_APP_SERVICE || s->source == ZT_MS_SOURCE_ARC) {
        return zt_xstrdup(getenv("IDENTITY_ENDPOINT"));
    }
    if (s->source == ZT_MS_SOURCE_IMDS) {
        return zt_xstrdup(a->managed_identity_url ? a->managed_identity_url : ZT_MS_IMDS_URL);
    }
    _cleanup_free_ char *path = zt_xasprintf("/%s/oauth2/v2.0/token", zt_ms_tenant(a));
    const char *login = a->login_url ? a->login_url : ZT_MS_LOGIN_URL;
    const char *authority = env_nonempty("AZURE_AUTHORITY_HOST"); /* AKS injects it */
    if (s->source == ZT_MS_SOURCE_FEDERATED && authority && zt_streq(login, ZT_MS_LOGIN_URL)) {
        login = authority; /* the pod's cloud, unless login_url says otherwise */
    }
    return zt_ms_url(login, path);
}

int zt_ms_session_open(struct zt_ms_session *s, const struct zt_ms_auth *a, const char *scope,
                       char *err, size_t errlen)
{
    static const enum zt_oauth_flow flows[] = {[ZT_MS_SOURCE_APP_SERVICE] =
                                                   ZT_OAUTH_AZURE_APP_SERVICE,
                                               [ZT_MS_SOURCE_IMDS] = ZT_OAUTH_AZURE_IMDS,
                                               [ZT_MS_SOURCE_ARC] = ZT_OAUTH_AZURE_ARC};
    int r = zt_ms_auth_check(a, err, errlen); /* again: the environment may differ now */

    *s = (struct zt_ms_session){.source = zt_ms_auth_source(a)};
    if (r < 0) {
        return r;
    }
    if (a->client_secret_file || a->credential) {
        r = zt_secret_load(a->client_secret_file, a->credential, &s->secret, err, errlen);
        if (r < 0) {
            return r;
        }
    } else if (s->source == ZT_MS_SOURCE_APP_SERVICE) {
        s->secret = zt_xstrdup(getenv("IDENTITY_HEADER"));
    }
    s->token_url = session_token_url(s, a);
    if (!s->token_url) {
        zt_ms_session_close(s);
        snprintf(err, errlen, "'login_url' is too long");
        return -EINVAL;
    }
    if ((s->source == ZT_MS_SOURCE_APP_SERVICE || s->source == ZT_MS_SOURCE_ARC) &&
        !zt_http_url_identity_local(s->token_url)) {
        zt_ms_session_close(s);
        snprintf(err, errlen, "IDENTITY_ENDPOINT must be an http:// URL of a loopback host");
        return -EINVAL;
    }
    s->scope = zt_xstrdup(scope);
    s->oauth = (struct zt_oauth_config){
        .token_url = s->token_url,
        .client_id = zt_ms_client_id(a),
        .scope = s->scope,
        .client_secret = s->source == ZT_MS_SOURCE_SECRET ? s->secret : NULL,
        .cert_file = a->certificate_file,
        .key_file = a->private_key_file,
        .ca_file = a->ca_file,
        .flow = s->source < ZT_ELEMENTSOF(flows) ? flows[s->source] : ZT_OAUTH_CLIENT_CREDENTIALS,
        .identity_header = s->source == ZT_MS_SOURCE_APP_SERVICE ? s->secret : NULL,
        .arc_key_dir = ZT_MS_ARC_KEY_DIR,
    };
    if (s->source == ZT_MS_SOURCE_FEDERATED) {
        s->oauth.assertion_file = a->federated_token_file ? a->federated_token_file
                                                          : getenv("AZURE_FEDERATED_TOKEN_FILE");
    }
    return 0;
}

void zt_ms_session_log(struct zt_ctx *ctx, const struct zt_ms_session *s)
{
    zt_ctx_log(ctx, LOG_INFO, "token source for %s: %s", s->scope,
               zt_ms_source_to_string(s->source));
    zt_ctx_set_credentials(ctx, zt_ms_source_to_string(s->source));
}

char *zt_ms_url(const char *base, const char *path)
{
    if (zt_url_base_len(base) + strlen(path) >= ZT_MS_URL_MAX) {
        return NULL;
    }
    return zt_url_join(base, path);
}

char *zt_ms_scope_of(const char *url)
{
    char origin[256];

    if (!zt_http_url_origin(url, origin, sizeof(origin))) {
        return NULL;
    }
    return zt_xasprintf("%s/.default", origin);
}

static const char *const platform_names[_ZT_MS_PLATFORM_MAX] = {
    [ZT_MS_WINDOWS] = "windows", [ZT_MS_IOS] = "ios",     [ZT_MS_MACOS] = "macos",
    [ZT_MS_ANDROID] = "android", [ZT_MS_LINUX] = "linux", [ZT_MS_OTHER] = "other",
};

const char *zt_ms_platform_to_string(enum zt_ms_platform p)
{
    return p < _ZT_MS_PLATFORM_MAX ? platform_names[p] : NULL;
}

static bool prefix_ci(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

enum zt_ms_platform zt_ms_platform_from_os(const char *os)
{
    if (!os) {
        return ZT_MS_OTHER;
    }
    /* Prefixes: Intune "Windows", "AndroidForWork", "AndroidEnterprise"; MDE "Windows10",
     * "WindowsServer2022". "WindowsMobile"/"Windows Phone" are Windows too. */
    if (prefix_ci(os, "windows")) {
        return ZT_MS_WINDOWS;
    }
    if (strcasecmp(os, "ios") == 0 || strcasecmp(os, "ipados") == 0) {
        return ZT_MS_IOS;
    }
    if (strcasecmp(os, "macos") == 0 || strcasecmp(os, "mac os") == 0 ||
        strcasecmp(os, "macmdm") == 0 || strcasecmp(os, "osx") == 0) {
        return ZT_MS_MACOS;
    }
    if (prefix_ci(os, "android")) {
        return ZT_MS_ANDROID;
    }
    if (prefix_ci(os, "linux") || strcasecmp(os, "ubuntu") == 0 || strcasecmp(os, "rhel") == 0 ||
        strcasecmp(os, "debian") == 0 || strcasecmp(os, "centos") == 0 ||
        strcasecmp(os, "suse") == 0) {
        return ZT_MS_LINUX;
    }
    return ZT_MS_OTHER;
}

int zt_ms_parse_time(const char *s, int64_t *ret_sec)
{
    int64_t usec;

    if (zt_parse_time(s, ZT_TIME_LENIENT, &usec) < 0) {
        return -EINVAL;
    }
    *ret_sec = usec >= 0 ? usec / 1000000 : -((-usec + 999999) / 1000000); /* floor */
    return 0;
}

double zt_ms_share(uint64_t part, uint64_t whole)
{
    return whole ? (double)part / (double)whole : 0.0;
}

int zt_ms_emit_count(struct zt_ctx *ctx, const char *key, uint64_t count,
                     struct json_object *detail)
{
    return zt_emit(ctx, key, json_object_new_int64(count > INT64_MAX ? INT64_MAX : (int64_t)count),
                   detail);
}
