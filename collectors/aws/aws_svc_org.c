/* aws_svc_org.c - the answers of WAFv2 (web ACLs, their rules and the load balancers they
 * protect), Network Firewall (zones), KMS (customer keys and their rotation) and Organizations (the
 * organization, its policies of four types and their targets), for aws_svc.c. */
#include "aws_call.h"

static const char *const org_types[_ZT_AWS_ORG_POLICY_MAX] = {
    [ZT_AWS_ORG_SCP] = "SERVICE_CONTROL_POLICY",
    [ZT_AWS_ORG_TAG] = "TAG_POLICY",
    [ZT_AWS_ORG_BACKUP] = "BACKUP_POLICY",
    [ZT_AWS_ORG_RCP] = "RESOURCE_CONTROL_POLICY",
};

int zt_aws_org_policies(struct zt_aws_run *run, unsigned type, const char *token, unsigned page)
{
    return zt_aws_json_list(run, NULL, ZT_AWS_ORG_POLICIES, &run->acct.org.policies[type], "Filter",
                            org_types[type], token, page, type);
}

/* A regional web ACL: its rules read, and the load balancers it protects listed. */
static int on_acl(void *data, const char *arn, struct json_object *entry)
{
    struct zt_aws_call *c = data;
    const char *name = zt_json_str(entry, "Name"), *id = zt_json_str(entry, "Id");
    if (!name || !id) {
        return -EBADMSG;
    }
    zt_aws_rsvc(c->run, c->region)->acls++;
    const char *get[] = {"Name", name, "Scope", "REGIONAL", "Id", id, NULL};
    const char *res[] = {"WebACLArn", arn, "ResourceType", "APPLICATION_LOAD_BALANCER", NULL};
    _cleanup_free_ char *b1 = zt_aws_json_body(get);
    _cleanup_free_ char *b2 = zt_aws_json_body(res);
    zt_aws_svc_call(c->run, c->region, ZT_AWS_WAF_ACL, c->track, "/", b1, arn, NULL, 0, 0);
    return zt_aws_svc_call(c->run, c->region, ZT_AWS_WAF_RESOURCES, c->track, "/", b2, arn, NULL, 0,
                           0);
}

int zt_aws_on_waf(struct zt_aws_call *c, struct json_object *page, char *next, size_t nl)
{
    struct zt_aws_rsvc *r = zt_aws_rsvc(c->run, c->region);
    bool adaptive = false;
    struct json_object *l = NULL;

    switch (c->api) {
    case ZT_AWS_WAF_ACLS:
        return zt_aws_json_ids(page, "WebACLs", "ARN", on_acl, c, next, nl);
    case ZT_AWS_WAF_ACL:
        if (zt_aws_waf_adaptive(page, &adaptive) < 0) {
            return -EBADMSG;
        }
        r->acls_adaptive += adaptive;
        return 0;
    default:
        l = zt_json_array(page, "ResourceArns");
        if (!l) {
            return -EBADMSG;
        }
        if (!r->protected_arns) {
            r->protected_arns = json_object_new_array();
        }
        for (size_t i = 0; i < json_object_array_length(l); i++) {
            json_object_array_add(r->protected_arns,
                                  json_object_get(json_object_array_get_idx(l, i)));
        }
        return 0;
    }
}

static int on_org_policy(void *data, const char *id, struct json_object *entry)
{
    struct zt_aws_call *c = data;
    struct json_object *v = NULL;
    if (json_object_object_get_ex(entry, "AwsManaged", &v) && json_object_get_boolean(v)) {
        return 0; /* FullAWSAccess and kin: attached everywhere, restrict nothing */
    }
    return zt_aws_json_list(c->run, NULL, ZT_AWS_ORG_TARGETS, c->track, "PolicyId", id, NULL, 0,
                            c->tag);
}

