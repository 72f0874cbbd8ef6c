/* test_oauth.c - OAuth2 client credentials against the fixture token endpoint: client secret,
 * private_key_jwt (structure and signature checked here and by the server), caching, refresh
 * on 401 and before expiry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "http.h"
#include "util.h"
#include "secret.h"
#include "test_http_fixture.h"

static char dir[PATH_MAX], ca[PATH_MAX], cert[PATH_MAX], key[PATH_MAX];

static int setup_pki(void **state)
{
    fixture_pki(dir, sizeof(dir));
    fixture_join(ca, sizeof(ca), dir, "/certs/ca.pem");
    fixture_join(cert, sizeof(cert), dir, "/certs/client.pem");
    fixture_join(key, sizeof(key), dir, "/certs/client.key");
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
    char token_url[256];
    char api[256];
};

static struct env *env_start(const char *scenario)
{
    struct env *v = calloc(1, sizeof(*v));
    fixture_start(&v->f, dir, scenario);
    assert_int_equal(zt_http_engine_new(NULL, &v->e, NULL, 0), 0);
    snprintf(v->token_url, sizeof(v->token_url), "%s/contoso/oauth2/v2.0/token", v->f.base);
    return v;
}

static void env_stop(struct env *v)
{
    zt_http_engine_free(v->e);
    fixture_stop(&v->f);
    free(v);
}

static int get(struct env *v, const struct zt_oauth_config *auth, const char *path,
               struct zt_http_result *res)
{
    snprintf(v->api, sizeof(v->api), "%s%s", v->f.base, path);
    struct zt_http_request req = {.url = v->api, .ca_file = ca, .auth = auth};
    return zt_http_do(v->e, &req, res);
}

static void test_oauth_client_secret_token_cached(void **state)
{
    struct env *v = env_start("auth");
    struct zt_oauth_config auth = {.token_url = v->token_url,
                                   .client_id = "11111111-2222-3333-4444-555555555555",
                                   .scope = "https://graph.microsoft.com/.default",
                                   .client_secret = "s3cr3t~value+/=",
                                   .ca_file = ca};
    struct zt_http_result res;

    assert_int_equal(get(v, &auth, "/v1.0/me", &res), 0);
    assert_int_equal(res.attempts, 2); /* token + call */
    assert_int_equal(get(v, &auth, "/v1.0/policies", &res), 0);
    assert_int_equal(res.attempts, 1); /* cached token */
    struct json_object *log = fixture_log(&v->f), *e[4];
    assert_int_equal(fixture_entries(log, "/contoso/oauth2/v2.0/token", e, 4), 1);
    assert_string_equal(fixture_str(e[0], "client_auth"), "secret");
    assert_int_equal(fixture_entries(log, "/v1.0/policies", e, 4), 1);
    assert_string_equal(fixture_str(e[0], "token"), "tok-1");
    json_object_put(log);
    env_stop(v);
}

/* on_token sees each token response (its headers) once per fetch, never for a cached token. */
struct token_seen {
    unsigned calls;
    char server[64];
    long status;
};

static void on_token(void *data, const struct zt_http_page *p)
{
    struct token_seen *t = data;
    t->calls++;
    t->status = zt_http_page_status(p);
    if (!zt_http_page_header(p, "Server", t->server, sizeof(t->server))) {
        t->server[0] = '\0';
    }
}

static void test_oauth_on_token_sees_the_response(void **state)
{
    struct env *v = env_start("auth");
    struct token_seen seen = {0};
    struct zt_oauth_config auth = {.token_url = v->token_url,
                                   .client_id = "11111111-2222-3333-4444-555555555555",
                                   .scope = "https://graph.microsoft.com/.default",
                                   .client_secret = "s3cr3t~value+/=",
                                   .ca_file = ca,
                                   .on_token = on_token,
                                   .on_token_data = &seen};
    struct zt_http_result res;

    assert_int_equal(get(v, &auth, "/v1.0/me", &res), 0);
    assert_int_equal(seen.calls, 1);
    assert_int_equal(seen.status, 200);
    assert_true(zt_startswith(seen.server, "ztfixture/1")); /* the token answer's own header */
    assert_int_equal(get(v, &auth, "/v1.0/policies", &res), 0);
    assert_int_equal(seen.calls, 1); /* cached: not called again */
    env_stop(v);
}

