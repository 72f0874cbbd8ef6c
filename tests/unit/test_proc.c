/* test_proc.c - tests of the bounded process runner (daemon/core/proc.c) against real programs
 * (tests/fixtures/exec/ shell scripts and system tools). */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>

#include "proc.h"
#include "util.h"
#include "proc_test.h"
#include "zt_test.h"

#define FIXTURES ZT_SOURCE_DIR "/tests/fixtures/exec/"

static char *const test_envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};

/* A spec for argv with a 30 s limit. */
static struct zt_proc_spec spec_for(char *const *argv, size_t max_output)
{
    return (struct zt_proc_spec){.path = argv[0],
                                 .argv = argv,
                                 .envp = test_envp,
                                 .deadline_usec = zt_now_mono_usec() + 30 * 1000 * 1000ULL,
                                 .timeout_ms = 30000,
                                 .max_output = max_output};
}

static int run(char *const *argv, size_t max_output, struct zt_proc_result *res, char *err,
               size_t errlen)
{
    struct zt_proc_spec spec = spec_for(argv, max_output);
    return zt_proc_run(&spec, res, err, errlen);
}

/* ---- output, status and limits ------------------------------------------------------------ */

static void test_proc_run_returns_stdout_bytes(void **state)
{
    char *argv[] = {"/usr/bin/printf", "abc\\000def", NULL};
    _cleanup_(zt_proc_result_done) struct zt_proc_result res = {0};
    char err[256] = "";

    assert_int_equal(run(argv, 1024, &res, err, sizeof(err)), 0);
    assert_int_equal(res.out_len, 7);
    assert_memory_equal(res.out, "abc\0def", 7);
    assert_true(WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0);
    assert_int_equal(res.err_len, 0);
}

static void test_proc_run_max_output_boundary(void **state)
{
    char *argv[] = {"/usr/bin/printf", "abcd", NULL};
    _cleanup_(zt_proc_result_done) struct zt_proc_result ok = {0};
    _cleanup_(zt_proc_result_done) struct zt_proc_result over = {0};
    char err[256] = "";

    assert_int_equal(run(argv, 4, &ok, err, sizeof(err)), 0);
    assert_string_equal(ok.out, "abcd");
    assert_int_equal(run(argv, 3, &over, err, sizeof(err)), -EFBIG);
    assert_true(over.overflow);
    assert_string_equal(err, "/usr/bin/printf: output exceeds max_output (3 bytes)");
}

static void test_proc_run_exit_status_and_stderr(void **state)
{
    char *argv[] = {"/bin/sh", "-c",
                    "echo partial; printf '\\n  oops: \\001bad\\n2nd\\n' >&2; exit 5", NULL};
    _cleanup_(zt_proc_result_done) struct zt_proc_result res = {0};
    char err[256] = "";

    assert_int_equal(run(argv, 1024, &res, err, sizeof(err)), -EIO);
    assert_true(WIFEXITED(res.status));
    assert_int_equal(WEXITSTATUS(res.status), 5);
    assert_string_equal(res.out, "partial\n");
    assert_string_equal(err, "/bin/sh exited with status 5: oops: ?bad");
}

static void test_proc_run_killed_by_signal(void **state)
{
    char *argv[] = {FIXTURES "signal.sh", NULL};
    _cleanup_(zt_proc_result_done) struct zt_proc_result res = {0};
    char err[256] = "";

    assert_int_equal(run(argv, 1024, &res, err, sizeof(err)), -EIO);
    assert_true(WIFSIGNALED(res.status));
    assert_string_equal(err, FIXTURES "signal.sh was killed by signal 9 (SIGKILL): about to crash");
}

static void test_proc_run_keeps_head_of_stderr(void **state)
{
    char *argv[] = {FIXTURES "noisy-stderr.sh", NULL};
    _cleanup_(zt_proc_result_done) struct zt_proc_result res = {0};
    char err[256] = "";

    assert_int_equal(run(argv, 1024, &res, err, sizeof(err)), 0);
    assert_int_equal(res.err_len, ZT_PROC_STDERR_MAX);
    assert_int_equal(strspn(res.err, "x"), ZT_PROC_STDERR_MAX);
    assert_contains(res.out, "acme.noise.done");
}

