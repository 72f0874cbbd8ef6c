/* control.c - the control socket server on sd-event: bounded requests (ended by a newline or
 * EOF), peer checks after the request is read (so a refusal reaches the client instead of a
 * reset), an idle timeout and a request deadline, room made for new clients by closing idle ones,
 * and parked connections that wait for a scan. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "control.h"
#include "log.h"
#include "util.h"

enum conn_state { CONN_READING, CONN_WAITING, CONN_WRITING };

struct conn {
    struct zt_control *ctl;
    struct conn *prev, *next;
    int fd;
    enum conn_state state;
    bool eof; /* the client shut down its sending side */
    uint64_t accepted_usec;
    uid_t peer_uid; /* SO_PEERCRED at accept ((uid_t)-1 if unknown): who to evict first */
    pid_t peer_pid;
    sd_event_source *io, *timer;
    char in[ZT_CONTROL_REQUEST_MAX + 2];
    size_t in_len;
    char *out;
    size_t out_len, out_pos;
};

struct zt_control {
    sd_event *event;
    int fd;
    sd_event_source *io;
    char *path;
    gid_t service_gid;
    zt_control_handler_t handler;
    void *userdata;
    struct conn *conns; /* newest first */
    size_t n_conns;
    unsigned evicted;        /* connections closed to make room, since evict_log_usec */
    uint64_t evict_log_usec; /* when evictions were last logged */
};

#define EVICT_LOG_INTERVAL_USEC (10ull * ZT_USEC_PER_SEC)

static void conn_free(struct conn *c)
{
    if (c->prev) {
        c->prev->next = c->next;
    } else {
        c->ctl->conns = c->next;
    }
    if (c->next) {
        c->next->prev = c->prev;
    }
    c->ctl->n_conns--;
    sd_event_source_disable_unref(c->io);
    sd_event_source_disable_unref(c->timer);
    zt_closep(&c->fd);
    free(c->out);
    free(c);
}

/* Tell a client why it is dropped, if its socket takes the line now, and close. */
static void conn_drop(struct conn *c, const char *why)
{
    _cleanup_json_ struct json_object *e = zt_control_error("%s", why);
    size_t len = 0;
    const char *s = json_object_to_json_string_length(e, JSON_C_TO_STRING_PLAIN, &len);
    struct iovec iov[2] = {{.iov_base = (void *)s, .iov_len = len},
                           {.iov_base = "\n", .iov_len = 1}};
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};

    (void)sendmsg(c->fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
    conn_free(c);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
    struct conn *c = userdata;
    char why[128];

    if (c->state != CONN_READING) {
        conn_free(c); /* a client too slow to read its answer */
        return 0;
    }
    if (c->in_len == 0) {
        snprintf(why, sizeof(why), "no request within %llu s of connecting",
                 (unsigned long long)(ZT_CONTROL_IDLE_TIMEOUT_USEC / ZT_USEC_PER_SEC));
    } else {
        snprintf(why, sizeof(why), "request not complete within %llu s of connecting",
                 (unsigned long long)(ZT_CONTROL_READ_TIMEOUT_USEC / ZT_USEC_PER_SEC));
    }
    log_debug("control: closing a connection: %s", why);
    conn_drop(c, why);
    return 0;
}

/* Arm the connection's one timer for monotonic time at_usec (0: none). */
static void conn_arm_timer(struct conn *c, uint64_t at_usec)
{
    c->timer = sd_event_source_disable_unref(c->timer);
    if (at_usec) {
        sd_event_add_time(c->ctl->event, &c->timer, CLOCK_MONOTONIC, at_usec, 0, on_timer, c);
    }
}

/* Queue resp (borrowed) and switch the connection to writing. */
static void conn_respond(struct conn *c, struct json_object *resp)
{
    size_t len = 0;
    const char *s = json_object_to_json_string_length(
        resp, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);

    c->out = zt_xmalloc(len + 1);
    memcpy(c->out, s, len);
    c->out[len] = '\n';
    c->out_len = len + 1;
    c->out_pos = 0;
    c->state = CONN_WRITING;
    sd_event_source_set_io_events(c->io, EPOLLOUT);
    conn_arm_timer(c, zt_now_mono_usec() + ZT_CONTROL_WRITE_TIMEOUT_USEC);
}

