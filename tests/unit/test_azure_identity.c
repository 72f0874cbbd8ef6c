/* test_azure_identity.c - tokens without a secret against the fixture: the instance metadata
 * endpoint and App Service's (plain HTTP on loopback, the engine's one exception to HTTPS), and
 * workload identity federation (the assertion file re-read for every token request). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <time.h>

#include "http.h"
#include "secret.h"
#include "util.h"
#include "test_http_fixture.h"

#define USER_ASSIGNED "aaaaaaaa-1111-2222-3333-444444444444"
#define GRAPH_SCOPE   "https://graph.microsoft.com/.default"

static char dir[PATH_MAX], ca[PATH_MAX];

static int setup_pki(void **state)
{
    fixture_pki(dir, sizeof(dir));
    fixture_join(ca, sizeof(ca), dir, "/certs/ca.pem");
    return 0;
}

static int teardown_pki(void **state)
{
    fixture_rmrf(dir);
    return 0;
}

struct env {
    struct fixture f;
    struct zt_http_engine *e;
    char url[256];
};

static struct env *env_start(const char *scenario, const char *path, bool plain)
{
    struct env *v = calloc(1, sizeof(*v));
    fixture_start(&v->f, dir, scenario);
    assert_int_equal(zt_http_engine_new(NULL, &v->e, NULL, 0), 0);
    snprintf(v->url, sizeof(v->url), "%s://127.0.0.1:%d%s", plain ? "http" : "https", v->f.port,
             path);
    return v;
}

static void env_stop(struct env *v)
{
    zt_http_engine_free(v->e);
    fixture_stop(&v->f);
    free(v);
}

static int token(struct env *v, const struct zt_oauth_config *cfg, uint64_t *gen, char *err,
                 size_t len)
{
    char *tok = NULL;
    int r = zt_oauth_token(v->e, cfg, NULL, &tok, gen, err, len);
    if (r == 0) {
        assert_true(zt_startswith(tok, "tok-"));
    }
    zt_secret_free(tok);
    return r;
}

static void test_identity_url_local(void **state)
{
    assert_true(
        zt_http_url_identity_local("http://169.254.169.254/metadata/identity/oauth2/token"));
    assert_true(zt_http_url_identity_local("http://127.0.0.1:41741/MSI/token/"));
    assert_true(zt_http_url_identity_local("http://127.1.2.3/x"));
    assert_true(zt_http_url_identity_local("http://localhost:8081/msi/token"));
    assert_true(zt_http_url_identity_local("http://[::1]:8081/msi/token"));
    assert_false(zt_http_url_identity_local("https://127.0.0.1/x")); /* not plain: not this rule */
    assert_false(zt_http_url_identity_local("http://169.254.169.253/x"));
    assert_false(zt_http_url_identity_local("http://127.0.0.1.evil.example/x"));
    assert_false(zt_http_url_identity_local("http://user@127.0.0.1/x"));
    assert_false(zt_http_url_identity_local("http://metadata.azure.com/x"));
    assert_false(zt_http_url_identity_local("http://[::2]/x"));
}

/* Plain HTTP stays refused for anything but an identity request to a local address. */
static void test_identity_http_exception_is_narrow(void **state)
{
    struct env *v = env_start("azure_identity", "/metadata/identity/oauth2/token", true);
    const char *const md[] = {"Metadata: true", NULL};
    struct zt_http_result res;

    struct zt_http_request req = {.url = v->url, .headers = md};
    assert_int_equal(zt_http_do(v->e, &req, &res), -EPROTONOSUPPORT); /* not an identity call */
    req = (struct zt_http_request){.url = "http://192.0.2.1/metadata/identity/oauth2/token",
                                   .headers = md,
                                   .credential_http = true};
    assert_int_equal(zt_http_do(v->e, &req, &res), -EPROTONOSUPPORT); /* not a local address */
    struct json_object *log = fixture_log(&v->f);
    assert_int_equal(json_object_array_length(log), 0);
    json_object_put(log);
    env_stop(v);
}

static void test_imds_token_cached(void **state)
{
    struct env *v = env_start("azure_identity", "/metadata/identity/oauth2/token", true);
    struct zt_oauth_config cfg = {
        .token_url = v->url, .scope = GRAPH_SCOPE, .flow = ZT_OAUTH_AZURE_IMDS};
    char err[512] = "";

    assert_int_equal(token(v, &cfg, NULL, err, sizeof(err)), 0);
    assert_int_equal(token(v, &cfg, NULL, err, sizeof(err)), 0); /* from the cache */
    cfg.client_id = USER_ASSIGNED;                               /* another identity */
    assert_int_equal(token(v, &cfg, NULL, err, sizeof(err)), 0);
    struct json_object *log = fixture_log(&v->f), *e[4];
    assert_int_equal(fixture_entries(log, "/metadata/identity/oauth2/token", e, 4), 2);
    assert_string_equal(fixture_str(e[0], "client_auth"), "imds");
    assert_string_equal(fixture_str(e[0], "resource"), "https://graph.microsoft.com");
    assert_null(fixture_str(e[0], "client_id")); /* system-assigned */
    assert_string_equal(fixture_str(e[0], "issued"), "tok-1");
    assert_string_equal(fixture_str(e[1], "client_id"), USER_ASSIGNED);
    assert_string_equal(fixture_str(e[1], "issued"), "tok-2");
    json_object_put(log);
    env_stop(v);
}