static size_t count_open_fds(void)
{
    size_t n = 0;
    for (int fd = 0; fd < 1024; fd++) {
        n += fcntl(fd, F_GETFD) >= 0;
    }
    return n;
}

static void test_proc_run_leaks_no_fds_or_children(void **state)
{
    char *ok[] = {"/usr/bin/printf", "x", NULL};
    char *missing[] = {FIXTURES "does-not-exist", NULL};
    char *fail[] = {FIXTURES "fail.sh", NULL};
    char *const *all[] = {ok, missing, fail};
    size_t before = count_open_fds();
    char err[256];

    for (size_t i = 0; i < ZT_ELEMENTSOF(all); i++) {
        _cleanup_(zt_proc_result_done) struct zt_proc_result res = {0};
        (void)run(all[i], 1024, &res, err, sizeof(err));
    }
    assert_int_equal(count_open_fds(), before);
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
}

/* ---- programs that cannot start ----------------------------------------------------------- */

static void test_proc_run_exec_failure(void **state)
{
    char *missing[] = {FIXTURES "does-not-exist", NULL};
    char *denied[] = {FIXTURES "not-executable.sh", NULL};
    char *good[] = {FIXTURES "good.sh", NULL};
    struct zt_proc_spec nodir = spec_for(good, 1024);
    char err[512] = "";

    nodir.cwd = "/nonexistent/zt-proc";
    {
        _cleanup_(zt_proc_result_done) struct zt_proc_result res = {0};
        assert_int_equal(run(missing, 1024, &res, err, sizeof(err)), -ENOENT);
        assert_string_equal(err,
                            "cannot execute " FIXTURES "does-not-exist: No such file or directory");
        assert_int_equal(res.status, -1);
        assert_int_equal(res.out_len, 0);
    }
    {
        _cleanup_(zt_proc_result_done) struct zt_proc_result res = {0};
        assert_int_equal(run(denied, 1024, &res, err, sizeof(err)), -EACCES);
        assert_string_equal(err, "cannot execute " FIXTURES "not-executable.sh: Permission denied");
    }
    {
        _cleanup_(zt_proc_result_done) struct zt_proc_result res = {0};
        assert_int_equal(zt_proc_run(&nodir, &res, err, sizeof(err)), -ENOENT);
        assert_string_equal(
            err, "cannot change to working directory /nonexistent/zt-proc to run " FIXTURES
                 "good.sh: No such file or directory");
    }
}

/* ---- time limits, leftovers and cancellation ---------------------------------------------- */

static void test_proc_run_timeout_kills_the_group(void **state)
{
    _cleanup_free_ char *pidfile = make_pidfile("proc");
    char *argv[] = {FIXTURES "grandchild-hang.sh", pidfile, NULL};
    struct zt_proc_spec spec = spec_for(argv, 1024);
    _cleanup_(zt_proc_result_done) struct zt_proc_result res = {0};
    char err[512] = "";

    /* 2 s: time enough on a loaded machine for the script to fork and write its pid. */
    spec.deadline_usec = zt_now_mono_usec() + 2000 * 1000ULL;
    spec.timeout_ms = 2000;
    assert_int_equal(zt_proc_run(&spec, &res, err, sizeof(err)), -ETIMEDOUT);
    assert_true(res.timed_out);
    assert_string_equal(err, FIXTURES "grandchild-hang.sh did not finish within 2s; killed");
    assert_pidfile_process_dead(pidfile);
    unlink(pidfile);
}

static void test_proc_run_timeout_message_names_the_limit(void **state)
{
    char *argv[] = {FIXTURES "hang.sh", NULL};
    struct zt_proc_spec spec = spec_for(argv, 1024);
    _cleanup_(zt_proc_result_done) struct zt_proc_result res = {0};
    char err[512] = "";

    spec.deadline_usec = zt_now_mono_usec() + 500 * 1000ULL;
    spec.timeout_ms = 1500;
    spec.timeout_note = " (the collector's time limit)";
    assert_int_equal(zt_proc_run(&spec, &res, err, sizeof(err)), -ETIMEDOUT);
    assert_string_equal(err, FIXTURES
                        "hang.sh did not finish within 1.5s (the collector's time limit); killed");
}

