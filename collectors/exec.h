/* exec.h - internals of the exec collector (collectors/exec.c) shared with its unit test. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "collector.h"

#define ZT_EXEC_MAX_PROBLEMS 10 /* malformed entries reported one by one */

/* An exec instance's options, bound by its options table (the core frees them). */
struct zt_exec_state {
    char *command;
    struct zt_strv args;
    uint64_t program_timeout_ms;
    uint64_t max_output;
    char *working_directory;
};

/* Turn a program's output (text, len bytes, NULs included) into evidence on ctx. A malformed
 * entry is skipped and recorded as a problem (the result becomes "partial"); a malformed document
 * is an error. Returns 0 or a negative errno; every problem is recorded with zt_ctx_error()
 * naming program. Borrows all arguments. */
int zt_exec_parse(struct zt_ctx *ctx, const char *program, const char *text, size_t len);