int zt_aws_on_org(struct zt_aws_call *c, struct json_object *page, char *next, size_t nl)
{
    struct zt_aws_org *org = &c->run->acct.org;
    uint64_t n = 0;
    switch (c->api) {
    case ZT_AWS_ORG_DESCRIBE: {
        struct json_object *o = NULL;
        if (!json_object_object_get_ex(page, "Organization", &o)) {
            return -EBADMSG;
        }
        const char *fs = zt_json_str(o, "FeatureSet"), *mgmt = zt_json_str(o, "MasterAccountId");
        org->member = true;
        org->all_features = fs && zt_streq(fs, "ALL");
        org->management = mgmt && zt_streq(mgmt, c->run->account);
        for (unsigned t = 0; t < _ZT_AWS_ORG_POLICY_MAX && org->all_features; t++) {
            if (org->management) {
                zt_aws_org_policies(c->run, t, NULL, 0);
            } else if (t == ZT_AWS_ORG_TAG || t == ZT_AWS_ORG_BACKUP) {
                /* a member account sees the policies that apply to it, merged */
                const char *kv[] = {"PolicyType", org_types[t], NULL};
                _cleanup_free_ char *body = zt_aws_json_body(kv);
                zt_aws_svc_call(c->run, NULL, ZT_AWS_ORG_EFFECTIVE, &org->policies[t], "/", body,
                                NULL, NULL, 0, t);
            }
        }
        return 0;
    }
    case ZT_AWS_ORG_EFFECTIVE: {
        struct json_object *ep = NULL;
        if (!json_object_object_get_ex(page, "EffectivePolicy", &ep) ||
            !zt_json_str(ep, "PolicyContent")) {
            return -EBADMSG;
        }
        org->attached[c->tag] = 1; /* the account is under at least one such policy */
        return 0;
    }
    case ZT_AWS_ORG_POLICIES:
        return zt_aws_json_ids(page, "Policies", "Id", on_org_policy, c, next, nl);
    default: {
        int r = zt_aws_json_count(page, "Targets", NULL, NULL, &n, NULL, next, nl);
        if (r == 0 && n > 0) {
            org->attached[c->tag]++;
            next[0] = '\0'; /* attached somewhere: enough */
        }
        return r;
    }
    }
}

/* A KMS key: described, and its rotation asked when it is the customer's to rotate. */
int zt_aws_on_kms_key(void *data, const char *id, struct json_object *entry)
{
    struct zt_aws_call *c = data;
    const char *kv[] = {"KeyId", id, NULL};
    _cleanup_free_ char *body = zt_aws_json_body(kv);
    return zt_aws_svc_call(c->run, c->region, ZT_AWS_KMS_DESCRIBE, c->track, "/", body, id, NULL, 0,
                           0);
}

int zt_aws_on_kms_describe(struct zt_aws_call *c, struct json_object *page)
{
    bool rotatable = false;
    if (zt_aws_kms_rotatable(page, &rotatable) < 0) {
        return -EBADMSG;
    }
    if (!rotatable) {
        return 0;
    }
    zt_aws_rsvc(c->run, c->region)->kms_keys++;
    const char *kv[] = {"KeyId", c->id, NULL};
    _cleanup_free_ char *body = zt_aws_json_body(kv);
    return zt_aws_svc_call(c->run, c->region, ZT_AWS_KMS_ROTATION, c->track, "/", body, c->id, NULL,
                           0, 0);
}

int zt_aws_on_firewall(void *data, const char *arn, struct json_object *entry)
{
    struct zt_aws_call *c = data;
    const char *kv[] = {"FirewallArn", arn, NULL};
    _cleanup_free_ char *body = zt_aws_json_body(kv);
    return zt_aws_svc_call(c->run, c->region, ZT_AWS_NFW_DESCRIBE, c->track, "/", body, arn, NULL,
                           0, 0);
}

/* One subnet per zone: two mappings or more is a firewall that survives a zone. */
int zt_aws_on_firewall_described(struct zt_aws_call *c, struct json_object *page)
{
    struct json_object *fw = NULL;
    struct zt_aws_rsvc *r = zt_aws_rsvc(c->run, c->region);
    if (!json_object_object_get_ex(page, "Firewall", &fw)) {
        return -EBADMSG;
    }
    struct json_object *subnets = zt_json_array(fw, "SubnetMappings");
    if (!subnets) {
        return -EBADMSG;
    }
    r->nfws++;
    r->nfws_multi_az += json_object_array_length(subnets) >= 2;
    return zt_aws_data_firewall(c, fw);
}