static void test_proc_run_leftover_background_process_is_killed(void **state)
{
    _cleanup_free_ char *pidfile = make_pidfile("proc");
    char *argv[] = {FIXTURES "grandchild-linger.sh", pidfile, NULL};
    _cleanup_(zt_proc_result_done) struct zt_proc_result res = {0};
    char err[512] = "";

    assert_int_equal(run(argv, 1024, &res, err, sizeof(err)), 0);
    assert_true(res.leftovers);
    assert_false(res.timed_out);
    assert_contains(res.out, "\"acme.backup.enabled\"");
    assert_pidfile_process_dead(pidfile);
    unlink(pidfile);
}

struct canceller {
    atomic_bool cancel;
    const char *pidfile;
};

static bool is_cancelled(void *data)
{
    struct canceller *c = data;
    return atomic_load(&c->cancel);
}

/* Cancel the run once the program has written its pid (so it is surely running). */
static void *cancel_when_started(void *arg)
{
    struct canceller *c = arg;
    wait_for_pidfile(c->pidfile);
    atomic_store(&c->cancel, true);
    return NULL;
}

static void test_proc_run_cancel_kills_the_group(void **state)
{
    _cleanup_free_ char *pidfile = make_pidfile("proc");
    char *argv[] = {FIXTURES "grandchild-hang.sh", pidfile, NULL};
    struct zt_proc_spec spec = spec_for(argv, 1024);
    _cleanup_(zt_proc_result_done) struct zt_proc_result res = {0};
    struct canceller c = {.pidfile = pidfile};
    char err[512] = "";
    pthread_t thread;

    atomic_init(&c.cancel, false);
    spec.cancelled = is_cancelled;
    spec.cancel_data = &c;
    assert_int_equal(pthread_create(&thread, NULL, cancel_when_started, &c), 0);
    int r = zt_proc_run(&spec, &res, err, sizeof(err));
    pthread_join(thread, NULL);
    assert_int_equal(r, -ECANCELED);
    assert_true(res.cancelled);
    assert_string_equal(err, FIXTURES "grandchild-hang.sh: run cancelled; killed");
    assert_pidfile_process_dead(pidfile);
    unlink(pidfile);
}

/* ---- quoting program output --------------------------------------------------------------- */

static void test_proc_snippet_sanitises(void **state)
{
    char buf[ZT_PROC_SNIPPET_MAX + 4], longline[600];

    const char *text = "\n\n  caf\xc3\xa9 \x1b[31m \xff end  \nnext";

    zt_proc_snippet(buf, sizeof(buf), text, strlen(text));
    assert_string_equal(buf, "caf\xc3\xa9 ?[31m ? end");
    memset(longline, 'y', sizeof(longline));
    longline[198] = '\xe2'; /* a 3-byte character straddling the cut is not split */
    longline[199] = '\x82';
    longline[200] = '\xac';
    zt_proc_snippet(buf, sizeof(buf), longline, sizeof(longline));
    assert_int_equal(strlen(buf), 198 + 3);
    assert_string_equal(buf + 198, "...");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_proc_run_returns_stdout_bytes),
        cmocka_unit_test(test_proc_run_max_output_boundary),
        cmocka_unit_test(test_proc_run_exit_status_and_stderr),
        cmocka_unit_test(test_proc_run_killed_by_signal),
        cmocka_unit_test(test_proc_run_keeps_head_of_stderr),
        cmocka_unit_test(test_proc_run_leaks_no_fds_or_children),
        cmocka_unit_test(test_proc_run_exec_failure),
        cmocka_unit_test(test_proc_run_timeout_kills_the_group),
        cmocka_unit_test(test_proc_run_timeout_message_names_the_limit),
        cmocka_unit_test(test_proc_run_leftover_background_process_is_killed),
        cmocka_unit_test(test_proc_run_cancel_kills_the_group),
        cmocka_unit_test(test_proc_snippet_sanitises),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
