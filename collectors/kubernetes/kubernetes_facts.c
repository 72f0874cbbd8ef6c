/* kubernetes_facts.c - folding the collector's lists item by item into per-namespace records
 * (one small record each, whatever the number of policies) and counters, and the evidence
 * derived from them. */
#include "kubernetes.h"

#include <stdlib.h>
#include <string.h>

#define PSS_ENFORCE_LABEL "pod-security.kubernetes.io/enforce"
#define CNI_CAVEAT                                                                                 \
    "NetworkPolicies are enforced by the cluster's network plugin; the API does not show "         \
    "whether it does"

struct zt_k8s_ns {
    char *name;
    bool listed;      /* in the namespace list */
    bool terminating; /* status.phase Terminating */
    uint8_t pss;      /* enum zt_k8s_pss */
    uint8_t deny;     /* ZT_K8S_DENY_* from its policies, OR-ed */
    uint8_t gitops;   /* ZT_K8S_NS_* marks */
    bool sigstore;    /* labelled policy.sigstore.dev/include=true */
};

void zt_k8s_facts_init(struct zt_k8s_facts *f, const struct zt_strv *exclude)
{
    *f = (struct zt_k8s_facts){.exclude = exclude, .admins = json_object_new_array()};
}

void zt_k8s_facts_free(struct zt_k8s_facts *f)
{
    for (size_t i = 0; i < f->ns_cap; i++) {
        free(f->ns[i].name);
    }
    free(f->ns);
    json_object_put(f->admins);
    for (size_t i = 0; i < f->gk_nkinds; i++) {
        free(f->gk_kinds[i]);
    }
    *f = (struct zt_k8s_facts){0};
}

static uint64_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) {
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    }
    return h;
}

static struct zt_k8s_ns *slot_of(struct zt_k8s_ns *tab, size_t cap, const char *name)
{
    size_t i = (size_t)(hash_name(name) & (cap - 1));
    while (tab[i].name && !zt_streq(tab[i].name, name)) {
        i = (i + 1) & (cap - 1);
    }
    return &tab[i];
}

static void grow(struct zt_k8s_facts *f)
{
    size_t cap = f->ns_cap ? f->ns_cap * 2 : 64;
    struct zt_k8s_ns *tab = zt_xcalloc(cap, sizeof(*tab));

    for (size_t i = 0; i < f->ns_cap; i++) {
        if (f->ns[i].name) {
            *slot_of(tab, cap, f->ns[i].name) = f->ns[i];
        }
    }
    free(f->ns);
    f->ns = tab;
    f->ns_cap = cap;
}

/* The record of namespace name, created when new. */
static struct zt_k8s_ns *ns_get(struct zt_k8s_facts *f, const char *name)
{
    if ((f->ns_used + 1) * 10 > f->ns_cap * 7) {
        grow(f);
    }
    struct zt_k8s_ns *n = slot_of(f->ns, f->ns_cap, name);
    if (!n->name) {
        n->name = zt_xstrdup(name);
        f->ns_used++;
    }
    return n;
}

void zt_k8s_ns_mark(struct zt_k8s_facts *f, const char *ns, unsigned gitops)
{
    if (ns && ns[0]) {
        ns_get(f, ns)->gitops |= (uint8_t)gitops;
    }
}

/* The counters a list folds into, forgotten when it restarts. */
static void reset_counters(struct zt_k8s_facts *f, enum zt_k8s_list l)
{
    switch (l) {
    case ZT_K8S_LIST_PODS:
        f->pods = f->pods_restricted = f->pods_limits = 0;
        break;
    case ZT_K8S_LIST_VAP_BINDINGS:
        f->vap_bindings = f->vap_deny = 0;
        break;
    case ZT_K8S_LIST_KYVERNO:
        f->ky_policies = f->ky_validating = f->ky_enforce = f->ky_verify_images = 0;
        f->ky_generate_netpol = 0;
        break;
    case ZT_K8S_LIST_GK_TEMPLATES:
        f->gk_templates = 0;
        for (size_t i = 0; i < f->gk_nkinds; i++) {
            free(f->gk_kinds[i]);
        }
        f->gk_nkinds = 0;
        break;
    case ZT_K8S_LIST_ARGO_APPS:
        f->argo_apps = f->argo_automated = f->argo_self_heal = 0;
        break;
    case ZT_K8S_LIST_FLUX_KS:
        f->flux_ks = f->flux_active = 0;
        break;
    case ZT_K8S_LIST_SIGSTORE:
        f->sig_policies = f->sig_enforce = 0;
        break;
    default:
        break;
    }
    f->absent[l] = false;
}

