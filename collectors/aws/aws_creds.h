/* aws_creds.h - where the aws collector's credentials come from: the configured keys, or the
 * standard credential chain (environment, web identity, container endpoint, IMDSv2) and an
 * optional STS AssumeRole on top; temporary credentials refreshed before they expire. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct zt_ctx;
struct zt_aws_options;

enum zt_aws_source {
    ZT_AWS_SRC_CONFIG,       /* access_key_id + secret_access_key_* */
    ZT_AWS_SRC_ENV,          /* AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN */
    ZT_AWS_SRC_WEB_IDENTITY, /* AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (STS) */
    ZT_AWS_SRC_PROFILE,      /* a profile's keys in the shared credentials file */
    ZT_AWS_SRC_CONTAINER,    /* AWS_CONTAINER_CREDENTIALS_FULL_URI / _RELATIVE_URI */
    ZT_AWS_SRC_IMDS,         /* the EC2 instance metadata service, IMDSv2 */
    _ZT_AWS_SRC_MAX,
};
/* "config", "environment", "web-identity", "profile", "container", "imds". */
const char *zt_aws_source_to_string(enum zt_aws_source s);

/* A set of credentials. The strings are owned; secret and token are wiped when cleared. */
struct zt_aws_creds {
    char *access_key_id;
    char *secret;
    char *token;     /* session token, NULL for long-term keys */
    int64_t expires; /* Unix seconds; 0: they do not expire */
    enum zt_aws_source source;
    bool assumed;     /* role_arn was assumed with them (STS AssumeRole) */
    char detail[256]; /* what gave them, without any secret ("role web-reader") */
};
void zt_aws_creds_clear(struct zt_aws_creds *c);

/* The source named name (not "config"), or -EINVAL. */
int zt_aws_source_from_string(const char *name);

/* The environment as the chain reads it (getenv in the daemon, a table in unit tests). */
typedef const char *(*zt_aws_env_fn)(const char *name);

/* The first source of the chain the environment configures, in the SDKs' order: environment
 * keys (both set), web identity (token file and role ARN), container (a full or relative URI),
 * else IMDS unless AWS_EC2_METADATA_DISABLED=true. Returns the source or -ENOENT. The shared
 * credentials file's profile, when it has keys, comes after web identity (aws_creds.c). */
int zt_aws_chain_pick(zt_aws_env_fn env);
/* Whether the environment configures source s (its variables set; IMDS: not disabled). */
bool zt_aws_source_configured(enum zt_aws_source s, zt_aws_env_fn env);

/* Pure readers of credential answers; the strings found go into c (replacing what it held).
 * Return 0, or -EBADMSG with the reason in err (never a value). */
/* The container endpoint's and IMDS's JSON {AccessKeyId, SecretAccessKey, Token, Expiration}. */
int zt_aws_creds_json(const char *body, size_t len, struct zt_aws_creds *c, char *err,
                      size_t errlen);
/* STS AssumeRole / AssumeRoleWithWebIdentity: *Result/Credentials/{AccessKeyId, SecretAccessKey,
 * SessionToken, Expiration}. */
int zt_aws_creds_sts_xml(const char *body, size_t len, struct zt_aws_creds *c, char *err,
                         size_t errlen);

/* The keys of profile (aws_access_key_id, aws_secret_access_key, aws_session_token) in the text
 * of a shared credentials file into c. Returns 0, -ENOENT (no such profile, or no keys in it)
 * or -EBADMSG, with the reason in err (never a value). */
int zt_aws_profile_parse(const char *text, const char *profile, struct zt_aws_creds *c, char *err,
                         size_t errlen);
/* A profile of the shared config and credentials files, resolved (aws_creds_config.c). */
#define ZT_AWS_PROFILE_NAME_MAX 65u
#define ZT_AWS_PROFILE_HOPS     8u /* roles chained through source_profile */
struct zt_aws_role_step {
    char *arn, *external_id, *session_name; /* owned; external_id, session_name may be NULL */
    char profile[ZT_AWS_PROFILE_NAME_MAX];  /* whose role_arn it is */
};
struct zt_aws_profile_plan {
    char profile[ZT_AWS_PROFILE_NAME_MAX]; /* the profile selected */
    char region[32];                       /* its region ("" when unset) */
    /* where the first credentials come from: ZT_AWS_SRC_PROFILE (keys, of keys_profile), or the
     * credential_source (ZT_AWS_SRC_ENV, _IMDS, _CONTAINER) */
    enum zt_aws_source source;
    struct zt_aws_creds keys;
    char keys_profile[ZT_AWS_PROFILE_NAME_MAX];
    /* then these roles assumed, the last first: roles[0] is the selected profile's */
    struct zt_aws_role_step roles[ZT_AWS_PROFILE_HOPS];
    size_t n_roles;
    char files[200]; /* the files read, for messages */
};
void zt_aws_profile_plan_clear(struct zt_aws_profile_plan *plan);
/* Resolve profile name of the shared config file's text (sections [profile NAME] and [default];
 * may be NULL) and the credentials file's (sections [NAME], whose values win; may be NULL) as the
 * SDKs do: role_arn with source_profile (followed; a source profile's static keys win over its
 * own role_arn; a profile may name itself for its own keys) or credential_source (Environment,
 * Ec2InstanceMetadata, EcsContainer), else static keys. Returns 0 and the plan, or -ENOKEY (no
 * such profile, or it has neither keys nor role_arn), -ENOENT (a source profile missing or
 * without credentials), -ELOOP (a source_profile loop, naming the profile), -EINVAL or -EBADMSG,
 * with the reason in err (never a value). */
