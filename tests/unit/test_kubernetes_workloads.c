/* test_kubernetes_workloads.c - the kubernetes collector's admission, GitOps and pod derivations
 * on hand-written objects (Kyverno failure actions, VAP validation actions, Gatekeeper
 * enforcement actions, Argo CD destinations and sync policies, restricted security contexts),
 * their folding, engines not installed, and the evidence. */
#include "zt_test.h"

#include "kubernetes/kubernetes.h"

static struct json_object *obj(const char *text)
{
    struct json_object *o = json_tokener_parse(text);
    if (!o) {
        fail_msg("bad test JSON: %s", text);
    }
    return o;
}

/* The object {"spec": spec}. */
static struct json_object *spec_obj(const char *spec)
{
    char buf[1024];
    snprintf(buf, sizeof(buf), "{\"spec\": %s}", spec);
    return obj(buf);
}

/* pred of the object {"spec": spec}. */
static bool on_spec(bool (*pred)(struct json_object *), const char *spec)
{
    struct json_object *o = spec_obj(spec);
    bool r = pred(o);
    json_object_put(o);
    return r;
}

#define RULE_V(action) "{\"name\": \"r\", \"validate\": {\"pattern\": {}" action "}}"
#define VERIFY(action)                                                                             \
    "{\"name\": \"v\", \"verifyImages\": [{\"imageReferences\": [\"*\"]" action "}]}"

static unsigned ky(const char *spec)
{
    struct json_object *o = spec_obj(spec);
    unsigned m = zt_k8s_kyverno_policy(o);
    json_object_put(o);
    return m;
}

static void test_k8s_kyverno_failure_action(void **state)
{
    const unsigned V = ZT_K8S_KY_VALIDATES, E = ZT_K8S_KY_ENFORCE, I = ZT_K8S_KY_VERIFY_IMAGES;

    /* Absent: Audit. */
    assert_int_equal(ky("{\"rules\": [" RULE_V("") "]}"), V);
    assert_int_equal(ky("{\"validationFailureAction\": \"Enforce\", \"rules\": [" RULE_V("") "]}"),
                     V | E);
    /* Older Kyverno wrote it in lower case. */
    assert_int_equal(ky("{\"validationFailureAction\": \"enforce\", \"rules\": [" RULE_V("") "]}"),
                     V | E);
    /* The rule's own failureAction wins over the policy's, both ways. */
    assert_int_equal(ky("{\"validationFailureAction\": \"Audit\", \"rules\": [" RULE_V(
                         ", \"failureAction\": \"Enforce\"") "]}"),
                     V | E);
    assert_int_equal(ky("{\"validationFailureAction\": \"Enforce\", \"rules\": [" RULE_V(
                         ", \"failureAction\": \"Audit\"") "]}"),
                     V);
    /* verifyImages: its own failureAction, else the policy's. */
    assert_int_equal(ky("{\"rules\": [" VERIFY(", \"failureAction\": \"Enforce\"") "]}"),
                     V | E | I);
    assert_int_equal(ky("{\"validationFailureAction\": \"Enforce\", \"rules\": [" VERIFY("") "]}"),
                     V | E | I);
    assert_int_equal(ky("{\"rules\": [" VERIFY("") "]}"), V);
    /* Mutate or generate only: nothing validated; malformed: nothing. */
    assert_int_equal(ky("{\"validationFailureAction\": \"Enforce\", \"rules\": [{\"name\": \"m\", "
                        "\"mutate\": {}}]}"),
                     0);
    assert_int_equal(ky("{\"rules\": {}}"), 0);
    assert_int_equal(ky("[]"), 0);
    /* A generate rule creating a NetworkPolicy; one creating something else is not counted. */
    assert_int_equal(ky("{\"rules\": [{\"name\": \"g\", \"generate\": {\"kind\": "
                        "\"NetworkPolicy\", \"synchronize\": true}}]}"),
                     ZT_K8S_KY_GENERATE_NETPOL);
    assert_int_equal(ky("{\"rules\": [{\"name\": \"g\", \"generate\": {\"kind\": "
                        "\"ResourceQuota\"}}]}"),
                     0);
}

static bool cip(const char *spec)
{
    return on_spec(zt_k8s_sigstore_policy_enforces, spec);
}

