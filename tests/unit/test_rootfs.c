/* test_rootfs.c - the reader of host trees (daemon/core/rootfs.c) on trees built at test time:
 * FIFOs, sockets and device nodes refused without blocking, links kept inside the root, loops, size
 * caps checked before reading, /proc files read to EOF. An alarm turns a blocking read into a
 * failure instead of a hang. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/un.h>

#include "host_test.h"
#include "rootfs.h"

#define BLOCK_ALARM_SEC 20 /* far longer than any of these tests; a blocked open ends here */

struct tree {
    char dir[64];
    char outside[64];
    int root_fd;
};

static char *at(const char *dir, const char *path)
{
    return zt_xasprintf("%s/%s", dir, path);
}

static int setup(void **state)
{
    struct tree *t = zt_xcalloc(1, sizeof(*t));
    snprintf(t->dir, sizeof(t->dir), "/tmp/zt-rootfs-XXXXXX");
    snprintf(t->outside, sizeof(t->outside), "/tmp/zt-rootfs-out-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    assert_non_null(mkdtemp(t->outside));
    put(t->dir, "etc/ok", "inside\n");
    put(t->outside, "secret", "outside\n");
    t->root_fd = zt_rootfs_open(t->dir);
    assert_true(t->root_fd >= 0);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    struct tree *t = *state;
    close(t->root_fd);
    rm_tree(t->dir);
    rm_tree(t->outside);
    free(t);
    return 0;
}

static int read_at(struct tree *t, const char *path, size_t max, unsigned flags, char **text)
{
    size_t len = 0;
    *text = NULL;
    return zt_rootfs_read(t->root_fd, path, max, flags, text, &len);
}

static void test_rootfs_regular_file(void **state)
{
    struct tree *t = *state;
    _cleanup_free_ char *a = NULL, *b = NULL;

    assert_int_equal(read_at(t, "/etc/ok", 1024, 0, &a), 0);
    assert_string_equal(a, "inside\n");
    assert_int_equal(read_at(t, "etc/ok", 1024, 0, &b), 0); /* relative to the root as well */
    assert_string_equal(b, "inside\n");
    _cleanup_free_ char *c = NULL;
    assert_int_equal(read_at(t, "/etc/missing", 1024, 0, &c), -ENOENT);
    assert_int_equal(read_at(t, "/etc/ok/below", 1024, 0, &c), -ENOTDIR);
    assert_int_equal(read_at(t, "/etc", 1024, 0, &c), -EISDIR);
    assert_null(c);
}

static void test_rootfs_fifo_refused_without_blocking(void **state)
{
    struct tree *t = *state;
    _cleanup_free_ char *fifo = at(t->dir, "etc/sudoers"), *text = NULL;
    struct stat st;

    assert_int_equal(mkfifo(fifo, 0600), 0);
    /* No writer: an open(O_RDONLY) would wait for one forever (the alarm would fire). */
    assert_int_equal(read_at(t, "/etc/sudoers", 1024, 0, &text), -EBADFD);
    assert_null(text);
    assert_int_equal(zt_rootfs_stat(t->root_fd, "/etc/sudoers", true, &st), 0);
    assert_string_equal(zt_rootfs_type_name(st.st_mode), "FIFO");
    DIR *d = NULL;
    assert_int_equal(zt_rootfs_opendir(t->root_fd, "/etc/sudoers", &d), -ENOTDIR);
}

static void test_rootfs_socket_refused(void **state)
{
    struct tree *t = *state;
    _cleanup_free_ char *path = at(t->dir, "etc/sock"), *text = NULL;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    struct stat st;
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    assert_true(s >= 0);
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(s, 1), 0);
    assert_int_equal(read_at(t, "/etc/sock", 1024, 0, &text), -EBADFD);
    assert_int_equal(zt_rootfs_stat(t->root_fd, "/etc/sock", true, &st), 0);
    assert_string_equal(zt_rootfs_type_name(st.st_mode), "socket");
    close(s);
}

static void test_rootfs_device_node_refused(void **state)
{
    struct tree *t = *state;
    _cleanup_free_ char *path = at(t->dir, "etc/crypttab"), *text = NULL;
    struct stat st;

    /* /dev/null's numbers: read as a file it would say "empty", a wrong fact. */
    if (mknod(path, S_IFCHR | 0600, makedev(1, 3)) < 0) {
        assert_int_equal(errno, EPERM);
        print_message("mknod: EPERM (not root, or no CAP_MKNOD): device node case skipped\n");
        skip();
    }
    assert_int_equal(read_at(t, "/etc/crypttab", 1024, 0, &text), -EBADFD);
    assert_int_equal(zt_rootfs_stat(t->root_fd, "/etc/crypttab", true, &st), 0);
    assert_string_equal(zt_rootfs_type_name(st.st_mode), "character device");
}

