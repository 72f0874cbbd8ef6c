/* test_kubernetes.c - the kubernetes collector's derivations on hand-written objects (the
 * NetworkPolicy traps, Pod Security labels, cluster-admin subjects), the namespace folding and its
 * evidence, and kubeconfig parsing. */
#include "zt_test.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "kubernetes/kubernetes.h"

static struct json_object *obj(const char *text)
{
    struct json_object *o = json_tokener_parse(text);
    if (!o) {
        fail_msg("bad test JSON: %s", text);
    }
    return o;
}

static unsigned deny_of(const char *policy)
{
    struct json_object *o = obj(policy);
    unsigned d = zt_k8s_netpol_default_deny(o);
    json_object_put(o);
    return d;
}

#define BOTH (ZT_K8S_DENY_INGRESS | ZT_K8S_DENY_EGRESS)

static void test_k8s_netpol_default_deny_both(void **state)
{
    assert_int_equal(deny_of("{\"spec\": {\"podSelector\": {}, "
                             "\"policyTypes\": [\"Ingress\", \"Egress\"]}}"),
                     BOTH);
    /* Empty matchLabels / matchExpressions still select every pod; [] rules deny too. */
    assert_int_equal(deny_of("{\"spec\": {\"podSelector\": {\"matchLabels\": {}, "
                             "\"matchExpressions\": []}, \"ingress\": [], \"egress\": [], "
                             "\"policyTypes\": [\"Ingress\", \"Egress\"]}}"),
                     BOTH);
}

static void test_k8s_netpol_selector_is_not_default(void **state)
{
    assert_int_equal(deny_of("{\"spec\": {\"podSelector\": {\"matchLabels\": {\"app\": \"db\"}}, "
                             "\"policyTypes\": [\"Ingress\", \"Egress\"]}}"),
                     0);
    assert_int_equal(deny_of("{\"spec\": {\"podSelector\": {\"matchExpressions\": [{\"key\": "
                             "\"tier\", \"operator\": \"Exists\"}]}, "
                             "\"policyTypes\": [\"Ingress\"]}}"),
                     0);
}

static void test_k8s_netpol_policy_types_absent(void **state)
{
    /* Absent: Ingress always; Egress only when egress rules exist, and then they allow. */
    assert_int_equal(deny_of("{\"spec\": {\"podSelector\": {}}}"), ZT_K8S_DENY_INGRESS);
    assert_int_equal(deny_of("{\"spec\": {\"podSelector\": {}, \"policyTypes\": []}}"),
                     ZT_K8S_DENY_INGRESS);
    assert_int_equal(deny_of("{\"spec\": {\"podSelector\": {}, \"egress\": [{\"to\": "
                             "[{\"ipBlock\": {\"cidr\": \"10.0.0.0/8\"}}]}]}}"),
                     ZT_K8S_DENY_INGRESS);
    /* An empty egress list is no egress section: still Ingress only. */
    assert_int_equal(deny_of("{\"spec\": {\"podSelector\": {}, \"egress\": []}}"),
                     ZT_K8S_DENY_INGRESS);
}

static void test_k8s_netpol_empty_rule_allows_all(void **state)
{
    /* `ingress: [{}]` is one rule matching everything: allow all, whatever the name. */
    assert_int_equal(deny_of("{\"metadata\": {\"name\": \"default-deny\"}, \"spec\": "
                             "{\"podSelector\": {}, \"ingress\": [{}], "
                             "\"policyTypes\": [\"Ingress\"]}}"),
                     0);
    assert_int_equal(deny_of("{\"metadata\": {\"name\": \"default-deny-all\"}, \"spec\": "
                             "{\"podSelector\": {}, \"ingress\": [{}], "
                             "\"policyTypes\": [\"Ingress\", \"Egress\"]}}"),
                     ZT_K8S_DENY_EGRESS);
}

static void test_k8s_netpol_egress_only(void **state)
{
    assert_int_equal(deny_of("{\"spec\": {\"podSelector\": {}, \"policyTypes\": [\"Egress\"]}}"),
                     ZT_K8S_DENY_EGRESS);
}