static void test_oauth_wrong_secret_clear_error(void **state)
{
    struct env *v = env_start("auth");
    struct zt_oauth_config auth = {.token_url = v->token_url,
                                   .client_id = "11111111-2222-3333-4444-555555555555",
                                   .scope = "s",
                                   .client_secret = "not-the-secret",
                                   .ca_file = ca};
    struct zt_http_result res;

    assert_int_equal(get(v, &auth, "/v1.0/me", &res), -EACCES);
    assert_non_null(strstr(res.message, "cannot get an access token"));
    assert_non_null(strstr(res.message, "/contoso/oauth2/v2.0/token"));
    assert_non_null(strstr(res.message, "AADSTS7000215"));
    assert_null(strstr(res.message, "not-the-secret"));
    struct json_object *log = fixture_log(&v->f), *e[4];
    assert_int_equal(fixture_entries(log, "/v1.0/me", e, 4), 0); /* never called the API */
    json_object_put(log);
    env_stop(v);
}

static void test_oauth_client_assertion_accepted(void **state)
{
    struct env *v = env_start("auth");
    struct zt_oauth_config auth = {.token_url = v->token_url,
                                   .client_id = "11111111-2222-3333-4444-555555555555",
                                   .scope = "https://graph.microsoft.com/.default",
                                   .cert_file = cert,
                                   .key_file = key,
                                   .ca_file = ca};
    struct zt_http_result res;

    assert_int_equal(get(v, &auth, "/v1.0/me", &res), 0);
    struct json_object *log = fixture_log(&v->f), *e[4];
    assert_int_equal(fixture_entries(log, "/contoso/oauth2/v2.0/token", e, 4), 1);
    assert_string_equal(fixture_str(e[0], "client_auth"), "assertion");
    assert_string_equal(fixture_str(e[0], "issued"), "tok-1"); /* signature verified by server */
    json_object_put(log);
    env_stop(v);
}

static unsigned char *b64url_decode(const char *s, size_t n, size_t *out_len)
{
    char *b = calloc(1, n + 4);
    size_t i;
    for (i = 0; i < n; i++) {
        b[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
    }
    while (i % 4) {
        b[i++] = '=';
    }
    unsigned char *out = calloc(1, i);
    int len = EVP_DecodeBlock(out, (unsigned char *)b, (int)i);
    assert_true(len >= 0);
    *out_len = (size_t)len - (i - n > 2 ? 0 : i - n);
    free(b);
    return out;
}

static void test_oauth_client_assertion_structure(void **state)
{
    struct zt_oauth_config cfg = {.token_url = "https://login.example/t/oauth2/v2.0/token",
                                  .client_id = "app-1",
                                  .cert_file = cert,
                                  .key_file = key};
    char err[256] = "", *jwt = NULL;
    size_t hl, cl, sl;

    assert_int_equal(zt_oauth_client_assertion(&cfg, &jwt, err, sizeof(err)), 0);
    char *dot1 = strchr(jwt, '.'), *dot2 = strrchr(jwt, '.');
    assert_true(dot1 && dot2 && dot1 != dot2);
    unsigned char *h = b64url_decode(jwt, (size_t)(dot1 - jwt), &hl);
    unsigned char *c = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), &cl);
    unsigned char *sig = b64url_decode(dot2 + 1, strlen(dot2 + 1), &sl);
    struct json_object *hj = json_tokener_parse((char *)h), *cj = json_tokener_parse((char *)c);
    assert_non_null(hj);
    assert_non_null(cj);
    assert_string_equal(fixture_str(hj, "alg"), "RS256");
    assert_non_null(fixture_str(hj, "x5t#S256"));
    assert_non_null(fixture_str(hj, "x5t"));
    assert_string_equal(fixture_str(cj, "aud"), cfg.token_url);
    assert_string_equal(fixture_str(cj, "iss"), "app-1");
    assert_string_equal(fixture_str(cj, "sub"), "app-1");
    assert_int_equal(strlen(fixture_str(cj, "jti")), 36);
    assert_true(fixture_num(cj, "exp") > fixture_num(cj, "nbf"));

    /* The signature verifies with the certificate's public key. */
    FILE *fp = fopen(cert, "re");
    X509 *x = PEM_read_X509(fp, NULL, NULL, NULL);
    fclose(fp);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, X509_get0_pubkey(x)), 1);
    assert_int_equal(EVP_DigestVerify(md, sig, sl, (unsigned char *)jwt, (size_t)(dot2 - jwt)), 1);
    sig[0] ^= 1;
    assert_int_equal(EVP_DigestVerify(md, sig, sl, (unsigned char *)jwt, (size_t)(dot2 - jwt)), 0);
    EVP_MD_CTX_free(md);
    X509_free(x);
    json_object_put(hj);
    json_object_put(cj);
    free(h);
    free(c);
    free(sig);
    zt_secret_free(jwt);
}

