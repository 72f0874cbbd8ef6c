/* aws_svc_json.c - the JSON answers of Macie, Config, Backup, Security Hub, EventBridge and
 * Organizations, and ELBv2's Query XML, read into counts: pure functions over one page, shared
 * with the unit tests. Each returns 0 or -EBADMSG (another or a malformed document). */
#include "aws.h"

/* The list under key, and the page's next token (NextToken, nextToken or NextMarker). */
static struct json_object *page_list(struct json_object *page, const char *key, char *next,
                                     size_t next_len)
{
    const char *t = zt_json_str(page, "NextToken");
    t = t ? t : zt_json_str(page, "nextToken");
    t = t ? t : zt_json_str(page, "NextMarker");
    if (next) {
        snprintf(next, next_len, "%s", t && strlen(t) < next_len ? t : "");
    }
    return zt_json_array(page, key);
}

static bool json_true(struct json_object *o, const char *key)
{
    struct json_object *v = NULL;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_boolean) &&
           json_object_get_boolean(v);
}

static bool str_is(struct json_object *o, const char *key, const char *want)
{
    const char *v = zt_json_str(o, key);
    return v && zt_streq(v, want);
}

int zt_aws_json_status(struct json_object *page, const char *on, const char *off, bool *enabled)
{
    const char *s = zt_json_str(page, "status");
    if (!s || (!zt_streq(s, on) && !zt_streq(s, off) && !zt_streq(s, "PAUSED"))) {
        return -EBADMSG;
    }
    *enabled = zt_streq(s, on);
    return 0;
}

int zt_aws_json_count(struct json_object *page, const char *list, const char *field,
                      const char *want, uint64_t *n, uint64_t *n_want, char *next, size_t next_len)
{
    struct json_object *l = page_list(page, list, next, next_len);
    if (!l) {
        return -EBADMSG;
    }
    *n += json_object_array_length(l);
    for (size_t i = 0; field && n_want && i < json_object_array_length(l); i++) {
        struct json_object *o = json_object_array_get_idx(l, i);
        bool hit = want ? str_is(o, field, want) : json_true(o, field);
        *n_want += hit;
    }
    return 0;
}