static void conn_handle(struct conn *c)
{
    struct zt_control_request req;
    char err[512];
    _cleanup_json_ struct json_object *resp = NULL;

    if (zt_control_peer_check(c->fd, geteuid(), c->ctl->service_gid, err, sizeof(err)) < 0) {
        log_warning("control: refused a client: %s", err);
        resp = zt_control_error("%s", err);
    } else if (zt_control_parse_request(c->in, c->in_len, &req, err, sizeof(err)) < 0) {
        resp = zt_control_error("bad request: %s", err);
    } else {
        resp = c->ctl->handler(&req, c->ctl->userdata);
    }
    if (resp) {
        conn_respond(c, resp);
        return;
    }
    /* Parked until the scan is done; watch only for the client hanging up: a full close (HUP,
     * always reported) once it has shut down its sending side, else that too. */
    c->state = CONN_WAITING;
    sd_event_source_set_io_events(c->io, c->eof ? 0 : EPOLLRDHUP);
    conn_arm_timer(c, 0);
}

static int conn_read(struct conn *c)
{
    ssize_t n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - 1 - c->in_len, 0);

    if (n < 0) {
        return errno == EAGAIN || errno == EINTR ? 0 : -errno;
    }
    if (n == 0) {
        if (c->in_len == 0) {
            return -ECONNRESET; /* hung up without a request: nobody to answer */
        }
        c->eof = true; /* a request ended by EOF (printf ... | socat): as good as a newline */
        conn_handle(c);
        return 0;
    }
    if (c->in_len == 0) {
        conn_arm_timer(c, c->accepted_usec + ZT_CONTROL_READ_TIMEOUT_USEC); /* it spoke */
    }
    char *nl = memchr(c->in + c->in_len, '\n', (size_t)n);
    c->in_len += (size_t)n;
    if (nl) {
        c->in_len = (size_t)(nl - c->in) + 1;
        conn_handle(c);
    } else if (c->in_len >= sizeof(c->in) - 1) {
        _cleanup_json_ struct json_object *e =
            zt_control_error("request longer than %u bytes", ZT_CONTROL_REQUEST_MAX);
        conn_respond(c, e);
    }
    return 0;
}

static int conn_write(struct conn *c)
{
    ssize_t n = send(c->fd, c->out + c->out_pos, c->out_len - c->out_pos, MSG_NOSIGNAL);

    if (n < 0) {
        return errno == EAGAIN || errno == EINTR ? 0 : -errno;
    }
    c->out_pos += (size_t)n;
    return c->out_pos == c->out_len ? -ECONNRESET /* done: close */ : 0;
}

static int on_conn(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
    struct conn *c = userdata;
    int r = 0;

    if (c->state == CONN_READING && (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
        r = conn_read(c);
    } else if (c->state == CONN_WRITING && (revents & (EPOLLOUT | EPOLLHUP | EPOLLERR))) {
        r = conn_write(c);
    } else if (c->state == CONN_WAITING) {
        r = -ECONNRESET; /* the client gave up waiting */
    }
    if (r < 0) {
        conn_free(c);
    }
    return 0;
}

/* How a reading connection may be closed to make room: 2 idle (has sent nothing, and no request
 * waits unread in its socket), 1 slow (part of a request), 0 not at all (a parked scan waiter,
 * an answer being written, a request about to be read). */
static int conn_evictable(struct conn *c)
{
    int pending = 0;

    if (c->state != CONN_READING) {
        return 0;
    }
    if (c->in_len > 0) {
        return 1;
    }
    return ioctl(c->fd, FIONREAD, &pending) == 0 && pending == 0 ? 2 : 0;
}

struct victim {
    struct conn *c;
    int kind;
    unsigned same_uid, same_pid; /* evictable connections of that kind of the same peer */
};

static bool victim_better(const struct victim *a, const struct victim *b)
{
    if (a->kind != b->kind) {
        return a->kind > b->kind;
    }
    if (a->same_uid != b->same_uid) {
        return a->same_uid > b->same_uid;
    }
    if (a->same_pid != b->same_pid) {
        return a->same_pid > b->same_pid;
    }
    return a->c->accepted_usec < b->c->accepted_usec;
}

/* At the cap: close an idle connection (else one still sending its request; both are at most
 * seconds from their own timeout anyway): of the user holding the most such connections, then
 * of its process holding the most, the oldest. So a flood of idle connections only ever evicts
 * itself while it holds more than a real client does. Returns whether room was made. */
static bool make_room(struct zt_control *ctl)
{
    struct victim v[ZT_CONTROL_CONN_MAX + 1], best = {0};
    size_t n = 0;

    for (struct conn *c = ctl->conns; c && n < ZT_ELEMENTSOF(v); c = c->next) {
        int kind = conn_evictable(c);
        if (kind) {
            v[n++] = (struct victim){.c = c, .kind = kind};
        }
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            bool same = v[j].kind == v[i].kind && v[j].c->peer_uid == v[i].c->peer_uid;
            v[i].same_uid += same;
            v[i].same_pid += same && v[j].c->peer_pid == v[i].c->peer_pid;
        }
        if (!best.c || victim_better(&v[i], &best)) {
            best = v[i];
        }
    }
    struct conn *victim = best.c;
    if (!victim) {
        return false;
    }
    uint64_t now = zt_now_mono_usec();
    if (++ctl->evicted == 1 || now - ctl->evict_log_usec >= EVICT_LOG_INTERVAL_USEC) {
        log_warning("control: %u connections open: closed %u idle or slow one(s) to serve new "
                    "clients",
                    ZT_CONTROL_CONN_MAX, ctl->evicted);
        ctl->evicted = 0;
        ctl->evict_log_usec = now;
    }
    conn_drop(victim, best.kind == 2 ? "closed: idle connection, another client needed the room"
                                     : "closed: request too slow, another client needed the room");
    return true;
}

