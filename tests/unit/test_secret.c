/* test_secret.c - secrets from files with safe permissions and from systemd credentials. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secret.h"

static char dir[64];

static int setup(void **state)
{
    snprintf(dir, sizeof(dir), "/tmp/zt-secret-test-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int teardown(void **state)
{
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static void write_file(const char *path, const char *content, mode_t mode)
{
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
    close(fd);
    assert_int_equal(chmod(path, mode), 0);
}

static void test_secret_file_0600_accepted(void **state)
{
    char path[PATH_MAX], err[256] = "", *s = NULL;
    snprintf(path, sizeof(path), "%s/contoso", dir);
    write_file(path, "s3cr3t value\n", 0600);
    assert_int_equal(zt_secret_read_file(path, 0, &s, err, sizeof(err)), 0);
    assert_string_equal(s, "s3cr3t value"); /* trailing newline dropped */
    zt_secret_free(s);
    write_file(path, "k", 0400);
    assert_int_equal(zt_secret_load(path, "ignored", &s, err, sizeof(err)), 0);
    assert_string_equal(s, "k");
    zt_secret_free(s);
}

static void test_secret_file_0644_refused(void **state)
{
    char path[PATH_MAX], err[256] = "", *s = NULL;
    snprintf(path, sizeof(path), "%s/loose", dir);
    write_file(path, "s3cr3t\n", 0644);
    assert_int_equal(zt_secret_read_file(path, 0, &s, err, sizeof(err)), -EPERM);
    assert_null(s);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "0644"));
    assert_null(strstr(err, "s3cr3t"));
    write_file(path, "s3cr3t\n", 0620); /* group-writable is as bad */
    assert_int_equal(zt_secret_read_file(path, 0, &s, err, sizeof(err)), -EPERM);
}

static void test_secret_file_foreign_owner_refused(void **state)
{
    char path[PATH_MAX], err[256] = "", *s = NULL;
    snprintf(path, sizeof(path), "%s/foreign", dir);
    write_file(path, "x", 0600);
    if (geteuid() != 0) {
        skip(); /* only root can give a file away */
    }
    assert_int_equal(chown(path, 4242, (gid_t)-1), 0);
    assert_int_equal(zt_secret_read_file(path, 0, &s, err, sizeof(err)), -EPERM);
    assert_non_null(strstr(err, "owned by uid 4242"));
}

static void test_secret_file_bounds(void **state)
{
    char path[PATH_MAX], err[256] = "", *s = NULL;
    snprintf(path, sizeof(path), "%s/big", dir);
    write_file(path, "0123456789abcdef", 0600);
    assert_int_equal(zt_secret_read_file(path, 8, &s, err, sizeof(err)), -EFBIG);
    assert_non_null(strstr(err, "larger than 8 bytes"));
    write_file(path, "\n", 0600);
    assert_int_equal(zt_secret_read_file(path, 0, &s, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "empty"));
    snprintf(path, sizeof(path), "%s/missing", dir);
    assert_int_equal(zt_secret_read_file(path, 0, &s, err, sizeof(err)), -ENOENT);
    assert_non_null(strstr(err, path));
    assert_int_equal(zt_secret_read_file(dir, 0, &s, err, sizeof(err)), -EINVAL);
}

static void test_secret_credentials_directory(void **state)
{
    char creds[128], path[PATH_MAX], err[256] = "", *s = NULL;
    snprintf(creds, sizeof(creds), "%s/creds", dir);
    assert_int_equal(mkdir(creds, 0700), 0);
    snprintf(path, sizeof(path), "%s/contoso", creds);
    write_file(path, "from-systemd", 0400);

    unsetenv("CREDENTIALS_DIRECTORY");
    assert_int_equal(zt_secret_read_credential("contoso", 0, &s, err, sizeof(err)), -ENOENT);
    assert_non_null(strstr(err, "LoadCredential=contoso"));
    setenv("CREDENTIALS_DIRECTORY", creds, 1);
    assert_int_equal(zt_secret_load(NULL, "contoso", &s, err, sizeof(err)), 0);
    assert_string_equal(s, "from-systemd");
    zt_secret_free(s);
    assert_int_equal(zt_secret_read_credential("../creds/contoso", 0, &s, err, sizeof(err)),
                     -EINVAL);
    assert_int_equal(zt_secret_read_credential("..", 0, &s, err, sizeof(err)), -EINVAL);
    assert_int_equal(zt_secret_load(NULL, NULL, &s, err, sizeof(err)), -ENOKEY);
    unsetenv("CREDENTIALS_DIRECTORY");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secret_file_0600_accepted),
        cmocka_unit_test(test_secret_file_0644_refused),
        cmocka_unit_test(test_secret_file_foreign_owner_refused),
        cmocka_unit_test(test_secret_file_bounds),
        cmocka_unit_test(test_secret_credentials_directory),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
