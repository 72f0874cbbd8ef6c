/* kubernetes_images.c - image signature policy of the sigstore policy-controller: which
 * ClusterImagePolicies reject unsigned images, which namespaces opted in, and their evidence.
 * (Kyverno verifyImages rules are read with the other Kyverno rules, kubernetes_workloads.c.) */
#include "kubernetes.h"

#include <strings.h>

static bool has_object(struct json_object *o, const char *key)
{
    struct json_object *v = NULL;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_object);
}

bool zt_k8s_sigstore_policy_enforces(struct json_object *cip)
{
    struct json_object *spec = NULL;
    if (!json_object_object_get_ex(cip, "spec", &spec)) {
        return false;
    }
    const char *mode = zt_json_str(spec, "mode");
    if (mode && strcasecmp(mode, "enforce") != 0) {
        return false; /* warn: admitted with a warning */
    }
    struct json_object *auths = zt_json_array(spec, "authorities");
    for (size_t i = 0; auths && i < json_object_array_length(auths); i++) {
        struct json_object *a = json_object_array_get_idx(auths, i);
        if (has_object(a, "key") || has_object(a, "keyless")) {
            return true;
        }
    }
    return false;
}

void zt_k8s_sigstore_item(struct zt_k8s_facts *f, struct json_object *cip)
{
    f->sig_policies++;
    f->sig_enforce += zt_k8s_sigstore_policy_enforces(cip);
}

void zt_k8s_emit_images(struct zt_ctx *ctx, const struct zt_k8s_facts *f)
{
    bool absent = f->absent[ZT_K8S_LIST_SIGSTORE];

    if (!f->done[ZT_K8S_LIST_SIGSTORE]) {
        return;
    }
    zt_emit(ctx, "kubernetes.sigstore.installed", json_object_new_boolean(!absent), NULL);
    if (absent) {
        return;
    }
    zt_k8s_emit_count(ctx, "kubernetes.sigstore.policies_count", f->sig_policies, NULL);
    zt_k8s_emit_count(ctx, "kubernetes.sigstore.enforce_count", f->sig_enforce, NULL);
    if (f->done[ZT_K8S_LIST_NAMESPACES]) {
        uint64_t scope, n = zt_k8s_ns_sigstore_count(f, &scope);
        zt_k8s_emit_part(ctx, "kubernetes.sigstore.included_namespaces", n, scope, NULL);
    }
}
