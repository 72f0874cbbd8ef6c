/* oauth_jwt.c - private_key_jwt client assertions (RFC 7523): an RS256 JWT signed with the
 * application's key, carrying the certificate thumbprints Microsoft requires when a certificate
 * is given, or only a key id (Okta service apps register a bare public key); and bare RS256 JWTs of
 * a caller's own claims (GitHub App authentication); and federated assertions read from a file
 * (workload identity). */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "crypto_load.h"
#include "http.h"
#include "secret.h"
#include "util.h"

#define ASSERTION_LIFETIME_SEC 600

static void bio_freep(BIO **b)
{
    BIO_free(*b);
}
static void x509_freep(X509 **x)
{
    X509_free(*x);
}
static void pkey_freep(EVP_PKEY **k)
{
    EVP_PKEY_free(*k);
}
static void md_ctx_freep(EVP_MD_CTX **c)
{
    EVP_MD_CTX_free(*c);
}

/* base64url without padding (RFC 7515 section 2). Returns a new string. */
static char *b64url(const unsigned char *data, size_t len)
{
    char *out = zt_xmalloc(4 * ((len + 2) / 3) + 1);
    int n = EVP_EncodeBlock((unsigned char *)out, data, (int)len);

    while (n > 0 && out[n - 1] == '=') {
        n--;
    }
    out[n] = '\0';
    for (char *c = out; *c; c++) {
        *c = *c == '+' ? '-' : *c == '/' ? '_' : *c;
    }
    return out;
}

/* with_key: the file holds the private key too, so it is read as a secret (checked like one,
 * and through the descriptor opened before a privilege drop, secret.h). */
static int load_cert(const char *path, bool with_key, X509 **ret, char *err, size_t errlen)
{
    _cleanup_(zt_secret_freep) char *pem = NULL;
    _cleanup_(bio_freep) BIO *bio = NULL;
    size_t len = 0;

    int r = with_key ? zt_secret_read_file(path, ZT_SECRET_MAX, &pem, err, errlen)
                     : zt_read_file(path, ZT_SECRET_MAX, &pem, &len);
    if (r < 0) {
        if (!with_key) {
            snprintf(err, errlen, "cannot read certificate %s: %s", path, strerror(-r));
        }
        return r;
    }
    len = with_key ? strlen(pem) : len;
    bio = BIO_new_mem_buf(pem, (int)len);
    X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    if (!x) {
        snprintf(err, errlen, "cannot parse certificate %s: no PEM certificate", path);
        return -EBADMSG;
    }
    *ret = x;
    return 0;
}

/* The signing key: PEM text given in memory (name only labels messages), else the file path. */
static int load_key(const char *pem_text, const char *path, EVP_PKEY **ret, char *err,
                    size_t errlen)
{
    _cleanup_(zt_secret_freep) char *pem = NULL;
    _cleanup_(bio_freep) BIO *bio = NULL;

    if (!pem_text) {
        int r = zt_secret_read_file(path, ZT_SECRET_MAX, &pem, err, errlen);
        if (r < 0) {
            return r;
        }
        pem_text = pem;
    }
    bio = BIO_new_mem_buf(pem_text, -1);
    EVP_PKEY *k = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    if (!k) {
        snprintf(err, errlen, "cannot parse private key %s: no unencrypted PEM key", path);
        return -EBADMSG;
    }
    if (EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA) {
        EVP_PKEY_free(k);
        snprintf(err, errlen, "private key %s is not an RSA key (RS256 needs RSA)", path);
        return -EINVAL;
    }
    *ret = k;
    return 0;
}

/* The JOSE header: alg, typ, the key id if any, and the certificate's SHA-256 and SHA-1
 * thumbprints if there is a certificate. */
static char *jwt_header(X509 *cert, const char *key_id)
{
    _cleanup_json_ struct json_object *h = json_object_new_object();

    json_object_object_add(h, "alg", json_object_new_string("RS256"));
    json_object_object_add(h, "typ", json_object_new_string("JWT"));
    if (key_id) {
        json_object_object_add(h, "kid", json_object_new_string(key_id));
    }
    if (cert) {
        unsigned char s256[EVP_MAX_MD_SIZE], s1[EVP_MAX_MD_SIZE];
        unsigned int n256 = 0, n1 = 0;
        X509_digest(cert, EVP_sha256(), s256, &n256);
        X509_digest(cert, EVP_sha1(), s1, &n1);
        _cleanup_free_ char *t256 = b64url(s256, n256);
        _cleanup_free_ char *t1 = b64url(s1, n1);
        json_object_object_add(h, "x5t#S256", json_object_new_string(t256));
        json_object_object_add(h, "x5t", json_object_new_string(t1));
    }
    const char *s =
        json_object_to_json_string_ext(h, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    return b64url((const unsigned char *)s, strlen(s));
}

static char *jwt_claims(const struct zt_oauth_config *cfg)
{
    _cleanup_json_ struct json_object *c = json_object_new_object();
    char jti[ZT_UUID_STRING_MAX];
    int64_t now = (int64_t)time(NULL);

    zt_uuid4(jti);
    json_object_object_add(c, "aud", json_object_new_string(cfg->token_url));
    json_object_object_add(c, "iss", json_object_new_string(cfg->client_id));
    json_object_object_add(c, "sub", json_object_new_string(cfg->client_id));
    json_object_object_add(c, "jti", json_object_new_string(jti));
    json_object_object_add(c, "nbf", json_object_new_int64(now));
    json_object_object_add(c, "iat", json_object_new_int64(now));
    json_object_object_add(c, "exp", json_object_new_int64(now + ASSERTION_LIFETIME_SEC));
    const char *s =
        json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    return b64url((const unsigned char *)s, strlen(s));
}

static int sign_rs256(EVP_PKEY *key, const char *input, char **ret)
{
    _cleanup_(md_ctx_freep) EVP_MD_CTX *md = EVP_MD_CTX_new();
    size_t len = 0;

    if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
        EVP_DigestSign(md, NULL, &len, (const unsigned char *)input, strlen(input)) != 1) {
        return -EINVAL;
    }
    _cleanup_free_ unsigned char *sig = zt_xmalloc(len);
    if (EVP_DigestSign(md, sig, &len, (const unsigned char *)input, strlen(input)) != 1) {
        return -EINVAL;
    }
    *ret = b64url(sig, len);
    return 0;
}

