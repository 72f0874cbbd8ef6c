/* collector.h - the one core header a collector includes: its static vtable, options table and
 * the context through which it emits evidence, logs and reports problems. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "options.h"
#include "rootfs.h"
#include "util.h"

#include "collector_type.h" /* struct zt_collector: the type the config binds */

/* Emit one piece of evidence. Steals value and detail (detail may be NULL: supporting facts for
 * humans, e.g. which file or policy). Returns 0, -EINVAL for a malformed key or value, or
 * -ETIMEDOUT (dropped) once the deadline passed or the scan was cancelled. Emit a fact only once
 * it is final: when the collector overruns its time limit, the evidence it emitted before the
 * deadline is kept (status "partial"), so a fact must never need a later one to be true. */
int zt_emit(struct zt_ctx *ctx, const char *key, struct json_object *value,
            struct json_object *detail);
/* Evidence emitted from now on is about account (an AWS account id; NULL: the instance's one
 * estate, the default). An instance that scans several accounts sets each before emitting its
 * facts: the judge holds each account ("aws/123456789012") to every rule on its own. */
void zt_ctx_set_account(struct zt_ctx *ctx, const char *account);
/* Say where this instance's credentials came from, never a value ("web-identity (role
 * arn:aws:iam::123456789012:role/zt-reader)"): the result's collectors entry and `ztmmctl status`
 * show it. NULL: nothing to say. */
void zt_ctx_set_credentials(struct zt_ctx *ctx, const char *what);
int zt_emit_bool(struct zt_ctx *ctx, const char *key, bool value);
int zt_emit_int(struct zt_ctx *ctx, const char *key, int64_t value);
int zt_emit_double(struct zt_ctx *ctx, const char *key, double value);
int zt_emit_string(struct zt_ctx *ctx, const char *key, const char *value);

/* Record a problem for this instance's result ("cannot read /etc/sudoers: Permission denied").
 * The first problem becomes the collector's "error" text. Returns err (a negative errno) so a
 * collector can `return zt_ctx_error(ctx, -EIO, "...")`. Never put secrets in the message. */
int zt_ctx_error(struct zt_ctx *ctx, int err, const char *fmt, ...) _printf_(3, 4);
/* Log a message prefixed with the instance name (syslog level: LOG_ERR ... LOG_DEBUG). */
void zt_ctx_log(struct zt_ctx *ctx, int level, const char *fmt, ...) _printf_(3, 4);
/* The instance name ("host", "contoso"). */
const char *zt_ctx_name(const struct zt_ctx *ctx);
/* Monotonic deadline of this collection in microseconds, and whether it has passed (or the
 * scan was cancelled): long collectors check this between steps and return -ETIMEDOUT. */
uint64_t zt_ctx_deadline_usec(const struct zt_ctx *ctx);
bool zt_ctx_cancelled(const struct zt_ctx *ctx);
/* Count an outside request (HTTP call, program run) for the result's "requests" figure. */
void zt_ctx_count_request(struct zt_ctx *ctx);

/* ---- HTTP and secrets (daemon/http/http.h, daemon/core/secret.h) -------------------------------
 * Collectors reach HTTPS APIs only through these calls; curl stays inside the core. */
#include "http.h"
#include "secret.h"

/* The HTTP engine of this scan (borrowed). When the scan set none (a collector's unit test), a
 * private engine with default limits is started on first use and freed with the context;
 * returns NULL only if that fails. */
struct zt_http_engine *zt_ctx_http_engine(struct zt_ctx *ctx);
/* The same, telling why there is none: returns 0 and the engine through *ret, or the error of
 * starting it (libcurl cannot be loaded) with its reason in why; nothing is recorded. */
int zt_ctx_http_engine_get(struct zt_ctx *ctx, struct zt_http_engine **ret, char *why,
                           size_t whylen);
/* Run one call (every page of it) with the collection's deadline and cancellation; each HTTP
 * attempt counts in the result's "requests". Returns 0 or res->error; on failure res->message
 * names method, URL and reason: `return zt_ctx_error(ctx, r, "%s", res.message);`. */
int zt_ctx_http(struct zt_ctx *ctx, const struct zt_http_request *req, struct zt_http_result *res);
/* Issue independent calls together: create a group counted for ctx, add calls (each gets the
 * collection's deadline and cancellation), then zt_http_group_wait() and zt_http_group_free().
 * Page callbacks run on the thread that waits. Return 0 or a negative errno. */
int zt_ctx_http_group_new(struct zt_ctx *ctx, struct zt_http_group **ret);
int zt_ctx_http_group_add(struct zt_ctx *ctx, struct zt_http_group *g,
                          const struct zt_http_request *req, struct zt_http_result *res);
/* Get a bearer token for cfg (cached by the engine) with the collection's deadline and
 * cancellation, counting its attempts. Returns 0 and *ret (free with zt_secret_free()), or -errno
 * with a message in err. */
int zt_ctx_oauth_token(struct zt_ctx *ctx, const struct zt_oauth_config *cfg, char **ret, char *err,
                       size_t errlen);