/* The fixture plays IMDS faithfully: without "Metadata: true" it refuses. */
static void test_imds_refuses_without_metadata_header(void **state)
{
    struct env *v = env_start("azure_identity", "/metadata/identity/oauth2/token", true);
    char url[512];
    snprintf(url, sizeof(url), "%s?api-version=2018-02-01&resource=https%%3A%%2F%%2Fx", v->url);
    struct zt_http_request req = {.url = url, .credential_http = true};
    struct zt_http_result res;

    assert_true(zt_http_do(v->e, &req, &res) < 0);
    assert_int_equal(res.status, 400);
    assert_non_null(strstr(res.message, "Required metadata header"));
    env_stop(v);
}

static void test_app_service_header_checked(void **state)
{
    struct env *v = env_start("azure_identity", "/msi/token", true);
    struct zt_oauth_config cfg = {.token_url = v->url,
                                  .scope = "https://management.azure.com/.default",
                                  .flow = ZT_OAUTH_AZURE_APP_SERVICE,
                                  .identity_header = "wrong-value"};
    char err[512] = "";

    assert_true(token(v, &cfg, NULL, err, sizeof(err)) < 0);
    assert_non_null(strstr(err, "401"));
    assert_null(strstr(err, "wrong-value"));
    cfg.identity_header = "h3ad3r-value";
    assert_int_equal(token(v, &cfg, NULL, err, sizeof(err)), 0);
    assert_int_equal(token(v, &cfg, NULL, err, sizeof(err)), 0); /* expires_on: cached */
    struct json_object *log = fixture_log(&v->f), *e[4];
    assert_int_equal(fixture_entries(log, "/msi/token", e, 4), 2);
    assert_string_equal(fixture_str(e[1], "client_auth"), "app_service");
    assert_string_equal(fixture_str(e[1], "resource"), "https://management.azure.com");
    assert_string_equal(fixture_str(e[1], "issued"), "tok-1");
    json_object_put(log);
    env_stop(v);
}

/* Azure Arc: the 401 names a key file the agent just wrote; its content answers the challenge.
 * The file must be in arc_key_dir. */
static void test_arc_challenge(void **state)
{
    char keys[PATH_MAX], err[512] = "";
    fixture_join(keys, sizeof(keys), dir, "/arc-keys");
    assert_int_equal(mkdir(keys, 0700), 0);
    setenv("ZT_ARC_KEY_DIR", keys, 1); /* where the fixture writes its key files */
    struct env *v = env_start("azure_identity", "/arc/token", true);
    struct zt_oauth_config cfg = {.token_url = v->url,
                                  .scope = "https://management.azure.com/.default",
                                  .flow = ZT_OAUTH_AZURE_ARC,
                                  .arc_key_dir = "/var/opt/azcmagent/tokens"};

    /* A challenge naming a file outside the key directory is refused, never read. */
    assert_int_equal(token(v, &cfg, NULL, err, sizeof(err)), -EPERM);
    assert_non_null(strstr(err, "/var/opt/azcmagent/tokens"));
    cfg.arc_key_dir = keys;
    assert_int_equal(token(v, &cfg, NULL, err, sizeof(err)), 0);
    assert_int_equal(token(v, &cfg, NULL, err, sizeof(err)), 0); /* cached */
    struct json_object *log = fixture_log(&v->f), *e[6];
    /* challenge (refused file), challenge, answer; then the cache */
    assert_int_equal(fixture_entries(log, "/arc/token", e, 6), 3);
    assert_int_equal(fixture_num(e[0], "status"), 401);
    assert_int_equal(fixture_num(e[1], "status"), 401);
    assert_int_equal(fixture_num(e[2], "status"), 200);
    assert_string_equal(fixture_str(e[2], "client_auth"), "arc");
    assert_string_equal(fixture_str(e[2], "resource"), "https://management.azure.com");
    assert_string_equal(fixture_str(e[2], "issued"), "tok-1");
    json_object_put(log);
    env_stop(v);
    unsetenv("ZT_ARC_KEY_DIR");
}

