/* aws_creds_parse.c - pure readers of credential answers (container endpoint and IMDS JSON, STS
 * XML) and the choice of the chain's source; no I/O, shared with the unit tests. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "aws_creds.h"
#include "aws_xml.h"
#include "secret.h"
#include "util.h"

const char *zt_aws_source_to_string(enum zt_aws_source s)
{
    static const char *const names[_ZT_AWS_SRC_MAX] = {"config",  "environment", "web-identity",
                                                       "profile", "container",   "imds"};
    return (unsigned)s < _ZT_AWS_SRC_MAX ? names[s] : NULL;
}

void zt_aws_creds_clear(struct zt_aws_creds *c)
{
    free(c->access_key_id);
    zt_secret_free(c->secret);
    zt_secret_free(c->token);
    c->access_key_id = c->secret = c->token = NULL;
    c->expires = 0;
}

static bool set(const char *name, zt_aws_env_fn env)
{
    const char *v = env(name);
    return v && v[0];
}

int zt_aws_source_from_string(const char *name)
{
    for (int i = ZT_AWS_SRC_ENV; i < _ZT_AWS_SRC_MAX; i++) {
        if (strcmp(name, zt_aws_source_to_string((enum zt_aws_source)i)) == 0) {
            return i;
        }
    }
    return -EINVAL;
}

bool zt_aws_source_configured(enum zt_aws_source s, zt_aws_env_fn env)
{
    const char *off;
    switch (s) {
    case ZT_AWS_SRC_ENV:
        return set("AWS_ACCESS_KEY_ID", env) && set("AWS_SECRET_ACCESS_KEY", env);
    case ZT_AWS_SRC_WEB_IDENTITY:
        return set("AWS_WEB_IDENTITY_TOKEN_FILE", env) && set("AWS_ROLE_ARN", env);
    case ZT_AWS_SRC_CONTAINER:
        return set("AWS_CONTAINER_CREDENTIALS_FULL_URI", env) ||
               set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", env);
    case ZT_AWS_SRC_IMDS:
        off = env("AWS_EC2_METADATA_DISABLED");
        return !off || strcasecmp(off, "true") != 0;
    case ZT_AWS_SRC_PROFILE: /* decided by the file (aws_creds_profile.c) */
        return true;
    default:
        return false;
    }
}

int zt_aws_chain_pick(zt_aws_env_fn env)
{
    static const enum zt_aws_source order[] = {ZT_AWS_SRC_ENV, ZT_AWS_SRC_WEB_IDENTITY,
                                               ZT_AWS_SRC_CONTAINER, ZT_AWS_SRC_IMDS};
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        if (zt_aws_source_configured(order[i], env)) {
            return order[i];
        }
    }
    return -ENOENT;
}

/* Expiration "2026-12-07T18:00:00Z" into Unix seconds. */
static int expiration(const char *s, int64_t *ret)
{
    uint64_t usec;
    int r = zt_parse_rfc3339(s, &usec);
    if (r < 0) {
        return r;
    }
    *ret = (int64_t)(usec / ZT_USEC_PER_SEC);
    return 0;
}

/* Take the three strings into c (the old ones wiped). */
static void take(struct zt_aws_creds *c, const char *akid, const char *secret, const char *token,
                 int64_t expires)
{
    zt_aws_creds_clear(c);
    c->access_key_id = zt_xstrdup(akid);
    c->secret = zt_xstrdup(secret);
    c->token = token && token[0] ? zt_xstrdup(token) : NULL;
    c->expires = expires;
}

static const char *json_str(struct json_object *o, const char *key)
{
    struct json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string)) {
        return NULL;
    }
    return json_object_get_string(v);
}

