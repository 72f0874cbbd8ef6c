/* test_host_hostile.c - the host collector on a copy of the hardened tree where one path is made
 * hostile at test time (a FIFO, a device node, a socket, a link loop, a link out of the tree, a
 * huge sparse file): the collection finishes, one problem names the path, only the evidence of
 * the probe that needs that file is missing, and every other observation is exactly as on the
 * clean tree. An alarm turns a blocking open into a failure instead of a hang. */
#include <signal.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/un.h>

#include "host_test.h"

#define BLOCK_ALARM_SEC 60

/* Make path (relative to the tree) hostile; returns false to skip (mknod without privilege). */
typedef bool (*make_fn)(const char *tree, const char *full, const char *outside);

struct hostile {
    const char *name;
    const char *path; /* host path made hostile */
    make_fn make;
    const char *prefix; /* evidence keys that become unknown */
    const char *error;  /* the problem, after "cannot read <path>: " (or list) */
};

static bool replace_with_fifo(const char *tree, const char *full, const char *outside)
{
    assert_int_equal(unlink(full), 0);
    assert_int_equal(mkfifo(full, 0644), 0);
    return true;
}

static bool replace_with_device(const char *tree, const char *full, const char *outside)
{
    assert_int_equal(unlink(full), 0);
    if (mknod(full, S_IFCHR | 0644, makedev(1, 3)) < 0) {
        assert_int_equal(errno, EPERM);
        print_message("mknod: EPERM (not root, or no CAP_MKNOD): device node case skipped\n");
        return false;
    }
    return true;
}

static bool replace_with_socket(const char *tree, const char *full, const char *outside)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    assert_int_equal(unlink(full), 0);
    assert_true(strlen(full) < sizeof(sa.sun_path));
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", full);
    assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
    close(s); /* the socket file stays */
    return true;
}

static bool replace_with_loop(const char *tree, const char *full, const char *outside)
{
    _cleanup_free_ char *other = zt_xasprintf("%s.loop", full);
    _cleanup_free_ char *back = zt_xasprintf("%s.loop", strrchr(full, '/') + 1);
    assert_int_equal(unlink(full), 0);
    assert_int_equal(symlink(back, full), 0);
    assert_int_equal(symlink(strrchr(full, '/') + 1, other), 0);
    return true;
}

static bool replace_with_outside_link(const char *tree, const char *full, const char *outside)
{
    /* A real file out of the tree, with content that would change the facts if it were read. */
    put(outside, "evil",
        "PasswordAuthentication yes\nPermitRootLogin yes\n"
        "evil ALL=(ALL) NOPASSWD: ALL\n");
    _cleanup_free_ char *target = zt_xasprintf("%s/evil", outside);
    assert_int_equal(unlink(full), 0);
    assert_int_equal(symlink(target, full), 0);
    return true;
}

static bool replace_with_huge(const char *tree, const char *full, const char *outside)
{
    assert_int_equal(truncate(full, 2LL * 1024 * 1024 * 1024), 0); /* sparse 2 GiB */
    return true;
}

static const struct hostile cases[] = {
    {"fifo-sshd", "/etc/ssh/sshd_config", replace_with_fifo, "host.sshd.",
     "it is a FIFO, not a regular file"},
    {"fifo-sudoers", "/etc/sudoers", replace_with_fifo, "host.sudo.",
     "it is a FIFO, not a regular file"},
    {"fifo-include", "/etc/ssh/sshd_config.d/10-fake-hardening.conf", replace_with_fifo,
     "host.sshd.", "it is a FIFO, not a regular file"},
    {"device-crypttab", "/etc/crypttab", replace_with_device, "host.disk.",
     "it is a character device, not a regular file"},
    {"socket-pam", "/etc/pam.d/sshd", replace_with_socket, "host.pam.",
     "it is a socket, not a regular file"},
    {"loop-sudoers", "/etc/sudoers", replace_with_loop, "host.sudo.",
     "Too many levels of symbolic links"},
    {"outside-sshd", "/etc/ssh/sshd_config", replace_with_outside_link, "host.sshd.",
     "dangling symbolic link to /tmp/zt-hostile-out-"},
    {"huge-sshd", "/etc/ssh/sshd_config", replace_with_huge, "host.sshd.",
     "larger than 1048576 bytes, the limit per file"},
};

static char *copy_tree(const char *tag)
{
    char *dir = zt_xasprintf("/tmp/zt-hostile-%s-XXXXXX", tag);
    assert_non_null(mkdtemp(dir));
    _cleanup_free_ char *cmd = zt_xasprintf("cp -a %shardened/. %s/", FIXTURES, dir);
    assert_int_equal(system(cmd), 0);
    return dir;
}

static bool same_json(struct json_object *a, struct json_object *b)
{
    return zt_streq(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN),
                    json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN));
}