/* Without a certificate (Okta service apps register a bare public key): the key alone, from a file
 * or in memory, signs; the header names the key by kid and carries no thumbprints. */
static void test_oauth_client_assertion_key_only(void **state)
{
    char err[256] = "", *jwt = NULL, *pem = NULL;
    size_t hl;
    struct zt_oauth_config cfg = {
        .token_url = "https://acme.okta.com/oauth2/v1/token", .client_id = "0oa1", .key_id = "k1"};

    assert_int_equal(zt_oauth_client_assertion(&cfg, &jwt, err, sizeof(err)), -EINVAL);
    assert_int_equal(zt_secret_read_file(key, ZT_SECRET_MAX, &pem, err, sizeof(err)), 0);
    for (int from_memory = 0; from_memory < 2; from_memory++) {
        cfg.key_file = from_memory ? NULL : key;
        cfg.key_pem = from_memory ? pem : NULL;
        assert_int_equal(zt_oauth_client_assertion(&cfg, &jwt, err, sizeof(err)), 0);
        unsigned char *h = b64url_decode(jwt, strcspn(jwt, "."), &hl);
        struct json_object *hj = json_tokener_parse((char *)h);
        assert_string_equal(fixture_str(hj, "kid"), "k1");
        assert_null(fixture_str(hj, "x5t#S256"));
        assert_null(fixture_str(hj, "x5t"));
        json_object_put(hj);
        free(h);
        zt_secret_free(jwt);
    }
    /* A PEM that is no key is refused with a clear message. */
    cfg.key_pem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    assert_int_equal(zt_oauth_client_assertion(&cfg, &jwt, err, sizeof(err)), -EBADMSG);
    assert_non_null(strstr(err, "cannot parse private key"));
    zt_secret_free(pem);
}

static void test_oauth_key_file_permissions_checked(void **state)
{
    char loose[PATH_MAX], err[256] = "", *jwt = NULL;
    fixture_join(loose, sizeof(loose), dir, "/loose.key");
    char *argv[] = {"cp", key, loose, NULL};
    assert_int_equal(fixture_run(argv), 0);
    assert_int_equal(chmod(loose, 0644), 0);
    struct zt_oauth_config cfg = {
        .token_url = "https://l/t", .client_id = "a", .cert_file = cert, .key_file = loose};
    assert_int_equal(zt_oauth_client_assertion(&cfg, &jwt, err, sizeof(err)), -EPERM);
    assert_non_null(strstr(err, loose));
}

static void test_oauth_expired_token_refreshed_once(void **state)
{
    struct env *v = env_start("expired");
    struct zt_oauth_config auth = {.token_url = v->token_url,
                                   .client_id = "app-expired",
                                   .scope = "s",
                                   .client_secret = "expired-secret",
                                   .ca_file = ca};
    struct zt_http_result res;

    assert_int_equal(get(v, &auth, "/v1.0/policies", &res), 0);
    assert_int_equal(res.attempts, 4); /* token, 401, token, 200 */
    assert_int_equal(get(v, &auth, "/v1.0/policies", &res), 0);
    assert_int_equal(res.attempts, 1);
    struct json_object *log = fixture_log(&v->f), *tok[4], *api[4];
    assert_int_equal(fixture_entries(log, "/contoso/oauth2/v2.0/token", tok, 4), 2);
    assert_int_equal(fixture_entries(log, "/v1.0/policies", api, 4), 3);
    assert_int_equal(fixture_num(api[0], "status"), 401);
    assert_string_equal(fixture_str(api[0], "token"), "tok-1");
    double refreshed = fixture_num(tok[1], "t");
    for (size_t i = 1; i < 3; i++) { /* after the refresh, only the new token is used */
        assert_true(fixture_num(api[i], "t") > refreshed);
        assert_string_equal(fixture_str(api[i], "token"), "tok-2");
        assert_int_equal(fixture_num(api[i], "status"), 200);
    }
    json_object_put(log);
    env_stop(v);
}

