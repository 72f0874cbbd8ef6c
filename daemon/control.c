/* control.c - the control socket server on sd-event: bounded requests, peer checks after the
 * request is read (so a refusal reaches the client instead of a reset), timeouts, and parked
 * connections that wait for a scan. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
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
    struct conn *conns;
    size_t n_conns;
};

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

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
    conn_free(userdata); /* a client too slow to send or to read */
    return 0;
}

static void conn_arm_timer(struct conn *c, uint64_t usec)
{
    c->timer = sd_event_source_disable_unref(c->timer);
    if (usec) {
        sd_event_add_time_relative(c->ctl->event, &c->timer, CLOCK_MONOTONIC, usec, 0, on_timer, c);
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
    conn_arm_timer(c, ZT_CONTROL_WRITE_TIMEOUT_USEC);
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
    /* Parked until the scan is done; watch only for the client hanging up. */
    c->state = CONN_WAITING;
    sd_event_source_set_io_events(c->io, EPOLLRDHUP);
    conn_arm_timer(c, 0);
}

static int conn_read(struct conn *c)
{
    ssize_t n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - 1 - c->in_len, 0);

    if (n < 0) {
        return errno == EAGAIN || errno == EINTR ? 0 : -errno;
    }
    if (n == 0) {
        return -ECONNRESET;
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

static int on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
    struct zt_control *ctl = userdata;
    int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

    if (cfd < 0) {
        return 0; /* EAGAIN, ECONNABORTED, EMFILE: try again on the next event */
    }
    if (ctl->n_conns >= ZT_CONTROL_CONN_MAX) {
        log_warning("control: %u connections open, refusing another", ZT_CONTROL_CONN_MAX);
        close(cfd);
        return 0;
    }
    struct conn *c = zt_xcalloc(1, sizeof(*c));
    *c = (struct conn){.ctl = ctl, .fd = cfd, .next = ctl->conns};
    if (ctl->conns) {
        ctl->conns->prev = c;
    }
    ctl->conns = c;
    ctl->n_conns++;
    if (sd_event_add_io(ctl->event, &c->io, cfd, EPOLLIN, on_conn, c) < 0) {
        conn_free(c);
        return 0;
    }
    conn_arm_timer(c, ZT_CONTROL_READ_TIMEOUT_USEC);
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
