/* fuzz_kubernetes.c - libFuzzer harness for the kubernetes collector's parsers of outside input:
 * the kubeconfig (YAML) and the list items it folds (NetworkPolicies, namespaces,
 * ClusterRoleBindings, pods, admission policies, Gatekeeper objects, Argo CD and Flux objects)
 * with the evidence derived from them. The first byte picks the parser; the
 * rest is the file or the JSON array of items as the API sent it. */
#include <json-c/json.h>
#include <stdint.h>
#include <string.h>

#include "ctx.h"
#include "kubernetes/kubernetes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_kubeconfig(const char *text, size_t len, uint8_t which)
{
    struct zt_k8s_conn c;
    char err[512];

    if (zt_k8s_kubeconfig_parse(text, len, "kube/config", which & 1 ? "prod" : NULL, &c, err,
                                sizeof(err)) == 0) {
        if (!c.server || strncmp(c.server, "https://", 8) != 0) {
            __builtin_trap(); /* a parsed connection always has an https server */
        }
        zt_k8s_conn_clear(&c);
    }
}

static void fuzz_items(struct json_object *doc, uint8_t which)
{
    struct zt_strv exclude = {0};
    struct zt_k8s_facts f;
    size_t n = json_object_is_type(doc, json_type_array) ? json_object_array_length(doc) : 0;

    zt_strv_push(&exclude, "kube-system");
    zt_k8s_facts_init(&f, &exclude);
    for (size_t i = 0; i < n; i++) {
        struct json_object *item = json_object_array_get_idx(doc, i);
        unsigned deny = zt_k8s_netpol_default_deny(item);
        if (deny & ~(unsigned)(ZT_K8S_DENY_INGRESS | ZT_K8S_DENY_EGRESS)) {
            __builtin_trap();
        }
        /* Every item through every fold: shapes of one list must not break another's. */
        zt_k8s_policy_item(&f, item);
        zt_k8s_namespace_item(&f, item);
        zt_k8s_binding_item(&f, item);
        (void)zt_k8s_subject_classify(item);
        for (int l = ZT_K8S_LIST_PODS; l < _ZT_K8S_LIST_MAX; l++) {
            zt_k8s_item(&f, (enum zt_k8s_list)l, item);
        }
        zt_k8s_gk_constraint_item(&f, item);
    }
    if (f.pods_restricted > f.pods || f.pods_limits > f.pods || f.ky_enforce > f.ky_validating ||
        f.ky_verify_images > f.ky_enforce || f.gk_nkinds > ZT_K8S_GK_KINDS_MAX ||
        f.ky_generate_netpol > f.ky_policies || f.sig_enforce > f.sig_policies) {
        __builtin_trap(); /* parts never exceed their whole */
    }
    if (which & 2) {
        zt_k8s_facts_reset(&f, (enum zt_k8s_list)(which % _ZT_K8S_LIST_MAX));
    }
    for (int l = 0; l < _ZT_K8S_LIST_MAX; l++) {
        f.done[l] = true;
        f.absent[l] = (which >> 2) & 1 && l >= ZT_K8S_LIST_VAP_BINDINGS;
    }
    f.gk_done = which & 8;
    struct zt_ctx *ctx = zt_ctx_new("fuzz", 0);
    (void)zt_k8s_emit(ctx, &f);
    zt_k8s_emit_workloads(ctx, &f);
    zt_ctx_free(ctx);
    zt_k8s_facts_free(&f);
    zt_strv_clear(&exclude);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    uint8_t which = data[0];
    const char *text = (const char *)data + 1;
    size_t len = size - 1;

    if (which % 2 == 0) {
        fuzz_kubeconfig(text, len, which >> 1);
        return 0;
    }
    struct json_object *doc = NULL;
    char err[128];
    if (zt_json_parse(text, len, 32, &doc, err, sizeof(err)) == 0) {
        fuzz_items(doc, which >> 1);
        json_object_put(doc);
    }
    return 0;
}
