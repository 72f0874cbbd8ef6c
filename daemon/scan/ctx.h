/* ctx.h - the core side of a collector's context: creation, evidence hand-over, outcome. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector.h"
#include "evidence.h"

/* Create a context for instance name with a monotonic deadline (0 = none). */
struct zt_ctx *zt_ctx_new(const char *name, uint64_t deadline_usec);
void zt_ctx_free(struct zt_ctx *ctx);
void zt_ctx_freep(struct zt_ctx **ctx);

/* The evidence emitted so far (borrowed; the context keeps ownership). */
struct zt_evidence_set *zt_ctx_evidence(struct zt_ctx *ctx);
/* The first recorded problem (borrowed, NULL if none) and how many were recorded; for use once
 * collect() returned (tests). */
const char *zt_ctx_first_error(const struct zt_ctx *ctx);
size_t zt_ctx_error_count(const struct zt_ctx *ctx);
/* Move the evidence emitted so far to the end of dst, safely while collect() may still run (it
 * overran its deadline: what it emits from then on is dropped). Hands out the problems as one
 * newly allocated line ("first (and N more problems)", NULL if none) and the count of evidence
 * dropped for coming after the deadline or cancellation. Returns the count moved. */
size_t zt_ctx_take_evidence(struct zt_ctx *ctx, struct zt_evidence_set *dst, char **problems,
                            size_t *late);
/* Ask the collector to stop: zt_ctx_cancelled() turns true. Safe from another thread. */
void zt_ctx_cancel(struct zt_ctx *ctx);
/* The outside requests counted with zt_ctx_count_request() (collector.h), for "requests". */
uint64_t zt_ctx_requests(const struct zt_ctx *ctx);
/* A copy of what zt_ctx_set_credentials() said last (NULL: nothing). */
char *zt_ctx_credentials(struct zt_ctx *ctx);

struct zt_http_engine;
/* Give the context the scan's HTTP engine (borrowed: the scan owns it and frees it after every
 * collector finished). Without one, zt_ctx_http_engine() starts a private engine. */
void zt_ctx_set_http(struct zt_ctx *ctx, struct zt_http_engine *e);
