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

struct zt_ctx; /* opaque: one per collector instance per scan */

enum {
    /* The collector calls HTTPS APIs: the scan starts one shared HTTP engine for all such
     * instances (bounded by [daemon] http_max_concurrency, connections reused). */
    ZT_COLLECTOR_USES_HTTP = 1u << 0,
    /* The collector reads the host's files and /proc (through rootfs.h) and needs no network:
     * it runs in the scan's host half, which keeps CAP_DAC_READ_SEARCH and cannot open a socket.
     * Every other collector runs in the network half, which holds no capability at all
     * (docs/ARCHITECTURE.md, privilege separation). */
    ZT_COLLECTOR_READS_HOST = 1u << 1,
};

/* A collector type: one `const struct zt_collector zt_collector_NAME` listed in the registry
 * (collectors/registry.c). The core allocates state_size zeroed bytes per configured instance,
 * binds the options table into it (defaults first, then the config), and calls:
 *   check()   at config load: validate combinations of options (optional);
 *   collect() once per scan, on its own thread: fetch -> parse -> derive -> emit evidence;
 *   done()    when the instance is destroyed, to free what collect() or check() cached (optional).
 * Options bound through the table are freed by the core. */
struct zt_collector {
    const char *name;    /* type name used in config sections ([collector:NAME] / type = NAME) */
    const char *summary; /* one line for `ztmmctl catalog` and the docs */
    const struct zt_option *options; /* ends with a {NULL} row */
    size_t state_size;
    uint64_t default_timeout_ms; /* per scan; 0 = the core's default */
    unsigned flags;              /* ZT_COLLECTOR_* */
    /* Return 0, or a negative errno with a message (naming the option) in err. */
    int (*check)(const void *state, char *err, size_t errlen);
    /* Return 0 when collection completed (problems recorded with zt_ctx_error() make the result
     * "partial"), or a negative errno when it could not collect (status "error", or "partial" if
     * some evidence was emitted before the failure). "Posture is bad" is evidence, not an error. */
    int (*collect)(void *state, struct zt_ctx *ctx);
    void (*done)(void *state);
};

/* Emit one piece of evidence. Steals value and detail (detail may be NULL: supporting facts for
 * humans, e.g. which file or policy). Returns 0, -EINVAL for a malformed key or value, or
 * -ETIMEDOUT (dropped) once the deadline passed or the scan was cancelled. Emit a fact only once
 * it is final: when the collector overruns its time limit, the evidence it emitted before the
 * deadline is kept (status "partial"), so a fact must never need a later one to be true. */
int zt_emit(struct zt_ctx *ctx, const char *key, struct json_object *value,
            struct json_object *detail);
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