static void test_k8s_netpol_malformed(void **state)
{
    assert_int_equal(deny_of("{\"spec\": {\"podSelector\": {}, \"policyTypes\": \"Ingress\"}}"), 0);
    assert_int_equal(deny_of("{\"spec\": {\"podSelector\": {}, \"ingress\": {}, "
                             "\"policyTypes\": [\"Ingress\"]}}"),
                     0);
    assert_int_equal(deny_of("{\"spec\": {\"podSelector\": []}}"), 0);
    assert_int_equal(deny_of("{\"spec\": 3}"), 0);
    assert_int_equal(deny_of("[]"), 0);
    assert_int_equal(deny_of("{\"spec\": {\"podSelector\": {\"matchLabels\": null}, "
                             "\"policyTypes\": [\"Ingress\", 7]}}"),
                     ZT_K8S_DENY_INGRESS);
}

static void test_k8s_pss_levels(void **state)
{
    assert_int_equal(zt_k8s_pss_from_string(NULL), ZT_K8S_PSS_UNSET);
    assert_int_equal(zt_k8s_pss_from_string("privileged"), ZT_K8S_PSS_PRIVILEGED);
    assert_int_equal(zt_k8s_pss_from_string("baseline"), ZT_K8S_PSS_BASELINE);
    assert_int_equal(zt_k8s_pss_from_string("restricted"), ZT_K8S_PSS_RESTRICTED);
    assert_int_equal(zt_k8s_pss_from_string("Restricted"), ZT_K8S_PSS_INVALID);
    assert_int_equal(zt_k8s_pss_from_string(""), ZT_K8S_PSS_INVALID);
    assert_string_equal(zt_k8s_pss_to_string(ZT_K8S_PSS_UNSET), "unset");
    assert_null(zt_k8s_pss_to_string(_ZT_K8S_PSS_MAX));
}

static enum zt_k8s_subject subject(const char *text)
{
    struct json_object *o = obj(text);
    enum zt_k8s_subject c = zt_k8s_subject_classify(o);
    json_object_put(o);
    return c;
}

static void test_k8s_subjects(void **state)
{
    assert_int_equal(subject("{\"kind\": \"Group\", \"name\": \"system:masters\"}"),
                     ZT_K8S_SUBJECT_SYSTEM);
    assert_int_equal(subject("{\"kind\": \"User\", \"name\": \"system:kube-controller-manager\"}"),
                     ZT_K8S_SUBJECT_SYSTEM);
    assert_int_equal(subject("{\"kind\": \"ServiceAccount\", \"name\": \"x\", "
                             "\"namespace\": \"kube-system\"}"),
                     ZT_K8S_SUBJECT_SYSTEM);
    assert_int_equal(subject("{\"kind\": \"User\", \"name\": "
                             "\"system:serviceaccount:kube-system:x\"}"),
                     ZT_K8S_SUBJECT_SYSTEM);
    /* Everyone of a kind is never "system". */
    assert_int_equal(subject("{\"kind\": \"Group\", \"name\": \"system:authenticated\"}"),
                     ZT_K8S_SUBJECT_BROAD);
    assert_int_equal(subject("{\"kind\": \"Group\", \"name\": \"system:unauthenticated\"}"),
                     ZT_K8S_SUBJECT_BROAD);
    assert_int_equal(subject("{\"kind\": \"Group\", \"name\": \"system:serviceaccounts:dev\"}"),
                     ZT_K8S_SUBJECT_BROAD);
    assert_int_equal(subject("{\"kind\": \"User\", \"name\": \"system:anonymous\"}"),
                     ZT_K8S_SUBJECT_BROAD);
    /* Service accounts elsewhere, other system: groups, people. */
    assert_int_equal(subject("{\"kind\": \"ServiceAccount\", \"name\": \"ci\", "
                             "\"namespace\": \"default\"}"),
                     ZT_K8S_SUBJECT_OTHER);
    assert_int_equal(subject("{\"kind\": \"User\", \"name\": \"system:serviceaccount:ci:deploy\"}"),
                     ZT_K8S_SUBJECT_OTHER);
    assert_int_equal(subject("{\"kind\": \"Group\", \"name\": \"system:nodes\"}"),
                     ZT_K8S_SUBJECT_OTHER);
    assert_int_equal(subject("{\"kind\": \"User\", \"name\": \"alice@example.com\"}"),
                     ZT_K8S_SUBJECT_OTHER);
    assert_int_equal(subject("{\"kind\": \"User\"}"), ZT_K8S_SUBJECT_OTHER);
}

