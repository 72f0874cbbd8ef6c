/* kubernetes_workloads.c - admission control (ValidatingAdmissionPolicy bindings, Kyverno,
 * Gatekeeper), GitOps controllers (Argo CD, Flux) and pod hardening: what one object says, its
 * fold into the facts, and the evidence. */
#include "kubernetes.h"

#include <string.h>
#include <strings.h>

#define ARGO_IN_CLUSTER "https://kubernetes.default.svc"

static struct json_object *obj_at(struct json_object *o, const char *key)
{
    struct json_object *v = NULL;
    return o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_object)
               ? v
               : NULL;
}

/* key holds the boolean want (absent or another type: false). */
static bool bool_is(struct json_object *o, const char *key, bool want)
{
    struct json_object *v = NULL;
    return o && json_object_object_get_ex(o, key, &v) &&
           json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v) == want;
}

static bool array_has(struct json_object *arr, const char *value)
{
    for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
        if (zt_streq(json_object_get_string(json_object_array_get_idx(arr, i)), value)) {
            return true;
        }
    }
    return false;
}

/* ---- Kyverno, ValidatingAdmissionPolicy, Gatekeeper --------------------------------------- */

static bool action_enforces(const char *own, const char *policy_default)
{
    const char *a = own ? own : policy_default;
    return a && strcasecmp(a, "Enforce") == 0; /* absent: Audit */
}

unsigned zt_k8s_kyverno_policy(struct json_object *policy)
{
    struct json_object *spec = obj_at(policy, "spec");
    struct json_object *rules = zt_json_array(spec, "rules");
    const char *dflt = zt_json_str(spec, "validationFailureAction");
    unsigned m = 0;

    for (size_t i = 0; rules && i < json_object_array_length(rules); i++) {
        struct json_object *r = json_object_array_get_idx(rules, i);
        struct json_object *v = obj_at(r, "validate"), *vi = zt_json_array(r, "verifyImages");
        if (zt_streq(zt_json_str(obj_at(r, "generate"), "kind"), "NetworkPolicy")) {
            m |= ZT_K8S_KY_GENERATE_NETPOL;
        }
        if (v) {
            m |= ZT_K8S_KY_VALIDATES;
            m |= action_enforces(zt_json_str(v, "failureAction"), dflt) ? ZT_K8S_KY_ENFORCE : 0;
        }
        for (size_t j = 0; vi && j < json_object_array_length(vi); j++) {
            struct json_object *e = json_object_array_get_idx(vi, j);
            m |= ZT_K8S_KY_VALIDATES;
            if (action_enforces(zt_json_str(e, "failureAction"), dflt)) {
                m |= ZT_K8S_KY_ENFORCE | ZT_K8S_KY_VERIFY_IMAGES;
            }
        }
    }
    return m;
}

bool zt_k8s_vap_binding_denies(struct json_object *binding)
{
    return array_has(zt_json_array(obj_at(binding, "spec"), "validationActions"), "Deny");
}

bool zt_k8s_gk_constraint_denies(struct json_object *constraint)
{
    struct json_object *spec = obj_at(constraint, "spec");
    const char *a = zt_json_str(spec, "enforcementAction");

    if (!a || zt_streq(a, "deny")) {
        return true; /* Gatekeeper's default is deny */
    }
    if (!zt_streq(a, "scoped")) {
        return false; /* dryrun, warn */
    }
    struct json_object *scoped = zt_json_array(spec, "scopedEnforcementActions");
    for (size_t i = 0; scoped && i < json_object_array_length(scoped); i++) {
        if (zt_streq(zt_json_str(json_object_array_get_idx(scoped, i), "action"), "deny")) {
            return true;
        }
    }
    return false;
}

const char *zt_k8s_gk_template_kind(struct json_object *tmpl)
{
    struct json_object *names =
        obj_at(obj_at(obj_at(obj_at(tmpl, "spec"), "crd"), "spec"), "names");
    const char *kind = zt_json_str(names, "kind");
    return kind && kind[0] && strlen(kind) < 128 && !strpbrk(kind, "/?#%&") ? kind : NULL;
}

/* ---- Argo CD, pods ------------------------------------------------------------------------- */

