/* aws_creds_profile.c - a profile of the shared config and credentials files (AWS_CONFIG_FILE,
 * AWS_SHARED_CREDENTIALS_FILE, ~/.aws; AWS_PROFILE, else "default"): its static keys, or its
 * source's credentials with its roles assumed in turn (resolved by aws_creds_config.c). */
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "aws_creds.h"
#include "secret.h"
#include "util.h"

struct profile_read {
    const char *name;
    bool found;
    char *akid, *secret, *token; /* owned; secret and token wiped */
};

static int on_entry(void *data, const char *section, const char *key, const char *value)
{
    struct profile_read *p = data;
    char **dst = NULL;

    if (strcmp(section, p->name) != 0) {
        return 1;
    }
    p->found = true;
    if (strcmp(key, "aws_access_key_id") == 0) {
        dst = &p->akid;
    } else if (strcmp(key, "aws_secret_access_key") == 0) {
        dst = &p->secret;
    } else if (strcmp(key, "aws_session_token") == 0) {
        dst = &p->token;
    }
    if (dst) {
        zt_secret_free(*dst);
        *dst = zt_xstrdup(value);
    }
    return 1;
}

int zt_aws_profile_parse(const char *text, const char *profile, struct zt_aws_creds *c, char *err,
                         size_t errlen)
{
    struct profile_read p = {.name = profile};
    int line = ini_parse_string(text, on_entry, &p);
    int r = 0;

    if (line != 0) {
        snprintf(err, errlen, "line %d does not parse", line);
        r = -EBADMSG;
    } else if (!p.found) {
        snprintf(err, errlen, "no profile [%.64s]", profile);
        r = -ENOENT;
    } else if (!p.akid || !p.akid[0] || !p.secret || !p.secret[0]) {
        snprintf(err, errlen, "profile [%.64s] has no aws_access_key_id and aws_secret_access_key",
                 profile);
        r = -ENOENT;
    } else {
        zt_aws_creds_clear(c);
        c->access_key_id = p.akid;
        c->secret = p.secret;
        c->token = p.token && p.token[0] ? p.token : NULL;
        p.akid = p.secret = NULL;
        if (c->token) {
            p.token = NULL;
        }
    }
    free(p.akid);
    zt_secret_free(p.secret);
    zt_secret_free(p.token);
    return r;
}

/* One of the shared files: path into *path (from var, else HOME/dflt), its text into *text
 * (NULL when it does not exist). secret: the file may hold keys (mode 0600 checked). */
static int read_shared(zt_aws_env_fn env, const char *var, const char *dflt, bool secret,
                       char **path, char **text, char *err, size_t errlen)
{
    const char *file = env(var), *home = env("HOME");
    size_t len;
    *path = file && file[0] ? zt_xstrdup(file) : home && home[0] ? zt_path_join(home, dflt) : NULL;
    if (!*path) {
        return 0;
    }
    int r = secret ? zt_secret_read_file(*path, ZT_SECRET_MAX, text, err, errlen)
                   : zt_read_file(*path, ZT_SECRET_MAX, text, &len);
    if (r == -ENOENT) {
        *text = NULL;
        return 0;
    }
    if (r < 0 && !secret) {
        snprintf(err, errlen, "cannot read %s: %s", *path, strerror(-r));
    }
    return r;
}

