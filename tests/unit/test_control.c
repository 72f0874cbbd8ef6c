/* test_control.c - control protocol parsing, peer credential checks (a real client forked as
 * nobody is refused), request bounds, requests ended by EOF, idle and slow clients (timeouts, room
 * made at the connection cap, "busy" when every connection waits for a scan) and parked scan
 * waiters. */
#include "zt_test.h"

#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "control.h"

#define NOBODY      65534
#define SERVICE_GID 4242

static void test_control_parse_valid(void **state)
{
    struct zt_control_request r;
    char err[256];
    const char *l = "{\"command\":\"scan\",\"wait\":true}\n";

    assert_int_equal(zt_control_parse_request(l, strlen(l), &r, err, sizeof(err)), 0);
    assert_int_equal(r.cmd, ZT_CONTROL_SCAN);
    assert_true(r.wait);
    l = "{\"command\":\"status\"}";
    assert_int_equal(zt_control_parse_request(l, strlen(l), &r, err, sizeof(err)), 0);
    assert_int_equal(r.cmd, ZT_CONTROL_STATUS);
    assert_false(r.wait);
    for (int c = 0; c < _ZT_CONTROL_CMD_MAX; c++) {
        struct zt_control_request in = {.cmd = (enum zt_control_cmd)c, .wait = c == 0}, out;
        _cleanup_free_ char *line = zt_control_format_request(&in);
        assert_int_equal(zt_control_parse_request(line, strlen(line), &out, err, sizeof(err)), 0);
        assert_int_equal(out.cmd, in.cmd);
        assert_int_equal(out.wait, in.wait);
    }
}

static void expect_bad(const char *line, size_t len, int code, const char *msg)
{
    struct zt_control_request r = {.cmd = ZT_CONTROL_SHOW};
    char err[256] = "";

    assert_int_equal(zt_control_parse_request(line, len, &r, err, sizeof(err)), code);
    assert_non_null(strstr(err, msg));
    assert_int_equal(r.cmd, ZT_CONTROL_SHOW); /* untouched on failure */
}

static void test_control_parse_invalid(void **state)
{
    char big[ZT_CONTROL_REQUEST_MAX + 10];

    expect_bad("", 0, -EINVAL, "not a JSON object");
    expect_bad("scan", 4, -EINVAL, "not a JSON object");
    expect_bad("[1]", 3, -EINVAL, "not a JSON object");
    expect_bad("{\"command\":\"scan\"} x", 20, -EINVAL, "not a JSON object");
    expect_bad("{\"command\":\"reboot\"}", 20, -EINVAL, "unknown command");
    expect_bad("{\"command\":5}", 13, -EINVAL, "unexpected field");
    expect_bad("{\"wait\":true}", 13, -EINVAL, "no \"command\"");
    expect_bad("{\"command\":\"scan\",\"x\":1}", 24, -EINVAL, "unexpected field 'x'");
    expect_bad("{\"command\":\"scan\"}\n{}", 21, -EINVAL, "one line");
    expect_bad("{\"command\":\"s\0an\"}", 18, -EINVAL, "one line");
    expect_bad("{\"a\":{\"b\":{\"c\":{\"d\":{}}}}}", 26, -EINVAL, "not a JSON object"); /* depth */
    memset(big, ' ', sizeof(big));
    expect_bad(big, sizeof(big), -E2BIG, "longer than");
}

static void test_control_peer_allowed(void **state)
{
    const gid_t groups[] = {10, SERVICE_GID, 20};

    assert_true(zt_control_peer_allowed(0, 0, NULL, 0, 999, SERVICE_GID));
    assert_true(zt_control_peer_allowed(999, 999, NULL, 0, 999, SERVICE_GID)); /* itself */
    assert_true(zt_control_peer_allowed(NOBODY, SERVICE_GID, NULL, 0, 999, SERVICE_GID));
    assert_true(zt_control_peer_allowed(NOBODY, NOBODY, groups, 3, 999, SERVICE_GID));
    assert_false(zt_control_peer_allowed(NOBODY, NOBODY, groups, 1, 999, SERVICE_GID));
    assert_false(zt_control_peer_allowed(NOBODY, NOBODY, NULL, 0, 999, SERVICE_GID));
}

