/* scan_exec.h - a scan, or one half of it, in a new program image: fork+exec of the running
 * program with the job (the config files as loaded, the selected instances, secrets opened
 * before a privilege drop) in a memfd, the scan's document back over a pipe. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"

/* The command line argument that makes a program run a job (ztmmd and the test programs that
 * start scans call zt_scan_exec_main() first thing in main()). */
#define ZT_SCAN_JOB_ARG "--scan-job="
#define ZT_SCAN_OUT_FD  3 /* the program's document pipe */
#define ZT_SCAN_JOB_FD  4 /* the job (a memfd); secret descriptors follow */

enum zt_scan_kind {
    ZT_SCAN_HOST,    /* the host half: keeps CAP_DAC_READ_SEARCH, cannot open a socket */
    ZT_SCAN_NETWORK, /* the network half: no capability (given up at execve, no capset) */
    ZT_SCAN_SPLIT,   /* the service's worker: runs no collector, starts both halves */
    _ZT_SCAN_KIND_MAX,
};

struct zt_scan_spawn {
    enum zt_scan_kind kind;
    const bool *selected; /* cfg->n_instances entries; NULL: every instance */
    uint64_t memory_max;  /* RLIMIT_DATA in bytes; 0: none */
    unsigned alarm_sec;   /* SIGALRM backstop (kept across execve); 0: none */
    unsigned delay_sec;   /* test hook: sleep before execve */
};

/* The program to execute; the default, /proc/self/exe, is the running program's own file even
 * when a package upgrade replaced it on disk. */
void zt_scan_set_program(const char *path);
/* Start the job: returns 0 with the child's pid and the read end of its document pipe (the
 * document is zt_scan_to_json()'s, or {"error": why} when the child could not start its scan), or
 * a negative errno with the reason in err. Between fork and execve the child makes only
 * async-signal-safe calls, except for ZT_SCAN_NETWORK's privilege drop (whose error message is
 * formatted): start that one from a single-threaded process. */
int zt_scan_spawn(const struct zt_config *cfg, const struct zt_scan_spawn *spec, pid_t *ret_pid,
                  int *ret_fd, char *err, size_t errlen);
/* The kind named s ("host", "network", "split"), or -EINVAL. */
int zt_scan_kind_from_string(const char *s);
/* The process name of a kind's program ("ztmmd-host", "ztmmd-net", "ztmmd-worker"). */
const char *zt_scan_kind_comm(enum zt_scan_kind kind);
/* When argv asks for a job (ZT_SCAN_JOB_ARG), run it against registry and exit; else return
 * (scan_job.c). */
void zt_scan_exec_main(int argc, char **argv, const struct zt_collector *const *registry);