int zt_aws_creds_json(const char *body, size_t len, struct zt_aws_creds *c, char *err,
                      size_t errlen)
{
    struct json_object *o = NULL;
    char why[160];
    int64_t exp = 0;

    if (zt_json_parse(body, len, 8, &o, why, sizeof(why)) < 0 ||
        !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        snprintf(err, errlen, "the credentials answer is not a JSON object");
        return -EBADMSG;
    }
    const char *akid = json_str(o, "AccessKeyId"), *secret = json_str(o, "SecretAccessKey");
    const char *token = json_str(o, "Token"), *e = json_str(o, "Expiration");
    const char *code = json_str(o, "Code");
    int r = 0;
    if (code && strcmp(code, "Success") != 0) {
        snprintf(err, errlen, "the credentials answer has Code %.64s", code);
        r = -EBADMSG;
    } else if (!akid || !akid[0] || !secret || !secret[0]) {
        snprintf(err, errlen, "the credentials answer lacks AccessKeyId or SecretAccessKey");
        r = -EBADMSG;
    } else if (json_object_object_get_ex(o, "Expiration", NULL) &&
               (!e || expiration(e, &exp) < 0)) {
        snprintf(err, errlen, "the credentials answer's Expiration is no RFC 3339 time");
        r = -EBADMSG;
    } else {
        take(c, akid, secret, token, exp);
    }
    if (secret) { /* json-c's own copies, wiped before they are freed */
        explicit_bzero((char *)secret, strlen(secret));
    }
    if (token) {
        explicit_bzero((char *)token, strlen(token));
    }
    json_object_put(o);
    return r;
}

struct sts_read {
    char akid[160], secret[256], token[ZT_AWS_XML_TEXT], exp[64];
    bool in_result;
};

static int sts_on(void *data, const struct zt_aws_xml_path *p, const char *text)
{
    struct sts_read *s = data;
    if (!text || p->depth != 4 || strcmp(p->names[2], "Credentials") != 0 ||
        !zt_endswith(p->names[1], "Result")) {
        return 0;
    }
    const char *n = p->names[3];
    char *dst = strcmp(n, "AccessKeyId") == 0       ? s->akid
                : strcmp(n, "SecretAccessKey") == 0 ? s->secret
                : strcmp(n, "SessionToken") == 0    ? s->token
                : strcmp(n, "Expiration") == 0      ? s->exp
                                                    : NULL;
    size_t cap = dst == s->akid     ? sizeof(s->akid)
                 : dst == s->secret ? sizeof(s->secret)
                 : dst == s->token  ? sizeof(s->token)
                                    : sizeof(s->exp);
    if (dst && strlen(text) >= cap) {
        return -EBADMSG;
    }
    if (dst) {
        memcpy(dst, text, strlen(text) + 1);
    }
    return 0;
}

int zt_aws_creds_sts_xml(const char *body, size_t len, struct zt_aws_creds *c, char *err,
                         size_t errlen)
{
    struct sts_read *s = zt_xcalloc(1, sizeof(*s));
    int64_t exp = 0;

    if (errlen) {
        err[0] = '\0';
    }
    int r = zt_aws_xml_walk(body, len, sts_on, s, err, errlen);

    if (r == -EBADMSG && !err[0]) {
        snprintf(err, errlen, "a credential field of the STS answer is too long");
    }
    if (r == 0 && (!s->akid[0] || !s->secret[0] || !s->token[0])) {
        snprintf(err, errlen,
                 "the STS answer has no Credentials (AccessKeyId, SecretAccessKey, "
                 "SessionToken)");
        r = -EBADMSG;
    }
    if (r == 0 && (!s->exp[0] || expiration(s->exp, &exp) < 0)) {
        snprintf(err, errlen, "the STS answer's Expiration is missing or no RFC 3339 time");
        r = -EBADMSG;
    }
    if (r == 0) {
        take(c, s->akid, s->secret, s->token, exp);
    }
    explicit_bzero(s, sizeof(*s));
    free(s);
    return r;
}

bool zt_aws_creds_expiring(const struct zt_aws_creds *c, int64_t now, int64_t margin)
{
    return c->expires != 0 && now + margin >= c->expires;
}