static void test_rootfs_links_stay_inside(void **state)
{
    struct tree *t = *state;
    _cleanup_free_ char *abs = at(t->dir, "etc/abs"), *rel = at(t->dir, "etc/rel");
    _cleanup_free_ char *target = at(t->outside, "secret"), *in = at(t->dir, "etc/in");
    _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;
    char link[256];

    /* An absolute link to a real file outside the tree resolves inside it (to nothing). */
    assert_int_equal(symlink(target, abs), 0);
    assert_int_equal(read_at(t, "/etc/abs", 1024, 0, &a), -ENOENT);
    assert_null(a);
    assert_int_equal(zt_rootfs_readlink(t->root_fd, "/etc/abs", link, sizeof(link)),
                     (int)strlen(target));
    assert_string_equal(link, target);
    /* ".." past the root stops at the root: this one lands on the tree's own /etc/ok. */
    assert_int_equal(symlink("../../../../../../../etc/ok", rel), 0);
    assert_int_equal(read_at(t, "/etc/rel", 1024, 0, &b), 0);
    assert_string_equal(b, "inside\n");
    /* An absolute link inside the tree is followed as the host would (chroot semantics). */
    assert_int_equal(symlink("/etc/ok", in), 0);
    assert_int_equal(read_at(t, "/etc/in", 1024, 0, &c), 0);
    assert_string_equal(c, "inside\n");
    assert_int_equal(zt_rootfs_readlink(t->root_fd, "/etc/ok", link, sizeof(link)), -EINVAL);
}

struct renamer {
    char a[96], b[96];
    atomic_bool stop;
};

static void *rename_loop(void *data)
{
    struct renamer *r = data;
    while (!atomic_load(&r->stop)) {
        (void)rename(r->a, r->b);
        (void)rename(r->b, r->a);
    }
    return NULL;
}

/* Renames elsewhere on the machine make a scoped ".." lookup fail with EAGAIN now and then (about
 * 1 % of lookups here with a rename loop beside): the reader retries, so a ".." link under a
 * busy machine is still read every time. Without the retry this fails within the first thousand
 * reads. */
static void test_rootfs_dotdot_link_under_concurrent_renames(void **state)
{
    struct tree *t = *state;
    _cleanup_free_ char *link = at(t->dir, "sys/dev/block/8:1");
    struct renamer r = {.stop = false};
    pthread_t th;
    unsigned failed = 0;
    int first = 0;

    put(t->dir, "sys/block/sda/sda1/dm/name", "root\n");
    put(t->dir, "sys/dev/block/.keep", "");
    assert_int_equal(symlink("../../block/sda/sda1", link), 0);
    snprintf(r.a, sizeof(r.a), "%s/x", t->outside);
    snprintf(r.b, sizeof(r.b), "%s/y", t->outside);
    put(t->outside, "x", "");
    assert_int_equal(pthread_create(&th, NULL, rename_loop, &r), 0);
    for (int i = 0; i < 30000; i++) {
        _cleanup_free_ char *text = NULL;
        int e = read_at(t, "/sys/dev/block/8:1/dm/name", 64, 0, &text);
        if (e < 0) {
            first = first ? first : e;
            failed++;
        }
    }
    atomic_store(&r.stop, true);
    assert_int_equal(pthread_join(th, NULL), 0);
    if (failed) {
        fprintf(stderr, "%u of 30000 reads failed, first with %s\n", failed, strerror(-first));
    }
    assert_int_equal(failed, 0);
}

