/* kubernetes_derive.c - what one Kubernetes object says, on its own: the default denies of a
 * NetworkPolicy, the Pod Security level of a namespace label, who a binding subject is. */
#include "kubernetes.h"

#include <string.h>

/* A label selector that selects everything: no matchLabels and no matchExpressions (both may be
 * present and empty). Absent or null counts as empty, as the API defaults it. */
static bool selector_empty(struct json_object *sel)
{
    struct json_object *v = NULL;

    if (!sel || json_object_is_type(sel, json_type_null)) {
        return true;
    }
    if (!json_object_is_type(sel, json_type_object)) {
        return false;
    }
    if (json_object_object_get_ex(sel, "matchLabels", &v) && v &&
        !(json_object_is_type(v, json_type_object) && json_object_object_length(v) == 0)) {
        return false;
    }
    if (json_object_object_get_ex(sel, "matchExpressions", &v) && v &&
        !(json_object_is_type(v, json_type_array) && json_object_array_length(v) == 0)) {
        return false;
    }
    return true;
}

/* -1 malformed, 0 no rules (absent, null or []), 1 some rule (even `{}`, which allows all). */
static int rules_present(struct json_object *spec, const char *key)
{
    struct json_object *v = NULL;

    if (!json_object_object_get_ex(spec, key, &v) || !v) {
        return 0;
    }
    if (!json_object_is_type(v, json_type_array)) {
        return -1;
    }
    return json_object_array_length(v) > 0;
}

/* Effective policyTypes as a mask; -1 when malformed. Absent or empty: Ingress, plus Egress when
 * egress rules exist (the API server's defaulting). */
static int policy_types(struct json_object *spec, int egress_rules)
{
    struct json_object *types = NULL;
    unsigned mask = 0;

    if (!json_object_object_get_ex(spec, "policyTypes", &types) || !types ||
        (json_object_is_type(types, json_type_array) && json_object_array_length(types) == 0)) {
        return (int)(ZT_K8S_DENY_INGRESS | (egress_rules > 0 ? ZT_K8S_DENY_EGRESS : 0));
    }
    if (!json_object_is_type(types, json_type_array)) {
        return -1;
    }
    for (size_t i = 0; i < json_object_array_length(types); i++) {
        const char *t = json_object_get_string(json_object_array_get_idx(types, i));
        if (zt_streq(t, "Ingress")) {
            mask |= ZT_K8S_DENY_INGRESS;
        } else if (zt_streq(t, "Egress")) {
            mask |= ZT_K8S_DENY_EGRESS;
        }
    }
    return (int)mask;
}

unsigned zt_k8s_netpol_default_deny(struct json_object *policy)
{
    struct json_object *spec = NULL, *sel = NULL;

    if (!json_object_is_type(policy, json_type_object) ||
        !json_object_object_get_ex(policy, "spec", &spec) ||
        !json_object_is_type(spec, json_type_object)) {
        return 0;
    }
    json_object_object_get_ex(spec, "podSelector", &sel);
    if (!selector_empty(sel)) {
        return 0;
    }
    int in = rules_present(spec, "ingress"), out = rules_present(spec, "egress");
    int types = policy_types(spec, out);
    if (types < 0) {
        return 0;
    }
    unsigned deny = 0;
    if ((types & ZT_K8S_DENY_INGRESS) && in == 0) {
        deny |= ZT_K8S_DENY_INGRESS;
    }
    if ((types & ZT_K8S_DENY_EGRESS) && out == 0) {
        deny |= ZT_K8S_DENY_EGRESS;
    }
    return deny;
}

static const char *const pss_names[_ZT_K8S_PSS_MAX] = {
    [ZT_K8S_PSS_UNSET] = "unset",       [ZT_K8S_PSS_PRIVILEGED] = "privileged",
    [ZT_K8S_PSS_BASELINE] = "baseline", [ZT_K8S_PSS_RESTRICTED] = "restricted",
    [ZT_K8S_PSS_INVALID] = "invalid",
};

const char *zt_k8s_pss_to_string(enum zt_k8s_pss p)
{
    return (unsigned)p < _ZT_K8S_PSS_MAX ? pss_names[p] : NULL;
}

enum zt_k8s_pss zt_k8s_pss_from_string(const char *value)
{
    if (!value) {
        return ZT_K8S_PSS_UNSET;
    }
    /* Admission accepts exactly these lowercase values. */
    for (int p = ZT_K8S_PSS_PRIVILEGED; p <= ZT_K8S_PSS_RESTRICTED; p++) {
        if (zt_streq(value, pss_names[p])) {
            return (enum zt_k8s_pss)p;
        }
    }
    return ZT_K8S_PSS_INVALID;
}

