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
    _ZT_K8S_LIST_MAX,
};
const char *zt_k8s_list_to_string(enum zt_k8s_list l);

struct zt_k8s_ns; /* one namespace seen in any list (kubernetes_facts.c) */

/* Facts folded item by item; items are never kept. Memory: one small record per namespace. */
struct zt_k8s_facts {
    const struct zt_strv *exclude; /* namespaces left out of the shares (borrowed) */
    struct zt_k8s_ns *ns;          /* open-addressing table */
    size_t ns_cap, ns_used;
    uint64_t policies;         /* NetworkPolicies listed */
    uint64_t policy_malformed; /* items without a namespace */
    uint64_t crb_total, crb_cluster_admin;
    uint64_t subjects[_ZT_K8S_SUBJECT_MAX]; /* subjects of cluster-admin bindings */
    struct json_object *admins;             /* non-system and broad subjects (bounded) */
    bool done[_ZT_K8S_LIST_MAX];            /* the list was read completely */
};

void zt_k8s_facts_init(struct zt_k8s_facts *f, const struct zt_strv *exclude);
void zt_k8s_facts_free(struct zt_k8s_facts *f);
/* Forget what list l contributed (before it is read again from the start). */
void zt_k8s_facts_reset(struct zt_k8s_facts *f, enum zt_k8s_list l);
/* Fold one item of a list into f. */
void zt_k8s_namespace_item(struct zt_k8s_facts *f, struct json_object *ns);
void zt_k8s_policy_item(struct zt_k8s_facts *f, struct json_object *policy);
void zt_k8s_binding_item(struct zt_k8s_facts *f, struct json_object *binding);
/* Emit the kubernetes.* keys of the lists marked done (shares only over a non-empty set of
 * namespaces; NetworkPolicy and Pod Security facts need the namespace list). */
int zt_k8s_emit(struct zt_ctx *ctx, const struct zt_k8s_facts *f);

extern const struct zt_collector zt_collector_kubernetes;
