/* service.h - ztmmd as a service: the sd-event loop that schedules scans, answers the control
 * socket, keeps state and drift, and speaks the systemd notify protocol. */
#pragma once

#include <stddef.h>

#include "catalog.h"
#include "config.h"
#include "estimate.h"

struct zt_service_args {
    const char *config;    /* path, reloaded on SIGHUP */
    const char *rules;     /* --rules override, or NULL for [daemon] rules */
    const char *log_level; /* --log-level override, or NULL for [daemon] log_level */
    const struct zt_collector *const *registry; /* the config binds against it */
};

/* Run the service until SIGTERM/SIGINT. Takes ownership of the loaded cfg, cat and attest (the
 * caller has validated them). Returns the process exit status: 0 after a clean stop, 1 when the
 * service could not start (the reason is logged). */
int zt_service_run(const struct zt_service_args *args, struct zt_config *cfg,
                   struct zt_catalog *cat, struct zt_attestation *attest, size_t n_attest);

/* Load and validate config (with its sinks), catalog and attestations, as the start, a reload
 * and ztmmd --once do (nothing is kept on error). Returns 0, or a negative errno with "FILE:LINE:
 * ..." in err. */
int zt_service_load(const struct zt_service_args *args, struct zt_config **cfg,
                    struct zt_catalog **cat, struct zt_attestation **attest, size_t *n_attest,
                    char *err, size_t errlen);