/* ---- a real server and forked clients ---- */

struct server {
    sd_event *e;
    struct zt_control *ctl;
    char dir[64], path[128];
    unsigned requests;
    int child_status;
    bool child_done;
};

static struct json_object *handler(const struct zt_control_request *req, void *userdata)
{
    struct server *s = userdata;
    s->requests++;
    if (req->cmd == ZT_CONTROL_SCAN && req->wait) {
        return NULL;
    }
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "ok", json_object_new_boolean(true));
    json_object_object_add(o, "echo", json_object_new_string(zt_control_cmd_to_string(req->cmd)));
    return o;
}

static void server_start(struct server *s)
{
    sigset_t ss;
    sigemptyset(&ss);
    sigaddset(&ss, SIGCHLD);
    sigprocmask(SIG_BLOCK, &ss, NULL);
    strcpy(s->dir, "/tmp/zt-control-XXXXXX");
    assert_non_null(mkdtemp(s->dir));
    chmod(s->dir, 0755);
    snprintf(s->path, sizeof(s->path), "%s/control", s->dir);
    assert_int_equal(sd_event_new(&s->e), 0);
    assert_int_equal(zt_control_listen(s->e, s->path, SERVICE_GID, handler, s, &s->ctl), 0);
}

static void server_stop(struct server *s)
{
    zt_control_free(s->ctl);
    assert_int_equal(access(s->path, F_OK), -1); /* the socket file is removed */
    sd_event_unref(s->e);
    rmdir(s->dir);
}

static int on_child_exit(sd_event_source *es, const siginfo_t *si, void *userdata)
{
    struct server *s = userdata;
    s->child_status = si->si_code == CLD_EXITED ? si->si_status : 128 + si->si_status;
    s->child_done = true;
    return 0;
}

static int on_answer(sd_event_source *es, uint64_t usec, void *userdata)
{
    struct server *s = userdata;
    _cleanup_json_ struct json_object *o = json_tokener_parse("{\"ok\":true,\"result\":{}}");
    assert_int_equal(zt_control_answer_waiters(s->ctl, o), 1);
    return 0;
}

/* Run fn in a child (as uid/gid when uid != 0) while the server's loop runs; returns its status. */
static int run_client(struct server *s, uid_t uid, gid_t gid, const gid_t *groups, size_t n,
                      int (*fn)(struct server *s))
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (uid != 0 && (setgroups(n, groups) < 0 || setgid(gid) < 0 || setuid(uid) < 0)) {
            _exit(99);
        }
        _exit(fn(s));
    }
    sd_event_source *src = NULL;
    uint64_t deadline = zt_now_mono_usec() + 20000000;
    assert_int_equal(sd_event_add_child(s->e, &src, pid, WEXITED, on_child_exit, s), 0);
    s->child_done = false;
    while (!s->child_done && zt_now_mono_usec() < deadline) {
        assert_true(sd_event_run(s->e, 1000000) >= 0);
    }
    if (!s->child_done) {
        kill(pid, SIGKILL); /* never leave a client behind holding ctest's pipe */
        waitpid(pid, NULL, 0);
        fail_msg("client did not finish in time");
    }
    sd_event_source_unref(src);
    return s->child_status;
}

static int client_status(struct server *s)
{
    struct zt_control_request req = {.cmd = ZT_CONTROL_STATUS};
    struct json_object *resp = NULL, *v;
    char err[512];
    if (zt_control_call(s->path, &req, 5000000, &resp, err, sizeof(err)) < 0) {
        fprintf(stderr, "client: %s\n", err);
        return 1;
    }
    bool ok = json_object_object_get_ex(resp, "ok", &v) && json_object_get_boolean(v);
    if (!ok && json_object_object_get_ex(resp, "error", &v)) {
        /* 2: refused with the reason the client can show */
        const char *e = json_object_get_string(v);
        return strstr(e, "permission denied") && strstr(e, "uid 65534") && strstr(e, "pid ") ? 2
                                                                                             : 3;
    }
    return ok ? 0 : 4;
}

