/* kubernetes.h - internals of the `kubernetes` collector shared with its unit tests and fuzzers:
 * the connection (kubeconfig, explicit server, in-cluster service account), and the derivations
 * over namespaces, NetworkPolicies and ClusterRoleBindings. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector.h"

#define ZT_K8S_KUBECONFIG_MAX (64u * 1024u) /* kubeconfigs larger than this: --minify it */
#define ZT_K8S_DETAIL_MAX     50u           /* names listed in one evidence detail array */
#define ZT_K8S_URL_MAX        2048u

/* How to reach and authenticate to one API server. Every string is owned; token and key_pem are
 * secrets (wiped by zt_k8s_conn_clear()). Files are named by parsing and read by loading. */
struct zt_k8s_conn {
    char *server;               /* https://host[:port][/prefix], no trailing slash */
    char *ca_file;              /* PEM trust anchor path, or NULL */
    char *ca_pem;               /* PEM trust anchor text (certificate-authority-data), or NULL */
    char *token;                /* bearer token, or NULL */
    char *token_file;           /* file holding the token (read on load), or NULL */
    char *cert_file, *cert_pem; /* client certificate: path or PEM text */
    char *key_file, *key_pem;   /* its private key: path or PEM text */
    char *context;              /* kubeconfig context used (for messages), or NULL */
};

void zt_k8s_conn_clear(struct zt_k8s_conn *c);

/* Parse kubeconfig text (YAML) read from path, for context (NULL = current-context): the
 * context's cluster (server, certificate-authority or -data) and user (token, tokenFile,
 * client-certificate(-data) and client-key(-data)). Base64 data is decoded; relative file names
 * are resolved against path's directory but not read. Exec and auth-provider plugins, basic auth,
 * proxies and insecure-skip-tls-verify are refused. Returns 0 and fills *ret (cleared first), or
 * -errno with a message naming path in err. */
int zt_k8s_kubeconfig_parse(const char *text, size_t len, const char *path, const char *context,
                            struct zt_k8s_conn *ret, char *err, size_t errlen);
/* Read what c names on disk: token_file and key_file as secrets (zt_secret_read_file checks),
 * cert_file as a public file. Returns 0 or -errno with a message naming the file in err. */
int zt_k8s_conn_load(struct zt_k8s_conn *c, char *err, size_t errlen);

/* ---- derivations --------------------------------------------------------------------------- */

enum {
    ZT_K8S_DENY_INGRESS = 1u << 0, /* the policy alone denies all ingress of its namespace */
    ZT_K8S_DENY_EGRESS = 1u << 1,  /* ... all egress */
};
/* Which default denies one NetworkPolicy establishes for its namespace: its podSelector selects
 * every pod (empty), the direction is in its effective policyTypes (absent: Ingress, plus Egress
 * when it has egress rules), and it has no rule for that direction (`ingress: [{}]` allows all).
 * Returns a mask of ZT_K8S_DENY_*; 0 for anything malformed. */
unsigned zt_k8s_netpol_default_deny(struct json_object *policy);

/* The Pod Security admission level a namespace enforces (label
 * pod-security.kubernetes.io/enforce). */
enum zt_k8s_pss {
    ZT_K8S_PSS_UNSET, /* no label: the cluster's admission default (usually privileged) */
    ZT_K8S_PSS_PRIVILEGED,
    ZT_K8S_PSS_BASELINE,
    ZT_K8S_PSS_RESTRICTED,
    ZT_K8S_PSS_INVALID, /* any other value: counted as not enforcing */
    _ZT_K8S_PSS_MAX,
};
enum zt_k8s_pss zt_k8s_pss_from_string(const char *value);
const char *zt_k8s_pss_to_string(enum zt_k8s_pss p);

/* Who a cluster-admin ClusterRoleBinding subject is. */
enum zt_k8s_subject {
    ZT_K8S_SUBJECT_SYSTEM, /* group system:masters; users system:* other than system:anonymous
                            * and service accounts not in kube-system; service accounts
                            * in kube-system */
    ZT_K8S_SUBJECT_BROAD,  /* everyone of a kind: system:anonymous, system:authenticated,
                            * system:unauthenticated, system:serviceaccounts[:ns] */
    ZT_K8S_SUBJECT_OTHER,  /* a person, team or workload */
    _ZT_K8S_SUBJECT_MAX,
};
enum zt_k8s_subject zt_k8s_subject_classify(struct json_object *subject);

/* The lists the collector reads; each folds into its own fields of struct zt_k8s_facts, so one
 * list can restart (410 Gone) without touching what the others gathered. */