static void test_k8s_sigstore_image_policy(void **state)
{
    /* mode absent is enforce; a keyless or key authority checks a signature */
    assert_true(cip("{\"authorities\": [{\"keyless\": {\"url\": \"https://fulcio\"}}]}"));
    assert_true(cip("{\"mode\": \"enforce\", \"authorities\": [{\"static\": {\"action\": "
                    "\"pass\"}}, {\"key\": {\"data\": \"PEM\"}}]}"));
    /* warn admits; a static authority alone checks nothing; no authority, no spec */
    assert_false(cip("{\"mode\": \"warn\", \"authorities\": [{\"key\": {\"data\": \"PEM\"}}]}"));
    assert_false(cip("{\"authorities\": [{\"static\": {\"action\": \"pass\"}}]}"));
    assert_false(cip("{\"images\": [{\"glob\": \"**\"}]}"));
    struct json_object *o = obj("{\"metadata\": {}}");
    assert_false(zt_k8s_sigstore_policy_enforces(o));
    json_object_put(o);
}

static bool vap(const char *spec)
{
    return on_spec(zt_k8s_vap_binding_denies, spec);
}

static bool gk(const char *spec)
{
    return on_spec(zt_k8s_gk_constraint_denies, spec);
}

static void test_k8s_vap_and_gatekeeper_actions(void **state)
{
    assert_true(vap("{\"validationActions\": [\"Deny\"]}"));
    assert_true(vap("{\"validationActions\": [\"Audit\", \"Deny\"]}"));
    assert_false(vap("{\"validationActions\": [\"Warn\", \"Audit\"]}"));
    assert_false(vap("{\"validationActions\": [\"deny\"]}")); /* the API accepts exactly Deny */
    assert_false(vap("{}"));

    assert_true(gk("{}")); /* Gatekeeper defaults to deny */
    assert_true(gk("{\"enforcementAction\": \"deny\"}"));
    assert_false(gk("{\"enforcementAction\": \"dryrun\"}"));
    assert_false(gk("{\"enforcementAction\": \"warn\"}"));
    assert_true(gk("{\"enforcementAction\": \"scoped\", \"scopedEnforcementActions\": "
                   "[{\"action\": \"warn\"}, {\"action\": \"deny\"}]}"));
    assert_false(gk("{\"enforcementAction\": \"scoped\", \"scopedEnforcementActions\": "
                    "[{\"action\": \"warn\"}]}"));

    struct json_object *t = obj("{\"spec\": {\"crd\": {\"spec\": {\"names\": {\"kind\": "
                                "\"K8sRequiredLabels\"}}}}}");
    assert_string_equal(zt_k8s_gk_template_kind(t), "K8sRequiredLabels");
    json_object_put(t);
    t = obj("{\"spec\": {\"crd\": {\"spec\": {\"names\": {\"kind\": \"../pods\"}}}}}");
    assert_null(zt_k8s_gk_template_kind(t)); /* never a path of its own */
    json_object_put(t);
}

static unsigned argo(const char *spec, const char **ns)
{
    char buf[512];
    snprintf(buf, sizeof(buf), "{\"spec\": %s}", spec);
    struct json_object *o = obj(buf);
    unsigned m = zt_k8s_argo_app(o, ns);
    static char keep[64];
    snprintf(keep, sizeof(keep), "%s", *ns ? *ns : "");
    *ns = *ns ? keep : NULL;
    json_object_put(o);
    return m;
}

static void test_k8s_argo_app(void **state)
{
    const char *ns = NULL;
    const unsigned L = ZT_K8S_ARGO_LOCAL, A = ZT_K8S_ARGO_AUTOMATED, H = ZT_K8S_ARGO_SELF_HEAL;

    assert_int_equal(argo("{\"destination\": {\"server\": \"https://kubernetes.default.svc\", "
                          "\"namespace\": \"shop\"}, \"syncPolicy\": {\"automated\": "
                          "{\"prune\": true, \"selfHeal\": true}}}",
                          &ns),
                     L | A | H);
    assert_string_equal(ns, "shop");
    assert_int_equal(argo("{\"destination\": {\"name\": \"in-cluster\", \"namespace\": \"b\"}, "
                          "\"syncPolicy\": {\"automated\": {}}}",
                          &ns),
                     L | A);
    /* Another cluster's namespace of the same name is not this one's. */
    assert_int_equal(argo("{\"destination\": {\"server\": \"https://prod:6443\", "
                          "\"namespace\": \"shop\"}, \"syncPolicy\": {\"automated\": "
                          "{\"selfHeal\": true}}}",
                          &ns),
                     A | H);
    /* Argo CD 3.1: automated.enabled false switches it off. */
    assert_int_equal(argo("{\"destination\": {\"name\": \"in-cluster\", \"namespace\": \"b\"}, "
                          "\"syncPolicy\": {\"automated\": {\"enabled\": false, "
                          "\"selfHeal\": true}}}",
                          &ns),
                     L);
    /* Manual sync; no namespace; null automated. */
    assert_int_equal(argo("{\"destination\": {\"name\": \"in-cluster\"}, "
                          "\"syncPolicy\": {\"automated\": null}}",
                          &ns),
                     0);
}

