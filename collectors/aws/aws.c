/* aws.c - the `aws` collector: one account through Signature V4 signed calls, every configured
 * region at once (aws_fetch.c), folded into posture facts (aws_sg.c, aws_derive.c). */
#include "aws.h"
#include "aws_call.h"

#include <ctype.h>
#include <syslog.h>

#define AWS_PAGE_MAX 1000u /* DescribeSecurityGroups MaxResults range 5..1000 */
#define AWS_PAGE_MIN 5u

static const struct zt_option aws_options[] = {
    {"access_key_id", ZT_OPT_STRING, NULL, offsetof(struct zt_aws_options, access_key_id), 0,
     "access key id (AKIA... or, with session_token_*, ASIA...; any with endpoint_url); unset: "
     "the standard credential chain (environment, web identity, container, IMDSv2)"},
    {"secret_access_key_file", ZT_OPT_PATH, NULL,
     offsetof(struct zt_aws_options, secret_access_key_file), ZT_OPT_SECRET,
     "file holding the secret access key (owner root or ztmmd, mode 0600)"},
    {"secret_access_key_credential", ZT_OPT_STRING, NULL,
     offsetof(struct zt_aws_options, secret_access_key_credential), 0,
     "systemd credential (LoadCredential=) holding the secret access key"},
    {"session_token_file", ZT_OPT_PATH, NULL, offsetof(struct zt_aws_options, session_token_file),
     ZT_OPT_SECRET,
     "file holding the session token of temporary credentials (optional, mode 0600)"},
    {"session_token_credential", ZT_OPT_STRING, NULL,
     offsetof(struct zt_aws_options, session_token_credential), 0,
     "systemd credential holding the session token (optional)"},
    {"regions", ZT_OPT_STRLIST, "us-east-1", offsetof(struct zt_aws_options, regions), 0,
     "regions to assess (EC2 security groups, EBS default encryption, GuardDuty, ELBv2, WAFv2, "
     "Macie, Config, Backup, Security Hub, EventBridge, Inspector); the first also answers "
     "CloudTrail, STS, S3 Control and ListBuckets"},
    {"endpoint_url", ZT_OPT_URL, NULL, offsetof(struct zt_aws_options, endpoint_url), 0,
     "one endpoint for every service (LocalStack-style emulators, tests); default: AWS"},
    {"ca_file", ZT_OPT_PATH, NULL, offsetof(struct zt_aws_options, ca_file), 0,
     "PEM trust anchor replacing the system store for these requests"},
    {"page_size", ZT_OPT_UINT, "1000", offsetof(struct zt_aws_options, page_size), 0,
     "security groups per DescribeSecurityGroups page", AWS_PAGE_MIN, AWS_PAGE_MAX},
    {"credential_source", ZT_OPT_STRING, NULL, offsetof(struct zt_aws_options, credential_source),
     0,
     "without access_key_id: only this source of the chain (environment, web-identity, profile, "
     "container, imds); default: the first one configured"},
    {"role_arn", ZT_OPT_STRING, NULL, offsetof(struct zt_aws_options, role_arn), 0,
     "role to assume (STS AssumeRole, signed with the credentials found) before scanning"},
    {"external_id", ZT_OPT_STRING, NULL, offsetof(struct zt_aws_options, external_id), 0,
     "ExternalId the role's trust policy requires (with role_arn)"},
    {"role_session_name", ZT_OPT_STRING, "ztmmd",
     offsetof(struct zt_aws_options, role_session_name), 0,
     "RoleSessionName of the assumed role's session (CloudTrail shows it)"},
    {"classification_tag", ZT_OPT_STRING, "data-classification",
     offsetof(struct zt_aws_options, classification_tag), 0,
     "tag key that carries a data store's category (counted by an AWS Config advanced query)"},
    {"accounts", ZT_OPT_STRING, NULL, offsetof(struct zt_aws_options, accounts), 0,
     "'organization': every ACTIVE account of the organization (ListAccounts, asked as the "
     "management account or a delegated administrator), each judged on its own; default: the "
     "credentials' own account"},
    {"role_name", ZT_OPT_STRING, NULL, offsetof(struct zt_aws_options, role_name), 0,
     "with accounts = organization: the role assumed in each account "
     "(arn:<partition>:iam::<id>:role/<role_name>)"},
    {"account_concurrency", ZT_OPT_UINT, "8", offsetof(struct zt_aws_options, account_concurrency),
     0, "with accounts = organization: accounts scanned at once", 1, 64},
    {.key = NULL},
};