unsigned zt_k8s_argo_app(struct json_object *app, const char **ns)
{
    struct json_object *spec = obj_at(app, "spec"), *dest = obj_at(spec, "destination");
    struct json_object *automated = obj_at(obj_at(spec, "syncPolicy"), "automated");
    const char *server = zt_json_str(dest, "server"), *name = zt_json_str(dest, "name");
    unsigned m = 0;

    *ns = zt_json_str(dest, "namespace");
    if ((zt_streq(server, ARGO_IN_CLUSTER) || zt_streq(server, ARGO_IN_CLUSTER "/") ||
         zt_streq(name, "in-cluster")) &&
        *ns && (*ns)[0]) {
        m |= ZT_K8S_ARGO_LOCAL;
    }
    /* Argo CD 3.1 added automated.enabled (default true). */
    if (automated && !bool_is(automated, "enabled", false)) {
        m |= ZT_K8S_ARGO_AUTOMATED;
        m |= bool_is(automated, "selfHeal", true) ? ZT_K8S_ARGO_SELF_HEAL : 0;
    }
    return m;
}

static bool one_of(const char *v, const char *a, const char *b)
{
    return zt_streq(v, a) || zt_streq(v, b);
}

/* One container against the restricted profile; pod_sc gives the pod-level defaults. */
static bool container_restricted(struct json_object *c, struct json_object *pod_sc)
{
    struct json_object *sc = obj_at(c, "securityContext");
    bool non_root = bool_is(pod_sc, "runAsNonRoot", true);
    const char *seccomp = zt_json_str(obj_at(pod_sc, "seccompProfile"), "type");

    if (bool_is(sc, "runAsNonRoot", true) || bool_is(sc, "runAsNonRoot", false)) {
        non_root = bool_is(sc, "runAsNonRoot", true); /* the container's own value wins */
    }
    if (obj_at(sc, "seccompProfile")) {
        seccomp = zt_json_str(obj_at(sc, "seccompProfile"), "type");
    }
    if (!non_root || !one_of(seccomp, "RuntimeDefault", "Localhost")) {
        return false;
    }
    if (!bool_is(sc, "allowPrivilegeEscalation", false)) {
        return false;
    }
    return array_has(zt_json_array(obj_at(sc, "capabilities"), "drop"), "ALL");
}

static bool container_limited(struct json_object *c)
{
    struct json_object *limits = obj_at(obj_at(c, "resources"), "limits");
    return zt_json_str(limits, "cpu") && zt_json_str(limits, "memory");
}

unsigned zt_k8s_pod_hardening(struct json_object *pod)
{
    static const char *const lists[] = {"containers", "initContainers"};
    struct json_object *spec = obj_at(pod, "spec"), *pod_sc = obj_at(spec, "securityContext");
    unsigned m = ZT_K8S_POD_RESTRICTED | ZT_K8S_POD_LIMITS;
    size_t seen = 0;

    for (size_t l = 0; l < ZT_ELEMENTSOF(lists); l++) {
        struct json_object *cs = zt_json_array(spec, lists[l]);
        for (size_t i = 0; cs && i < json_object_array_length(cs); i++) {
            struct json_object *c = json_object_array_get_idx(cs, i);
            seen++;
            m &= container_restricted(c, pod_sc) ? ~0u : ~(unsigned)ZT_K8S_POD_RESTRICTED;
            m &= container_limited(c) ? ~0u : ~(unsigned)ZT_K8S_POD_LIMITS;
        }
    }
    return seen ? m : 0;
}

/* ---- folding ------------------------------------------------------------------------------- */

void zt_k8s_pod_item(struct zt_k8s_facts *f, struct json_object *pod)
{
    const char *ns = zt_json_str(obj_at(pod, "metadata"), "namespace");
    const char *phase = zt_json_str(obj_at(pod, "status"), "phase");

    if (!ns || zt_k8s_ns_excluded(f, ns) || one_of(phase, "Succeeded", "Failed")) {
        return;
    }
    unsigned h = zt_k8s_pod_hardening(pod);
    f->pods++;
    f->pods_restricted += !!(h & ZT_K8S_POD_RESTRICTED);
    f->pods_limits += !!(h & ZT_K8S_POD_LIMITS);
}

void zt_k8s_vap_binding_item(struct zt_k8s_facts *f, struct json_object *binding)
{
    f->vap_bindings++;
    f->vap_deny += zt_k8s_vap_binding_denies(binding);
}

void zt_k8s_kyverno_item(struct zt_k8s_facts *f, struct json_object *policy)
{
    unsigned m = zt_k8s_kyverno_policy(policy);
    f->ky_policies++;
    f->ky_validating += !!(m & ZT_K8S_KY_VALIDATES);
    f->ky_enforce += !!(m & ZT_K8S_KY_ENFORCE);
    f->ky_verify_images += !!(m & ZT_K8S_KY_VERIFY_IMAGES);
    f->ky_generate_netpol += !!(m & ZT_K8S_KY_GENERATE_NETPOL);
}