static int client_wait(struct server *s)
{
    struct zt_control_request req = {.cmd = ZT_CONTROL_SCAN, .wait = true};
    struct json_object *resp = NULL, *v;
    char err[512];
    if (zt_control_call(s->path, &req, 5000000, &resp, err, sizeof(err)) < 0) {
        return 1;
    }
    return json_object_object_get_ex(resp, "result", &v) ? 0 : 5;
}

static int client_oversized(struct server *s)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    char buf[ZT_CONTROL_REQUEST_MAX + 100], resp[512] = "";
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    strcpy(sa.sun_path, s->path);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        return 1;
    }
    memset(buf, 'x', sizeof(buf));
    if (send(fd, buf, sizeof(buf), MSG_NOSIGNAL) < 0) {
        return 1;
    }
    ssize_t n = read(fd, resp, sizeof(resp) - 1);
    return n > 0 && strstr(resp, "longer than") ? 0 : 6;
}

static int raw_connect(const struct server *s)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct timeval tv = {.tv_sec = 15};

    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    strcpy(sa.sun_path, s->path);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Read what the daemon says until it closes (at most len - 1 bytes, NUL-terminated). */
static ssize_t read_all(int fd, char *buf, size_t len)
{
    size_t got = 0;
    ssize_t n;

    while (got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0) {
        got += (size_t)n;
    }
    buf[got] = '\0';
    return (ssize_t)got;
}

/* Send req with no newline, shut down the sending side, and look for want in the answer. */
static int eof_call(struct server *s, const char *req, const char *want)
{
    char resp[512];
    int fd = raw_connect(s);

    if (fd < 0 || send(fd, req, strlen(req), MSG_NOSIGNAL) < 0 || shutdown(fd, SHUT_WR) < 0) {
        return 1;
    }
    read_all(fd, resp, sizeof(resp));
    close(fd);
    return strstr(resp, want) ? 0 : 7;
}

/* A request ended by shutting down the sending side instead of a newline is answered. */
static int client_eof_request(struct server *s)
{
    return eof_call(s, "{\"command\":\"status\"}", "\"echo\":\"status\"");
}

/* The same for scan --wait: parked, then answered although the client shut down its side. */
static int client_eof_wait(struct server *s)
{
    return eof_call(s, "{\"command\":\"scan\",\"wait\":true}", "\"result\"");
}

/* A client that never speaks is told so and closed. */
static int client_silent(struct server *s)
{
    char resp[512];
    int fd = raw_connect(s);

    if (fd < 0) {
        return 1;
    }
    read_all(fd, resp, sizeof(resp));
    return strstr(resp, "no request within 2 s") ? 0 : 9;
}

/* One byte every 300 ms: cut off at the request deadline, before the request is complete. */
static int client_slowloris(struct server *s)
{
    static const char req[] = "{\"command\":\"status\"}\n";
    char resp[512] = "";
    int fd = raw_connect(s);

    if (fd < 0) {
        return 1;
    }
    for (size_t i = 0; i < sizeof(req) - 1; i++) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 300) > 0 || send(fd, req + i, 1, MSG_NOSIGNAL) < 0) {
            break; /* the daemon spoke or hung up */
        }
    }
    read_all(fd, resp, sizeof(resp));
    return strstr(resp, "request not complete within 5 s") ? 0 : 10;
}

#define FLOOD 100

/* 100 idle connections, then a real request: it is answered, and every idle one is closed with
 * a reason (room made for another client, or its idle timeout). */
static int client_flood(struct server *s)
{
    int fds[FLOOD];
    char resp[512];
    unsigned room = 0, idle = 0;

    for (size_t i = 0; i < FLOOD; i++) {
        if ((fds[i] = raw_connect(s)) < 0) {
            return 1;
        }
    }
    if (client_status(s) != 0) {
        return 11;
    }
    for (size_t i = 0; i < FLOOD; i++) {
        read_all(fds[i], resp, sizeof(resp));
        room += strstr(resp, "idle connection, another client needed the room") != NULL;
        idle += strstr(resp, "no request within") != NULL;
        close(fds[i]);
    }
    return room > 0 && room + idle == FLOOD ? 0 : 12;
}

