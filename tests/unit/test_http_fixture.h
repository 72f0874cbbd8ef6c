/* test_http_fixture.h - start and stop tests/fixtures/server.py from a cmocka test: a test PKI
 * made with the openssl CLI in a temp dir, the port read from the server's stdout, and its
 * JSONL request log read back for assertions. */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#define FIXTURE_SERVER    ZT_SOURCE_DIR "/tests/fixtures/server.py"
#define FIXTURE_SCENARIOS ZT_SOURCE_DIR "/tests/fixtures/scenarios"

struct fixture {
    pid_t pid;
    int port;
    char base[64];
    char log[PATH_MAX];
};

/* buf = a + b, failing the test if it does not fit. */
static inline void fixture_join(char *buf, size_t len, const char *a, const char *b)
{
    if (snprintf(buf, len, "%s%s", a, b) >= (int)len) {
        fail_msg("path too long: %s%s", a, b);
    }
}

/* Run argv to completion; returns its exit status (or -1). */
static inline int fixture_run(char *const argv[])
{
    pid_t pid = fork();
    if (pid == 0) {
        execvp(argv[0], argv);
        _exit(127);
    }
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) < 0) {
        return -1;
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Make a temp dir holding certs/ (CA, server, client, other CA). dir receives its path. */
static inline void fixture_pki(char *dir, size_t len)
{
    char certs[PATH_MAX];
    snprintf(dir, len, "/tmp/zt-http-test-XXXXXX");
    assert_non_null(mkdtemp(dir));
    fixture_join(certs, sizeof(certs), dir, "/certs");
    char *argv[] = {"python3", FIXTURE_SERVER, "gencerts", certs, NULL};
    assert_int_equal(fixture_run(argv), 0);
}

static inline void fixture_rmrf(const char *dir)
{
    char *argv[] = {"rm", "-rf", (char *)dir, NULL};
    fixture_run(argv);
}

/* Run argv (a fixture server printing its port on a line of stdout) as f; f->log is set. */
static inline void fixture_spawn(struct fixture *f, char *const argv[], const char *what)
{
    char line[32] = "";
    int fds[2];

    assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
    f->pid = fork();
    assert_true(f->pid >= 0);
    if (f->pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    struct pollfd p = {.fd = fds[0], .events = POLLIN};
    size_t n = 0;
    while (n < sizeof(line) - 1 && poll(&p, 1, 10000) == 1) {
        ssize_t k = read(fds[0], line + n, 1);
        if (k <= 0 || line[n] == '\n') {
            break;
        }
        n++;
    }
    close(fds[0]);
    line[n] = '\0';
    f->port = atoi(line);
    if (f->port <= 0) {
        fail_msg("fixture server did not report a port for %s", what);
    }
    snprintf(f->base, sizeof(f->base), "https://127.0.0.1:%d", f->port);
}

/* Start the server on scenario (a directory name under tests/fixtures/scenarios). */
static inline void fixture_start(struct fixture *f, const char *dir, const char *scenario)
{
    char scen[PATH_MAX], certs[PATH_MAX];

    fixture_join(scen, sizeof(scen), FIXTURE_SCENARIOS "/", scenario);
    fixture_join(certs, sizeof(certs), dir, "/certs");
    char tail[128];
    fixture_join(tail, sizeof(tail), "/log-", scenario);
    fixture_join(f->log, sizeof(f->log), dir, tail);
    unlink(f->log);
    char *argv[] = {"python3", FIXTURE_SERVER, "serve", "--scenario",     scen, "--certs",
                    certs,     "--log",        f->log,  "--idle-timeout", "30", NULL};
    fixture_spawn(f, argv, scenario);
}

static inline void fixture_stop(struct fixture *f)
{
    if (f->pid > 0) {
        kill(f->pid, SIGTERM);
        waitpid(f->pid, NULL, 0);
        f->pid = 0;
    }
}

/* The request log as a JSON array (caller owns it). */
static inline struct json_object *fixture_log(const struct fixture *f)
{
    struct json_object *arr = json_object_new_array();
    FILE *fp = fopen(f->log, "re");
    char *line = NULL;
    size_t cap = 0;

    while (fp && getline(&line, &cap, fp) > 0) {
        struct json_object *o = json_tokener_parse(line);
        assert_non_null(o);
        json_object_array_add(arr, o);
    }
    free(line);
    if (fp) {
        fclose(fp);
    }
    return arr;
}

/* Log entries for path (borrowed from arr) in order, at most max; returns how many. */
static inline size_t fixture_entries(struct json_object *arr, const char *path,
                                     struct json_object **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < json_object_array_length(arr) && n < max; i++) {
        struct json_object *e = json_object_array_get_idx(arr, i), *p = NULL;
        if (json_object_object_get_ex(e, "path", &p) &&
            strcmp(json_object_get_string(p), path) == 0) {
            out[n++] = e;
        }
    }
    return n;
}

static inline double fixture_num(struct json_object *e, const char *key)
{
    struct json_object *v = NULL;
    return json_object_object_get_ex(e, key, &v) ? json_object_get_double(v) : -1;
}

static inline const char *fixture_str(struct json_object *e, const char *key)
{
    struct json_object *v = NULL;
    return json_object_object_get_ex(e, key, &v) ? json_object_get_string(v) : NULL;
}