static void test_rootfs_directory_link_stays_inside(void **state)
{
    struct tree *t = *state;
    _cleanup_free_ char *dlink = at(t->dir, "etc/sudoers.d");
    DIR *d = NULL;
    struct stat st;

    assert_int_equal(symlink(t->outside, dlink), 0);
    assert_int_equal(zt_rootfs_opendir(t->root_fd, "/etc/sudoers.d", &d), -ENOENT);
    assert_int_equal(zt_rootfs_stat(t->root_fd, "/etc/sudoers.d/secret", false, &st), -ENOENT);
    assert_int_equal(zt_rootfs_stat(t->root_fd, "/etc/sudoers.d", false, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
}

static void test_rootfs_symlink_loop(void **state)
{
    struct tree *t = *state;
    _cleanup_free_ char *a = at(t->dir, "etc/a"), *b = at(t->dir, "etc/b"), *text = NULL;
    struct stat st;

    assert_int_equal(symlink("b", a), 0);
    assert_int_equal(symlink("/etc/a", b), 0);
    assert_int_equal(read_at(t, "/etc/a", 1024, 0, &text), -ELOOP);
    assert_int_equal(zt_rootfs_stat(t->root_fd, "/etc/a/x", false, &st), -ELOOP);
    assert_int_equal(zt_rootfs_stat(t->root_fd, "/etc/a", false, &st), 0); /* the link itself */
}

static void test_rootfs_size_cap_before_reading(void **state)
{
    struct tree *t = *state;
    _cleanup_free_ char *huge = at(t->dir, "etc/huge"), *text = NULL, *head = NULL;
    _cleanup_free_ char *exact = NULL, *over = NULL;
    size_t len = 0;

    /* 2 GiB, sparse: refused from its size, in no time, never read. */
    put(t->dir, "etc/huge", "");
    assert_int_equal(truncate(huge, 2LL * 1024 * 1024 * 1024), 0);
    assert_int_equal(read_at(t, "/etc/huge", 1024 * 1024, 0, &text), -EFBIG);
    assert_null(text);
    /* The head of it, when that is all a caller needs. */
    assert_int_equal(zt_rootfs_read(t->root_fd, "/etc/huge", 100, ZT_ROOTFS_HEAD, &head, &len), 0);
    assert_int_equal(len, 100);
    /* The cap itself is allowed, one byte more is not. */
    assert_int_equal(read_at(t, "/etc/ok", 7, 0, &exact), 0);
    assert_int_equal(read_at(t, "/etc/ok", 6, 0, &over), -EFBIG);
}

static void test_rootfs_proc_files_read_to_eof(void **state)
{
    _cleanup_free_ char *text = NULL, *head = NULL;
    size_t len = 0, hlen = 0;
    int root = zt_rootfs_open("/");

    assert_true(root >= 0);
    /* procfs says size 0: read to the end, bounded. */
    assert_int_equal(zt_rootfs_read(root, "/proc/self/status", 1024 * 1024, 0, &text, &len), 0);
    assert_true(len > 0);
    assert_non_null(strstr(text, "Name:"));
    assert_int_equal(zt_rootfs_read(root, "/proc/self/status", 4, 0, &head, &hlen), -EFBIG);
    assert_int_equal(zt_rootfs_read(root, "/proc/self/status", 5, ZT_ROOTFS_HEAD, &head, &hlen), 0);
    assert_string_equal(head, "Name:");
    /* /proc/self/exe is a magic link: its target is read, never followed. */
    char exe[4096];
    assert_true(zt_rootfs_readlink(root, "/proc/self/exe", exe, sizeof(exe)) > 0);
    assert_true(zt_endswith(exe, "/test_rootfs"));
    close(root);
}

static void test_read_file_at_wrapper(void **state)
{
    struct tree *t = *state;
    _cleanup_free_ char *text = NULL, *fifo = at(t->dir, "etc/fifo");

    assert_int_equal(zt_read_file_at(t->dir, "/etc/ok", 64, &text, NULL), 0);
    assert_string_equal(text, "inside\n");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    char *none = NULL;
    assert_int_equal(zt_read_file_at(t->dir, "/etc/fifo", 64, &none, NULL), -EBADFD);
    assert_int_equal(zt_read_file_at("/nonexistent-zt-root", "/etc/ok", 64, &none, NULL), -ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rootfs_regular_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rootfs_fifo_refused_without_blocking, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rootfs_socket_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rootfs_device_node_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rootfs_links_stay_inside, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rootfs_directory_link_stays_inside, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rootfs_dotdot_link_under_concurrent_renames, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rootfs_symlink_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rootfs_size_cap_before_reading, setup, teardown),
        cmocka_unit_test(test_rootfs_proc_files_read_to_eof),
        cmocka_unit_test_setup_teardown(test_read_file_at_wrapper, setup, teardown),
    };
    alarm(BLOCK_ALARM_SEC);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