static unsigned hard(const char *spec)
{
    char buf[2048];
    snprintf(buf, sizeof(buf), "{\"spec\": %s}", spec);
    struct json_object *o = obj(buf);
    unsigned m = zt_k8s_pod_hardening(o);
    json_object_put(o);
    return m;
}

#define SC_OK                                                                                      \
    "\"securityContext\": {\"runAsNonRoot\": true, \"allowPrivilegeEscalation\": false, "          \
    "\"capabilities\": {\"drop\": [\"ALL\"]}, \"seccompProfile\": {\"type\": \"RuntimeDefault\"}}"
#define LIM "\"resources\": {\"limits\": {\"cpu\": \"1\", \"memory\": \"1Gi\"}}"

static void test_k8s_pod_hardening(void **state)
{
    const unsigned R = ZT_K8S_POD_RESTRICTED, L = ZT_K8S_POD_LIMITS;

    assert_int_equal(hard("{\"containers\": [{\"name\": \"a\", " SC_OK ", " LIM "}]}"), R | L);
    /* Pod-level runAsNonRoot and seccomp stand for the containers... */
    assert_int_equal(hard("{\"securityContext\": {\"runAsNonRoot\": true, \"seccompProfile\": "
                          "{\"type\": \"Localhost\"}}, \"containers\": [{\"name\": \"a\", "
                          "\"securityContext\": {\"allowPrivilegeEscalation\": false, "
                          "\"capabilities\": {\"drop\": [\"ALL\"]}}}]}"),
                     R);
    /* ...unless a container says otherwise. */
    assert_int_equal(hard("{\"securityContext\": {\"runAsNonRoot\": true, \"seccompProfile\": "
                          "{\"type\": \"RuntimeDefault\"}}, \"containers\": [{\"name\": \"a\", "
                          "\"securityContext\": {\"runAsNonRoot\": false, "
                          "\"allowPrivilegeEscalation\": false, \"capabilities\": {\"drop\": "
                          "[\"ALL\"]}}}]}"),
                     0);
    /* Every container counts, init containers too; one weak one spoils the pod. */
    assert_int_equal(hard("{\"containers\": [{\"name\": \"a\", " SC_OK ", " LIM "}], "
                          "\"initContainers\": [{\"name\": \"i\", " LIM "}]}"),
                     L);
    /* Escalation not said false, NET_RAW kept, Unconfined, a CPU limit missing. */
    assert_int_equal(hard("{\"containers\": [{\"name\": \"a\", \"securityContext\": "
                          "{\"runAsNonRoot\": true, \"capabilities\": {\"drop\": [\"ALL\"]}, "
                          "\"seccompProfile\": {\"type\": \"RuntimeDefault\"}}}]}"),
                     0);
    assert_int_equal(hard("{\"containers\": [{\"name\": \"a\", \"securityContext\": "
                          "{\"runAsNonRoot\": true, \"allowPrivilegeEscalation\": false, "
                          "\"capabilities\": {\"drop\": [\"NET_RAW\"]}, \"seccompProfile\": "
                          "{\"type\": \"RuntimeDefault\"}}}]}"),
                     0);
    assert_int_equal(hard("{\"containers\": [{\"name\": \"a\", \"securityContext\": "
                          "{\"runAsNonRoot\": true, \"allowPrivilegeEscalation\": false, "
                          "\"capabilities\": {\"drop\": [\"ALL\"]}, \"seccompProfile\": "
                          "{\"type\": \"Unconfined\"}}, \"resources\": {\"limits\": "
                          "{\"memory\": \"1Gi\"}}}]}"),
                     0);
    assert_int_equal(hard("{\"containers\": []}"), 0);
    assert_int_equal(hard("{}"), 0);
}

static void fold(struct zt_k8s_facts *f, enum zt_k8s_list l, const char *item)
{
    struct json_object *o = obj(item);
    zt_k8s_item(f, l, o);
    json_object_put(o);
}