void zt_k8s_gk_template_item(struct zt_k8s_facts *f, struct json_object *tmpl)
{
    const char *kind = zt_k8s_gk_template_kind(tmpl);

    f->gk_templates++;
    if (kind && f->gk_nkinds < ZT_K8S_GK_KINDS_MAX) {
        f->gk_kinds[f->gk_nkinds++] = zt_xstrdup(kind);
    }
}

void zt_k8s_gk_constraint_item(struct zt_k8s_facts *f, struct json_object *constraint)
{
    f->gk_constraints++;
    f->gk_deny += zt_k8s_gk_constraint_denies(constraint);
}

void zt_k8s_argo_item(struct zt_k8s_facts *f, struct json_object *app)
{
    const char *ns = NULL;
    unsigned m = zt_k8s_argo_app(app, &ns);

    f->argo_apps++;
    f->argo_automated += !!(m & ZT_K8S_ARGO_AUTOMATED);
    f->argo_self_heal += !!(m & ZT_K8S_ARGO_SELF_HEAL);
    if (m & ZT_K8S_ARGO_LOCAL) {
        zt_k8s_ns_mark(f, ns,
                       ZT_K8S_NS_ARGO | (m & ZT_K8S_ARGO_SELF_HEAL ? ZT_K8S_NS_ARGO_HEAL : 0));
    }
}

void zt_k8s_flux_item(struct zt_k8s_facts *f, struct json_object *ks)
{
    struct json_object *spec = obj_at(ks, "spec");

    f->flux_ks++;
    if (bool_is(spec, "suspend", true)) {
        return;
    }
    f->flux_active++;
    zt_k8s_ns_mark(f, zt_json_str(spec, "targetNamespace"), ZT_K8S_NS_FLUX);
}

void zt_k8s_item(struct zt_k8s_facts *f, enum zt_k8s_list l, struct json_object *item)
{
    static void (*const fold[_ZT_K8S_LIST_MAX])(struct zt_k8s_facts *, struct json_object *) = {
        [ZT_K8S_LIST_NAMESPACES] = zt_k8s_namespace_item,
        [ZT_K8S_LIST_POLICIES] = zt_k8s_policy_item,
        [ZT_K8S_LIST_BINDINGS] = zt_k8s_binding_item,
        [ZT_K8S_LIST_PODS] = zt_k8s_pod_item,
        [ZT_K8S_LIST_VAP_BINDINGS] = zt_k8s_vap_binding_item,
        [ZT_K8S_LIST_KYVERNO] = zt_k8s_kyverno_item,
        [ZT_K8S_LIST_GK_TEMPLATES] = zt_k8s_gk_template_item,
        [ZT_K8S_LIST_ARGO_APPS] = zt_k8s_argo_item,
        [ZT_K8S_LIST_FLUX_KS] = zt_k8s_flux_item,
        [ZT_K8S_LIST_SIGSTORE] = zt_k8s_sigstore_item,
    };
    if ((unsigned)l < _ZT_K8S_LIST_MAX) {
        fold[l](f, item);
    }
}

/* ---- evidence ------------------------------------------------------------------------------ */

static void emit_bool(struct zt_ctx *ctx, const char *key, bool v)
{
    zt_emit(ctx, key, json_object_new_boolean(v), NULL);
}