int zt_oauth_client_assertion(const struct zt_oauth_config *cfg, char **ret, char *err,
                              size_t errlen)
{
    _cleanup_(x509_freep) X509 *cert = NULL;
    _cleanup_(pkey_freep) EVP_PKEY *key = NULL;
    _cleanup_free_ char *sig = NULL;

    const char *key_name = cfg->key_file ? cfg->key_file : cfg->cert_file;

    if (!(cfg->cert_file || cfg->key_file || cfg->key_pem) || !cfg->client_id || !cfg->token_url) {
        snprintf(err, errlen,
                 "a client assertion needs a certificate or private key, client_id and token_url");
        return -EINVAL;
    }
    if (cfg->key_pem && !key_name) {
        key_name = "(the private key credential)";
    }
    int r = cfg->cert_file
                ? load_cert(cfg->cert_file, !cfg->key_file && !cfg->key_pem, &cert, err, errlen)
                : 0;
    if (r < 0) {
        return r;
    }
    r = load_key(cfg->key_pem, key_name, &key, err, errlen);
    if (r < 0) {
        return r;
    }
    _cleanup_free_ char *header = jwt_header(cert, cfg->key_id);
    _cleanup_free_ char *claims = jwt_claims(cfg);
    _cleanup_free_ char *input = zt_xasprintf("%s.%s", header, claims);
    r = sign_rs256(key, input, &sig);
    if (r < 0) {
        snprintf(err, errlen, "cannot sign the client assertion with %s", key_name);
        return r;
    }
    *ret = zt_xasprintf("%s.%s", input, sig);
    return 0;
}

int zt_jwt_rs256(const char *key_pem, const char *key_name, const char *claims_json, char **ret,
                 char *err, size_t errlen)
{
    _cleanup_(pkey_freep) EVP_PKEY *key = NULL;
    _cleanup_free_ char *sig = NULL;

    if (!key_pem || !claims_json) {
        snprintf(err, errlen, "a JWT needs a private key and claims");
        return -EINVAL;
    }
    int r = load_key(key_pem, key_name ? key_name : "(the private key)", &key, err, errlen);
    if (r < 0) {
        return r;
    }
    _cleanup_free_ char *header = jwt_header(NULL, NULL);
    _cleanup_free_ char *claims = b64url((const unsigned char *)claims_json, strlen(claims_json));
    _cleanup_free_ char *input = zt_xasprintf("%s.%s", header, claims);
    r = sign_rs256(key, input, &sig);
    if (r < 0) {
        snprintf(err, errlen, "cannot sign a JWT with %s", key_name ? key_name : "the key");
        return r;
    }
    *ret = zt_xasprintf("%s.%s", input, sig);
    return 0;
}

#define FEDERATED_MAX (16u * 1024u) /* a projected service account token is ~1-2 KiB */

/* Whether s is three non-empty base64url parts joined by dots (a JWS compact serialization). */
static bool jwt_shaped(const char *s)
{
    static const char b64url_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                       "0123456789-_";
    for (int part = 0; part < 3; part++) {
        size_t n = strspn(s, b64url_chars);
        if (n == 0 || s[n] != (part < 2 ? '.' : '\0')) {
            return false;
        }
        s += n + 1;
    }
    return true;
}

int zt_oauth_federated_assertion(const struct zt_oauth_config *cfg, char **ret, char *err,
                                 size_t errlen)
{
    _cleanup_(zt_secret_freep) char *text = NULL;
    size_t len = 0;

    /* Read every time: the kubelet rotates the projected token file. Not a long-lived secret
     * (it is mode 0644 in the pod), so no ownership check; never logged. */
    int r = zt_read_file(cfg->assertion_file, FEDERATED_MAX, &text, &len);
    if (r < 0) {
        snprintf(err, errlen, "cannot read the federated token file %s: %s%s", cfg->assertion_file,
                 strerror(-r), r == -EFBIG ? " (over 16 KiB)" : "");
        return r;
    }
    size_t start = strspn(text, " \t\r\n");
    while (len > start && strchr(" \t\r\n", text[len - 1])) {
        text[--len] = '\0';
    }
    if (!jwt_shaped(text + start)) {
        snprintf(err, errlen, "the federated token file %s does not hold a JWT",
                 cfg->assertion_file);
        return -EBADMSG;
    }
    *ret = zt_xstrdup(text + start);
    return 0;
}
