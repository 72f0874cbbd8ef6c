/* prowler_run.c - one Prowler case through the collectors' own code (for test_prowler_cases.c):
 * its input rendered as the vendor API answers it (EC2 Query XML; ARM and Graph JSON as they are)
 * and handed to the aws, azure and entra parse and derive functions. */
#include "prowler_cases.h"

#include "aws/aws.h"
#include "azure/azure.h"
#include "buf.h"
#include "entra/entra.h"
#include "util.h"

/* ---- EC2 DescribeSecurityGroups, rendered as the Query API's XML --------------------------- */

struct xml_field {
    const char *json, *xml;
};

static void xml_leaf(struct zt_buf *b, const char *tag, const char *text)
{
    zt_buf_printf(b, "<%s>", tag);
    for (const char *s = text; *s; s++) {
        const char *esc = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : NULL;
        if (esc) {
            zt_buf_puts(b, esc);
        } else {
            zt_buf_put(b, s, 1);
        }
    }
    zt_buf_printf(b, "</%s>", tag);
}

static void xml_fields(struct zt_buf *b, struct json_object *o, const struct xml_field *f)
{
    for (; f->json; f++) {
        struct json_object *v = NULL;
        if (json_object_object_get_ex(o, f->json, &v) && !json_object_is_type(v, json_type_null)) {
            xml_leaf(b, f->xml, json_object_get_string(v));
        }
    }
}

/* <tag><item>fields</item>...</tag>; an absent list is rendered empty, as EC2 does. */
static void xml_list(struct zt_buf *b, const char *tag, struct json_object *list,
                     const struct xml_field *f)
{
    zt_buf_printf(b, "<%s>", tag);
    for (size_t i = 0; list && i < json_object_array_length(list); i++) {
        zt_buf_puts(b, "<item>");
        xml_fields(b, json_object_array_get_idx(list, i), f);
        zt_buf_puts(b, "</item>");
    }
    zt_buf_printf(b, "</%s>", tag);
}

static const struct xml_field f_proto[] = {
    {"IpProtocol", "ipProtocol"}, {"FromPort", "fromPort"}, {"ToPort", "toPort"}, {NULL, NULL}};
static const struct xml_field f_pair[] = {
    {"UserId", "userId"}, {"GroupId", "groupId"}, {"GroupName", "groupName"}, {NULL, NULL}};
static const struct xml_field f_v4[] = {
    {"CidrIp", "cidrIp"}, {"Description", "description"}, {NULL, NULL}};
static const struct xml_field f_v6[] = {
    {"CidrIpv6", "cidrIpv6"}, {"Description", "description"}, {NULL, NULL}};
static const struct xml_field f_prefix[] = {
    {"PrefixListId", "prefixListId"}, {"Description", "description"}, {NULL, NULL}};
static const struct xml_field f_group[] = {
    {"OwnerId", "ownerId"},     {"GroupId", "groupId"},
    {"GroupName", "groupName"}, {"Description", "groupDescription"},
    {"VpcId", "vpcId"},         {NULL, NULL}};

static void xml_permissions(struct zt_buf *b, const char *tag, struct json_object *perms)
{
    zt_buf_printf(b, "<%s>", tag);
    for (size_t i = 0; perms && i < json_object_array_length(perms); i++) {
        struct json_object *p = json_object_array_get_idx(perms, i);
        zt_buf_puts(b, "<item>");
        xml_fields(b, p, f_proto);
        xml_list(b, "groups", zt_json_array(p, "UserIdGroupPairs"), f_pair);
        xml_list(b, "ipRanges", zt_json_array(p, "IpRanges"), f_v4);
        xml_list(b, "ipv6Ranges", zt_json_array(p, "Ipv6Ranges"), f_v6);
        xml_list(b, "prefixListIds", zt_json_array(p, "PrefixListIds"), f_prefix);
        zt_buf_puts(b, "</item>");
    }
    zt_buf_printf(b, "</%s>", tag);
}

