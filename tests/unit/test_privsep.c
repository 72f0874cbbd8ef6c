/* test_privsep.c - the scan split by privilege (scan_split.c, privsep.c): the network half holds
 * no capability and cannot read another uid's 0600 file, the host half holds only
 * CAP_DAC_READ_SEARCH and cannot open a socket or reach into another process but still reads
 * what it needs, secrets are opened before the drop, and a scan split in two gives
 * the same evidence as one run in a single process. */
#include "zt_test.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/seccomp.h>

#include "privsep.h"
#include "registry.h"
#include "scan.h"
#include "scan_exec.h"
#include "secret.h"

struct probe_state {
    char *path, *secret;
    uint64_t port;
    bool hang;
};

/* Emit what this process may do: read path, read the secret, connect to 127.0.0.1:port. */
static int probe_collect(void *state, struct zt_ctx *ctx)
{
    const struct probe_state *s = state;

    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
    struct __user_cap_data_struct caps[2] = {{0}};
    char byte = 'x', copy = 0;
    struct iovec local = {&copy, 1}, remote = {&byte, 1};

    zt_emit_bool(ctx, "probe.caps_held", zt_privsep_caps_held());
    syscall(SYS_capget, &hdr, caps);
    zt_emit_int(ctx, "probe.cap_eff", (int64_t)caps[1].effective << 32 | caps[0].effective);
    /* Into a process by its memory (here its own): what the host half must not do to another. */
    zt_emit_int(ctx, "probe.vm_read_errno",
                process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == 1 ? 0 : errno);
    if (s->path) {
        int fd = open(s->path, O_RDONLY | O_CLOEXEC);
        zt_emit_int(ctx, "probe.read_errno", fd < 0 ? errno : 0);
        if (fd >= 0) {
            close(fd);
        }
    }
    if (s->secret) {
        char *text = NULL, err[256];
        int r = zt_secret_read_file(s->secret, 0, &text, err, sizeof(err));
        zt_emit_int(ctx, "probe.secret_errno", -r);
        zt_secret_free(text);
    }
    while (s->hang) {
        pause(); /* ignores its cancellation: the scan abandons this thread */
    }
    if (s->port) {
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port)};
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int e = fd < 0 ? errno : connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? errno : 0;
        zt_emit_int(ctx, "probe.connect_errno", e);
        if (fd >= 0) {
            close(fd);
        }
    }
    return 0;
}

static const struct zt_option probe_options[] = {
    {"path", ZT_OPT_PATH, NULL, offsetof(struct probe_state, path), 0, "file to open"},
    {"secret", ZT_OPT_PATH, NULL, offsetof(struct probe_state, secret), ZT_OPT_SECRET, "secret"},
    {"port", ZT_OPT_UINT, "0", offsetof(struct probe_state, port), 0, "loopback port"},
    {"hang", ZT_OPT_BOOL, "no", offsetof(struct probe_state, hang), 0, "never return"},
    {.key = NULL},
};

static const struct zt_collector probe_net = {.name = "probe",
                                              .summary = "test",
                                              .options = probe_options,
                                              .state_size = sizeof(struct probe_state),
                                              .collect = probe_collect};
static const struct zt_collector probe_host = {.name = "probe_host",
                                               .summary = "test",
                                               .options = probe_options,
                                               .state_size = sizeof(struct probe_state),
                                               .flags = ZT_COLLECTOR_READS_HOST,
                                               .collect = probe_collect};
static const struct zt_collector *const registry[] = {&probe_net, &probe_host, NULL};

static struct zt_scan *split_scan(const char *text, const struct zt_collector *const *reg)
{
    struct zt_config *cfg = NULL;
    struct zt_scan *scan = NULL;
    char err[512];

    if (zt_config_load_string("/test.conf", text, reg, &cfg, err, sizeof(err)) < 0) {
        fail_msg("config: %s", err);
    }
    assert_int_equal(zt_scan_run_split(cfg, NULL, &scan), 0);
    zt_config_free(cfg);
    return scan;
}

