/* test_outbox.c - the durable outbox: order, cursors across reopen, a torn tail, corruption,
 * the size bound and its drop counts, filtering, locking, unusable directories. */
#include "zt_test.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "outbox.h"

static char dir[256];

static int setup(void **state)
{
    snprintf(dir, sizeof(dir), "%s/test_outbox.XXXXXX", ZT_BINARY_DIR);
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int teardown(void **state)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd);
}

static const struct zt_outbox_sink two[] = {{"a", 0}, {"b", ZT_OUTBOX_PASSING}};

static struct zt_outbox *open_ob(uint64_t max)
{
    struct zt_outbox *ob = NULL;
    char err[512];
    int r = zt_outbox_open(dir, max, two, 2, &ob, err, sizeof(err));
    if (r < 0) {
        fail_msg("open: %s", err);
    }
    return ob;
}

static void append(struct zt_outbox *ob, size_t from, size_t n, size_t size)
{
    char **p = calloc(n, sizeof(*p));
    size_t *lens = calloc(n, sizeof(*lens));
    unsigned *flags = calloc(n, sizeof(*flags));
    char err[512];
    for (size_t i = 0; i < n; i++) {
        p[i] = malloc(size + 1);
        int k = snprintf(p[i], size + 1, "event-%zu", from + i);
        memset(p[i] + k, '.', size - (size_t)k);
        p[i][size] = '\0';
        lens[i] = size;
        flags[i] = (from + i) % 2 ? ZT_OUTBOX_PASSING : 0; /* odd ones "pass" */
    }
    if (zt_outbox_append(ob, (const char *const *)p, lens, flags, n, NULL, err, sizeof(err)) < 0) {
        fail_msg("append: %s", err);
    }
    for (size_t i = 0; i < n; i++) {
        free(p[i]);
    }
    free(p), free(lens), free(flags);
}

/* Read everything sink i has, acknowledging as it goes; returns the count, the event numbers
 * in got[]. */
static size_t drain(struct zt_outbox *ob, size_t i, size_t *got, size_t max)
{
    struct zt_outbox_record recs[7];
    size_t n = 0;
    uint64_t upto;
    char err[512];
    for (;;) {
        int k = zt_outbox_read(ob, i, recs, 7, 1 << 20, &upto, err, sizeof(err));
        assert_true(k >= 0);
        if (k == 0) {
            assert_int_equal(zt_outbox_ack(ob, i, upto, 0, 0, 0, err, sizeof(err)), 0);
            return n;
        }
        for (int j = 0; j < k; j++) {
            assert_true(n < max);
            assert_int_equal(sscanf(recs[j].payload, "event-%zu", &got[n]), 1);
            n++;
        }
        assert_int_equal(zt_outbox_ack(ob, i, upto, (uint64_t)k, 0, 0, err, sizeof(err)), 0);
        zt_outbox_records_done(recs, (size_t)k);
    }
}

static void test_outbox_order_filter_and_cursors(void **state)
{
    struct zt_outbox *ob = open_ob(0);
    size_t got[200];
    struct zt_outbox_cursor c;
    uint64_t pending;

    append(ob, 0, 50, 100);
    zt_outbox_cursor(ob, 0, &c, &pending);
    assert_int_equal(pending, 50);
    zt_outbox_cursor(ob, 1, &c, &pending);
    assert_int_equal(pending, 25); /* b skips the passing ones */
    /* a reads 20 and acknowledges them, then the process "stops" */
    struct zt_outbox_record recs[20];
    uint64_t upto;
    char err[256];
    assert_int_equal(zt_outbox_read(ob, 0, recs, 20, 1 << 20, &upto, err, sizeof(err)), 20);
    assert_int_equal(upto, 20);
    assert_int_equal(zt_outbox_ack(ob, 0, upto, 20, 0, 0, err, sizeof(err)), 0);
    zt_outbox_records_done(recs, 20);
    /* and reads 5 more it never acknowledges */
    assert_int_equal(zt_outbox_read(ob, 0, recs, 5, 1 << 20, &upto, err, sizeof(err)), 5);
    zt_outbox_records_done(recs, 5);
    zt_outbox_free(ob);

    ob = open_ob(0);
    append(ob, 50, 10, 100);
    size_t n = drain(ob, 0, got, 200);
    assert_int_equal(n, 40); /* 20..59: the unacknowledged five again, in order */
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(got[i], 20 + i);
    }
    n = drain(ob, 1, got, 200);
    assert_int_equal(n, 30); /* the even ones of 0..59 */
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(got[i], 2 * i);
    }
    zt_outbox_cursor(ob, 0, &c, &pending);
    assert_int_equal(c.delivered, 60);
    assert_int_equal(pending, 0);
    zt_outbox_cursor(ob, 1, &c, &pending);
    assert_int_equal(c.delivered, 30);
    assert_int_equal(c.skipped, 30);
    assert_int_equal(pending, 0);
    zt_outbox_free(ob);
}

