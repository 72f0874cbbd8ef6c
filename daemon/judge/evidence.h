/* evidence.h - typed facts emitted by collectors, kept in a set that rules look up by key. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

/* One observation. A key may be observed several times (two hosts, two tenants): rules then
 * require every observation to satisfy them (the weakest instance decides). */
struct zt_evidence {
    char *key;                  /* owned, e.g. "host.sshd.password_authentication" */
    struct json_object *value;  /* owned: boolean, number, string or array of strings */
    char *collector;            /* owned: instance name that observed it */
    char *account;              /* owned, NULL for most: the account (an AWS account id) of an
                                 * instance that scans several, each judged on its own */
    char *instance;             /* owned: whom the judge holds to it: collector, or
                                 * "collector/account" */
    uint64_t observed_usec;     /* wall clock */
    struct json_object *detail; /* owned, may be NULL: supporting facts for humans */
};

struct zt_evidence_set {
    struct zt_evidence *v;
    size_t n, cap;
    bool sorted;
};

/* True if key is well formed: lowercase segments [a-z0-9_] separated by dots, at least two,
 * at most 128 characters. */
bool zt_evidence_key_valid(const char *key);
/* True if value has a type evidence may carry (boolean, int, double, string, array of those). */
bool zt_evidence_value_valid(struct json_object *value);

void zt_evidence_set_init(struct zt_evidence_set *set);
void zt_evidence_set_free(struct zt_evidence_set *set);
/* Add an observation. Steals value and detail (even on failure). Returns 0, or -EINVAL for a
 * malformed key or value type. */
int zt_evidence_add(struct zt_evidence_set *set, const char *key, struct json_object *value,
                    const char *collector, uint64_t observed_usec, struct json_object *detail);
/* The same, observed in account (NULL: none; see struct zt_evidence). */
int zt_evidence_add_account(struct zt_evidence_set *set, const char *key, struct json_object *value,
                            const char *collector, const char *account, uint64_t observed_usec,
                            struct json_object *detail);
/* Move every observation of src to the end of dst; src is left empty. */
void zt_evidence_move(struct zt_evidence_set *dst, struct zt_evidence_set *src);
/* Find the observations of key. Returns their count and points *first at the first of them
 * (they are contiguous). Sorts the set on first use after a change. */
size_t zt_evidence_lookup(struct zt_evidence_set *set, const char *key,
                          const struct zt_evidence **first);

/* Serialise as the result document's "evidence" array (new reference). */
struct json_object *zt_evidence_set_to_json(struct zt_evidence_set *set);
/* Load observations from a result document or a bare evidence array (ztmmctl evaluate).
 * Returns 0, or -EINVAL with a message naming the offending entry in err. */
int zt_evidence_set_from_json(struct zt_evidence_set *set, struct json_object *doc, char *err,
                              size_t errlen);