static int on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
    struct zt_control *ctl = userdata;
    int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

    if (cfd < 0) {
        return 0; /* EAGAIN, ECONNABORTED, EMFILE: try again on the next event */
    }
    if (ctl->n_conns >= ZT_CONTROL_CONN_MAX && !make_room(ctl)) {
        static const char busy[] = "{\"ok\":false,\"error\":\"busy: every connection is waiting "
                                   "for a scan or its answer; try again\"}\n";
        log_warning("control: %u connections waiting for answers, refusing another",
                    ZT_CONTROL_CONN_MAX);
        (void)send(cfd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        close(cfd);
        return 0;
    }
    struct conn *c = zt_xcalloc(1, sizeof(*c));
    struct ucred cred = {.uid = (uid_t)-1};
    socklen_t len = sizeof(cred);
    (void)getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len);
    *c = (struct conn){.ctl = ctl,
                       .fd = cfd,
                       .next = ctl->conns,
                       .accepted_usec = zt_now_mono_usec(),
                       .peer_uid = cred.uid,
                       .peer_pid = cred.pid};
    if (ctl->conns) {
        ctl->conns->prev = c;
    }
    ctl->conns = c;
    ctl->n_conns++;
    if (sd_event_add_io(ctl->event, &c->io, cfd, EPOLLIN, on_conn, c) < 0) {
        conn_free(c);
        return 0;
    }
    conn_arm_timer(c, c->accepted_usec + ZT_CONTROL_IDLE_TIMEOUT_USEC);
    return 0;
}

static int bind_socket(const char *path, gid_t gid)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    _cleanup_close_ int fd = -1;

    if (strlen(path) >= sizeof(sa.sun_path)) {
        return -ENAMETOOLONG;
    }
    strcpy(sa.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    (void)unlink(path);       /* a stale socket of a previous run */
    mode_t old = umask(0117); /* created 0660 from the start: no window with wider access */
    int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    umask(old);
    if (r < 0 || listen(fd, 16) < 0) {
        return -errno;
    }
    if (chown(path, (uid_t)-1, gid) < 0 && errno != EPERM) {
        return -errno;
    }
    return TAKE_FD(fd);
}

int zt_control_listen(sd_event *e, const char *path, gid_t service_gid,
                      zt_control_handler_t handler, void *userdata, struct zt_control **ret)
{
    int fd = bind_socket(path, service_gid);

    if (fd < 0) {
        return fd;
    }
    struct zt_control *ctl = zt_xcalloc(1, sizeof(*ctl));
    *ctl = (struct zt_control){.event = sd_event_ref(e),
                               .fd = fd,
                               .path = zt_xstrdup(path),
                               .service_gid = service_gid,
                               .handler = handler,
                               .userdata = userdata};
    int r = sd_event_add_io(e, &ctl->io, fd, EPOLLIN, on_accept, ctl);
    if (r < 0) {
        zt_control_free(ctl);
        return r;
    }
    *ret = ctl;
    return 0;
}

size_t zt_control_answer_waiters(struct zt_control *ctl, struct json_object *resp)
{
    size_t n = 0;

    for (struct conn *c = ctl ? ctl->conns : NULL; c; c = c->next) {
        if (c->state == CONN_WAITING) {
            conn_respond(c, resp);
            n++;
        }
    }
    return n;
}

size_t zt_control_connections(const struct zt_control *ctl)
{
    return ctl ? ctl->n_conns : 0;
}

void zt_control_free(struct zt_control *ctl)
{
    if (!ctl) {
        return;
    }
    while (ctl->conns) {
        conn_free(ctl->conns);
    }
    sd_event_source_disable_unref(ctl->io);
    zt_closep(&ctl->fd);
    unlink(ctl->path);
    free(ctl->path);
    sd_event_unref(ctl->event);
    free(ctl);
}