void zt_k8s_facts_reset(struct zt_k8s_facts *f, enum zt_k8s_list l)
{
    for (size_t i = 0; i < f->ns_cap; i++) {
        struct zt_k8s_ns *n = &f->ns[i];
        if (l == ZT_K8S_LIST_NAMESPACES) {
            n->listed = n->terminating = n->sigstore = false;
            n->pss = ZT_K8S_PSS_UNSET;
        } else if (l == ZT_K8S_LIST_POLICIES) {
            n->deny = 0;
        } else if (l == ZT_K8S_LIST_ARGO_APPS) {
            n->gitops &= (uint8_t) ~(ZT_K8S_NS_ARGO | ZT_K8S_NS_ARGO_HEAL);
        } else if (l == ZT_K8S_LIST_FLUX_KS) {
            n->gitops &= (uint8_t)~ZT_K8S_NS_FLUX;
        }
    }
    reset_counters(f, l);
    if (l == ZT_K8S_LIST_POLICIES) {
        f->policies = f->policy_malformed = 0;
    } else if (l == ZT_K8S_LIST_BINDINGS) {
        f->crb_total = f->crb_cluster_admin = 0;
        memset(f->subjects, 0, sizeof(f->subjects));
        json_object_put(f->admins);
        f->admins = json_object_new_array();
    }
    f->done[l] = false;
}

static struct json_object *metadata_of(struct json_object *item)
{
    struct json_object *m = NULL;
    return json_object_object_get_ex(item, "metadata", &m) &&
                   json_object_is_type(m, json_type_object)
               ? m
               : NULL;
}

void zt_k8s_namespace_item(struct zt_k8s_facts *f, struct json_object *item)
{
    struct json_object *meta = metadata_of(item), *labels = NULL, *status = NULL;
    const char *name = zt_json_str(meta, "name");

    if (!name || !name[0]) {
        return;
    }
    struct zt_k8s_ns *n = ns_get(f, name);
    n->listed = true;
    if (json_object_object_get_ex(meta, "labels", &labels)) {
        n->pss = (uint8_t)zt_k8s_pss_from_string(zt_json_str(labels, PSS_ENFORCE_LABEL));
        n->sigstore = zt_streq(zt_json_str(labels, "policy.sigstore.dev/include"), "true");
    }
    if (json_object_object_get_ex(item, "status", &status)) {
        n->terminating = zt_streq(zt_json_str(status, "phase"), "Terminating");
    }
}

void zt_k8s_policy_item(struct zt_k8s_facts *f, struct json_object *item)
{
    const char *ns = zt_json_str(metadata_of(item), "namespace");

    f->policies++;
    if (!ns || !ns[0]) {
        f->policy_malformed++;
        return;
    }
    ns_get(f, ns)->deny |= (uint8_t)zt_k8s_netpol_default_deny(item);
}

static const char *const subject_class[_ZT_K8S_SUBJECT_MAX] = {
    [ZT_K8S_SUBJECT_SYSTEM] = "system",
    [ZT_K8S_SUBJECT_BROAD] = "broad",
    [ZT_K8S_SUBJECT_OTHER] = "other",
};

void zt_k8s_binding_item(struct zt_k8s_facts *f, struct json_object *item)
{
    struct json_object *ref = NULL, *subjects = NULL;

    f->crb_total++;
    if (!json_object_object_get_ex(item, "roleRef", &ref) ||
        !zt_streq(zt_json_str(ref, "kind"), "ClusterRole") ||
        !zt_streq(zt_json_str(ref, "name"), "cluster-admin")) {
        return;
    }
    f->crb_cluster_admin++;
    subjects = zt_json_array(item, "subjects");
    for (size_t i = 0; subjects && i < json_object_array_length(subjects); i++) {
        struct json_object *s = json_object_array_get_idx(subjects, i);
        enum zt_k8s_subject c = zt_k8s_subject_classify(s);
        f->subjects[c]++;
        if (c == ZT_K8S_SUBJECT_SYSTEM ||
            json_object_array_length(f->admins) >= ZT_K8S_DETAIL_MAX) {
            continue;
        }
        struct json_object *d = json_object_new_object();
        const char *binding = zt_json_str(metadata_of(item), "name");
        const char *kind = zt_json_str(s, "kind"), *name = zt_json_str(s, "name");
        const char *ns = zt_json_str(s, "namespace");
        json_object_object_add(d, "binding", json_object_new_string(binding ? binding : ""));
        json_object_object_add(d, "kind", json_object_new_string(kind ? kind : ""));
        json_object_object_add(d, "name", json_object_new_string(name ? name : ""));
        if (ns) {
            json_object_object_add(d, "namespace", json_object_new_string(ns));
        }
        json_object_object_add(d, "class", json_object_new_string(subject_class[c]));
        json_object_array_add(f->admins, d);
    }
}

