/* aws_creds_chain.c - where the aws collector's credentials come from, in order: the configured
 * keys, else the standard chain (environment keys, a shared-config profile that assumes a role,
 * web identity, a profile's static keys, the container endpoint, IMDSv2), then role_arn assumed
 * on top; logged and reported by source, never by value; loaded again before they expire. */
#include <stdlib.h>
#include <syslog.h>
#include <time.h>

#include "aws.h"
#include "aws_creds.h"

/* The chain's credentials into c (source and detail set). */
static int chain(struct zt_ctx *ctx, const struct zt_aws_options *o, const char *region,
                 zt_aws_env_fn env, struct zt_aws_creds *c, char *err, size_t errlen)
{
    int s = o->credential_source ? zt_aws_source_from_string(o->credential_source)
                                 : zt_aws_chain_pick(env);
    if (o->credential_source && (s < 0 || !zt_aws_source_configured(s, env))) {
        c->source = s < 0 ? ZT_AWS_SRC_CONFIG : (enum zt_aws_source)s;
        snprintf(err, errlen, "credential_source = %s, but the environment does not configure it",
                 o->credential_source);
        return -ENOKEY;
    }
    /* the shared files' profile after the environment's keys: one with role_arn before web
     * identity (the SDKs' assume-role provider), static keys after it */
    if (s == ZT_AWS_SRC_PROFILE || (!o->credential_source && s != ZT_AWS_SRC_ENV)) {
        c->source = ZT_AWS_SRC_PROFILE;
        int r =
            zt_aws_profile_creds(ctx, o, region, env, s == ZT_AWS_SRC_WEB_IDENTITY, c, err, errlen);
        if (r != -ENOKEY || o->credential_source) {
            if (r == -ENOKEY) {
                snprintf(err, errlen, "no shared config or credentials file or default profile");
            }
            return r;
        }
    }
    if (s < 0) {
        snprintf(err, errlen,
                 "no credentials: no access_key_id configured, none in the environment, no web "
                 "identity, shared credentials profile or container endpoint, and IMDS is "
                 "disabled");
        return s;
    }
    c->source = (enum zt_aws_source)s;
    return zt_aws_source_fetch(ctx, o, region, env, c->source, c, err, errlen);
}

static int from_config(struct zt_ctx *ctx, const struct zt_aws_options *o, struct zt_aws_creds *c)
{
    char err[512];
    zt_aws_creds_clear(c);
    c->source = ZT_AWS_SRC_CONFIG;
    c->access_key_id = zt_xstrdup(o->access_key_id);
    int r = zt_secret_load(o->secret_access_key_file, o->secret_access_key_credential, &c->secret,
                           err, sizeof(err));
    if (r < 0) {
        return zt_ctx_error(ctx, r, "secret access key: %s", err);
    }
    if (o->session_token_file || o->session_token_credential) {
        r = zt_secret_load(o->session_token_file, o->session_token_credential, &c->token, err,
                           sizeof(err));
        if (r < 0) {
            return zt_ctx_error(ctx, r, "session token: %s", err);
        }
    }
    snprintf(c->detail, sizeof(c->detail), "access_key_id and secret_access_key_*");
    return 0;
}

/* The role of the options (role_arn, external_id) or of an organization's account. */
static struct zt_aws_role_step option_role(const struct zt_aws_options *o, const char *arn)
{
    return (struct zt_aws_role_step){.arn = (char *)arn, .external_id = o->external_id};
}

int zt_aws_creds_load(struct zt_ctx *ctx, const struct zt_aws_options *o, const char *region,
                      zt_aws_env_fn env, struct zt_aws_creds *c)
{
    char err[768] = "";
    int r;

    if (o->access_key_id) {
        r = from_config(ctx, o, c);
    } else {
        r = chain(ctx, o, region, env, c, err, sizeof(err));
        if (r < 0) {
            return zt_ctx_error(ctx, r, "credentials from %s: %s",
                                zt_aws_source_to_string(c->source), err);
        }
    }
    if (r < 0) {
        return r;
    }
    if (o->role_arn) {
        struct zt_aws_role_step role = option_role(o, o->role_arn);
        r = zt_aws_assume(ctx, o, region, env, &role, c, err, sizeof(err));
        if (r < 0) {
            return zt_ctx_error(ctx, r, "AssumeRole %s with the credentials from %s: %s",
                                o->role_arn, zt_aws_source_to_string(c->source), err);
        }
        c->assumed = true;
        size_t n = strlen(c->detail);
        snprintf(c->detail + n, sizeof(c->detail) - n, ", then role %.180s", o->role_arn);
    }
    zt_ctx_log(ctx, LOG_NOTICE, "AWS credentials from %s (%s)%s",
               zt_aws_source_to_string(c->source), c->detail, c->expires ? ", temporary" : "");
    char what[sizeof(c->detail) + 32];
    snprintf(what, sizeof(what), "%s (%s)", zt_aws_source_to_string(c->source), c->detail);
    zt_ctx_set_credentials(ctx, what);
    return 0;
}

int zt_aws_creds_refresh(struct zt_aws_run *run)
{
    struct zt_aws_creds fresh = {0};
    const char *region = run->opt->regions.v[0];
    char err[768];
    int r = zt_aws_creds_load(run->ctx, run->opt, region, run->env, &fresh);
    if (r == 0 && run->member_role) { /* an organization's account: its role again */
        struct zt_aws_role_step role = option_role(run->opt, run->member_role);
        r = zt_aws_assume(run->ctx, run->opt, region, run->env, &role, &fresh, err, sizeof(err));
        if (r < 0) {
            zt_ctx_error(run->ctx, r, "account %s: AssumeRole %s again: %s", run->member,
                         run->member_role, err);
        }
    }
    if (r < 0) {
        zt_aws_creds_clear(&fresh);
        return r;
    }
    zt_aws_creds_clear(&run->creds);
    run->creds = fresh;
    run->refreshes++;
    return 0;
}