/* ---- folding and evidence ------------------------------------------------------------------ */

struct fold {
    struct zt_strv exclude;
    struct zt_k8s_facts f;
};

static void fold_init(struct fold *x)
{
    *x = (struct fold){0};
    zt_strv_push(&x->exclude, "kube-system");
    zt_k8s_facts_init(&x->f, &x->exclude);
}

static void fold_free(struct fold *x)
{
    zt_k8s_facts_free(&x->f);
    zt_strv_clear(&x->exclude);
}

static void add_ns(struct fold *x, const char *name, const char *pss, const char *phase)
{
    char buf[512];
    snprintf(buf, sizeof(buf),
             "{\"metadata\": {\"name\": \"%s\", \"labels\": {%s%s%s}}, "
             "\"status\": {\"phase\": \"%s\"}}",
             name, pss ? "\"pod-security.kubernetes.io/enforce\": \"" : "", pss ? pss : "",
             pss ? "\"" : "", phase ? phase : "Active");
    struct json_object *o = obj(buf);
    zt_k8s_namespace_item(&x->f, o);
    json_object_put(o);
}

static void add_policy(struct fold *x, const char *ns, const char *spec)
{
    char buf[1024];
    snprintf(buf, sizeof(buf),
             "{\"metadata\": {\"namespace\": \"%s\", \"name\": \"p\"}, "
             "\"spec\": %s}",
             ns, spec);
    struct json_object *o = obj(buf);
    zt_k8s_policy_item(&x->f, o);
    json_object_put(o);
}

#define DENY_ALL "{\"podSelector\": {}, \"policyTypes\": [\"Ingress\", \"Egress\"]}"
#define ALLOW_WEB                                                                                  \
    "{\"podSelector\": {\"matchLabels\": {\"app\": \"web\"}}, \"ingress\": [{\"ports\": "          \
    "[{\"port\": 443}]}], \"policyTypes\": [\"Ingress\"]}"
#define ALLOW_ALL_IN "{\"podSelector\": {}, \"ingress\": [{}], \"policyTypes\": [\"Ingress\"]}"

static double share(struct zt_ctx *ctx, const char *key)
{
    struct json_object *v = zt_test_value(ctx, key);
    if (!v) {
        fail_msg("evidence %s was not emitted", key);
    }
    return json_object_get_double(v);
}

