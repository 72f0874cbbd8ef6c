/* ms_auth.c - shared by the Microsoft collectors: credential options, the OAuth2 session, platform
 * names and timestamp parsing. */
#include "ms_auth.h"

#include <strings.h>
#include <time.h>

int zt_ms_auth_sources(const struct zt_ms_auth *a)
{
    return !!a->client_secret_file + !!a->credential + !!a->certificate_file;
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

    if (sources != 1) {
        snprintf(err, errlen,
                 "set exactly one of 'client_secret_file', 'credential' or 'certificate_file' "
                 "(%d set)",
                 sources);
        return -EINVAL;
    }
    if (a->private_key_file && !a->certificate_file) {
        snprintf(err, errlen, "'private_key_file' needs 'certificate_file'");
        return -EINVAL;
    }
    if (!zt_ms_tenant_valid(a->tenant_id) || strlen(a->tenant_id) >= ZT_MS_TENANT_MAX) {
        snprintf(err, errlen,
                 "'tenant_id' must be a tenant GUID or domain name (letters, digits, '.', '-')");
        return -EINVAL;
    }
    if (!a->client_id || !a->client_id[0]) {
        snprintf(err, errlen, "'client_id' must not be empty");
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

int zt_ms_session_open(struct zt_ms_session *s, const struct zt_ms_auth *a, const char *scope,
                       char *err, size_t errlen)
{
    *s = (struct zt_ms_session){0};
    if (a->client_secret_file || a->credential) {
        int r = zt_secret_load(a->client_secret_file, a->credential, &s->secret, err, errlen);
        if (r < 0) {
            return r;
        }
    }
    _cleanup_free_ char *path = zt_xasprintf("/%s/oauth2/v2.0/token", a->tenant_id);
    s->token_url = zt_ms_url(a->login_url ? a->login_url : ZT_MS_LOGIN_URL, path);
    if (!s->token_url) {
        zt_ms_session_close(s);
        snprintf(err, errlen, "'login_url' is too long");
        return -EINVAL;
    }
    s->scope = zt_xstrdup(scope);
    s->oauth = (struct zt_oauth_config){
        .token_url = s->token_url,
        .client_id = a->client_id,
        .scope = s->scope,
        .client_secret = s->secret,
        .cert_file = a->certificate_file,
        .key_file = a->private_key_file,
        .ca_file = a->ca_file,
    };
    return 0;
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