static void test_outbox_segments_rotate_and_are_collected(void **state)
{
    struct zt_outbox *ob = open_ob(0);
    size_t got[700];

    /* 640 records of 32 KiB: about 2.5 segments */
    for (size_t i = 0; i < 640; i += 64) {
        append(ob, i, 64, 32 * 1024);
    }
    assert_true(zt_outbox_bytes(ob) > 2u * ZT_OUTBOX_SEGMENT_SIZE);
    assert_int_equal(drain(ob, 0, got, 700), 640);
    assert_true(zt_outbox_bytes(ob) > 2u * ZT_OUTBOX_SEGMENT_SIZE); /* b has not read yet */
    assert_int_equal(drain(ob, 1, got, 700), 320);
    /* every sink is done: only the segment being appended to is left */
    assert_true(zt_outbox_bytes(ob) <= ZT_OUTBOX_SEGMENT_SIZE + 64u * 1024u);
    zt_outbox_free(ob);
}

static char *seg_path(uint64_t first)
{
    return zt_xasprintf("%s/outbox/%016llx.seg", dir, (unsigned long long)first);
}

static void test_outbox_torn_tail_is_cut(void **state)
{
    struct zt_outbox *ob = open_ob(0);
    size_t got[100];
    struct stat st;

    append(ob, 0, 10, 200);
    zt_outbox_free(ob);
    /* A crash in the middle of the next append: half a record at the end. */
    _cleanup_free_ char *p = seg_path(1);
    assert_int_equal(stat(p, &st), 0);
    int fd = open(p, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "ZTOB\x10\x00\x00\x00garbage", 15), 15);
    close(fd);
    ob = open_ob(0);
    struct stat st2;
    assert_int_equal(stat(p, &st2), 0);
    assert_int_equal(st2.st_size, st.st_size); /* cut back to the last whole record */
    append(ob, 10, 5, 200);                    /* and appending goes on after it */
    assert_int_equal(drain(ob, 0, got, 100), 15);
    for (size_t i = 0; i < 15; i++) {
        assert_int_equal(got[i], i);
    }
    zt_outbox_free(ob);
}

static void test_outbox_corrupt_record_is_skipped_and_counted(void **state)
{
    struct zt_outbox *ob = open_ob(0);
    size_t got[100];
    struct zt_outbox_cursor c;
    uint64_t pending;

    append(ob, 0, 10, 100);
    /* Flip a payload byte of record 4 (seq 4) while the outbox is open (bit rot under it). */
    _cleanup_free_ char *p = seg_path(1);
    int fd = open(p, O_RDWR);
    assert_true(fd >= 0);
    off_t off = 3 * (ZT_OUTBOX_HEADER + 100) + ZT_OUTBOX_HEADER + 50;
    assert_int_equal(pwrite(fd, "X", 1, off), 1);
    close(fd);
    size_t n = drain(ob, 0, got, 100);
    assert_int_equal(n, 9);
    assert_int_equal(got[3], 4); /* event-3 is gone, the rest arrive */
    zt_outbox_cursor(ob, 0, &c, &pending);
    assert_int_equal(c.dropped, 1);
    assert_int_equal(c.delivered, 9);
    zt_outbox_free(ob);
}