/* One idle connection of another process, then a flood of idle connections: room is made by
 * closing the flooder's own, not the older connection of the other process (it meets its idle
 * timeout instead). */
static int client_flood_spares_others(struct server *s)
{
    int pipefd[2], fds[FLOOD], status = 0;
    char resp[512], c;

    if (pipe(pipefd) < 0) {
        return 1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        int fd = raw_connect(s);
        if (fd < 0 || write(pipefd[1], "c", 1) != 1) {
            _exit(1);
        }
        read_all(fd, resp, sizeof(resp));
        _exit(strstr(resp, "no request within 2 s") ? 0 : 15);
    }
    if (pid < 0 || read(pipefd[0], &c, 1) != 1) {
        return 1;
    }
    unsigned room = 0;
    for (size_t i = 0; i < FLOOD; i++) {
        if ((fds[i] = raw_connect(s)) < 0) {
            return 1;
        }
    }
    for (size_t i = 0; i < FLOOD; i++) {
        read_all(fds[i], resp, sizeof(resp));
        room += strstr(resp, "another client needed the room") != NULL;
        close(fds[i]);
    }
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
        return 1;
    }
    return WEXITSTATUS(status) ? WEXITSTATUS(status) : room >= FLOOD - ZT_CONTROL_CONN_MAX ? 0 : 16;
}

/* Every connection parked on a scan: a new client is told the daemon is busy, not reset. */
static int client_busy(struct server *s)
{
    static const char req[] = "{\"command\":\"scan\",\"wait\":true}\n";
    int fds[ZT_CONTROL_CONN_MAX];
    struct zt_control_request st = {.cmd = ZT_CONTROL_STATUS};
    struct json_object *resp = NULL, *v;
    char err[512];

    for (size_t i = 0; i < ZT_CONTROL_CONN_MAX; i++) {
        if ((fds[i] = raw_connect(s)) < 0 || send(fds[i], req, sizeof(req) - 1, 0) < 0) {
            return 1;
        }
    }
    if (zt_control_call(s->path, &st, 5000000, &resp, err, sizeof(err)) < 0) {
        fprintf(stderr, "client: %s\n", err);
        return 13;
    }
    bool busy =
        json_object_object_get_ex(resp, "error", &v) && strstr(json_object_get_string(v), "busy");
    json_object_put(resp);
    return busy ? 0 : 14;
}