enum zt_k8s_list {
    ZT_K8S_LIST_NAMESPACES,
    ZT_K8S_LIST_POLICIES,
    ZT_K8S_LIST_BINDINGS,
    ZT_K8S_LIST_PODS,
    ZT_K8S_LIST_VAP_BINDINGS, /* ValidatingAdmissionPolicyBindings (GA in 1.30) */
    ZT_K8S_LIST_KYVERNO,      /* Kyverno ClusterPolicies (CRD) */
    ZT_K8S_LIST_GK_TEMPLATES, /* Gatekeeper ConstraintTemplates (CRD) */
    ZT_K8S_LIST_ARGO_APPS,    /* Argo CD Applications (CRD) */
    ZT_K8S_LIST_FLUX_KS,      /* Flux Kustomizations (CRD) */
    ZT_K8S_LIST_SIGSTORE,     /* sigstore policy-controller ClusterImagePolicies (CRD) */
    _ZT_K8S_LIST_MAX,
};
#define ZT_K8S_GK_KINDS_MAX 64u /* Gatekeeper constraint kinds listed */
const char *zt_k8s_list_to_string(enum zt_k8s_list l);
/* The API path of list l. */
const char *zt_k8s_list_path(enum zt_k8s_list l);

/* ---- admission, GitOps and pods (kubernetes_workloads.c): one object each ------------------ */

/* Whether a Kyverno ClusterPolicy blocks: some validate or verifyImages rule whose effective
 * failure action (its own failureAction, else spec.validationFailureAction, default Audit;
 * Kyverno accepts either case) is Enforce. */
enum {
    ZT_K8S_KY_VALIDATES = 1u << 0,       /* has a validate or verifyImages rule */
    ZT_K8S_KY_ENFORCE = 1u << 1,         /* one of them enforces */
    ZT_K8S_KY_VERIFY_IMAGES = 1u << 2,   /* a verifyImages rule enforces */
    ZT_K8S_KY_GENERATE_NETPOL = 1u << 3, /* a generate rule creates a NetworkPolicy */
};
unsigned zt_k8s_kyverno_policy(struct json_object *policy);
/* A ValidatingAdmissionPolicyBinding whose validationActions holds Deny. */
bool zt_k8s_vap_binding_denies(struct json_object *binding);
/* A Gatekeeper constraint denies: spec.enforcementAction absent (default deny) or "deny". */
bool zt_k8s_gk_constraint_denies(struct json_object *constraint);
/* The constraint kind a ConstraintTemplate creates (spec.crd.spec.names.kind), or NULL. */
const char *zt_k8s_gk_template_kind(struct json_object *tmpl);

/* An Argo CD Application: whether it targets this cluster's namespace (*ns, borrowed), syncs
 * automatically and heals drift. */
enum {
    ZT_K8S_ARGO_LOCAL = 1u << 0,     /* destination is in-cluster, with a namespace */
    ZT_K8S_ARGO_AUTOMATED = 1u << 1, /* spec.syncPolicy.automated set (and not enabled: false) */
    ZT_K8S_ARGO_SELF_HEAL = 1u << 2, /* ... with selfHeal: true */
};
unsigned zt_k8s_argo_app(struct json_object *app, const char **ns);

/* A pod's hardening, as the restricted Pod Security Standard and resource limits read it. */
enum {
    ZT_K8S_POD_RESTRICTED = 1u << 0, /* every container: runAsNonRoot, no privilege escalation,
                                      * capabilities drop ALL, seccomp RuntimeDefault/Localhost */
    ZT_K8S_POD_LIMITS = 1u << 1,     /* every container has cpu and memory limits */
};
unsigned zt_k8s_pod_hardening(struct json_object *pod);

struct zt_k8s_ns; /* one namespace seen in any list (kubernetes_facts.c) */

/* Facts folded item by item; items are never kept. Memory: one small record per namespace. */
struct zt_k8s_facts {
    const struct zt_strv *exclude; /* namespaces left out of the shares (borrowed) */
    struct zt_k8s_ns *ns;          /* open-addressing table */
    size_t ns_cap, ns_used;
    uint64_t policies;         /* NetworkPolicies listed */
    uint64_t policy_malformed; /* items without a namespace */
    uint64_t crb_total, crb_cluster_admin;
    uint64_t subjects[_ZT_K8S_SUBJECT_MAX];      /* subjects of cluster-admin bindings */
    struct json_object *admins;                  /* non-system and broad subjects (bounded) */
    uint64_t pods, pods_restricted, pods_limits; /* running pods outside excluded namespaces */
    uint64_t vap_bindings, vap_deny;
    uint64_t ky_policies, ky_validating, ky_enforce, ky_verify_images, ky_generate_netpol;
    uint64_t sig_policies, sig_enforce; /* sigstore ClusterImagePolicies, enforcing ones */
    uint64_t gk_templates, gk_constraints, gk_deny;
    char *gk_kinds[ZT_K8S_GK_KINDS_MAX]; /* constraint kinds of the templates */
    size_t gk_nkinds;
    bool gk_done; /* every constraint kind was listed */
    uint64_t argo_apps, argo_automated, argo_self_heal, flux_ks, flux_active;
    bool done[_ZT_K8S_LIST_MAX];   /* the list was read completely */
    bool absent[_ZT_K8S_LIST_MAX]; /* its API group answered 404: not installed */
};