static void test_k8s_namespaces_default_deny_shares(void **state)
{
    struct fold x;
    fold_init(&x);
    /* Policies may arrive before their namespace does (two concurrent lists). */
    add_policy(&x, "shop", DENY_ALL);
    add_policy(&x, "shop", ALLOW_WEB); /* an allow-some policy does not undo the default deny */
    add_ns(&x, "shop", "restricted", NULL);
    add_ns(&x, "web", "baseline", NULL);
    add_policy(&x, "web", ALLOW_ALL_IN); /* "allow all" is not a deny */
    add_policy(&x, "web", "{\"podSelector\": {}, \"policyTypes\": [\"Egress\"]}");
    add_ns(&x, "batch", "privileged", NULL);
    add_policy(&x, "batch", "{\"podSelector\": {}}"); /* ingress only */
    add_ns(&x, "legacy", NULL, NULL);
    add_ns(&x, "typo", "Baseline", NULL);
    add_ns(&x, "kube-system", "privileged", NULL); /* excluded */
    add_policy(&x, "kube-system", DENY_ALL);
    add_ns(&x, "leaving", NULL, "Terminating"); /* being deleted */
    add_policy(&x, "ghost", DENY_ALL);          /* a namespace the list did not show */
    x.f.done[ZT_K8S_LIST_NAMESPACES] = x.f.done[ZT_K8S_LIST_POLICIES] = true;

    struct zt_ctx *ctx = zt_ctx_new("k8s", 0);
    assert_int_equal(zt_k8s_emit(ctx, &x.f), 0);
    assert_evidence_int(ctx, "kubernetes.namespaces.count", 5);
    assert_evidence_int(ctx, "kubernetes.netpol.policy_count", 7);
    assert_evidence_int(ctx, "kubernetes.netpol.default_deny_count", 1);
    assert_true(share(ctx, "kubernetes.netpol.default_deny_share") == 0.2);
    assert_evidence_int(ctx, "kubernetes.netpol.default_deny_ingress_count", 2);
    assert_evidence_int(ctx, "kubernetes.netpol.default_deny_egress_count", 2);
    assert_true(share(ctx, "kubernetes.netpol.default_deny_egress_share") == 0.4);
    assert_evidence_int(ctx, "kubernetes.pss.enforce_baseline_count", 2);
    assert_evidence_int(ctx, "kubernetes.pss.enforce_restricted_count", 1);
    assert_true(share(ctx, "kubernetes.pss.enforce_restricted_share") == 0.2);
    /* The CRB list was not read: no RBAC evidence at all. */
    assert_null(zt_test_value(ctx, "kubernetes.rbac.cluster_admin_non_system_subjects"));
    /* Details name what lacks it, sorted; the invalid label is counted apart. */
    const struct zt_evidence *e = NULL;
    assert_int_equal(
        zt_evidence_lookup(zt_ctx_evidence(ctx), "kubernetes.netpol.default_deny_share", &e), 1);
    assert_string_equal(
        json_object_to_json_string(json_object_object_get(e->detail, "without_default_deny")),
        "[ \"batch\", \"legacy\", \"typo\", \"web\" ]");
    assert_int_equal(
        zt_evidence_lookup(zt_ctx_evidence(ctx), "kubernetes.pss.enforce_baseline_share", &e), 1);
    struct json_object *levels = json_object_object_get(e->detail, "levels");
    assert_int_equal(json_object_get_int(json_object_object_get(levels, "invalid")), 1);
    assert_int_equal(json_object_get_int(json_object_object_get(levels, "unset")), 1);
    zt_ctx_free(ctx);
    fold_free(&x);
}

static void test_k8s_facts_reset_and_partial(void **state)
{
    struct fold x;
    fold_init(&x);
    add_ns(&x, "a", "baseline", NULL);
    add_policy(&x, "a", DENY_ALL);
    /* The policy list restarts (410) and then fails: only namespace facts remain. */
    zt_k8s_facts_reset(&x.f, ZT_K8S_LIST_POLICIES);
    x.f.done[ZT_K8S_LIST_NAMESPACES] = true;
    struct zt_ctx *ctx = zt_ctx_new("k8s", 0);
    zt_k8s_emit(ctx, &x.f);
    assert_evidence_int(ctx, "kubernetes.namespaces.count", 1);
    assert_evidence_int(ctx, "kubernetes.pss.enforce_baseline_count", 1);
    assert_null(zt_test_value(ctx, "kubernetes.netpol.default_deny_share"));
    assert_null(zt_test_value(ctx, "kubernetes.netpol.policy_count"));
    zt_ctx_free(ctx);
    /* After a reset and a complete re-read, the old bits are gone. */
    x.f.done[ZT_K8S_LIST_POLICIES] = true;
    ctx = zt_ctx_new("k8s", 0);
    zt_k8s_emit(ctx, &x.f);
    assert_evidence_int(ctx, "kubernetes.netpol.default_deny_count", 0);
    zt_ctx_free(ctx);
    /* No namespace in scope: counts, but no shares. */
    zt_k8s_facts_reset(&x.f, ZT_K8S_LIST_NAMESPACES);
    add_ns(&x, "kube-system", NULL, NULL);
    x.f.done[ZT_K8S_LIST_NAMESPACES] = true;
    ctx = zt_ctx_new("k8s", 0);
    zt_k8s_emit(ctx, &x.f);
    assert_evidence_int(ctx, "kubernetes.namespaces.count", 0);
    assert_null(zt_test_value(ctx, "kubernetes.netpol.default_deny_share"));
    assert_null(zt_test_value(ctx, "kubernetes.pss.enforce_baseline_share"));
    zt_ctx_free(ctx);
    fold_free(&x);
}