static void test_k8s_workloads_evidence(void **state)
{
    struct zt_strv exclude = {0};
    struct zt_k8s_facts f;

    zt_strv_push(&exclude, "kube-system");
    zt_k8s_facts_init(&f, &exclude);
    fold(&f, ZT_K8S_LIST_NAMESPACES, "{\"metadata\": {\"name\": \"a\"}}");
    fold(&f, ZT_K8S_LIST_NAMESPACES, "{\"metadata\": {\"name\": \"b\"}}");
    fold(&f, ZT_K8S_LIST_NAMESPACES, "{\"metadata\": {\"name\": \"kube-system\"}}");
    fold(&f, ZT_K8S_LIST_PODS,
         "{\"metadata\": {\"namespace\": \"a\"}, \"spec\": {\"containers\": [{" SC_OK ", " LIM
         "}]}}");
    fold(&f, ZT_K8S_LIST_PODS,
         "{\"metadata\": {\"namespace\": \"b\"}, \"spec\": "
         "{\"containers\": [{" LIM "}]}}");
    fold(&f, ZT_K8S_LIST_PODS,
         "{\"metadata\": {\"namespace\": \"kube-system\"}, \"spec\": "
         "{\"containers\": [{}]}}");
    fold(&f, ZT_K8S_LIST_PODS,
         "{\"metadata\": {\"namespace\": \"b\"}, \"spec\": "
         "{\"containers\": [{}]}, \"status\": {\"phase\": \"Failed\"}}");
    fold(&f, ZT_K8S_LIST_VAP_BINDINGS, "{\"spec\": {\"validationActions\": [\"Deny\"]}}");
    fold(&f, ZT_K8S_LIST_ARGO_APPS,
         "{\"spec\": {\"destination\": {\"name\": \"in-cluster\", \"namespace\": \"a\"}, "
         "\"syncPolicy\": {\"automated\": {\"selfHeal\": true}}}}");
    fold(&f, ZT_K8S_LIST_FLUX_KS, "{\"spec\": {\"targetNamespace\": \"b\", \"suspend\": true}}");
    for (int l = 0; l < _ZT_K8S_LIST_MAX; l++) {
        f.done[l] = true;
    }
    /* Kyverno and Gatekeeper answered 404: not installed, adding nothing. */
    f.absent[ZT_K8S_LIST_KYVERNO] = f.absent[ZT_K8S_LIST_GK_TEMPLATES] = true;

    struct zt_ctx *ctx = zt_ctx_new("k8s", 0);
    zt_k8s_emit_workloads(ctx, &f);
    assert_evidence_int(ctx, "kubernetes.pods.count", 2);
    assert_evidence_int(ctx, "kubernetes.pods.restricted_count", 1);
    assert_evidence_int(ctx, "kubernetes.pods.limits_count", 2);
    assert_true(json_object_get_double(zt_test_value(ctx, "kubernetes.pods.restricted_share")) ==
                0.5);
    assert_false(json_object_get_boolean(zt_test_value(ctx, "kubernetes.kyverno.installed")));
    assert_null(zt_test_value(ctx, "kubernetes.kyverno.enforce_count"));
    assert_evidence_int(ctx, "kubernetes.admission.enforcing_count", 1);
    assert_evidence_int(ctx, "kubernetes.gitops.flux_active_count", 0);
    assert_evidence_int(ctx, "kubernetes.gitops.reconciled_count", 1); /* b's is suspended */
    assert_evidence_int(ctx, "kubernetes.gitops.self_heal_count", 1);
    zt_ctx_free(ctx);

    /* Gatekeeper installed but its constraints not read: no total (it would undercount). */
    f.absent[ZT_K8S_LIST_GK_TEMPLATES] = false;
    ctx = zt_ctx_new("k8s", 0);
    zt_k8s_emit_workloads(ctx, &f);
    assert_evidence_int(ctx, "kubernetes.gatekeeper.templates_count", 0);
    assert_null(zt_test_value(ctx, "kubernetes.admission.enforcing_count"));
    zt_ctx_free(ctx);

    /* The Argo CD list restarts (410): its namespace marks go with it. */
    zt_k8s_facts_reset(&f, ZT_K8S_LIST_ARGO_APPS);
    f.done[ZT_K8S_LIST_ARGO_APPS] = true;
    ctx = zt_ctx_new("k8s", 0);
    zt_k8s_emit_workloads(ctx, &f);
    assert_evidence_int(ctx, "kubernetes.gitops.reconciled_count", 0);
    assert_evidence_int(ctx, "kubernetes.gitops.argocd_applications_count", 0);
    zt_ctx_free(ctx);
    zt_k8s_facts_free(&f);
    zt_strv_clear(&exclude);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_k8s_kyverno_failure_action),
        cmocka_unit_test(test_k8s_sigstore_image_policy),
        cmocka_unit_test(test_k8s_vap_and_gatekeeper_actions),
        cmocka_unit_test(test_k8s_argo_app),
        cmocka_unit_test(test_k8s_pod_hardening),
        cmocka_unit_test(test_k8s_workloads_evidence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