static void test_control_server_roundtrip(void **state)
{
    struct server s = {0};
    struct stat st;

    server_start(&s);
    assert_int_equal(stat(s.path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0660);
    assert_int_equal(st.st_gid, SERVICE_GID);
    assert_int_equal(run_client(&s, 0, 0, NULL, 0, client_status), 0);
    assert_int_equal(run_client(&s, 0, 0, NULL, 0, client_oversized), 0);
    assert_int_equal(s.requests, 1);
    server_stop(&s);
}

static void test_control_request_ended_by_eof(void **state)
{
    struct server s = {0};
    sd_event_source *t = NULL;

    server_start(&s);
    assert_int_equal(run_client(&s, 0, 0, NULL, 0, client_eof_request), 0);
    assert_int_equal(sd_event_add_time_relative(s.e, &t, CLOCK_MONOTONIC, 300000, 0, on_answer, &s),
                     0);
    assert_int_equal(run_client(&s, 0, 0, NULL, 0, client_eof_wait), 0);
    assert_int_equal(s.requests, 2);
    sd_event_source_unref(t);
    server_stop(&s);
}

static void test_control_idle_and_slow_clients_are_cut_off(void **state)
{
    struct server s = {0};

    server_start(&s);
    assert_int_equal(run_client(&s, 0, 0, NULL, 0, client_silent), 0);
    assert_int_equal(run_client(&s, 0, 0, NULL, 0, client_slowloris), 0);
    assert_int_equal(s.requests, 0);
    assert_int_equal(zt_control_connections(s.ctl), 0);
    server_stop(&s);
}

static void test_control_flood_makes_room(void **state)
{
    struct server s = {0};

    server_start(&s);
    assert_int_equal(run_client(&s, 0, 0, NULL, 0, client_flood), 0);
    assert_int_equal(s.requests, 1);
    assert_int_equal(zt_control_connections(s.ctl), 0);
    server_stop(&s);
}

static void test_control_flood_evicts_the_flooder(void **state)
{
    struct server s = {0};

    server_start(&s);
    assert_int_equal(run_client(&s, 0, 0, NULL, 0, client_flood_spares_others), 0);
    assert_int_equal(zt_control_connections(s.ctl), 0);
    server_stop(&s);
}

static void test_control_busy_when_all_wait(void **state)
{
    struct server s = {0};

    server_start(&s);
    assert_int_equal(run_client(&s, 0, 0, NULL, 0, client_busy), 0);
    /* The client's exit hung up every parked waiter: none is left behind (one event is
     * dispatched per run). */
    uint64_t until = zt_now_mono_usec() + 10000000;
    while (zt_control_connections(s.ctl) > 0 && zt_now_mono_usec() < until) {
        assert_true(sd_event_run(s.e, 100000) >= 0);
    }
    assert_int_equal(zt_control_connections(s.ctl), 0);
    assert_int_equal(s.requests, ZT_CONTROL_CONN_MAX); /* the scan waiters, not the status */
    server_stop(&s);
}

static void test_control_scan_wait_parked(void **state)
{
    struct server s = {0};
    sd_event_source *t = NULL;

    server_start(&s);
    assert_int_equal(sd_event_add_time_relative(s.e, &t, CLOCK_MONOTONIC, 300000, 0, on_answer, &s),
                     0);
    assert_int_equal(run_client(&s, 0, 0, NULL, 0, client_wait), 0);
    sd_event_source_unref(t);
    server_stop(&s);
}

static void test_control_peer_refused(void **state)
{
    struct server s = {0};
    const gid_t member[] = {SERVICE_GID};

    if (geteuid() != 0) {
        skip(); /* needs setuid() to become another user */
    }
    server_start(&s);
    /* Open the file mode so that only the credential check stands in the way. */
    assert_int_equal(chmod(s.path, 0666), 0);
    assert_int_equal(run_client(&s, NOBODY, NOBODY, NULL, 0, client_status), 2);
    assert_int_equal(run_client(&s, NOBODY, NOBODY, member, 1, client_status), 0);
    assert_int_equal(run_client(&s, NOBODY, SERVICE_GID, NULL, 0, client_status), 0);
    assert_int_equal(s.requests, 2); /* the refused request never reached the handler */
    server_stop(&s);
}

static void test_control_call_no_daemon(void **state)
{
    struct zt_control_request req = {.cmd = ZT_CONTROL_STATUS};
    struct json_object *resp = NULL;
    char err[512];

    assert_int_equal(
        zt_control_call("/nonexistent/control", &req, 1000000, &resp, err, sizeof(err)), -ENOENT);
    assert_non_null(strstr(err, "is ztmmd running?"));
    assert_null(resp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_control_parse_valid),
        cmocka_unit_test(test_control_parse_invalid),
        cmocka_unit_test(test_control_peer_allowed),
        cmocka_unit_test(test_control_server_roundtrip),
        cmocka_unit_test(test_control_scan_wait_parked),
        cmocka_unit_test(test_control_request_ended_by_eof),
        cmocka_unit_test(test_control_idle_and_slow_clients_are_cut_off),
        cmocka_unit_test(test_control_flood_makes_room),
        cmocka_unit_test(test_control_flood_evicts_the_flooder),
        cmocka_unit_test(test_control_busy_when_all_wait),
        cmocka_unit_test(test_control_peer_refused),
        cmocka_unit_test(test_control_call_no_daemon),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