static void test_k8s_many_namespaces(void **state)
{
    struct fold x;
    char name[32];
    fold_init(&x);
    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof(name), "ns-%d", i);
        add_ns(&x, name, i % 2 ? "baseline" : NULL, NULL);
        if (i % 4 == 0) {
            add_policy(&x, name, DENY_ALL);
        }
    }
    x.f.done[ZT_K8S_LIST_NAMESPACES] = x.f.done[ZT_K8S_LIST_POLICIES] = true;
    struct zt_ctx *ctx = zt_ctx_new("k8s", 0);
    zt_k8s_emit(ctx, &x.f);
    assert_evidence_int(ctx, "kubernetes.namespaces.count", 5000);
    assert_evidence_int(ctx, "kubernetes.netpol.default_deny_count", 1250);
    assert_evidence_int(ctx, "kubernetes.pss.enforce_baseline_count", 2500);
    const struct zt_evidence *e = NULL;
    zt_evidence_lookup(zt_ctx_evidence(ctx), "kubernetes.netpol.default_deny_share", &e);
    assert_int_equal(
        json_object_array_length(json_object_object_get(e->detail, "without_default_deny")),
        ZT_K8S_DETAIL_MAX);
    zt_ctx_free(ctx);
    fold_free(&x);
}

static void test_k8s_cluster_admin_bindings(void **state)
{
    struct fold x;
    fold_init(&x);
    const char *crbs[] = {
        "{\"metadata\": {\"name\": \"cluster-admin\"}, \"roleRef\": {\"kind\": \"ClusterRole\", "
        "\"name\": \"cluster-admin\"}, \"subjects\": [{\"kind\": \"Group\", \"name\": "
        "\"system:masters\"}]}",
        "{\"metadata\": {\"name\": \"alice-admin\"}, \"roleRef\": {\"kind\": \"ClusterRole\", "
        "\"name\": \"cluster-admin\"}, \"subjects\": [{\"kind\": \"User\", \"name\": \"alice\"}, "
        "{\"kind\": \"ServiceAccount\", \"name\": \"ci\", \"namespace\": \"build\"}]}",
        "{\"metadata\": {\"name\": \"oops\"}, \"roleRef\": {\"kind\": \"ClusterRole\", \"name\": "
        "\"cluster-admin\"}, \"subjects\": [{\"kind\": \"Group\", \"name\": "
        "\"system:authenticated\"}]}",
        /* Not cluster-admin, or a Role of that name: not counted. */
        "{\"metadata\": {\"name\": \"view\"}, \"roleRef\": {\"kind\": \"ClusterRole\", \"name\": "
        "\"view\"}, \"subjects\": [{\"kind\": \"User\", \"name\": \"bob\"}]}",
        "{\"metadata\": {\"name\": \"fake\"}, \"roleRef\": {\"kind\": \"Role\", \"name\": "
        "\"cluster-admin\"}, \"subjects\": [{\"kind\": \"User\", \"name\": \"eve\"}]}",
        "{\"metadata\": {\"name\": \"empty\"}, \"roleRef\": {\"kind\": \"ClusterRole\", \"name\": "
        "\"cluster-admin\"}}",
    };
    for (size_t i = 0; i < ZT_ELEMENTSOF(crbs); i++) {
        struct json_object *o = obj(crbs[i]);
        zt_k8s_binding_item(&x.f, o);
        json_object_put(o);
    }
    x.f.done[ZT_K8S_LIST_BINDINGS] = true;
    struct zt_ctx *ctx = zt_ctx_new("k8s", 0);
    zt_k8s_emit(ctx, &x.f);
    assert_evidence_int(ctx, "kubernetes.rbac.cluster_admin_bindings", 4);
    assert_evidence_int(ctx, "kubernetes.rbac.cluster_admin_non_system_subjects", 3);
    assert_evidence_int(ctx, "kubernetes.rbac.cluster_admin_broad_subjects", 1);
    assert_null(zt_test_value(ctx, "kubernetes.namespaces.count"));
    const struct zt_evidence *e = NULL;
    zt_evidence_lookup(zt_ctx_evidence(ctx), "kubernetes.rbac.cluster_admin_non_system_subjects",
                       &e);
    struct json_object *subs = json_object_object_get(e->detail, "subjects");
    assert_int_equal(json_object_array_length(subs), 3);
    assert_string_equal(zt_json_str(json_object_array_get_idx(subs, 0), "name"), "alice");
    assert_string_equal(zt_json_str(json_object_array_get_idx(subs, 2), "class"), "broad");
    zt_ctx_free(ctx);
    fold_free(&x);
}