/* ---- evidence ------------------------------------------------------------------------------ */

static bool in_scope(const struct zt_k8s_facts *f, const struct zt_k8s_ns *n)
{
    return n->name && n->listed && !n->terminating && !zt_strv_contains(f->exclude, n->name);
}

bool zt_k8s_ns_excluded(const struct zt_k8s_facts *f, const char *ns)
{
    return zt_strv_contains(f->exclude, ns);
}

void zt_k8s_ns_gitops_counts(const struct zt_k8s_facts *f, uint64_t *scope, uint64_t *reconciled,
                             uint64_t *healed)
{
    *scope = *reconciled = *healed = 0;
    for (size_t i = 0; i < f->ns_cap; i++) {
        const struct zt_k8s_ns *n = &f->ns[i];
        if (!in_scope(f, n)) {
            continue;
        }
        (*scope)++;
        *reconciled += n->gitops != 0;
        *healed += (n->gitops & (ZT_K8S_NS_ARGO_HEAL | ZT_K8S_NS_FLUX)) != 0;
    }
}

uint64_t zt_k8s_ns_sigstore_count(const struct zt_k8s_facts *f, uint64_t *scope)
{
    uint64_t n = 0;

    *scope = 0;
    for (size_t i = 0; i < f->ns_cap; i++) {
        if (in_scope(f, &f->ns[i])) {
            (*scope)++;
            n += f->ns[i].sigstore;
        }
    }
    return n;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

typedef bool (*ns_pred)(const struct zt_k8s_ns *n);

/* Sorted names (at most ZT_K8S_DETAIL_MAX) of in-scope namespaces matching pred. */
static struct json_object *names_where(const struct zt_k8s_facts *f, ns_pred pred)
{
    const char **v = zt_xcalloc(f->ns_used + 1, sizeof(*v));
    size_t n = 0;
    struct json_object *arr = json_object_new_array();

    for (size_t i = 0; i < f->ns_cap; i++) {
        if (in_scope(f, &f->ns[i]) && pred(&f->ns[i])) {
            v[n++] = f->ns[i].name;
        }
    }
    qsort(v, n, sizeof(*v), cmp_names);
    for (size_t i = 0; i < n && i < ZT_K8S_DETAIL_MAX; i++) {
        json_object_array_add(arr, json_object_new_string(v[i]));
    }
    free(v);
    return arr;
}

static bool lacks_deny(const struct zt_k8s_ns *n)
{
    return n->deny != (ZT_K8S_DENY_INGRESS | ZT_K8S_DENY_EGRESS);
}

static bool below_baseline(const struct zt_k8s_ns *n)
{
    return n->pss != ZT_K8S_PSS_BASELINE && n->pss != ZT_K8S_PSS_RESTRICTED;
}

int zt_k8s_emit_count(struct zt_ctx *ctx, const char *key, uint64_t v, struct json_object *detail)
{
    return zt_emit(ctx, key, json_object_new_int64((int64_t)(v > INT64_MAX ? INT64_MAX : v)),
                   detail);
}

/* key_count = part; key_share = part / whole when whole > 0. */
void zt_k8s_emit_part(struct zt_ctx *ctx, const char *prefix, uint64_t part, uint64_t whole,
                      struct json_object *detail)
{
    char key[128];

    snprintf(key, sizeof(key), "%s_count", prefix);
    zt_k8s_emit_count(ctx, key, part, NULL);
    if (whole > 0) {
        snprintf(key, sizeof(key), "%s_share", prefix);
        zt_emit(ctx, key, json_object_new_double((double)part / (double)whole), detail);
    } else {
        json_object_put(detail);
    }
}

static void emit_bindings(struct zt_ctx *ctx, const struct zt_k8s_facts *f)
{
    struct json_object *d = json_object_new_object();
    json_object_object_add(d, "bindings_listed", json_object_new_int64((int64_t)f->crb_total));
    json_object_object_add(d, "system_subjects",
                           json_object_new_int64((int64_t)f->subjects[ZT_K8S_SUBJECT_SYSTEM]));
    zt_k8s_emit_count(ctx, "kubernetes.rbac.cluster_admin_bindings", f->crb_cluster_admin, d);
    d = json_object_new_object();
    json_object_object_add(d, "subjects", json_object_get(f->admins));
    zt_k8s_emit_count(ctx, "kubernetes.rbac.cluster_admin_non_system_subjects",
                      f->subjects[ZT_K8S_SUBJECT_OTHER] + f->subjects[ZT_K8S_SUBJECT_BROAD], d);
    zt_k8s_emit_count(ctx, "kubernetes.rbac.cluster_admin_broad_subjects",
                      f->subjects[ZT_K8S_SUBJECT_BROAD], NULL);
}

struct ns_counts {
    uint64_t listed, excluded, terminating, scope;
    uint64_t pss[_ZT_K8S_PSS_MAX];
    uint64_t ingress, egress, both;
};

static void count_namespaces(const struct zt_k8s_facts *f, struct ns_counts *c)
{
    for (size_t i = 0; i < f->ns_cap; i++) {
        const struct zt_k8s_ns *n = &f->ns[i];
        if (!n->name || !n->listed) {
            continue;
        }
        c->listed++;
        if (!in_scope(f, n)) {
            c->excluded += zt_strv_contains(f->exclude, n->name);
            c->terminating += n->terminating && !zt_strv_contains(f->exclude, n->name);
            continue;
        }
        c->scope++;
        c->pss[n->pss]++;
        c->ingress += !!(n->deny & ZT_K8S_DENY_INGRESS);
        c->egress += !!(n->deny & ZT_K8S_DENY_EGRESS);
        c->both += !lacks_deny(n);
    }
}

static void emit_namespaces(struct zt_ctx *ctx, const struct zt_k8s_facts *f,
                            const struct ns_counts *c)
{
    struct json_object *d = json_object_new_object(), *levels = json_object_new_object();

    json_object_object_add(d, "listed", json_object_new_int64((int64_t)c->listed));
    json_object_object_add(d, "excluded", json_object_new_int64((int64_t)c->excluded));
    json_object_object_add(d, "terminating", json_object_new_int64((int64_t)c->terminating));
    zt_k8s_emit_count(ctx, "kubernetes.namespaces.count", c->scope, d);

    for (int p = 0; p < _ZT_K8S_PSS_MAX; p++) {
        json_object_object_add(levels, zt_k8s_pss_to_string(p),
                               json_object_new_int64((int64_t)c->pss[p]));
    }
    d = json_object_new_object();
    json_object_object_add(d, "levels", levels);
    json_object_object_add(d, "below_baseline", names_where(f, below_baseline));
    zt_k8s_emit_part(ctx, "kubernetes.pss.enforce_baseline",
                     c->pss[ZT_K8S_PSS_BASELINE] + c->pss[ZT_K8S_PSS_RESTRICTED], c->scope, d);
    zt_k8s_emit_part(ctx, "kubernetes.pss.enforce_restricted", c->pss[ZT_K8S_PSS_RESTRICTED],
                     c->scope, NULL);
}

static void emit_policies(struct zt_ctx *ctx, const struct zt_k8s_facts *f,
                          const struct ns_counts *c)
{
    struct json_object *d = json_object_new_object();

    json_object_object_add(d, "without_default_deny", names_where(f, lacks_deny));
    json_object_object_add(d, "caveat", json_object_new_string(CNI_CAVEAT));
    zt_k8s_emit_part(ctx, "kubernetes.netpol.default_deny_ingress", c->ingress, c->scope, NULL);
    zt_k8s_emit_part(ctx, "kubernetes.netpol.default_deny_egress", c->egress, c->scope, NULL);
    zt_k8s_emit_part(ctx, "kubernetes.netpol.default_deny", c->both, c->scope, d);
}

int zt_k8s_emit(struct zt_ctx *ctx, const struct zt_k8s_facts *f)
{
    struct ns_counts c = {0};

    if (f->done[ZT_K8S_LIST_BINDINGS]) {
        emit_bindings(ctx, f);
    }
    if (f->done[ZT_K8S_LIST_POLICIES]) {
        zt_k8s_emit_count(ctx, "kubernetes.netpol.policy_count", f->policies, NULL);
    }
    if (!f->done[ZT_K8S_LIST_NAMESPACES]) {
        return 0;
    }
    count_namespaces(f, &c);
    emit_namespaces(ctx, f, &c);
    if (f->done[ZT_K8S_LIST_POLICIES]) {
        emit_policies(ctx, f, &c);
    }
    return 0;
}