/* One region's {"SecurityGroups": [...]} as a DescribeSecurityGroupsResponse (free() it). */
static char *ec2_xml(struct json_object *region)
{
    struct json_object *groups = zt_json_array(region, "SecurityGroups");
    struct zt_buf b = {0};
    char *ret = NULL;

    zt_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DescribeSecurityGroupsResponse "
                    "xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>"
                    "59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId><securityGroupInfo>");
    assert_non_null(groups);
    for (size_t i = 0; i < json_object_array_length(groups); i++) {
        struct json_object *g = json_object_array_get_idx(groups, i);
        zt_buf_puts(&b, "<item><ownerId>123456789012</ownerId>");
        xml_fields(&b, g, f_group + 1);
        xml_permissions(&b, "ipPermissions", zt_json_array(g, "IpPermissions"));
        xml_permissions(&b, "ipPermissionsEgress", zt_json_array(g, "IpPermissionsEgress"));
        zt_buf_puts(&b, "<tagSet/></item>");
    }
    zt_buf_puts(&b, "</securityGroupInfo></DescribeSecurityGroupsResponse>");
    assert_int_equal(zt_buf_take(&b, &ret, NULL), 0);
    return ret;
}

/* ---- what ztmmd decides on one case ---------------------------------------------------------- */

/* The aws collector's derivation over every region of the case; open holds the evidence
 * detail's offenders ("region sg-1 tcp/22") as group -> what. */
void prowler_run_aws(struct json_object *input, struct ours *o)
{
    struct zt_aws_run run = {.ctx = zt_ctx_new("aws", 0)};
    const struct zt_evidence *e = NULL;
    char err[256] = "";

    run.root_mfa = run.root_keys = run.pab = run.ct_logging = ZT_AWS_UNKNOWN;
    json_object_object_foreach(input, region, groups)
    {
        assert_true(run.n_regions < ZT_AWS_REGIONS_MAX);
        struct zt_aws_region *rg = &run.regions[run.n_regions++];
        _cleanup_free_ char *xml = ec2_xml(groups);
        *rg = (struct zt_aws_region){.name = region,
                                     .sg = zt_xmalloc(sizeof(*rg->sg)),
                                     .sg_done = true,
                                     .ebs = ZT_AWS_UNKNOWN};
        zt_aws_sg_scan_init(rg->sg);
        if (zt_aws_sg_page(rg->sg, xml, strlen(xml), err, sizeof(err)) < 0) {
            fail_msg("region %s refused: %s", region, err);
        }
    }
    zt_aws_emit(&run);
    assert_int_equal(
        zt_evidence_lookup(zt_ctx_evidence(run.ctx), "aws.ec2.no_admin_ports_open_to_world", &e),
        1);
    o->rule_pass = json_object_get_boolean(e->value);
    o->open = json_object_new_object();
    struct json_object *offenders = zt_json_array(e->detail, "open_groups");
    for (size_t i = 0; offenders && i < json_object_array_length(offenders); i++) {
        char where[64], id[96], what[96];
        const char *s = json_object_get_string(json_object_array_get_idx(offenders, i));
        assert_int_equal(sscanf(s, "%63s %95s %95[^\n]", where, id, what), 3);
        json_object_object_add(o->open, id, json_object_new_string(what));
    }
    for (size_t i = 0; i < run.n_regions; i++) {
        free(run.regions[i].sg);
    }
    zt_ctx_free(run.ctx);
}