static bool group_is_broad(const char *name)
{
    return zt_streq(name, "system:authenticated") || zt_streq(name, "system:unauthenticated") ||
           zt_streq(name, "system:serviceaccounts") ||
           zt_startswith(name, "system:serviceaccounts:");
}

static enum zt_k8s_subject classify_user(const char *name)
{
    static const char sa_prefix[] = "system:serviceaccount:";

    if (zt_streq(name, "system:anonymous")) {
        return ZT_K8S_SUBJECT_BROAD;
    }
    if (zt_startswith(name, sa_prefix)) {
        /* A service account named as a user: system only in kube-system. */
        return zt_startswith(name + strlen(sa_prefix), "kube-system:") ? ZT_K8S_SUBJECT_SYSTEM
                                                                       : ZT_K8S_SUBJECT_OTHER;
    }
    return zt_startswith(name, "system:") ? ZT_K8S_SUBJECT_SYSTEM : ZT_K8S_SUBJECT_OTHER;
}

enum zt_k8s_subject zt_k8s_subject_classify(struct json_object *subject)
{
    const char *kind = zt_json_str(subject, "kind");
    const char *name = zt_json_str(subject, "name");

    if (!kind || !name) {
        return ZT_K8S_SUBJECT_OTHER;
    }
    if (zt_streq(kind, "Group")) {
        if (zt_streq(name, "system:masters")) {
            return ZT_K8S_SUBJECT_SYSTEM;
        }
        return group_is_broad(name) ? ZT_K8S_SUBJECT_BROAD : ZT_K8S_SUBJECT_OTHER;
    }
    if (zt_streq(kind, "User")) {
        return classify_user(name);
    }
    if (zt_streq(kind, "ServiceAccount")) {
        return zt_streq(zt_json_str(subject, "namespace"), "kube-system") ? ZT_K8S_SUBJECT_SYSTEM
                                                                          : ZT_K8S_SUBJECT_OTHER;
    }
    return ZT_K8S_SUBJECT_OTHER;
}

static const char *const list_names[_ZT_K8S_LIST_MAX] = {
    [ZT_K8S_LIST_NAMESPACES] = "namespaces",
    [ZT_K8S_LIST_POLICIES] = "networkpolicies",
    [ZT_K8S_LIST_BINDINGS] = "clusterrolebindings",
    [ZT_K8S_LIST_PODS] = "pods",
    [ZT_K8S_LIST_VAP_BINDINGS] = "validatingadmissionpolicybindings",
    [ZT_K8S_LIST_KYVERNO] = "Kyverno clusterpolicies",
    [ZT_K8S_LIST_GK_TEMPLATES] = "Gatekeeper constrainttemplates",
    [ZT_K8S_LIST_ARGO_APPS] = "Argo CD applications",
    [ZT_K8S_LIST_FLUX_KS] = "Flux kustomizations",
    [ZT_K8S_LIST_SIGSTORE] = "sigstore clusterimagepolicies",
};

static const char *const list_paths[_ZT_K8S_LIST_MAX] = {
    [ZT_K8S_LIST_NAMESPACES] = "/api/v1/namespaces",
    [ZT_K8S_LIST_POLICIES] = "/apis/networking.k8s.io/v1/networkpolicies",
    [ZT_K8S_LIST_BINDINGS] = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
    [ZT_K8S_LIST_PODS] = "/api/v1/pods",
    [ZT_K8S_LIST_VAP_BINDINGS] =
        "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings",
    [ZT_K8S_LIST_KYVERNO] = "/apis/kyverno.io/v1/clusterpolicies",
    [ZT_K8S_LIST_GK_TEMPLATES] = "/apis/templates.gatekeeper.sh/v1/constrainttemplates",
    [ZT_K8S_LIST_ARGO_APPS] = "/apis/argoproj.io/v1alpha1/applications",
    [ZT_K8S_LIST_FLUX_KS] = "/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations",
    [ZT_K8S_LIST_SIGSTORE] = "/apis/policy.sigstore.dev/v1beta1/clusterimagepolicies",
};

const char *zt_k8s_list_path(enum zt_k8s_list l)
{
    return (unsigned)l < _ZT_K8S_LIST_MAX ? list_paths[l] : NULL;
}

const char *zt_k8s_list_to_string(enum zt_k8s_list l)
{
    return (unsigned)l < _ZT_K8S_LIST_MAX ? list_names[l] : NULL;
}