/* The value of key as observed by instance name; fails when it was not observed. */
static struct json_object *observed(struct zt_scan *scan, const char *name, const char *key)
{
    const struct zt_evidence *e = NULL;
    size_t n = zt_evidence_lookup(&scan->evidence, key, &e);
    for (size_t i = 0; i < n; i++) {
        if (zt_streq(e[i].collector, name)) {
            return e[i].value;
        }
    }
    fail_msg("%s did not observe %s", name, key);
    return NULL;
}

static int observed_int(struct zt_scan *scan, const char *name, const char *key)
{
    return json_object_get_int(observed(scan, name, key));
}

/* A 0600 file of uid 65534 in a fresh directory: only a capability lets root read it. */
static char *other_uids_file(char *dir)
{
    assert_non_null(mkdtemp(dir));
    char *path = zt_xasprintf("%s/other", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "x\n", 2), 2);
    close(fd);
    assert_int_equal(chown(path, 65534, 65534), 0);
    assert_int_equal(chmod(path, 0600), 0);
    return path;
}

static void test_network_half_cannot_read_other_uids_0600_file(void **state)
{
    char dir[] = "/tmp/zt-privsep-XXXXXX";

    if (geteuid() != 0) {
        skip(); /* needs chown; a user without capabilities proves nothing here */
    }
    _cleanup_free_ char *path = other_uids_file(dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC); /* this process, with its capabilities, can */
    assert_true(fd >= 0);
    close(fd);
    _cleanup_free_ char *conf = zt_xasprintf("[collector:api]\ntype = probe\npath = %s\n"
                                             "[collector:host]\ntype = probe_host\npath = %s\n",
                                             path, path);
    _cleanup_(zt_scan_freep) struct zt_scan *scan = split_scan(conf, registry);
    assert_int_equal(scan->runs[0].status, ZT_RUN_OK);
    assert_false(json_object_get_boolean(observed(scan, "api", "probe.caps_held")));
    assert_int_equal(observed_int(scan, "api", "probe.read_errno"), EACCES);
    assert_int_equal(json_object_get_int64(observed(scan, "api", "probe.cap_eff")), 0);
    /* The host half keeps CAP_DAC_READ_SEARCH, and only it, and reads the file. */
    assert_int_equal(json_object_get_int64(observed(scan, "host", "probe.cap_eff")),
                     1ll << CAP_DAC_READ_SEARCH);
    assert_int_equal(observed_int(scan, "host", "probe.read_errno"), 0);
    unlink(path);
    rmdir(dir);
}

static int loopback_listener(uint16_t *port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 8), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    *port = ntohs(sa.sin_port);
    return fd;
}

static void test_host_half_cannot_connect(void **state)
{
    uint16_t port = 0;
    _cleanup_close_ int lfd = loopback_listener(&port); /* kept open for the test's length */
    assert_true(lfd >= 0);
    _cleanup_free_ char *conf = zt_xasprintf("[collector:host]\ntype = probe_host\nport = %u\n"
                                             "[collector:api]\ntype = probe\nport = %u\n",
                                             port, port);
    _cleanup_(zt_scan_freep) struct zt_scan *scan = split_scan(conf, registry);

    assert_int_equal(observed_int(scan, "host", "probe.connect_errno"), EAFNOSUPPORT);
    /* Nor reach into another process that could (the test reads its own memory). */
    assert_int_equal(observed_int(scan, "host", "probe.vm_read_errno"), EPERM);
    assert_int_equal(observed_int(scan, "api", "probe.vm_read_errno"), 0);
    /* The listener was there: the network half reaches it. */
    assert_int_equal(observed_int(scan, "api", "probe.connect_errno"), 0);
    /* The listening socket was not inherited by the halves (a clean descriptor table). */
    assert_int_equal(scan->runs[0].status, ZT_RUN_OK);
}

/* The service's case: a non-root user holding only CAP_DAC_READ_SEARCH, a root-owned 0600
 * secret. The network half reads the secret through the descriptor opened before its drop, and
 * not another root-only file. Runs in a child that becomes uid 65534; its exit status says
 * which check failed. */