/* The azure collector's NSG evaluation, per NSG and folded into the estate counts. */
void prowler_run_azure(struct json_object *input, struct ours *o)
{
    struct zt_azure_nsgs acc = {0};
    struct zt_ctx *ctx = zt_ctx_new("azure", 0);

    o->open = json_object_new_object();
    o->nsg_ports = json_object_new_object();
    json_object_object_foreach(input, path, page)
    {
        struct json_object *nsgs = zt_json_array(page, "value");
        assert_non_null(nsgs);
        for (size_t i = 0; i < json_object_array_length(nsgs); i++) {
            struct json_object *nsg = json_object_array_get_idx(nsgs, i);
            struct zt_azure_nsg_verdict v;
            struct zt_buf b = {0};
            char *what = NULL;
            assert_int_equal(zt_azure_nsg_eval(nsg, &v), 0);
            zt_azure_nsgs_item(&acc, nsg);
            struct json_object *ports = json_object_new_array();
            for (size_t p = 0; zt_azure_admin_ports[p]; p++) {
                if (v.open_mask & (UINT64_C(1) << p)) {
                    zt_buf_printf(&b, "%s%d", b.n ? "," : "tcp/", zt_azure_admin_ports[p]);
                    json_object_array_add(ports, json_object_new_int(zt_azure_admin_ports[p]));
                }
            }
            json_object_object_add(o->nsg_ports, zt_json_str(nsg, "id"), ports);
            assert_int_equal(zt_buf_take(&b, &what, NULL), 0);
            if (v.all_ports || v.open_mask) {
                json_object_object_add(o->open, zt_json_str(nsg, "id"),
                                       json_object_new_string(v.all_ports ? "all ports" : what));
            }
            free(what);
        }
        (void)path;
    }
    assert_int_equal(zt_azure_nsgs_emit(ctx, &acc), 0);
    struct json_object *admin = zt_test_value(ctx, "azure.nsg.internet_admin_open_count");
    struct json_object *all = zt_test_value(ctx, "azure.nsg.internet_all_ports_open_count");
    assert_non_null(admin);
    assert_non_null(all);
    o->rule_pass = json_object_get_int64(admin) == 0 && json_object_get_int64(all) == 0;
    zt_azure_nsgs_clear(&acc);
    zt_ctx_free(ctx);
}

/* The strengths list a run reads (/policies/authenticationStrengthPolicies): here, every
 * strength the case's policies carry inline, as one page. */
static struct json_object *strengths_of(struct json_object *policies)
{
    struct json_object *map = json_object_new_object(), *page = json_object_new_object();
    struct json_object *value = json_object_new_array();

    for (size_t i = 0; i < json_object_array_length(policies); i++) {
        struct json_object *st =
            entra_get(entra_get(json_object_array_get_idx(policies, i), "grantControls"),
                      "authenticationStrength");
        if (st && json_object_is_type(st, json_type_object)) {
            json_object_array_add(value, json_object_get(st));
        }
    }
    json_object_object_add(page, "value", value);
    assert_int_equal(entra_strengths_page(map, page), 0);
    json_object_put(page);
    return map;
}

/* The entra collector's derivations over whichever Graph documents the case holds. */
void prowler_run_entra(struct json_object *input, const char *key, struct ours *o)
{
    _cleanup_json_ struct json_object *facts = json_object_new_object();
    struct json_object *doc = NULL;
    struct zt_strv emergency = {0}; /* no emergency_accounts, as the mapping assumes */

    if (json_object_object_get_ex(input, "identity/conditionalAccess/policies", &doc)) {
        struct json_object *policies = zt_json_array(doc, "value");
        assert_non_null(policies);
        _cleanup_json_ struct json_object *strengths = strengths_of(policies);
        assert_int_equal(entra_ca_derive(policies, strengths, &emergency, facts), 0);
    }
    if (json_object_object_get_ex(input, "policies/authenticationMethodsPolicy", &doc)) {
        assert_int_equal(entra_methods_derive(doc, facts), 0);
    }
    if (json_object_object_get_ex(input, "policies/identitySecurityDefaultsEnforcementPolicy",
                                  &doc)) {
        assert_int_equal(entra_secdefaults_derive(doc, facts), 0);
    }
    o->value = json_object_get(entra_fact_value(facts, key));
    if (!o->value) {
        fail_msg("%s was not derived", key);
    }
}

void prowler_ours_free(struct ours *o)
{
    json_object_put(o->open);
    json_object_put(o->nsg_ports);
    json_object_put(o->value);
}