int zt_aws_profile_resolve(const char *config, const char *credentials, const char *name,
                           struct zt_aws_profile_plan *plan, char *err, size_t errlen);
/* The shared files' profile (AWS_CONFIG_FILE, else ~/.aws/config; AWS_SHARED_CREDENTIALS_FILE,
 * else ~/.aws/credentials, mode 0600 as secrets are; AWS_PROFILE, else "default") resolved into
 * plan. Returns 0, -ENOKEY when neither file or no default profile exists (the chain goes on),
 * or an error with err set (a named AWS_PROFILE that is missing is an error, as in the SDKs). */
int zt_aws_profile_load(zt_aws_env_fn env, struct zt_aws_profile_plan *plan, char *err,
                        size_t errlen);

/* Load the run's credentials into c: the configured keys, else the chain (env read through
 * env); then, with role_arn, that role assumed. Each step is logged by source, never by value.
 * region: the STS signing region. Returns 0 or a recorded error. */
int zt_aws_creds_load(struct zt_ctx *ctx, const struct zt_aws_options *o, const char *region,
                      zt_aws_env_fn env, struct zt_aws_creds *c);
/* Whether c expires within margin seconds of now. */
bool zt_aws_creds_expiring(const struct zt_aws_creds *c, int64_t now, int64_t margin);

/* A signed STS AssumeRole request (URL, form body, headers; the headers hold the signature and
 * token and are wiped when cleared). */
struct zt_aws_sts_request {
    char *url, *body;
    char *headers[4]; /* "Name: value", NULL-terminated */
};
void zt_aws_sts_request_clear(struct zt_aws_sts_request *r);
/* The AssumeRole request of role (with o's external_id and role_session_name) signed with c for
 * the STS endpoint of region (AWS_ENDPOINT_URL_STS, endpoint_url, else regional) into out.
 * Returns 0 or a negative errno (out cleared). */
int zt_aws_assume_request(const struct zt_aws_creds *c, const struct zt_aws_options *o,
                          const char *region, zt_aws_env_fn env,
                          const struct zt_aws_role_step *role, struct zt_aws_sts_request *out);
/* role assumed with c (the request above, sent); c replaced by the role's credentials. Returns 0
 * or a negative errno with the reason in err (STS's error code and message). */
int zt_aws_assume(struct zt_ctx *ctx, const struct zt_aws_options *o, const char *region,
                  zt_aws_env_fn env, const struct zt_aws_role_step *role, struct zt_aws_creds *c,
                  char *err, size_t errlen);
/* One source of the chain other than the profile (environment, web identity, container, IMDS)
 * into c. Returns 0 or a negative errno with the reason in err. */
int zt_aws_source_fetch(struct zt_ctx *ctx, const struct zt_aws_options *o, const char *region,
                        zt_aws_env_fn env, enum zt_aws_source s, struct zt_aws_creds *c, char *err,
                        size_t errlen);
/* The shared files' profile's credentials into c (aws_creds_profile.c): its keys, or its source's
 * credentials with its roles assumed in turn. roles_only: -ENOKEY unless the profile assumes a
 * role (web identity comes first otherwise). Returns 0, -ENOKEY (nothing there: the chain goes
 * on) or an error with err set. */
int zt_aws_profile_creds(struct zt_ctx *ctx, const struct zt_aws_options *o, const char *region,
                         zt_aws_env_fn env, bool roles_only, struct zt_aws_creds *c, char *err,
                         size_t errlen);

/* Refresh temporary credentials this many seconds before they expire (the SDKs use 5 to 15
 * minutes): a call signed now is sent, and maybe retried, well before the expiry. */
#define ZT_AWS_REFRESH_MARGIN 600
struct zt_aws_run;
/* Fetch run's credentials again from their source (logged). Returns 0 or a recorded error; the
 * old credentials are kept on failure. */
int zt_aws_creds_refresh(struct zt_aws_run *run);