static int service_user_child(const char *secret, const char *other)
{
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
    struct __user_cap_data_struct caps[2] = {{0}};
    const uint32_t dac = 1u << CAP_DAC_READ_SEARCH;

    caps[0].effective = caps[0].permitted = dac;
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setresgid(65534, 65534, 65534) < 0 ||
        setresuid(65534, 65534, 65534) < 0 || syscall(SYS_capset, &hdr, caps) < 0) {
        return 10;
    }
    _cleanup_free_ char *conf =
        zt_xasprintf("[collector:api]\ntype = probe\nsecret = %s\npath = %s\n", secret, other);
    _cleanup_(zt_scan_freep) struct zt_scan *scan = split_scan(conf, registry);
    const struct zt_evidence *e = NULL;
    if (zt_evidence_lookup(&scan->evidence, "probe.secret_errno", &e) != 1) {
        return 11;
    }
    int secret_errno = json_object_get_int(e->value);
    zt_evidence_lookup(&scan->evidence, "probe.read_errno", &e);
    return secret_errno != 0 ? 12 : json_object_get_int(e->value) != EACCES ? 13 : 0;
}

static void test_secret_opened_before_the_drop(void **state)
{
    char dir[] = "/tmp/zt-privsep-XXXXXX";
    int status = 0;

    if (geteuid() != 0) {
        skip();
    }
    assert_non_null(mkdtemp(dir));
    assert_int_equal(chmod(dir, 0755), 0);
    _cleanup_free_ char *secret = zt_xasprintf("%s/secret", dir);
    _cleanup_free_ char *other = zt_xasprintf("%s/other", dir);
    for (size_t i = 0; i < 2; i++) {
        int fd = open(i ? other : secret, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "s3cret\n", 7), 7);
        close(fd);
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        _exit(service_user_child(secret, other));
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    unlink(secret);
    unlink(other);
    rmdir(dir);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* A seccomp filter that refuses capset() with EPERM, as the unit's ~@privileged does. */
static int refuse_capset(void)
{
    struct sock_filter insns[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_capset, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof(insns) / sizeof(insns[0]), .filter = insns};
    return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
                   prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0
               ? -1
               : 0;
}

/* The unit's case exactly: the service user with CAP_DAC_READ_SEARCH as an ambient capability
 * (AmbientCapabilities=) and capset() refused by the system call filter. The network half still
 * ends with no capability (given up at its execve) and runs its collector; the host half keeps
 * CAP_DAC_READ_SEARCH and reads the root-only file. Exit status: which check failed. */
static int unit_user_child(const char *other)
{
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
    struct __user_cap_data_struct caps[2] = {{0}};
    const uint32_t dac = 1u << CAP_DAC_READ_SEARCH;
    const struct zt_evidence *e = NULL;

    caps[0].effective = caps[0].permitted = caps[0].inheritable = dac;
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setresgid(65534, 65534, 65534) < 0 ||
        setresuid(65534, 65534, 65534) < 0 || syscall(SYS_capset, &hdr, caps) < 0 ||
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_DAC_READ_SEARCH, 0, 0) < 0 ||
        refuse_capset() < 0) {
        return 10;
    }
    if (syscall(SYS_capset, &hdr, caps) == 0 || errno != EPERM) {
        return 11; /* the filter must refuse it, or this test proves nothing */
    }
    _cleanup_free_ char *conf = zt_xasprintf("[collector:api]\ntype = probe\npath = %s\n"
                                             "[collector:host]\ntype = probe_host\npath = %s\n",
                                             other, other);
    _cleanup_(zt_scan_freep) struct zt_scan *scan = split_scan(conf, registry);
    if (scan->runs[0].status != ZT_RUN_OK || scan->runs[1].status != ZT_RUN_OK) {
        fprintf(stderr, "api: %s; host: %s\n", scan->runs[0].error ? scan->runs[0].error : "",
                scan->runs[1].error ? scan->runs[1].error : "");
        return 12;
    }
    for (size_t i = 0; i < scan->evidence.n; i++) {
        e = &scan->evidence.v[i];
        int64_t v = json_object_get_int64(e->value);
        bool api = zt_streq(e->collector, "api");
        if ((zt_streq(e->key, "probe.cap_eff") && v != (api ? 0 : (int64_t)dac)) ||
            (zt_streq(e->key, "probe.read_errno") && v != (api ? EACCES : 0))) {
            fprintf(stderr, "%s: %s = %lld\n", e->collector, e->key, (long long)v);
            return 13;
        }
    }
    return 0;
}