/* A region name as AWS spells them: lowercase letters, digits and '-' ("us-gov-west-1"). */
static bool region_valid(const char *r)
{
    size_t n = strlen(r);
    if (n < 3 || n > 32 || !islower((unsigned char)r[0])) {
        return false;
    }
    return strspn(r, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

bool zt_aws_key_shape(const char *key, char *buf, size_t len)
{
    size_t n = strlen(key);
    bool upper = strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == n;
    bool known = strncmp(key, "AKIA", 4) == 0 || strncmp(key, "ASIA", 4) == 0;
    const char *cls =
        !upper  ? "not only capital letters and digits"
        : known ? (key[0] == 'A' && key[1] == 'K' ? "AKIA (long-term)" : "ASIA (temporary)")
                : "a prefix other than AKIA or ASIA";
    snprintf(buf, len, "%zu characters, %s", n, cls);
    return upper && known && n >= 16 && n <= 128;
}

/* A key id goes into the Credential= part of the Authorization header: printable ASCII without
 * the separators of that header ('/', ',', '=', space). */
static bool key_id_sendable(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n > 128) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (k[i] <= ' ' || k[i] > '~' || strchr("/,=", k[i])) {
            return false;
        }
    }
    return true;
}

static int check_keys(const struct zt_aws_options *o, char *err, size_t errlen)
{
    bool has_secret = o->secret_access_key_file || o->secret_access_key_credential;
    bool has_token = o->session_token_file || o->session_token_credential;

    if (o->credential_source &&
        (o->access_key_id || zt_aws_source_from_string(o->credential_source) < 0)) {
        snprintf(err, errlen,
                 "'credential_source' must be one of environment, web-identity, profile, "
                 "container or imds, without 'access_key_id'");
        return -EINVAL;
    }
    if (!o->access_key_id) {
        if (has_secret || has_token) {
            snprintf(err, errlen,
                     "'secret_access_key_*' and 'session_token_*' need 'access_key_id' (unset "
                     "all three to use the standard credential chain)");
            return -EINVAL;
        }
        return 0;
    }
    if (!key_id_sendable(o->access_key_id)) {
        snprintf(err, errlen,
                 "'access_key_id' must be 1 to 128 printable characters without spaces, '/', "
                 "',' or '=' (AKIA... or ASIA... on AWS)");
        return -EINVAL;
    }
    if (!!o->secret_access_key_file + !!o->secret_access_key_credential != 1) {
        snprintf(err, errlen,
                 "set exactly one of 'secret_access_key_file' or "
                 "'secret_access_key_credential'");
        return -EINVAL;
    }
    return 0;
}

/* Whether s has min..max characters, each alphanumeric or in extra (AWS's patterns). */
static bool aws_chars(const char *s, size_t min, size_t max, const char *extra)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        if (!isalnum((unsigned char)s[i]) && !strchr(extra, s[i])) {
            return false;
        }
    }
    return n >= min && n <= max;
}

static int check_role(const struct zt_aws_options *o, char *err, size_t errlen)
{
    if (o->role_arn && (!zt_startswith(o->role_arn, "arn:") || !strstr(o->role_arn, ":role/") ||
                        !aws_chars(o->role_arn, 20, 2048, "+=,.@_-:/"))) {
        snprintf(err, errlen,
                 "'role_arn' must be a role ARN (arn:aws:iam::123456789012:role/name)");
        return -EINVAL;
    }
    if (o->external_id &&
        ((!o->role_arn && !o->role_name) || !aws_chars(o->external_id, 2, 1224, "+=,.@:/_-"))) {
        snprintf(err, errlen,
                 "'external_id' needs 'role_arn' or 'role_name' and must be 2 to 1224 letters, "
                 "digits or +=,.@:/_-");
        return -EINVAL;
    }
    if (o->accounts && !zt_streq(o->accounts, "organization")) {
        snprintf(err, errlen, "'accounts' must be 'organization' (or unset: one account)");
        return -EINVAL;
    }
    if (!o->accounts != !o->role_name ||
        (o->role_name && !aws_chars(o->role_name, 1, 512, "+=,.@_-/"))) {
        snprintf(err, errlen,
                 "'accounts = organization' and 'role_name' go together; 'role_name' is a role "
                 "name (letters, digits, +=,.@_-, a path with /)");
        return -EINVAL;
    }
    if (!aws_chars(o->role_session_name, 2, 64, "+=,.@_-")) {
        snprintf(err, errlen, "'role_session_name' must be 2 to 64 letters, digits or +=,.@_-");
        return -EINVAL;
    }
    if (o->classification_tag && !aws_chars(o->classification_tag, 1, 128, " _.:/=+-@")) {
        snprintf(err, errlen,
                 "'classification_tag' must be a tag key: 1 to 128 letters, digits, spaces or "
                 "_.:/=+-@");
        return -EINVAL;
    }
    return 0;
}

