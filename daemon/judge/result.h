/* result.h - the result document (ztmmd.result/1) and its terminal table. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "catalog.h"
#include "config.h"
#include "estimate.h"
#include "record.h"

#define ZT_RESULT_SCHEMA "ztmmd.result/1"

/* Evaluate every rule of cat over scan's evidence, estimate stages, and build the result
 * document (new reference). attest may be NULL. See docs/result-schema.md. */
struct json_object *zt_result_build(struct zt_scan *scan, const struct zt_catalog *cat,
                                    const struct zt_attestation *attest, size_t n_attest);

/* Attestations from the config's [attest] section, checked against the catalog. Returns the
 * count (array handed out through *ret, borrowed strings from cfg) or -EINVAL with
 * "FILE:LINE: ..." in err for an unknown function id. */
int zt_result_attestations(const struct zt_config *cfg, const struct zt_catalog *cat,
                           struct zt_attestation **ret, char *err, size_t errlen);

/* Print a result document as a readable table: overall, pillars, functions (stage, bound,
 * coverage), collectors and their errors. Unknowns are shown as such. */
void zt_result_print_table(struct json_object *doc, FILE *out);
/* Print the plan of a result document (its "next" section, or one computed from its findings when
 * it has none): the steps that raise the overall stage, the evidence to collect, each pillar's
 * next stage and, with detail, each function's. Returns 0, or -EBADMSG when doc is not a result
 * document (the reason is printed). */
int zt_result_print_plan(struct json_object *doc, bool detail, FILE *out);
/* The run record of instance name in a result document's "collectors" (borrowed), or NULL when
 * doc is NULL, has no such array, or no such instance. Safe on any JSON (state files are read
 * back from disk). */
struct json_object *zt_result_collector(struct json_object *doc, const char *name);
