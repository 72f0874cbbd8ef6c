/* proc_test.h - helpers shared by the tests that run real programs (test_exec.c, test_proc.c):
 * pid files written by the fixture scripts, and waiting for those processes to start or die. */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "zt_test.h"

static inline void assert_contains(const char *haystack, const char *needle)
{
    if (!haystack || !strstr(haystack, needle)) {
        fail_msg("expected \"%s\" in \"%s\"", needle, haystack ? haystack : "(null)");
    }
}

/* True once pid is gone or a zombie (it is not our child: whoever adopted it reaps it). */
static inline bool process_dead(pid_t pid)
{
    char path[64], buf[256];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    _cleanup_fclose_ FILE *f = fopen(path, "re");
    if (!f || !fgets(buf, sizeof(buf), f)) {
        return true;
    }
    const char *paren = strrchr(buf, ')');
    return paren && (paren[2] == 'Z' || paren[2] == 'X');
}

/* Wait (bounded) for the pid a fixture wrote to path to be dead; kill it if it is not. */
static inline void assert_pidfile_process_dead(const char *path)
{
    _cleanup_free_ char *text = NULL;
    assert_int_equal(zt_read_file(path, 64, &text, NULL), 0);
    pid_t pid = (pid_t)atoi(text);
    assert_true(pid > 1);
    for (int i = 0; i < 100 && !process_dead(pid); i++) {
        usleep(100 * 1000);
    }
    bool dead = process_dead(pid);
    if (!dead) {
        kill(pid, SIGKILL);
    }
    assert_true(dead);
}

/* An empty temp file /tmp/zt-test-<who>-XXXXXX for a fixture to write its pid to (caller frees
 * the path and removes the file). */
static inline char *make_pidfile(const char *who)
{
    char *path = zt_xasprintf("/tmp/zt-test-%s-XXXXXX", who);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    return path;
}

/* Wait (at most 10 s) until the program has written its pid to path, so it is surely running. */
static inline void wait_for_pidfile(const char *path)
{
    for (int i = 0; i < 200; i++) {
        _cleanup_free_ char *text = NULL;
        if (zt_read_file(path, 64, &text, NULL) == 0 && atoi(text) > 1) {
            break;
        }
        usleep(50 * 1000);
    }
}
