/* control_proto.c - control protocol pieces shared by daemon and client: request parsing, peer
 * credential checks, and the client call ztmmctl uses. */
#include <json-c/json.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "buf.h"
#include "control.h"
#include "util.h"

#define PEER_GROUPS_MAX 1024

static const char *const cmd_names[_ZT_CONTROL_CMD_MAX] = {[ZT_CONTROL_SCAN] = "scan",
                                                           [ZT_CONTROL_STATUS] = "status",
                                                           [ZT_CONTROL_SHOW] = "show",
                                                           [ZT_CONTROL_HISTORY] = "history"};

const char *zt_control_cmd_to_string(enum zt_control_cmd c)
{
    return c < _ZT_CONTROL_CMD_MAX ? cmd_names[c] : NULL;
}

struct json_object *zt_control_error(const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "ok", json_object_new_boolean(false));
    json_object_object_add(o, "error", json_object_new_string(msg));
    return o;
}

static int parse_fields(struct json_object *o, struct zt_control_request *req, char *err,
                        size_t errlen)
{
    bool have_cmd = false;

    json_object_object_foreach(o, key, val)
    {
        if (zt_streq(key, "command") && json_object_is_type(val, json_type_string)) {
            int c = -1;
            for (int i = 0; i < _ZT_CONTROL_CMD_MAX; i++) {
                c = zt_streq(json_object_get_string(val), cmd_names[i]) ? i : c;
            }
            if (c < 0) {
                snprintf(err, errlen, "unknown command '%.64s' (scan, status, show or history)",
                         json_object_get_string(val));
                return -EINVAL;
            }
            req->cmd = (enum zt_control_cmd)c;
            have_cmd = true;
        } else if (zt_streq(key, "wait") && json_object_is_type(val, json_type_boolean)) {
            req->wait = json_object_get_boolean(val);
        } else {
            snprintf(err, errlen, "unexpected field '%.64s' or wrong type", key);
            return -EINVAL;
        }
    }
    if (!have_cmd) {
        snprintf(err, errlen, "request has no \"command\"");
        return -EINVAL;
    }
    return 0;
}

int zt_control_parse_request(const char *line, size_t len, struct zt_control_request *ret,
                             char *err, size_t errlen)
{
    struct zt_control_request req = {0};

    if (len > 0 && line[len - 1] == '\n') {
        len--;
    }
    if (len > ZT_CONTROL_REQUEST_MAX) {
        snprintf(err, errlen, "request longer than %u bytes", ZT_CONTROL_REQUEST_MAX);
        return -E2BIG;
    }
    if (memchr(line, '\n', len) || memchr(line, '\0', len)) {
        snprintf(err, errlen, "request must be one line of JSON");
        return -EINVAL;
    }
    _cleanup_json_ struct json_object *o = NULL;
    char why[128];
    if (zt_json_parse(line, len, 4, &o, why, sizeof(why)) < 0 ||
        !json_object_is_type(o, json_type_object)) {
        snprintf(err, errlen, "request is not a JSON object");
        return -EINVAL;
    }
    int r = parse_fields(o, &req, err, errlen);
    if (r < 0) {
        return r;
    }
    *ret = req;
    return 0;
}

char *zt_control_format_request(const struct zt_control_request *req)
{
    return zt_xasprintf("{\"command\":\"%s\",\"wait\":%s}\n", zt_control_cmd_to_string(req->cmd),
                        req->wait ? "true" : "false");
}

bool zt_control_peer_allowed(uid_t uid, gid_t gid, const gid_t *groups, size_t n_groups,
                             uid_t self_uid, gid_t service_gid)
{
    if (uid == 0 || uid == self_uid || gid == service_gid) {
        return true;
    }
    for (size_t i = 0; i < n_groups; i++) {
        if (groups[i] == service_gid) {
            return true;
        }
    }
    return false;
}