/* ---- kubeconfig ---------------------------------------------------------------------------- */

/* base64 of "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n" */
#define CA_B64 "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="

static const char kubeconfig[] =
    "apiVersion: v1\n"
    "kind: Config\n"
    "current-context: prod\n"
    "clusters:\n"
    "- name: prod-cluster\n"
    "  cluster:\n"
    "    server: https://prod.example.org:6443/\n"
    "    certificate-authority-data: " CA_B64 "\n"
    "- name: dev-cluster\n"
    "  cluster:\n"
    "    server: https://dev.example.org\n"
    "    certificate-authority: certs/dev-ca.pem\n"
    "contexts:\n"
    "- name: prod\n"
    "  context: {cluster: prod-cluster, user: auditor, namespace: default}\n"
    "- name: dev\n"
    "  context:\n"
    "    cluster: dev-cluster\n"
    "    user: dev-user\n"
    "- name: cert\n"
    "  context: {cluster: prod-cluster, user: cert-user}\n"
    "- name: plugin\n"
    "  context: {cluster: prod-cluster, user: eks}\n"
    "users:\n"
    "- name: auditor\n"
    "  user:\n"
    "    token: abc.def\n"
    "- name: dev-user\n"
    "  user:\n"
    "    tokenFile: tokens/dev\n"
    "- name: cert-user\n"
    "  user:\n"
    "    client-certificate-data: " CA_B64 "\n"
    "    client-key: /etc/ztmmd/k8s.key\n"
    "- name: eks\n"
    "  user:\n"
    "    exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws}\n";

static int parse(const char *text, const char *context, struct zt_k8s_conn *c, char *err)
{
    return zt_k8s_kubeconfig_parse(text, strlen(text), "/etc/ztmmd/kube/config", context, c, err,
                                   512);
}

static void test_k8s_kubeconfig_current_context(void **state)
{
    struct zt_k8s_conn c;
    char err[512] = "";

    assert_int_equal(parse(kubeconfig, NULL, &c, err), 0);
    assert_string_equal(c.server, "https://prod.example.org:6443");
    assert_string_equal(c.context, "prod");
    assert_string_equal(c.token, "abc.def");
    assert_non_null(strstr(c.ca_pem, "-----BEGIN CERTIFICATE-----\nMIIB\n"));
    assert_null(c.ca_file);
    assert_null(c.cert_pem);
    zt_k8s_conn_clear(&c);
}

