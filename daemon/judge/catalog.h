/* catalog.h - the rule catalog: ZTMM pillars, functions and the rules that judge evidence. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "evidence.h"
#include "options.h"

#define ZT_CATALOG_SCHEMA "ztmmd.rules/1"

enum zt_stage {
    ZT_STAGE_TRADITIONAL,
    ZT_STAGE_INITIAL,
    ZT_STAGE_ADVANCED,
    ZT_STAGE_OPTIMAL,
    ZT_STAGE_UNKNOWN,
    _ZT_STAGE_MAX,
};

enum zt_outcome {
    ZT_OUTCOME_PASS,
    ZT_OUTCOME_FAIL,
    ZT_OUTCOME_UNKNOWN,
    ZT_OUTCOME_NOT_APPLICABLE,
    _ZT_OUTCOME_MAX,
};

const char *zt_stage_to_string(enum zt_stage s);
/* Returns the stage or -EINVAL. */
int zt_stage_from_string(const char *s);
const char *zt_outcome_to_string(enum zt_outcome o);

struct zt_pillar {
    const char *id, *name; /* borrowed from the catalog's JSON document */
};

struct zt_function {
    const char *id, *name;
    size_t pillar; /* index into catalog->pillars */
};

/* How a rule's statement quantifies over the sources and instances that took part: a universal
 * statement ("every user", "by default", "in every account") must hold for each of them, an
 * existential one ("some devices", "at least one EDR") for one of them. */
enum zt_quantifier {
    ZT_QUANTIFIER_ALL,
    ZT_QUANTIFIER_ANY,
    _ZT_QUANTIFIER_MAX,
};

const char *zt_quantifier_to_string(enum zt_quantifier q);

struct zt_rule {
    const char *id, *title, *remediation;
    size_t function;                /* index into catalog->functions */
    enum zt_stage stage;            /* initial, advanced or optimal */
    struct json_object *check;      /* borrowed: validated predicate */
    struct json_object *applies_if; /* borrowed, may be NULL */
    struct json_object *keys;       /* owned: array of the evidence keys the rule reads */
    struct json_object *sources;    /* owned: array of the sources (collector types, i.e. key
                                     * prefixes) the rule judges; "sources" in the catalog, or
                                     * derived from keys */
    bool sources_declared;          /* "sources" was given: they are not key prefixes */
    enum zt_quantifier quantifier;  /* "quantifier" in the catalog; "all" when omitted */
};

/* A function stage no machine evidence can show honestly: declared in the catalog's
 * "attestation_only" with the statement a person attests in [attest] (docs/rules.md). */
struct zt_attest_cell {
    size_t function; /* index into catalog->functions */
    enum zt_stage stage;
    const char *statement; /* borrowed from the catalog's JSON document */
};

struct zt_catalog {
    char *path;
    struct json_object *doc; /* owns every string above */
    const char *model_name, *model_version;
    struct zt_pillar *pillars;
    size_t n_pillars;
    struct zt_function *functions;
    size_t n_functions;
    struct zt_rule *rules;
    size_t n_rules;
    struct zt_attest_cell *attest_only;
    size_t n_attest_only;
};

/* Load and validate a catalog file. Returns 0, or a negative errno with a message naming the
 * file and the offending rule or function in err. */
int zt_catalog_load(const char *path, struct zt_catalog **ret, char *err, size_t errlen);
/* Same from a parsed document (stolen, even on failure); path only names it in messages. */
int zt_catalog_from_json(struct json_object *doc, const char *path, struct zt_catalog **ret,
                         char *err, size_t errlen);
void zt_catalog_free(struct zt_catalog *cat);
void zt_catalog_freep(struct zt_catalog **cat);

/* Index of a function or pillar id, or -1 (also for a NULL id: ids read from documents). */
int zt_catalog_function_index(const struct zt_catalog *cat, const char *id);
int zt_catalog_pillar_index(const struct zt_catalog *cat, const char *id);
/* The statement to attest for stage of function (an index), or NULL when a machine judges it. */
const char *zt_catalog_attest_only(const struct zt_catalog *cat, size_t function,
                                   enum zt_stage stage);

/* Check a predicate's syntax (the catalog loader uses it; exposed for tests and fuzzing).
 * Returns 0 or -EINVAL with a message in err. */
int zt_predicate_validate(struct json_object *pred, char *err, size_t errlen);
/* The single source (first key segment) every key of a validated predicate shares: returns it
 * (borrowed, not NUL-terminated) with its length in *len, or NULL when it reads several. */
const char *zt_predicate_source(struct json_object *pred, size_t *len);
/* Evaluate a validated predicate over evidence (three-valued, see docs/rules.md). */
enum zt_outcome zt_predicate_eval(struct json_object *pred, struct zt_evidence_set *ev);

/* The collector instances that took part in a scan, each with the source it speaks for (its
 * type, and the first segment of every key it emitted). */
struct zt_participant {
    char *source, *instance; /* owned */
};
struct zt_participants {
    struct zt_participant *v;
    size_t n, cap;
};
/* Record that instance took part for source (len bytes of it); duplicates are ignored. */
void zt_participants_add(struct zt_participants *p, const char *source, size_t len,
                         const char *instance);
void zt_participants_clear(struct zt_participants *p);
/* True when some instance took part for the source named by len bytes of source. */
bool zt_participants_has(const struct zt_participants *p, const char *source, size_t len);

/* The instances that decided a rule's outcome: those whose part failed, and those whose part
 * could not be judged. Filled by zt_rule_eval(); names are unique, in evaluation order. */
struct zt_blame {
    struct zt_strv failed, unknown;
};
void zt_blame_clear(struct zt_blame *b);

/* Evaluate one rule. who lists the instances that took part (NULL: every source did, and
 * instances are not told apart). A rule none of whose sources took part is not_applicable.
 * Otherwise every part that reads one source is judged once per instance of that source, with
 * that instance's observations only (one that took part and emitted nothing is unknown), and
 * the instances' outcomes are combined by the rule's quantifier. blame (may be NULL) receives
 * the instances whose part failed or was unknown. */
enum zt_outcome zt_rule_eval(const struct zt_rule *rule, struct zt_evidence_set *ev,
                             const struct zt_participants *who, struct zt_blame *blame);