static void test_oauth_short_lived_token_refreshed_early(void **state)
{
    struct env *v = env_start("shortlived");
    struct zt_oauth_config auth = {.token_url = v->token_url,
                                   .client_id = "app-short",
                                   .scope = "s",
                                   .client_secret = "short-secret",
                                   .ca_file = ca};
    struct zt_http_result res;

    assert_int_equal(get(v, &auth, "/v1.0/me", &res), 0);
    usleep(1100 * 1000); /* expires_in 2 s: refreshed after half its life */
    assert_int_equal(get(v, &auth, "/v1.0/me", &res), 0);
    struct json_object *log = fixture_log(&v->f), *api[4];
    assert_int_equal(fixture_entries(log, "/v1.0/me", api, 4), 2);
    assert_string_equal(fixture_str(api[0], "token"), "tok-1");
    assert_string_equal(fixture_str(api[1], "token"), "tok-2");
    json_object_put(log);
    env_stop(v);
}

static bool always_cancelled(void *data)
{
    (*(unsigned *)data)++;
    return true;
}

/* A token request is part of the call that needs it: a token endpoint slower than the caller's
 * deadline, or a cancelled caller, ends the call with the token named, and the API is never
 * called. (The server answers tokens after 4 s; the deadline is 300 ms away.) */
static void test_oauth_token_honours_deadline_and_cancel(void **state)
{
    struct env *v = env_start("slowtoken");
    struct zt_oauth_config auth = {.token_url = v->token_url,
                                   .client_id = "11111111-2222-3333-4444-555555555555",
                                   .scope = "s",
                                   .client_secret = "s3cr3t~value+/=",
                                   .ca_file = ca};
    struct zt_http_result res;
    unsigned polls = 0;

    snprintf(v->api, sizeof(v->api), "%s/v1.0/me", v->f.base);
    struct zt_http_request req = {.url = v->api,
                                  .ca_file = ca,
                                  .auth = &auth,
                                  .deadline_usec = zt_now_mono_usec() + 300 * 1000};
    assert_int_equal(zt_http_do(v->e, &req, &res), -ETIMEDOUT);
    assert_non_null(strstr(res.message, "cannot get an access token"));
    assert_non_null(strstr(res.message, "/contoso/oauth2/v2.0/token"));
    assert_non_null(strstr(res.message, "deadline"));

    req.deadline_usec = 0;
    req.cancelled = always_cancelled;
    req.cancel_data = &polls;
    assert_int_equal(zt_http_do(v->e, &req, &res), -ECANCELED);
    assert_non_null(strstr(res.message, "cannot get an access token"));
    assert_true(polls > 0);

    struct json_object *log = fixture_log(&v->f), *e[4];
    assert_int_equal(fixture_entries(log, "/v1.0/me", e, 4), 0);
    json_object_put(log);
    env_stop(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oauth_client_secret_token_cached),
        cmocka_unit_test(test_oauth_on_token_sees_the_response),
        cmocka_unit_test(test_oauth_wrong_secret_clear_error),
        cmocka_unit_test(test_oauth_client_assertion_accepted),
        cmocka_unit_test(test_oauth_client_assertion_structure),
        cmocka_unit_test(test_oauth_client_assertion_key_only),
        cmocka_unit_test(test_oauth_key_file_permissions_checked),
        cmocka_unit_test(test_oauth_expired_token_refreshed_once),
        cmocka_unit_test(test_oauth_short_lived_token_refreshed_early),
        cmocka_unit_test(test_oauth_token_honours_deadline_and_cancel),
    };
    return cmocka_run_group_tests(tests, setup_pki, teardown_pki);
}
