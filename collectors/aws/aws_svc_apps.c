/* aws_svc_apps.c - how applications are run, per region: Auto Scaling groups (ELB health checks:
 * self-healing) and their scaling policies (target tracking or predictive: automatic
 * adaptation), and CloudFormation stacks (declared configuration, drift). All Query XML. */
#include "aws_call.h"

#define ASG_VERSION "2011-01-01"
#define CFN_VERSION "2010-05-15"

int zt_aws_apps_page(struct zt_aws_run *run, struct zt_aws_region *rg, enum zt_aws_api api,
                     const char *token, unsigned page)
{
    struct zt_aws_rsvc *r = zt_aws_rsvc(run, rg);
    _cleanup_free_ char *enc = token ? zt_http_urlencode(token) : NULL;
    const char *action = api == ZT_AWS_ASG_GROUPS     ? "DescribeAutoScalingGroups&MaxRecords=100"
                         : api == ZT_AWS_ASG_POLICIES ? "DescribePolicies&MaxRecords=50"
                                                      : "DescribeStacks";
    const char *version = api == ZT_AWS_CFN_STACKS ? CFN_VERSION : ASG_VERSION;
    /* Version after Action's own parameters: the routes and AWS accept any order */
    _cleanup_free_ char *body = zt_xasprintf("Action=%s&Version=%s%s%s", action, version,
                                             enc ? "&NextToken=" : "", enc ? enc : "");
    struct zt_aws_track *t = api == ZT_AWS_CFN_STACKS ? &r->cfn : &r->asg;
    return zt_aws_svc_call(run, rg, api, t, "/", body, NULL, token, page, 0);
}

void zt_aws_apps_start(struct zt_aws_run *run, struct zt_aws_region *rg)
{
    zt_aws_apps_page(run, rg, ZT_AWS_ASG_GROUPS, NULL, 0);
    zt_aws_apps_page(run, rg, ZT_AWS_ASG_POLICIES, NULL, 0);
    zt_aws_apps_page(run, rg, ZT_AWS_CFN_STACKS, NULL, 0);
}

static void add_name(struct json_object **arr, const char *name)
{
    *arr = *arr ? *arr : json_object_new_array();
    json_object_array_add(*arr, json_object_new_string(name));
}

static int on_group(void *data, const char *const v[4])
{
    struct zt_aws_rsvc *r = data;
    if (!v[0][0]) {
        return -EBADMSG;
    }
    r->asgs++;
    if (zt_streq(v[1], "ELB")) {
        add_name(&r->asg_elb, v[0]);
    }
    return 0;
}

static int on_policy(void *data, const char *const v[4])
{
    struct zt_aws_rsvc *r = data;
    if (v[0][0] &&
        (zt_streq(v[1], "TargetTrackingScaling") || zt_streq(v[1], "PredictiveScaling"))) {
        add_name(&r->asg_scaled, v[0]);
    }
    return 0;
}

static int on_stack(void *data, const char *const v[4])
{
    struct zt_aws_rsvc *r = data;
    if (!v[0][0]) {
        return -EBADMSG;
    }
    r->stacks++;
    r->stacks_drifted += zt_streq(v[1], "DRIFTED");
    return 0;
}

int zt_aws_apps_answer(struct zt_aws_call *c, const char *body, size_t len, char *next, size_t nl)
{
    static const char *const group_fields[] = {"AutoScalingGroupName", "HealthCheckType", NULL};
    static const char *const policy_fields[] = {"AutoScalingGroupName", "PolicyType", NULL};
    static const char *const stack_fields[] = {"StackName", "StackDriftStatus", NULL};
    struct zt_aws_rsvc *r = zt_aws_rsvc(c->run, c->region);

    switch (c->api) {
    case ZT_AWS_ASG_GROUPS:
        return zt_aws_xml_members(body, len, "DescribeAutoScalingGroupsResponse", group_fields,
                                  on_group, r, next, nl);
    case ZT_AWS_ASG_POLICIES:
        return zt_aws_xml_members(body, len, "DescribePoliciesResponse", policy_fields, on_policy,
                                  r, next, nl);
    default:
        return zt_aws_xml_members(body, len, "DescribeStacksResponse", stack_fields, on_stack, r,
                                  next, nl);
    }
}

/* Groups that heal (ELB health checks) and scale on their own (a target tracking or predictive
 * policy), over every region. */
uint64_t zt_aws_apps_adaptive(const struct zt_aws_run *run)
{
    uint64_t n = 0;
    for (size_t i = 0; i < run->n_regions; i++) {
        const struct zt_aws_rsvc *r = &run->acct.regions[i];
        for (size_t k = 0; r->asg_elb && k < json_object_array_length(r->asg_elb); k++) {
            const char *g = json_object_get_string(json_object_array_get_idx(r->asg_elb, k));
            for (size_t j = 0; r->asg_scaled && j < json_object_array_length(r->asg_scaled); j++) {
                if (zt_streq(g,
                             json_object_get_string(json_object_array_get_idx(r->asg_scaled, j)))) {
                    n++;
                    break;
                }
            }
        }
    }
    return n;
}