static void test_outbox_bound_drops_oldest_and_counts(void **state)
{
    /* about 3 segments of room */
    struct zt_outbox *ob = open_ob(3u * ZT_OUTBOX_SEGMENT_SIZE);
    size_t *got = calloc(2000, sizeof(*got));
    struct zt_outbox_cursor c;
    uint64_t pending;
    char err[256];

    for (size_t i = 0; i < 1600; i += 100) {
        append(ob, i, 100, 32 * 1024); /* 1600 x 32 KiB = 50 MiB into 24 MiB */
    }
    assert_true(zt_outbox_bytes(ob) <= 3u * ZT_OUTBOX_SEGMENT_SIZE);
    /* The drop counts are on disk before any sink acknowledges anything. */
    zt_outbox_free(ob);
    ob = open_ob(3u * ZT_OUTBOX_SEGMENT_SIZE);
    zt_outbox_cursor(ob, 1, &c, &pending);
    assert_true(c.dropped > 0);
    assert_int_equal(c.dropped + pending, 800);
    size_t n = drain(ob, 0, got, 2000);
    zt_outbox_cursor(ob, 0, &c, &pending);
    /* what was not dropped arrives, newest last, and the sum is exact */
    assert_true(n > 0 && n < 1600);
    assert_int_equal(got[n - 1], 1599);
    assert_int_equal(c.dropped + c.delivered, 1600);
    zt_outbox_cursor(ob, 1, &c, &pending);
    assert_int_equal(c.dropped + pending, 800); /* b only counts what it carries */
    /* one scan larger than the whole bound is refused, not half kept */
    char *big[1] = {calloc(1, 64)};
    size_t lens[1] = {64};
    struct zt_outbox *tiny = NULL;
    zt_outbox_free(ob);
    assert_int_equal(zt_outbox_open(dir, 32, two, 2, &tiny, err, sizeof(err)), 0);
    assert_int_equal(
        zt_outbox_append(tiny, (const char *const *)big, lens, NULL, 1, NULL, err, sizeof(err)),
        -ENOSPC);
    assert_non_null(strstr(err, "outbox_max"));
    zt_outbox_free(tiny);
    free(big[0]);
    free(got);
}

static void test_outbox_lock_and_unusable_dir(void **state)
{
    struct zt_outbox *ob = open_ob(0), *other = NULL;
    char err[512];
    int status;

    /* another process cannot take it */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int r = zt_outbox_open(dir, 0, two, 2, &other, err, sizeof(err));
        _exit(r == -EBUSY && strstr(err, "in use by another ztmmd process") ? 0 : 1);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    zt_outbox_free(ob);

    /* a state directory that is a file */
    _cleanup_free_ char *file = zt_xasprintf("%s/not-a-dir", dir);
    int fd = open(file, O_WRONLY | O_CREAT, 0600);
    close(fd);
    assert_true(zt_outbox_open(file, 0, two, 2, &other, err, sizeof(err)) < 0);
    assert_non_null(strstr(err, "not-a-dir/outbox"));
    /* a segment that is not a regular file */
    _cleanup_free_ char *seg = seg_path(0x100);
    assert_int_equal(mkdir(seg, 0700), 0);
    assert_int_equal(zt_outbox_open(dir, 0, two, 2, &other, err, sizeof(err)), -EBADMSG);
    assert_non_null(strstr(err, "0000000000000100.seg"));
    rmdir(seg);
}

/* A segment longer than any the outbox writes is refused by name, never read into memory whole,
 * and left as it was (nothing deleted). */
static void test_outbox_oversize_segment_is_refused(void **state)
{
    struct zt_outbox *ob = open_ob(0), *other = NULL;
    char err[512];
    struct stat st;

    append(ob, 0, 3, 100);
    zt_outbox_free(ob);
    _cleanup_free_ char *p = seg_path(1);
    off_t huge = (off_t)ZT_OUTBOX_SEGMENT_SIZE + ZT_OUTBOX_HEADER + ZT_OUTBOX_RECORD_MAX + 1;
    assert_int_equal(truncate(p, huge), 0); /* sparse: no disk used */
    assert_int_equal(zt_outbox_open(dir, 0, two, 2, &other, err, sizeof(err)), -EFBIG);
    assert_non_null(strstr(err, "0000000000000001.seg"));
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_size, huge);
}

static void test_outbox_new_sink_starts_at_the_end(void **state)
{
    struct zt_outbox *ob = open_ob(0);
    size_t got[100];
    append(ob, 0, 10, 50);
    zt_outbox_free(ob);
    static const struct zt_outbox_sink three[] = {{"a", 0}, {"c", 0}};
    char err[256];
    assert_int_equal(zt_outbox_open(dir, 0, three, 2, &ob, err, sizeof(err)), 0);
    append(ob, 10, 3, 50);
    assert_int_equal(drain(ob, 0, got, 100), 13); /* a: everything */
    assert_int_equal(drain(ob, 1, got, 100), 3);  /* c: from its creation on */
    assert_int_equal(got[0], 10);
    zt_outbox_free(ob);
    /* b's cursor was removed with b */
    _cleanup_free_ char *p = zt_xasprintf("%s/outbox/cursor-b", dir);
    assert_int_equal(access(p, F_OK), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_outbox_order_filter_and_cursors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outbox_segments_rotate_and_are_collected, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_outbox_torn_tail_is_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outbox_corrupt_record_is_skipped_and_counted, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_outbox_bound_drops_oldest_and_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outbox_lock_and_unusable_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outbox_new_sink_starts_at_the_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outbox_oversize_segment_is_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