void zt_k8s_facts_init(struct zt_k8s_facts *f, const struct zt_strv *exclude);
void zt_k8s_facts_free(struct zt_k8s_facts *f);
/* Forget what list l contributed (before it is read again from the start). */
void zt_k8s_facts_reset(struct zt_k8s_facts *f, enum zt_k8s_list l);
/* Fold one item of a list into f. */
void zt_k8s_namespace_item(struct zt_k8s_facts *f, struct json_object *ns);
void zt_k8s_policy_item(struct zt_k8s_facts *f, struct json_object *policy);
void zt_k8s_binding_item(struct zt_k8s_facts *f, struct json_object *binding);
void zt_k8s_pod_item(struct zt_k8s_facts *f, struct json_object *pod);
void zt_k8s_vap_binding_item(struct zt_k8s_facts *f, struct json_object *binding);
void zt_k8s_kyverno_item(struct zt_k8s_facts *f, struct json_object *policy);
void zt_k8s_gk_template_item(struct zt_k8s_facts *f, struct json_object *tmpl);
void zt_k8s_gk_constraint_item(struct zt_k8s_facts *f, struct json_object *constraint);
void zt_k8s_argo_item(struct zt_k8s_facts *f, struct json_object *app);
void zt_k8s_flux_item(struct zt_k8s_facts *f, struct json_object *ks);
/* Fold an item of list l (the dispatcher of the collector). */
void zt_k8s_item(struct zt_k8s_facts *f, enum zt_k8s_list l, struct json_object *item);
/* A sigstore policy-controller ClusterImagePolicy rejects what fails it: spec.mode absent or
 * "enforce" (not "warn"), with an authority that checks a signature or attestation (key or
 * keyless; a static authority checks nothing). The controller only admits through namespaces
 * labelled policy.sigstore.dev/include=true. */
bool zt_k8s_sigstore_policy_enforces(struct json_object *cip);
void zt_k8s_sigstore_item(struct zt_k8s_facts *f, struct json_object *cip);
/* In-scope namespaces (*scope) and those opted in to the sigstore policy-controller. */
uint64_t zt_k8s_ns_sigstore_count(const struct zt_k8s_facts *f, uint64_t *scope);
/* Emit the kubernetes.sigstore.* keys (kubernetes_images.c). */
void zt_k8s_emit_images(struct zt_ctx *ctx, const struct zt_k8s_facts *f);
/* Emit the admission, GitOps and pod keys (called by zt_k8s_emit). */
void zt_k8s_emit_workloads(struct zt_ctx *ctx, const struct zt_k8s_facts *f);
/* Namespace records (kubernetes_facts.c), for the GitOps marks. */
enum {
    ZT_K8S_NS_ARGO = 1u << 0,      /* an in-cluster Argo CD Application deploys here */
    ZT_K8S_NS_ARGO_HEAL = 1u << 1, /* ... one that syncs automatically with selfHeal */
    ZT_K8S_NS_FLUX = 1u << 2,      /* a Flux Kustomization (not suspended) targets it */
};
void zt_k8s_ns_mark(struct zt_k8s_facts *f, const char *ns, unsigned gitops);
/* In-scope namespaces (listed, not excluded, not terminating): all, with any GitOps mark, with a
 * self-healing mark (Argo selfHeal, or Flux, which always reverts drift). */
void zt_k8s_ns_gitops_counts(const struct zt_k8s_facts *f, uint64_t *scope, uint64_t *reconciled,
                             uint64_t *healed);
/* key = v; key_count = part and key_share = part / whole when whole > 0 (detail on the share,
 * dropped without it). */
int zt_k8s_emit_count(struct zt_ctx *ctx, const char *key, uint64_t v, struct json_object *detail);
void zt_k8s_emit_part(struct zt_ctx *ctx, const char *prefix, uint64_t part, uint64_t whole,
                      struct json_object *detail);
bool zt_k8s_ns_excluded(const struct zt_k8s_facts *f, const char *ns);
/* Emit the kubernetes.* keys of the lists marked done (shares only over a non-empty set of
 * namespaces; NetworkPolicy and Pod Security facts need the namespace list). */
int zt_k8s_emit(struct zt_ctx *ctx, const struct zt_k8s_facts *f);

extern const struct zt_collector zt_collector_kubernetes;