static void emit_admission(struct zt_ctx *ctx, const struct zt_k8s_facts *f)
{
    const bool *done = f->done, *absent = f->absent;

    if (done[ZT_K8S_LIST_VAP_BINDINGS]) {
        emit_bool(ctx, "kubernetes.admission.vap_available", !absent[ZT_K8S_LIST_VAP_BINDINGS]);
        if (!absent[ZT_K8S_LIST_VAP_BINDINGS]) {
            zt_k8s_emit_count(ctx, "kubernetes.admission.vap_bindings_count", f->vap_bindings,
                              NULL);
            zt_k8s_emit_count(ctx, "kubernetes.admission.vap_deny_bindings_count", f->vap_deny,
                              NULL);
        }
    }
    if (done[ZT_K8S_LIST_KYVERNO]) {
        emit_bool(ctx, "kubernetes.kyverno.installed", !absent[ZT_K8S_LIST_KYVERNO]);
        if (!absent[ZT_K8S_LIST_KYVERNO]) {
            zt_k8s_emit_count(ctx, "kubernetes.kyverno.policies_count", f->ky_policies, NULL);
            zt_k8s_emit_count(ctx, "kubernetes.kyverno.enforce_count", f->ky_enforce, NULL);
            zt_k8s_emit_count(ctx, "kubernetes.kyverno.audit_count",
                              f->ky_validating - f->ky_enforce, NULL);
            zt_k8s_emit_count(ctx, "kubernetes.kyverno.verify_images_enforce_count",
                              f->ky_verify_images, NULL);
            zt_k8s_emit_count(ctx, "kubernetes.kyverno.generate_netpol_count",
                              f->ky_generate_netpol, NULL);
        }
    }
    bool gk_absent = absent[ZT_K8S_LIST_GK_TEMPLATES];
    if (done[ZT_K8S_LIST_GK_TEMPLATES]) {
        emit_bool(ctx, "kubernetes.gatekeeper.installed", !gk_absent);
        if (!gk_absent) {
            zt_k8s_emit_count(ctx, "kubernetes.gatekeeper.templates_count", f->gk_templates, NULL);
        }
        if (!gk_absent && f->gk_done) {
            zt_k8s_emit_count(ctx, "kubernetes.gatekeeper.constraints_count", f->gk_constraints,
                              NULL);
            zt_k8s_emit_count(ctx, "kubernetes.gatekeeper.deny_constraints_count", f->gk_deny,
                              NULL);
        }
    }
    if (!done[ZT_K8S_LIST_VAP_BINDINGS] || !done[ZT_K8S_LIST_KYVERNO] ||
        !done[ZT_K8S_LIST_GK_TEMPLATES] || !(gk_absent || f->gk_done)) {
        return; /* an engine not read: the total would undercount */
    }
    struct json_object *d = json_object_new_object();
    json_object_object_add(d, "vap_deny_bindings", json_object_new_int64((int64_t)f->vap_deny));
    json_object_object_add(d, "kyverno_enforce", json_object_new_int64((int64_t)f->ky_enforce));
    json_object_object_add(d, "gatekeeper_deny", json_object_new_int64((int64_t)f->gk_deny));
    zt_k8s_emit_count(ctx, "kubernetes.admission.enforcing_count",
                      f->vap_deny + f->ky_enforce + f->gk_deny, d);
}

static void emit_gitops(struct zt_ctx *ctx, const struct zt_k8s_facts *f)
{
    const bool *done = f->done, *absent = f->absent;

    if (done[ZT_K8S_LIST_ARGO_APPS]) {
        emit_bool(ctx, "kubernetes.gitops.argocd_installed", !absent[ZT_K8S_LIST_ARGO_APPS]);
        if (!absent[ZT_K8S_LIST_ARGO_APPS]) {
            zt_k8s_emit_count(ctx, "kubernetes.gitops.argocd_applications_count", f->argo_apps,
                              NULL);
            zt_k8s_emit_count(ctx, "kubernetes.gitops.argocd_automated_count", f->argo_automated,
                              NULL);
            zt_k8s_emit_count(ctx, "kubernetes.gitops.argocd_self_heal_count", f->argo_self_heal,
                              NULL);
        }
    }
    if (done[ZT_K8S_LIST_FLUX_KS]) {
        emit_bool(ctx, "kubernetes.gitops.flux_installed", !absent[ZT_K8S_LIST_FLUX_KS]);
        if (!absent[ZT_K8S_LIST_FLUX_KS]) {
            zt_k8s_emit_count(ctx, "kubernetes.gitops.flux_kustomizations_count", f->flux_ks, NULL);
            zt_k8s_emit_count(ctx, "kubernetes.gitops.flux_active_count", f->flux_active, NULL);
        }
    }
    if (done[ZT_K8S_LIST_NAMESPACES] && done[ZT_K8S_LIST_ARGO_APPS] && done[ZT_K8S_LIST_FLUX_KS]) {
        uint64_t scope, rec, healed;
        zt_k8s_ns_gitops_counts(f, &scope, &rec, &healed);
        zt_k8s_emit_part(ctx, "kubernetes.gitops.reconciled", rec, scope, NULL);
        zt_k8s_emit_part(ctx, "kubernetes.gitops.self_heal", healed, scope, NULL);
    }
}

void zt_k8s_emit_workloads(struct zt_ctx *ctx, const struct zt_k8s_facts *f)
{
    if (f->done[ZT_K8S_LIST_PODS]) {
        zt_k8s_emit_count(ctx, "kubernetes.pods.count", f->pods, NULL);
        zt_k8s_emit_part(ctx, "kubernetes.pods.restricted", f->pods_restricted, f->pods, NULL);
        zt_k8s_emit_part(ctx, "kubernetes.pods.limits", f->pods_limits, f->pods, NULL);
    }
    emit_admission(ctx, f);
    emit_gitops(ctx, f);
    zt_k8s_emit_images(ctx, f);
}
