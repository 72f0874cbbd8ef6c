/* config.h - the daemon's configuration: INI files read with libinih, bound through option tables.
 *
 * /etc/ztmmd/ztmmd.conf is read first, then <its directory>/conf.d/NAME.conf in lexical order.
 * Sections: [daemon], [collector:NAME], [sink:NAME], [attest]. Every error names file and line. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector_type.h"
#include "options.h"

#define ZT_CONFIG_ERR_MAX 512

/* [daemon] */
struct zt_daemon_conf {
    uint64_t interval_ms; /* between scheduled scans */
    char *state_dir;      /* latest result, history, outbox */
    char *runtime_dir;    /* control socket */
    /* Where state_dir and runtime_dir came from: "config", "$STATE_DIRECTORY" (resp.
     * "$RUNTIME_DIRECTORY", set by systemd's StateDirectory=/RuntimeDirectory=) or "default". */
    const char *state_dir_origin, *runtime_dir_origin;
    char *rules;                   /* rule catalog (JSON) */
    char *log_level;               /* err, warning, notice, info, debug */
    uint64_t collector_timeout_ms; /* default per-collector time limit */
    uint64_t max_parallel_collectors;
    uint64_t http_max_concurrency;    /* HTTP transfers in flight at once, all collectors */
    uint64_t http_connect_timeout_ms; /* one connection setup (TCP + TLS) */
    uint64_t http_timeout_ms;         /* one HTTP attempt, first to last byte */
    uint64_t http_max_body;           /* bytes of one response body */
    uint64_t http_max_attempts;       /* per request or page, the first included */
    /* service mode (service.c, schedule.c, worker.c, state.c) */
    bool scan_on_start;         /* scan right after start instead of one interval later */
    uint64_t jitter_ms;         /* random delay added to scheduled scans */
    uint64_t backoff_start_ms;  /* retry delay after a collector's first failure */
    uint64_t backoff_max_ms;    /* cap of the doubling retry delay */
    uint64_t scan_timeout_ms;   /* wall-time limit of a scan worker (0: automatic) */
    uint64_t worker_memory_max; /* bytes of data memory a scan worker may use (0: no limit) */
    uint64_t history_max;       /* result documents kept in state_dir/history */
    /* export (daemon/export) */
    uint64_t outbox_max;       /* bytes of state_dir/outbox (0: no limit) */
    uint64_t flush_timeout_ms; /* ztmmd --once: wait for the sinks this long */
    /* Prometheus textfile (metrics.c) */
    char *metrics_file; /* written after every scan; NULL: none */
};

/* A configured collector instance: [collector:NAME]. */
struct zt_instance {
    char *name;                           /* from the section name */
    char *type;                           /* option "type", defaults to name */
    bool enabled;                         /* option "enabled" */
    uint64_t timeout_ms;                  /* option "timeout"; 0 = collector/daemon default */
    uint64_t interval_ms;                 /* option "interval"; 0 = daemon interval */
    const struct zt_collector *collector; /* borrowed from the registry */
    void *state;                          /* owned: collector->state_size bytes */
    char *file;                           /* where the section was declared */
    unsigned line;
};

/* A configured sink: [sink:NAME]. Its keys are kept for the export module to bind. */
struct zt_sink_conf {
    char *name;
    char *type;
    char **keys, **values; /* parallel arrays, n_keys long */
    unsigned *lines;
    size_t n_keys;
    char *file;
    unsigned line;
};

/* One [attest] entry: a human claim about a function, reported apart from observations. */
struct zt_attest {
    char *function; /* function id, checked against the catalog by zt_config_check_catalog() */
    char *stage;    /* traditional, initial, advanced or optimal */
    char *file;
    unsigned line;
};

/* One file as it was read: the config can be loaded again from these (a scan half, which runs
 * in another program image, gets exactly what the daemon loaded, whatever is on disk now). */
struct zt_config_file {
    char *path;
    char *text;
};

struct zt_config {
    char *path;                   /* main file */
    struct zt_config_file *files; /* the main file, then its drop-ins, in the order read */
    size_t n_files;
    struct zt_daemon_conf daemon;
    struct zt_instance **instances;
    size_t n_instances;
    struct zt_sink_conf *sinks;
    size_t n_sinks;
    struct zt_attest *attest;
    size_t n_attest;
};

/* The collector registry the config binds against: a NULL-terminated array. */
typedef const struct zt_collector *const zt_registry_t[];

/* The [daemon] options table and the keys every [collector:NAME] accepts (defaults live in these
 * tables and nowhere else; `ztmmctl options` prints them with every collector type's). */
extern const struct zt_option zt_daemon_options[];
extern const struct zt_option zt_instance_options[];

/* Load path and its conf.d drop-ins. On error returns a negative errno and writes
 * "FILE:LINE: message" into err. [sink:NAME] sections are kept as they are: the export room
 * checks them (zt_export_check_config(); zt_service_load() does both). The result owns everything
 * it points to. state_dir and runtime_dir: a key in the files wins; else the first directory of
 * $STATE_DIRECTORY / $RUNTIME_DIRECTORY (systemd sets them for StateDirectory= and
 * RuntimeDirectory=); else the built-in default. */
int zt_config_load(const char *path, const struct zt_collector *const *registry,
                   struct zt_config **ret, char *err, size_t errlen);
/* Parse one in-memory file as if it were path (tests, fuzzing). Drop-ins are not read. */
int zt_config_load_string(const char *path, const char *text,
                          const struct zt_collector *const *registry, struct zt_config **ret,
                          char *err, size_t errlen);
/* Parse files (as kept in zt_config.files) again, in order, as if read from disk: the first is
 * the main file. */
int zt_config_load_files(const struct zt_config_file *files, size_t n_files,
                         const struct zt_collector *const *registry, struct zt_config **ret,
                         char *err, size_t errlen);
void zt_config_free(struct zt_config *cfg);
void zt_config_freep(struct zt_config **cfg);

/* Find a collector type in a registry, or NULL. */
const struct zt_collector *zt_registry_find(const struct zt_collector *const *registry,
                                            const char *name);

/* Create an instance of collector c with defaults bound (tests use this directly). */
int zt_instance_new(const struct zt_collector *c, const char *name, struct zt_instance **ret,
                    char *err, size_t errlen);
/* Set one key (common keys type/enabled/timeout/interval, else the collector's table).
 * Returns 0, -ENOENT for an unknown key, or -EINVAL for a bad value, with a message in err. */
int zt_instance_set(struct zt_instance *inst, const char *key, const char *value, char *err,
                    size_t errlen);
/* Check required options and run the collector's check(). */
int zt_instance_check(struct zt_instance *inst, char *err, size_t errlen);
void zt_instance_free(struct zt_instance *inst);
void zt_instance_freep(struct zt_instance **inst);