int zt_control_peer_check(int fd, uid_t self_uid, gid_t service_gid, char *err, size_t errlen)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);
    gid_t groups[PEER_GROUPS_MAX];
    socklen_t glen = sizeof(groups);

    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
        snprintf(err, errlen, "cannot read peer credentials: %s", strerror(errno));
        return -errno;
    }
    /* SO_PEERGROUPS (Linux 4.13) gives the groups the peer had at connect(): no race with a
     * process that exits and whose pid is reused, unlike reading /proc/PID/status. */
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) < 0) {
        glen = 0; /* ERANGE (over PEER_GROUPS_MAX groups) or old kernel: primary group only */
    }
    size_t n = glen / sizeof(gid_t);
    if (zt_control_peer_allowed(cred.uid, cred.gid, groups, n, self_uid, service_gid)) {
        return 0;
    }
    snprintf(err, errlen,
             "permission denied: uid %u (gid %u, pid %d) is not root, the daemon's user or a "
             "member of its group (gid %u)",
             (unsigned)cred.uid, (unsigned)cred.gid, (int)cred.pid, (unsigned)service_gid);
    return -EPERM;
}

static int client_connect(const char *path, char *err, size_t errlen)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};

    if (strlen(path) >= sizeof(sa.sun_path)) {
        snprintf(err, errlen, "%s: socket path too long", path);
        return -ENAMETOOLONG;
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int r = -errno;
        snprintf(err, errlen, "cannot connect to %s: %s%s", path, strerror(-r),
                 r == -ENOENT || r == -ECONNREFUSED ? " (is ztmmd running?)" : "");
        zt_closep(&fd);
        return r;
    }
    return fd;
}

/* send() with MSG_NOSIGNAL: a daemon that hung up must not kill the client with SIGPIPE. */
static int send_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Wait for fd to become ready for events until deadline (monotonic usec). */
static int wait_fd(int fd, short events, uint64_t deadline)
{
    uint64_t now = zt_now_mono_usec();
    if (now >= deadline) {
        return -ETIMEDOUT;
    }
    struct pollfd p = {.fd = fd, .events = events};
    uint64_t left_ms = zt_usec_to_ms_ceil(deadline - now);
    int ms = (int)(left_ms > 86400000 ? 86400000 : left_ms);
    int r = poll(&p, 1, ms);
    return r < 0 ? (errno == EINTR ? 0 : -errno) : (r == 0 ? -ETIMEDOUT : 1);
}

#define RESPONSE_CHUNK 65536u /* bytes asked of one read() */

static int read_response(int fd, uint64_t deadline, char **ret, size_t *ret_len)
{
    struct zt_buf buf = {.max = ZT_CONTROL_RESPONSE_MAX};

    for (;;) {
        int r = wait_fd(fd, POLLIN, deadline);
        if (r < 0) {
            zt_buf_free(&buf);
            return r;
        }
        char *dst = zt_buf_space(&buf, RESPONSE_CHUNK);
        ssize_t n = read(fd, dst, RESPONSE_CHUNK);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (n <= 0) {
            /* A reset after an answer (the daemon closed without reading all we sent): the
             * answer stands. */
            if (n < 0 && !(errno == ECONNRESET && buf.n > 0)) {
                r = -errno;
                zt_buf_free(&buf);
                return r;
            }
            return zt_buf_take(&buf, ret, ret_len);
        }
        if (!zt_buf_commit(&buf, (size_t)n)) {
            zt_buf_free(&buf);
            return -EFBIG;
        }
    }
}

int zt_control_call(const char *path, const struct zt_control_request *req, uint64_t timeout_usec,
                    struct json_object **ret, char *err, size_t errlen)
{
    uint64_t deadline = zt_now_mono_usec() + timeout_usec;
    _cleanup_close_ int fd = client_connect(path, err, errlen);
    _cleanup_free_ char *line = zt_control_format_request(req), *text = NULL;
    size_t len = 0;

    if (fd < 0) {
        return fd;
    }
    int r = send_all(fd, line, strlen(line));
    /* A daemon that closed the connection early (busy, or refusing) may have said why first. */
    if (r >= 0 || r == -EPIPE || r == -ECONNRESET) {
        int rr = read_response(fd, deadline, &text, &len);
        r = r < 0 && (rr < 0 || len == 0) ? r : rr;
    }
    if (r < 0) {
        snprintf(err, errlen, "%s: %s", path,
                 r == -ETIMEDOUT ? "no answer from ztmmd in time" : strerror(-r));
        return r;
    }
    struct json_object *o = NULL;
    char why[128];
    if (zt_json_parse(text, len, 64, &o, why, sizeof(why)) < 0 ||
        !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        snprintf(err, errlen, "%s: the daemon's answer is not valid JSON (%zu bytes)", path, len);
        return -EBADMSG;
    }
    *ret = o;
    return 0;
}