static void test_k8s_kubeconfig_named_context_files(void **state)
{
    struct zt_k8s_conn c;
    char err[512] = "";

    assert_int_equal(parse(kubeconfig, "dev", &c, err), 0);
    assert_string_equal(c.server, "https://dev.example.org");
    /* Relative names are relative to the kubeconfig's directory. */
    assert_string_equal(c.ca_file, "/etc/ztmmd/kube/certs/dev-ca.pem");
    assert_string_equal(c.token_file, "/etc/ztmmd/kube/tokens/dev");
    assert_null(c.token);
    zt_k8s_conn_clear(&c);

    assert_int_equal(parse(kubeconfig, "cert", &c, err), 0);
    assert_non_null(strstr(c.cert_pem, "BEGIN CERTIFICATE"));
    assert_string_equal(c.key_file, "/etc/ztmmd/k8s.key");
    assert_null(c.token);
    zt_k8s_conn_clear(&c);
}

static void test_k8s_kubeconfig_errors(void **state)
{
    struct zt_k8s_conn c;
    char err[512] = "";

    assert_int_equal(parse(kubeconfig, "staging", &c, err), -ENOENT);
    assert_non_null(strstr(err, "kubeconfig /etc/ztmmd/kube/config"));
    assert_non_null(strstr(err, "context 'staging' not found"));
    assert_non_null(strstr(err, "prod, dev, cert, plugin"));
    assert_null(c.server);

    assert_int_equal(parse(kubeconfig, "plugin", &c, err), -EOPNOTSUPP);
    assert_non_null(strstr(err, "exec"));

    assert_int_equal(parse("current-context: x\ncontexts: [\n", NULL, &c, err), -EBADMSG);
    assert_non_null(strstr(err, "not valid YAML"));
    assert_int_equal(parse("- a\n- b\n", NULL, &c, err), -EINVAL);
    assert_int_equal(parse("", NULL, &c, err), -EINVAL);
    assert_int_equal(parse("kind: Config\n", NULL, &c, err), -EINVAL);
    assert_non_null(strstr(err, "no current-context"));

    static const char insecure[] =
        "current-context: a\ncontexts: [{name: a, context: {cluster: c, user: u}}]\n"
        "clusters: [{name: c, cluster: {server: 'https://h', insecure-skip-tls-verify: true}}]\n"
        "users: [{name: u, user: {token: t}}]\n";
    assert_int_equal(parse(insecure, NULL, &c, err), -EPERM);
    static const char plain[] =
        "current-context: a\ncontexts: [{name: a, context: {cluster: c, user: u}}]\n"
        "clusters: [{name: c, cluster: {server: 'http://h'}}]\n"
        "users: [{name: u, user: {token: t}}]\n";
    assert_int_equal(parse(plain, NULL, &c, err), -EINVAL);
    assert_non_null(strstr(err, "https://"));
    static const char bad_b64[] =
        "current-context: a\ncontexts: [{name: a, context: {cluster: c, user: u}}]\n"
        "clusters: [{name: c, cluster: {server: 'https://h', certificate-authority-data: "
        "'!!notbase64'}}]\nusers: [{name: u, user: {token: t}}]\n";
    assert_int_equal(parse(bad_b64, NULL, &c, err), -EINVAL);
    assert_non_null(strstr(err, "certificate-authority-data"));
    static const char no_key[] =
        "current-context: a\ncontexts: [{name: a, context: {cluster: c, user: u}}]\n"
        "clusters: [{name: c, cluster: {server: 'https://h'}}]\n"
        "users: [{name: u, user: {client-certificate: /c.pem}}]\n";
    assert_int_equal(parse(no_key, NULL, &c, err), -EINVAL);
    static const char no_user[] =
        "current-context: a\ncontexts: [{name: a, context: {cluster: c, user: u}}]\n"
        "clusters: [{name: c, cluster: {server: 'https://h'}}]\nusers: []\n";
    assert_int_equal(parse(no_user, NULL, &c, err), -ENOENT);
    assert_non_null(strstr(err, "user 'u'"));
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    assert_true(fd >= 0);
    assert_int_equal(zt_write_all(fd, text, strlen(text)), 0);
    close(fd);
    chmod(path, mode);
}

