/* collector_type.h - what a collector type is to the core: name, options table, state size and
 * its check / collect / done calls. The config binds [collector:NAME] sections against these;
 * a collector includes collector.h, which adds the context it emits evidence through. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "options.h"

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