static void test_unit_user_without_capset(void **state)
{
    char dir[] = "/tmp/zt-privsep-XXXXXX";
    int status = 0;

    if (geteuid() != 0) {
        skip();
    }
    _cleanup_free_ char *path = other_uids_file(dir);
    assert_int_equal(chown(path, 0, 0), 0); /* root-owned 0600: only the capability reads it */
    assert_int_equal(chmod(dir, 0755), 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        _exit(unit_user_child(path));
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    unlink(path);
    rmdir(dir);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* A collector that ignores its time limit is abandoned inside its half: the half still sends
 * its record (the thread dies with it), the caller's process has no thread to carry. */
static void test_abandoned_collector_stays_in_its_half(void **state)
{
    _cleanup_(zt_scan_freep) struct zt_scan *scan =
        split_scan("[collector:stuck]\ntype = probe\nhang = yes\ntimeout = 1s\n"
                   "[collector:host]\ntype = probe_host\n",
                   registry);

    assert_int_equal(scan->runs[0].status, ZT_RUN_PARTIAL); /* caps_held came before the hang */
    assert_non_null(strstr(scan->runs[0].error, "timed out after 1000 ms"));
    assert_int_equal(scan->runs[1].status, ZT_RUN_OK);
    assert_int_equal(scan->abandoned, 0);
}

/* Evidence without its observation time, as text: key, value, collector and detail. */
static char *evidence_text(struct zt_scan *scan)
{
    _cleanup_json_ struct json_object *arr = zt_evidence_set_to_json(&scan->evidence);
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object_object_del(json_object_array_get_idx(arr, i), "observed_at");
    }
    return zt_xstrdup(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN));
}

static void test_split_scan_gives_the_same_evidence(void **state)
{
    static const char conf[] =
        "[collector:host]\nroot = " ZT_SOURCE_DIR "/tests/fixtures/host/weak\n"
        "[collector:mine]\ntype = exec\ncommand = " ZT_SOURCE_DIR "/tests/fixtures/exec/good.sh\n";
    struct zt_config *cfg = NULL;
    struct zt_scan *one = NULL;
    char err[512];

    if (zt_config_load_string("/test.conf", conf, zt_collectors, &cfg, err, sizeof(err)) < 0) {
        fail_msg("config: %s", err);
    }
    assert_int_equal(zt_scan_run(cfg, &one), 0);
    _cleanup_(zt_scan_freep) struct zt_scan *split = split_scan(conf, zt_collectors);
    assert_int_equal(one->n_runs, split->n_runs);
    for (size_t i = 0; i < one->n_runs; i++) {
        assert_string_equal(one->runs[i].name, split->runs[i].name);
        assert_int_equal(one->runs[i].status, split->runs[i].status);
        assert_int_equal(one->runs[i].evidence, split->runs[i].evidence);
        assert_int_equal(one->runs[i].requests, split->runs[i].requests);
    }
    assert_true(one->evidence.n > 40);
    _cleanup_free_ char *a = evidence_text(one);
    _cleanup_free_ char *b = evidence_text(split);
    assert_string_equal(a, b);
    zt_scan_free(one);
    zt_config_free(cfg);
}

int main(int argc, char **argv)
{
    /* The halves are this program again (scan_exec.c): the probes and the real collectors. */
    const struct zt_collector *all[64] = {&probe_net, &probe_host};
    size_t n = 2;
    for (size_t i = 0; zt_collectors[i] && n + 1 < ZT_ELEMENTSOF(all); i++) {
        all[n++] = zt_collectors[i];
    }
    zt_scan_exec_main(argc, argv, all);

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_network_half_cannot_read_other_uids_0600_file),
        cmocka_unit_test(test_host_half_cannot_connect),
        cmocka_unit_test(test_secret_opened_before_the_drop),
        cmocka_unit_test(test_unit_user_without_capset),
        cmocka_unit_test(test_split_scan_gives_the_same_evidence),
        cmocka_unit_test(test_abandoned_collector_stays_in_its_half),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