static void test_k8s_conn_load_token_file(void **state)
{
    char dir[] = "/tmp/zt-k8s-test-XXXXXX";
    char path[PATH_MAX], err[512] = "";
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/token", dir);

    struct zt_k8s_conn c = {.token_file = zt_xstrdup(path)};
    assert_int_equal(zt_k8s_conn_load(&c, err, sizeof(err)), -ENOENT);
    assert_non_null(strstr(err, path));
    write_file(path, "sa-token\n", 0644);
    assert_int_equal(zt_k8s_conn_load(&c, err, sizeof(err)), -EPERM); /* readable by others */
    write_file(path, "sa-token\n", 0600);
    assert_int_equal(zt_k8s_conn_load(&c, err, sizeof(err)), 0);
    assert_string_equal(c.token, "sa-token");
    zt_k8s_conn_clear(&c);
    unlink(path);
    rmdir(dir);
}

/* The options: one way to connect, and what each needs. */
static void test_k8s_check_options(void **state)
{
    static const char *const bad[][7] = {
        {"kubeconfig", "/k", "server", "https://h", NULL},
        {"context", "x", NULL},
        {"token_file", "/t", NULL},
        {"server", "https://h", NULL},
        {"server", "https://h", "token_file", "/t", "cert_file", "/c", NULL},
        {"server", "https://h", "cert_file", "/c", NULL},
    };
    char err[512];

    for (size_t i = 0; i < ZT_ELEMENTSOF(bad); i++) {
        struct zt_instance *inst = NULL;
        assert_int_equal(zt_instance_new(&zt_collector_kubernetes, "k8s", &inst, err, sizeof(err)),
                         0);
        for (size_t j = 0; bad[i][j]; j += 2) {
            assert_int_equal(zt_instance_set(inst, bad[i][j], bad[i][j + 1], err, sizeof(err)), 0);
        }
        assert_int_equal(zt_instance_check(inst, err, sizeof(err)), -EINVAL);
        zt_instance_free(inst);
    }
    /* A number out of its range is refused where it is set, naming the value. */
    struct zt_instance *inst = NULL;
    assert_int_equal(zt_instance_new(&zt_collector_kubernetes, "k8s", &inst, err, sizeof(err)), 0);
    assert_int_equal(zt_instance_set(inst, "page_size", "0", err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "'page_size' must be between 1 and"));
    assert_non_null(strstr(err, "got '0'"));
    zt_instance_free(inst);
}

/* Nothing configured, outside a cluster: a clear error, no evidence. */
static void test_k8s_not_in_cluster(void **state)
{
    struct zt_ctx *ctx = NULL;
    unsetenv("KUBERNETES_SERVICE_HOST");
    assert_int_equal(zt_test_collect(&zt_collector_kubernetes, NULL, &ctx), -ENXIO);
    assert_null(zt_test_value(ctx, "kubernetes.namespaces.count"));
    zt_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_k8s_netpol_default_deny_both),
        cmocka_unit_test(test_k8s_netpol_selector_is_not_default),
        cmocka_unit_test(test_k8s_netpol_policy_types_absent),
        cmocka_unit_test(test_k8s_netpol_empty_rule_allows_all),
        cmocka_unit_test(test_k8s_netpol_egress_only),
        cmocka_unit_test(test_k8s_netpol_malformed),
        cmocka_unit_test(test_k8s_pss_levels),
        cmocka_unit_test(test_k8s_subjects),
        cmocka_unit_test(test_k8s_namespaces_default_deny_shares),
        cmocka_unit_test(test_k8s_facts_reset_and_partial),
        cmocka_unit_test(test_k8s_many_namespaces),
        cmocka_unit_test(test_k8s_cluster_admin_bindings),
        cmocka_unit_test(test_k8s_kubeconfig_current_context),
        cmocka_unit_test(test_k8s_kubeconfig_named_context_files),
        cmocka_unit_test(test_k8s_kubeconfig_errors),
        cmocka_unit_test(test_k8s_conn_load_token_file),
        cmocka_unit_test(test_k8s_check_options),
        cmocka_unit_test(test_k8s_not_in_cluster),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