static char *b64url(const char *s)
{
    char *out = zt_xmalloc(4 * strlen(s) / 3 + 8);
    int n = EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)strlen(s));
    while (n > 0 && out[n - 1] == '=') {
        n--;
    }
    out[n] = '\0';
    for (char *c = out; *c; c++) {
        *c = *c == '+' ? '-' : *c == '/' ? '_' : *c;
    }
    return out;
}

/* Write a federated token (as the kubelet projects it: a JWT and a newline) to path; return its
 * sha256 prefix as the fixture logs it. */
static void write_federated(const char *path, const char *jti, char hash[13])
{
    _cleanup_free_ char *claims = zt_xasprintf(
        "{\"iss\":\"https://oidc.aks.example/tenant/issuer\",\"sub\":\"system:serviceaccount:ztmm:"
        "ztmmd\",\"aud\":\"api://AzureADTokenExchange\",\"exp\":%lld,\"jti\":\"%s\"}",
        (long long)time(NULL) + 3600, jti);
    _cleanup_free_ char *h = b64url("{\"alg\":\"RS256\",\"kid\":\"k\"}");
    _cleanup_free_ char *c = b64url(claims);
    _cleanup_free_ char *jwt = zt_xasprintf("%s.%s.c2lnbmF0dXJl", h, c);
    unsigned char md[SHA256_DIGEST_LENGTH];
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%s\n", jwt);
    fclose(f);
    SHA256((const unsigned char *)jwt, strlen(jwt), md);
    for (int i = 0; i < 6; i++) {
        snprintf(hash + 2 * i, 3, "%02x", md[i]);
    }
}

static void test_federated_assertion_reread(void **state)
{
    struct env *v = env_start("azure_federated", "/contoso/oauth2/v2.0/token", false);
    char path[PATH_MAX], h1[13], h2[13], err[512] = "";
    fixture_join(path, sizeof(path), dir, "/azure-identity-token");
    struct zt_oauth_config cfg = {.token_url = v->url,
                                  .client_id = "11111111-2222-3333-4444-555555555555",
                                  .scope = GRAPH_SCOPE,
                                  .assertion_file = path,
                                  .ca_file = ca};
    uint64_t gen = 0;

    write_federated(path, "first", h1);
    assert_int_equal(token(v, &cfg, &gen, err, sizeof(err)), 0);
    write_federated(path, "rotated", h2); /* the kubelet rotates the file */
    zt_oauth_invalidate(v->e, &cfg, gen); /* as a 401 would */
    assert_int_equal(token(v, &cfg, NULL, err, sizeof(err)), 0);
    struct json_object *log = fixture_log(&v->f), *e[4];
    assert_int_equal(fixture_entries(log, "/contoso/oauth2/v2.0/token", e, 4), 2);
    assert_string_equal(fixture_str(e[0], "client_auth"), "federated");
    assert_string_equal(fixture_str(e[0], "assertion_sha256"), h1);
    assert_string_equal(fixture_str(e[1], "assertion_sha256"), h2);
    assert_string_equal(fixture_str(e[1], "issued"), "tok-2");
    json_object_put(log);
    env_stop(v);
}

static void test_federated_file_problems(void **state)
{
    struct env *v = env_start("azure_federated", "/contoso/oauth2/v2.0/token", false);
    char path[PATH_MAX], err[512] = "";
    fixture_join(path, sizeof(path), dir, "/no-such-token");
    struct zt_oauth_config cfg = {.token_url = v->url,
                                  .client_id = "11111111-2222-3333-4444-555555555555",
                                  .scope = GRAPH_SCOPE,
                                  .assertion_file = path,
                                  .ca_file = ca};

    assert_int_equal(token(v, &cfg, NULL, err, sizeof(err)), -ENOENT);
    assert_non_null(strstr(err, "no-such-token"));
    fixture_join(path, sizeof(path), dir, "/not-a-jwt");
    FILE *f = fopen(path, "w");
    fputs("secret-looking text\n", f);
    fclose(f);
    assert_int_equal(token(v, &cfg, NULL, err, sizeof(err)), -EBADMSG);
    assert_null(strstr(err, "secret-looking")); /* the content is never echoed */
    struct json_object *log = fixture_log(&v->f), *e[2];
    assert_int_equal(fixture_entries(log, "/contoso/oauth2/v2.0/token", e, 2), 0);
    json_object_put(log);
    env_stop(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity_url_local),
        cmocka_unit_test(test_identity_http_exception_is_narrow),
        cmocka_unit_test(test_imds_token_cached),
        cmocka_unit_test(test_imds_refuses_without_metadata_header),
        cmocka_unit_test(test_app_service_header_checked),
        cmocka_unit_test(test_arc_challenge),
        cmocka_unit_test(test_federated_assertion_reread),
        cmocka_unit_test(test_federated_file_problems),
    };
    return cmocka_run_group_tests(tests, setup_pki, teardown_pki);
}
