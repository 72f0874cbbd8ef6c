/* model.h - the judge's one typed view of a result document (ztmmd.result/1) and of its
 * difference to the previous one. Built once per scan and handed to drift, export events, the
 * history, the metrics and the report, which never reach into JSON by position or key. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog.h"

struct json_object;

struct zt_model_function {
    const char *id, *pillar, *name;
    enum zt_stage stage;
    bool at_least; /* bound "at_least": the next stage could not be judged */
    double coverage;
    bool attested;
    enum zt_stage attested_stage; /* the [attest] claim when attested */
    enum zt_stage with_attested;  /* with_attested.stage; stage when absent */
    /* Borrowed "attestation_only" array ({stage, statement, attested}), or NULL. */
    struct json_object *attestation_only;
};

/* What a pillar's or the overall stage rolls up: functions assessed of all, and the stage when
 * attested stages fill functions nothing observed ("with_attested"). */
struct zt_model_rollup {
    size_t functions_assessed, functions;
    enum zt_stage attested_stage; /* with_attested.stage; unknown when absent */
    size_t attested_functions;
};

struct zt_model_pillar {
    const char *id, *name;
    enum zt_stage stage;
    double coverage;
    struct zt_model_rollup rollup;
};

/* One observation; value and detail are borrowed from the document (detail may be NULL). */
struct zt_model_evidence {
    const char *key, *collector, *observed_at;
    const char *account; /* NULL unless the instance scanned several accounts */
    struct json_object *value, *detail;
    size_t index; /* position in the document's evidence array */
};

struct zt_model_finding {
    const char *rule, *function, *title, *remediation;
    enum zt_stage stage; /* of the rule */
    enum zt_outcome status;
    const char *const *evidence; /* keys the rule read, n_evidence of them */
    size_t n_evidence;
    const char *const *failed_by; /* instances whose part failed, n_failed_by of them */
    size_t n_failed_by;
    const char *const *unknown_in; /* instances that could not tell, n_unknown_in of them */
    size_t n_unknown_in;
};

struct zt_model_collector {
    const char *name, *type, *status, *error; /* error may be NULL */
    int64_t duration_ms, requests, evidence;
};

enum zt_change_scope {
    ZT_CHANGE_FUNCTION,
    ZT_CHANGE_PILLAR,
    ZT_CHANGE_OVERALL,
    ZT_CHANGE_FINDING,
    _ZT_CHANGE_SCOPE_MAX,
};
const char *zt_change_scope_to_string(enum zt_change_scope s);

enum zt_direction {
    ZT_DIRECTION_REGRESSED = -1,
    ZT_DIRECTION_CHANGED = 0, /* to or from unknown, or between two non-passing outcomes */
    ZT_DIRECTION_IMPROVED = 1,
};
const char *zt_direction_to_string(enum zt_direction d);

#define ZT_CHANGE_ID_LEN 32 /* hex digits */

/* One change between two scans: a stage (function, pillar, overall) or a finding's status.
 * Strings are borrowed from the model of the later scan (from and to are static names). */
struct zt_change {
    char id[ZT_CHANGE_ID_LEN + 1]; /* zt_change_id(): the same in the result, journal and events */
    enum zt_change_scope scope;
    const char *subject;   /* function, pillar or rule id; "overall" */
    const char *function;  /* function of a finding (or the function itself), else NULL */
    const char *from, *to; /* stage or outcome names */
    enum zt_direction direction;
};

/* All strings are borrowed from the document, which the model holds a reference to. */
struct zt_model {
    struct json_object *doc;
    const char *scan_id, *host, *started_at, *finished_at;
    const char *catalog, *model_name, *model_version; /* may be NULL */
    uint64_t started_usec, finished_usec;             /* started_usec 0: missing or not RFC 3339 */
    enum zt_stage overall;
    double overall_coverage;
    struct zt_model_rollup overall_rollup;
    struct zt_model_function *functions;
    size_t n_functions;
    struct zt_model_pillar *pillars;
    size_t n_pillars;
    struct zt_model_finding *findings;
    size_t n_findings;
    struct zt_model_collector *collectors;
    size_t n_collectors;
    struct zt_model_evidence *evidence; /* sorted by key, document order among equal keys */
    size_t n_evidence;
    size_t findings_by_status[_ZT_OUTCOME_MAX];
    /* What changed since the previous scan (zt_drift_compare(); none for the first). */
    char *previous_scan_id; /* owned; NULL when not compared with a previous scan */
    struct zt_change *changes;
    size_t n_changes;
};

#define ZT_RESULT_FILE_MAX (64u * 1024u * 1024u) /* a result document read back from a file */

/* Parse text[0..len) as a result document (JSON nested at most 64 deep, with the result schema).
 * Returns the document (new reference), or NULL when it is not one. */
struct json_object *zt_model_parse_doc(const char *text, size_t len);

/* Read doc (a result document, possibly read back from disk) into a model. Text of doc that is
 * not valid UTF-8 is repaired in place first (invalid bytes become U+FFFD). Entries of the
 * arrays that lack an id, repeat an earlier entry's id or have a value out of range are skipped; a
 * document without a scan_id, finished_at time or overall stage is refused with -EBADMSG and a
 * reason in err. */
int zt_model_from_result(struct json_object *doc, struct zt_model **ret, char *err, size_t errlen);
void zt_model_free(struct zt_model *m);
void zt_model_freep(struct zt_model **m);

/* The value (borrowed) of evidence key in the model's document, or NULL. */
struct json_object *zt_model_evidence_value(const struct zt_model *m, const char *key);
/* The observations of key (one per collector instance that made it): their count, and the first
 * of them through *first (consecutive in m->evidence; NULL when there are none). */
size_t zt_model_evidence_find(const struct zt_model *m, const char *key,
                              const struct zt_model_evidence **first);
/* The function of id in the model, or NULL. */
const struct zt_model_function *zt_model_function(const struct zt_model *m, const char *id);