int zt_aws_json_ids(struct json_object *page, const char *list, const char *field, zt_aws_id_fn fn,
                    void *data, char *next, size_t next_len)
{
    struct json_object *l = page_list(page, list, next, next_len);
    if (!l) {
        return -EBADMSG;
    }
    for (size_t i = 0; i < json_object_array_length(l); i++) {
        struct json_object *o = json_object_array_get_idx(l, i);
        const char *id = json_object_is_type(o, json_type_string) ? json_object_get_string(o)
                                                                  : zt_json_str(o, field);
        if (!id || !id[0] || strlen(id) >= ZT_AWS_ID_MAX * 2) {
            return -EBADMSG;
        }
        int r = fn(data, id, o);
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

int zt_aws_cfg_recorders(struct json_object *page, uint64_t *n, bool *all_types)
{
    struct json_object *l = zt_json_array(page, "ConfigurationRecorders");
    if (!l) {
        return -EBADMSG;
    }
    *n = json_object_array_length(l);
    *all_types = *n > 0;
    for (size_t i = 0; i < *n; i++) {
        struct json_object *g = NULL, *o = json_object_array_get_idx(l, i);
        /* no recordingGroup: AWS records every supported type by default */
        if (json_object_object_get_ex(o, "recordingGroup", &g) && !json_true(g, "allSupported")) {
            *all_types = false;
        }
    }
    return 0;
}

bool zt_aws_eb_security_pattern(const char *pattern)
{
    _cleanup_json_ struct json_object *o = NULL;
    char why[64];
    if (!pattern || zt_json_parse(pattern, strlen(pattern), 16, &o, why, sizeof(why)) < 0) {
        return false;
    }
    struct json_object *src = NULL;
    if (!json_object_object_get_ex(o, "source", &src)) {
        return false;
    }
    static const char *const sources[] = {"aws.securityhub", "aws.guardduty", "aws.inspector2",
                                          "aws.macie", "aws.access-analyzer"};
    size_t n = json_object_is_type(src, json_type_array) ? json_object_array_length(src) : 1;
    for (size_t i = 0; i < n; i++) {
        struct json_object *s =
            json_object_is_type(src, json_type_array) ? json_object_array_get_idx(src, i) : src;
        for (size_t j = 0; json_object_is_type(s, json_type_string) && j < 5; j++) {
            if (zt_streq(json_object_get_string(s), sources[j])) {
                return true;
            }
        }
    }
    return false;
}

bool zt_aws_eb_action_target(const char *arn)
{
    /* a function, an SSM Automation document or a Step Functions state machine acts; SNS,
     * SQS and log groups only carry the finding on */
    return arn && (strstr(arn, ":lambda:") || strstr(arn, ":ssm:") || strstr(arn, ":states:"));
}

/* Walk a statement tree for the two kinds of statement. */
static void waf_walk(struct json_object *o, bool *managed, bool *rate, unsigned depth)
{
    if (depth > 8 || !o) {
        return;
    }
    if (json_object_is_type(o, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(o); i++) {
            waf_walk(json_object_array_get_idx(o, i), managed, rate, depth + 1);
        }
        return;
    }
    if (!json_object_is_type(o, json_type_object)) {
        return;
    }
    json_object_object_foreach(o, k, v)
    {
        *managed = *managed || zt_streq(k, "ManagedRuleGroupStatement");
        *rate = *rate || zt_streq(k, "RateBasedStatement");
        waf_walk(v, managed, rate, depth + 1);
    }
}

int zt_aws_waf_adaptive(struct json_object *page, bool *adaptive)
{
    struct json_object *acl = NULL, *rules = NULL;
    bool managed = false, rate = false;
    if (!json_object_object_get_ex(page, "WebACL", &acl) ||
        !json_object_object_get_ex(acl, "Rules", &rules) ||
        !json_object_is_type(rules, json_type_array)) {
        return -EBADMSG;
    }
    waf_walk(rules, &managed, &rate, 0);
    *adaptive = managed && rate;
    return 0;
}

static bool resource_enabled(struct json_object *rs, const char *kind)
{
    struct json_object *o = NULL;
    return json_object_object_get_ex(rs, kind, &o) && str_is(o, "status", "ENABLED");
}

int zt_aws_ins_ecr_lambda(struct json_object *page, bool *enabled)
{
    struct json_object *l = zt_json_array(page, "accounts"), *rs = NULL;
    if (!l) {
        return -EBADMSG;
    }
    *enabled = false;
    if (json_object_array_length(l) == 0) {
        return 0;
    }
    if (!json_object_object_get_ex(json_object_array_get_idx(l, 0), "resourceState", &rs)) {
        return -EBADMSG;
    }
    *enabled = resource_enabled(rs, "ecr") && resource_enabled(rs, "lambda");
    return 0;
}

int zt_aws_aa_analyzers(struct json_object *page, bool *external, bool *unused, char *next,
                        size_t next_len)
{
    struct json_object *l = page_list(page, "analyzers", next, next_len);
    if (!l) {
        return -EBADMSG;
    }
    for (size_t i = 0; i < json_object_array_length(l); i++) {
        struct json_object *a = json_object_array_get_idx(l, i);
        const char *type = zt_json_str(a, "type");
        if (!type || !str_is(a, "status", "ACTIVE")) {
            continue;
        }
        if (zt_streq(type, "ACCOUNT") || zt_streq(type, "ORGANIZATION")) {
            *external = true;
        } else if (strstr(type, "UNUSED_ACCESS")) {
            *unused = true;
        }
    }
    return 0;
}

int zt_aws_kms_rotatable(struct json_object *page, bool *rotatable)
{
    struct json_object *m = NULL;
    if (!json_object_object_get_ex(page, "KeyMetadata", &m) || !zt_json_str(m, "KeyId")) {
        return -EBADMSG;
    }
    const char *spec = zt_json_str(m, "KeySpec");
    spec = spec ? spec : zt_json_str(m, "CustomerMasterKeySpec");
    *rotatable = str_is(m, "KeyManager", "CUSTOMER") && str_is(m, "KeyState", "Enabled") && spec &&
                 zt_streq(spec, "SYMMETRIC_DEFAULT") && str_is(m, "Origin", "AWS_KMS");
    return 0;
}