/* Every observation of clean outside prefix is in bad, equal; bad has nothing else. */
static void assert_only_prefix_missing(struct zt_ctx *clean, struct zt_ctx *bad, const char *prefix)
{
    struct zt_evidence_set *c = zt_ctx_evidence(clean), *b = zt_ctx_evidence(bad);
    size_t expected = 0;

    for (size_t i = 0; i < c->n; i++) {
        const struct zt_evidence *e = &c->v[i], *f = NULL;
        if (zt_startswith(e->key, prefix)) {
            continue;
        }
        expected++;
        if (zt_evidence_lookup(b, e->key, &f) != 1) {
            fail_msg("%s is missing on the hostile tree", e->key);
        }
        if (!same_json(e->value, f->value) || !same_json(e->detail, f->detail)) {
            fail_msg("%s differs: %s vs %s", e->key, json_object_to_json_string(e->value),
                     json_object_to_json_string(f->value));
        }
    }
    for (size_t i = 0; i < b->n; i++) {
        if (zt_startswith(b->v[i].key, prefix)) {
            fail_msg("%s was emitted from a hostile file", b->v[i].key);
        }
    }
    assert_int_equal(b->n, expected);
}

static void test_hostile_paths(void **state)
{
    int r;
    _cleanup_free_ char *clean_dir = copy_tree("clean");
    struct zt_ctx *clean = collect(clean_dir, &r);

    assert_int_equal(r, 0);
    assert_int_equal(zt_ctx_error_count(clean), 0);
    for (size_t i = 0; i < ZT_ELEMENTSOF(cases); i++) {
        const struct hostile *h = &cases[i];
        _cleanup_free_ char *dir = copy_tree(h->name);
        _cleanup_free_ char *outside = zt_xstrdup("/tmp/zt-hostile-out-XXXXXX");
        _cleanup_free_ char *full = zt_xasprintf("%s%s", dir, h->path);
        assert_non_null(mkdtemp(outside));
        if (!h->make(dir, full, outside)) {
            rm_tree(dir);
            rm_tree(outside);
            continue;
        }
        print_message("case %s: %s\n", h->name, h->path);
        struct zt_ctx *bad = collect(dir, &r);
        assert_int_equal(r, 0); /* problems, not a failed collection */
        assert_int_equal(zt_ctx_error_count(bad), 1);
        _cleanup_free_ char *want = zt_xasprintf("cannot read %s: %s", h->path, h->error);
        if (!zt_startswith(zt_ctx_first_error(bad), want)) {
            fail_msg("case %s: problem \"%s\", expected \"%s...\"", h->name,
                     zt_ctx_first_error(bad), want);
        }
        assert_only_prefix_missing(clean, bad, h->prefix);
        zt_ctx_free(bad);
        rm_tree(dir);
        rm_tree(outside);
    }
    zt_ctx_free(clean);
    rm_tree(clean_dir);
}

/* A directory of includes that is a FIFO, or that links out of the tree to a directory holding a
 * NOPASSWD rule: never listed from outside, and the rule is not counted. */
static void test_hostile_include_directory(void **state)
{
    int r;
    _cleanup_free_ char *dir = copy_tree("incdir");
    _cleanup_free_ char *outside = zt_xstrdup("/tmp/zt-hostile-out-XXXXXX");
    _cleanup_free_ char *sudoers_d = zt_xasprintf("%s/etc/sudoers.d", dir);
    _cleanup_free_ char *cmd = zt_xasprintf("rm -rf %s", sudoers_d);

    assert_non_null(mkdtemp(outside));
    put(outside, "evil", "evil ALL=(ALL) NOPASSWD: ALL\n");
    assert_int_equal(system(cmd), 0);
    assert_int_equal(mkfifo(sudoers_d, 0755), 0);
    struct zt_ctx *ctx = collect(dir, &r);
    assert_int_equal(zt_ctx_error_count(ctx), 1);
    assert_string_equal(zt_ctx_first_error(ctx),
                        "cannot list /etc/sudoers.d: it is a FIFO, not a directory");
    assert_evidence_absent(ctx, "host.sudo.nopasswd_rules");
    zt_ctx_free(ctx);

    assert_int_equal(unlink(sudoers_d), 0);
    assert_int_equal(symlink(outside, sudoers_d), 0);
    ctx = collect(dir, &r);
    assert_int_equal(zt_ctx_error_count(ctx), 0); /* resolves inside the tree: not there */
    assert_evidence_int(ctx, "host.sudo.nopasswd_rules", 0);
    assert_null(strstr(detail_string(ctx, "host.sudo.installed"), "evil"));
    zt_ctx_free(ctx);
    rm_tree(dir);
    rm_tree(outside);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_paths),
        cmocka_unit_test(test_hostile_include_directory),
    };
    alarm(BLOCK_ALARM_SEC);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