int zt_aws_check(const struct zt_aws_options *o, char *err, size_t errlen)
{
    int r = check_keys(o, err, errlen);
    if (r == 0) {
        r = check_role(o, err, errlen);
    }
    if (r < 0) {
        return r;
    }
    if (o->session_token_file && o->session_token_credential) {
        snprintf(err, errlen,
                 "set at most one of 'session_token_file' or "
                 "'session_token_credential'");
        return -EINVAL;
    }
    if (o->regions.n == 0 || o->regions.n > ZT_AWS_REGIONS_MAX) {
        snprintf(err, errlen, "'regions' must list 1 to %u regions", ZT_AWS_REGIONS_MAX);
        return -EINVAL;
    }
    for (size_t i = 0; i < o->regions.n; i++) {
        if (!region_valid(o->regions.v[i])) {
            snprintf(err, errlen, "'regions': '%.40s' is not a region name (like eu-west-1)",
                     o->regions.v[i]);
            return -EINVAL;
        }
        for (size_t j = 0; j < i; j++) {
            if (zt_streq(o->regions.v[i], o->regions.v[j])) {
                snprintf(err, errlen, "'regions' lists %s twice", o->regions.v[i]);
                return -EINVAL;
            }
        }
    }
    if (o->endpoint_url && strlen(o->endpoint_url) > ZT_AWS_URL_MAX / 2) {
        snprintf(err, errlen, "'endpoint_url' is too long");
        return -EINVAL;
    }
    return 0;
}

static int aws_check(const void *state, char *err, size_t errlen)
{
    return zt_aws_check(state, err, errlen);
}

static const char *env_get(const char *name)
{
    return getenv(name);
}

static int load_credentials(struct zt_aws_run *run)
{
    const struct zt_aws_options *o = run->opt;
    char shape[96];

    if (o->access_key_id && !zt_aws_key_shape(o->access_key_id, shape, sizeof(shape)) &&
        !o->endpoint_url) {
        /* the shape, never the key: AWS will say whether it knows it */
        zt_ctx_log(run->ctx, LOG_WARNING,
                   "access_key_id has the shape of no AWS access key id (%s; AWS ids are "
                   "AKIA... or ASIA..., 16 to 128 capital letters and digits)",
                   shape);
    }
    return zt_aws_creds_load(run->ctx, o, o->regions.v[0], run->env, &run->creds);
}

static int aws_collect(void *state, struct zt_ctx *ctx)
{
    const struct zt_aws_options *o = state;
    _cleanup_(zt_aws_run_close) struct zt_aws_run run;
    zt_aws_run_init(&run, ctx, o, env_get);

    int r = load_credentials(&run);
    if (r < 0) {
        return r;
    }
    if (o->accounts) {
        return zt_aws_org_collect(&run);
    }
    r = zt_ctx_http_group_new(ctx, &run.group);
    if (r < 0) {
        return r;
    }
    r = zt_aws_fetch_start(&run);
    if (r == 0) {
        zt_aws_s3_start(&run);
        zt_aws_svc_start(&run);
        zt_http_group_wait(run.group);
    }
    zt_aws_fetch_finish(&run);
    if (r == 0) {
        r = zt_aws_s3_buckets_run(&run);
    }
    int emitted = zt_aws_emit(&run);
    if (r < 0) {
        return r;
    }
    if (emitted == 0 && (run.denied || run.failed)) {
        return -EACCES; /* nothing could be learnt: the errors say why */
    }
    return 0;
}

const struct zt_collector zt_collector_aws = {
    .name = "aws",
    .summary = "AWS account (Signature V4): security groups open to the Internet on admin "
               "ports, root MFA, CloudTrail multi-region logging, S3 account public access "
               "block, EBS default encryption and GuardDuty per region; S3 buckets, load "
               "balancers and WAF, Macie, Config, Backup, Security Hub, EventBridge, Inspector "
               "and Organizations",
    .options = aws_options,
    .state_size = sizeof(struct zt_aws_options),
    .flags = ZT_COLLECTOR_USES_HTTP,
    .check = aws_check,
    .collect = aws_collect,
};
