/* test_state.c - atomic state writes, bounded history, corrupt files set aside. */
#include "zt_test.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "file.h"
#include "state.h"

static char *make_dir(void)
{
    char tmpl[] = "/tmp/zt-state-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    return zt_xstrdup(tmpl);
}

static void remove_tree(const char *dir)
{
    _cleanup_free_ char *cmd = zt_xasprintf("rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static size_t count_entries(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    assert_non_null(d);
    for (struct dirent *de; (de = readdir(d));) {
        n += zt_startswith(de->d_name, prefix);
    }
    closedir(d);
    return n;
}

static struct json_object *result(int i)
{
    char text[256];
    snprintf(text, sizeof(text),
             "{\"schema\":\"ztmmd.result/1\",\"scan_id\":\"scan-%03d\","
             "\"finished_at\":\"2025-01-01T00:%02d:%02d.000Z\"}",
             i, i / 60, i % 60);
    return json_tokener_parse(text);
}

static void test_state_write_atomic_replaces(void **state)
{
    _cleanup_free_ char *dir = make_dir();
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    _cleanup_free_ char *path = zt_xasprintf("%s/f", dir), *text = NULL;

    assert_int_equal(zt_write_atomic(fd, "f", "one", 3), 0);
    assert_int_equal(zt_write_atomic(fd, "f", "two!", 4), 0);
    assert_int_equal(zt_read_file(path, 100, &text, NULL), 0);
    assert_string_equal(text, "two!");
    assert_int_equal(count_entries(dir, ".f.tmp"), 0); /* no temporary left behind */
    /* The unsynced variant (the outbox's cursors) replaces the same way. */
    free(text);
    text = NULL;
    assert_int_equal(zt_write_atomic_nosync(fd, "f", "three", 5), 0);
    assert_int_equal(zt_read_file(path, 100, &text, NULL), 0);
    assert_string_equal(text, "three");
    assert_int_equal(count_entries(dir, ".f.tmp"), 0);
    close(fd);
    remove_tree(dir);
}

/* State files are 0640 as the umask leaves them (the unit's UMask=0077 makes them 0600), and
 * zt_write_atomic_mode() sets its mode whatever the umask (the metrics file is read by others).
 * The umask is set here, so the outcome does not depend on the one the test runs under. */
static void test_state_write_atomic_modes(void **state)
{
    _cleanup_free_ char *dir = make_dir();
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    _cleanup_free_ char *path = zt_xasprintf("%s/f", dir);
    mode_t old = umask(022);
    struct stat st;

    assert_int_equal(zt_write_atomic(fd, "f", "a", 1), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    umask(077);
    assert_int_equal(zt_write_atomic(fd, "f", "b", 1), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(zt_write_atomic_mode(fd, "f", "c", 1, 0644), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    umask(old);
    close(fd);
    remove_tree(dir);
}

static void test_state_write_atomic_failure_keeps_old(void **state)
{
    _cleanup_free_ char *dir = make_dir();
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    _cleanup_free_ char *path = zt_xasprintf("%s/f", dir), *text = NULL;

    assert_int_equal(zt_write_atomic(fd, "f", "old", 3), 0);
    /* A directory where the target is: rename fails, the temporary is removed. */
    assert_int_equal(mkdirat(fd, "d", 0700), 0);
    assert_int_equal(mkdirat(fd, "d/x", 0700), 0);
    assert_true(zt_write_atomic(fd, "d", "new", 3) < 0);
    assert_int_equal(count_entries(dir, ".d.tmp"), 0);
    assert_int_equal(zt_write_atomic(-1, "f", "x", 1), -EBADF);
    assert_int_equal(zt_read_file(path, 100, &text, NULL), 0);
    assert_string_equal(text, "old");
    close(fd);
    remove_tree(dir);
}

static void test_state_save_load_and_history_bound(void **state)
{
    _cleanup_free_ char *dir = make_dir();
    _cleanup_free_ char *hist = zt_xasprintf("%s/history", dir);
    struct zt_state *st = NULL;
    char err[512];

    assert_int_equal(zt_state_open(dir, 3, &st), 0);
    struct json_object *got = NULL;
    assert_int_equal(zt_state_load_latest(st, &got, err, sizeof(err)), 0);
    for (int i = 1; i <= 5; i++) {
        _cleanup_json_ struct json_object *d = result(i);
        assert_int_equal(zt_state_save(st, d), 0);
    }
    assert_int_equal(count_entries(hist, "2025"), 3);
    assert_int_equal(count_entries(hist, "20250101T000001000Z-scan-001"), 0); /* oldest gone */
    assert_int_equal(count_entries(hist, "20250101T000005000Z-scan-005.json"), 1);
    zt_state_free(st);
    /* Survives a restart. */
    assert_int_equal(zt_state_open(dir, 3, &st), 0);
    assert_int_equal(zt_state_load_latest(st, &got, err, sizeof(err)), 1);
    struct json_object *id;
    assert_true(json_object_object_get_ex(got, "scan_id", &id));
    assert_string_equal(json_object_get_string(id), "scan-005");
    json_object_put(got);
    zt_state_free(st);
    remove_tree(dir);
}

static void check_corrupt(const char *content)
{
    _cleanup_free_ char *dir = make_dir();
    _cleanup_free_ char *path = zt_xasprintf("%s/latest.json", dir);
    struct zt_state *st = NULL;
    struct json_object *got = NULL;
    char err[512] = "";
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(content, f);
    fclose(f);
    assert_int_equal(zt_state_open(dir, 0, &st), 0);
    assert_int_equal(zt_state_load_latest(st, &got, err, sizeof(err)), -EBADMSG);
    assert_null(got);
    assert_non_null(strstr(err, "corrupt"));
    assert_int_equal(count_entries(dir, "latest.json.corrupt-"), 1);
    assert_int_equal(access(path, F_OK), -1);
    /* Not fatal: the next save works and history_max 0 keeps no history. */
    _cleanup_json_ struct json_object *d = result(7);
    assert_int_equal(zt_state_save(st, d), 0);
    assert_int_equal(zt_state_load_latest(st, &got, err, sizeof(err)), 1);
    json_object_put(got);
    _cleanup_free_ char *hist = zt_xasprintf("%s/history", dir);
    assert_int_equal(count_entries(hist, "2025"), 0);
    zt_state_free(st);
    remove_tree(dir);
}

static void test_state_corrupt_file_set_aside(void **state)
{
    check_corrupt("{\"schema\":\"ztmmd.result/1\",\"scan_id\":"); /* truncated */
    check_corrupt("not json at all");
    check_corrupt("{\"schema\":\"something.else/9\"}");
    check_corrupt("");
}

static void test_state_open_fails_cleanly(void **state)
{
    struct zt_state *st = NULL;
    assert_true(zt_state_open("/proc/version/x", 3, &st) < 0);
    assert_null(st);
}

/* A directory that exists but cannot be written is refused at open, not at the first save.
 * Root writes anywhere, so as root the check runs in a child that became nobody. */
static void test_state_open_refuses_unwritable_dir(void **state)
{
    _cleanup_free_ char *dir = make_dir();
    _cleanup_free_ char *hist = zt_xasprintf("%s/%s", dir, ZT_STATE_HISTORY);

    assert_int_equal(mkdir(hist, 0755), 0);
    assert_int_equal(chmod(dir, 0555), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct zt_state *st = NULL;
        if (geteuid() == 0 && setresuid(65534, 65534, 65534) < 0) {
            _exit(2);
        }
        int r = zt_state_open(dir, 3, &st);
        _exit(r == -EACCES && !st ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(count_entries(dir, ".ztmmd-probe"), 0);
    /* Writable again: it opens, and the probe leaves nothing behind. */
    assert_int_equal(chmod(dir, 0750), 0);
    struct zt_state *st = NULL;
    assert_int_equal(zt_state_open(dir, 3, &st), 0);
    assert_int_equal(count_entries(dir, ".ztmmd-probe"), 0);
    assert_int_equal(count_entries(hist, ".ztmmd-probe"), 0);
    zt_state_free(st);
    remove_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_write_atomic_replaces),
        cmocka_unit_test(test_state_write_atomic_modes),
        cmocka_unit_test(test_state_write_atomic_failure_keeps_old),
        cmocka_unit_test(test_state_save_load_and_history_bound),
        cmocka_unit_test(test_state_corrupt_file_set_aside),
        cmocka_unit_test(test_state_open_fails_cleanly),
        cmocka_unit_test(test_state_open_refuses_unwritable_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