int zt_aws_profile_load(zt_aws_env_fn env, struct zt_aws_profile_plan *plan, char *err,
                        size_t errlen)
{
    const char *name = env("AWS_PROFILE");
    bool named = name && name[0];
    _cleanup_free_ char *cpath = NULL, *kpath = NULL, *config = NULL;
    _cleanup_(zt_secret_freep) char *creds = NULL;
    char why[512];

    int r = read_shared(env, "AWS_CONFIG_FILE", ".aws/config", false, &cpath, &config, err, errlen);
    if (r == 0) {
        r = read_shared(env, "AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials", true, &kpath,
                        &creds, err, errlen);
    }
    if (r < 0) {
        return r;
    }
    if (!config && !creds) {
        snprintf(err, errlen, "no shared config or credentials file");
        return named ? -ENOENT : -ENOKEY; /* no file: the chain goes on */
    }
    r = zt_aws_profile_resolve(config, creds, named ? name : "default", plan, why, sizeof(why));
    if (r == -ENOKEY && !named) {
        return -ENOKEY; /* no default profile with credentials: the chain goes on */
    }
    r = r == -ENOKEY ? -ENOENT : r;
    snprintf(plan->files, sizeof(plan->files), "%.98s%s%.98s", config ? cpath : "",
             config && creds ? ", " : "", creds ? kpath : "");
    if (r < 0) {
        snprintf(err, errlen, "%s: %s", plan->files, why);
    }
    return r;
}

/* What gave the plan's credentials, without any secret, into c->detail. */
static void plan_detail(const struct zt_aws_profile_plan *plan, struct zt_aws_creds *c)
{
    static const char *const cs[] = {[ZT_AWS_SRC_ENV] = "Environment",
                                     [ZT_AWS_SRC_CONTAINER] = "EcsContainer",
                                     [ZT_AWS_SRC_IMDS] = "Ec2InstanceMetadata"};
    const char *from =
        plan->source == ZT_AWS_SRC_PROFILE ? "keys of profile " : "credential_source ";
    const char *what = plan->source == ZT_AWS_SRC_PROFILE ? plan->keys_profile : cs[plan->source];
    if (!plan->n_roles) {
        snprintf(c->detail, sizeof(c->detail), "profile %.64s of %.160s", plan->profile,
                 plan->files);
        return;
    }
    snprintf(c->detail, sizeof(c->detail), "profile %.48s: role %.96s (with the %s%.48s)",
             plan->profile, plan->roles[0].arn, from, what ? what : "?");
}

int zt_aws_profile_creds(struct zt_ctx *ctx, const struct zt_aws_options *o, const char *region,
                         zt_aws_env_fn env, bool roles_only, struct zt_aws_creds *c, char *err,
                         size_t errlen)
{
    _cleanup_(zt_aws_profile_plan_clear) struct zt_aws_profile_plan plan = {0};
    char why[512];

    int r = zt_aws_profile_load(env, &plan, err, errlen);
    if (r < 0 || (roles_only && plan.n_roles == 0)) {
        return r < 0 ? r : -ENOKEY;
    }
    if (plan.source == ZT_AWS_SRC_PROFILE) {
        zt_aws_creds_clear(c);
        *c = plan.keys;
        plan.keys = (struct zt_aws_creds){0};
    } else if (plan.source == ZT_AWS_SRC_ENV && !zt_aws_source_configured(plan.source, env)) {
        snprintf(err, errlen,
                 "profile %s: credential_source Environment, but AWS_ACCESS_KEY_ID and "
                 "AWS_SECRET_ACCESS_KEY are not both set",
                 plan.profile);
        return -ENOKEY;
    } else if ((r = zt_aws_source_fetch(ctx, o, region, env, plan.source, c, why, sizeof(why))) <
               0) {
        snprintf(err, errlen, "profile %s: credential_source: %s", plan.profile, why);
        return r;
    }
    const char *sts_region = plan.region[0] ? plan.region : region;
    for (size_t i = plan.n_roles; i-- > 0;) { /* the source profile's role first */
        r = zt_aws_assume(ctx, o, sts_region, env, &plan.roles[i], c, why, sizeof(why));
        if (r < 0) {
            snprintf(err, errlen, "profile %s: AssumeRole %s: %s", plan.roles[i].profile,
                     plan.roles[i].arn, why);
            return r;
        }
    }
    c->source = ZT_AWS_SRC_PROFILE;
    plan_detail(&plan, c);
    return 0;
}
