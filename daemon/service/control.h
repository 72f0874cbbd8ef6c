/* control.h - the control socket: a line-based JSON protocol over AF_UNIX, peer-checked. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "sd_load.h"
#include "util.h"

struct json_object;

#define ZT_CONTROL_SOCKET             "control"                 /* in runtime_dir */
#define ZT_CONTROL_REQUEST_MAX        4096u                     /* bytes of one request line */
#define ZT_CONTROL_RESPONSE_MAX       (80u * 1024u * 1024u)     /* what a client accepts */
#define ZT_CONTROL_CONN_MAX           64u                       /* connections served at once */
#define ZT_CONTROL_IDLE_TIMEOUT_USEC  (2ull * ZT_USEC_PER_SEC)  /* connect to the first byte */
#define ZT_CONTROL_READ_TIMEOUT_USEC  (5ull * ZT_USEC_PER_SEC)  /* connect to the whole request */
#define ZT_CONTROL_WRITE_TIMEOUT_USEC (30ull * ZT_USEC_PER_SEC) /* to read the answer */

enum zt_control_cmd {
    ZT_CONTROL_SCAN,
    ZT_CONTROL_STATUS,
    ZT_CONTROL_SHOW,
    ZT_CONTROL_HISTORY, /* the trend summary of the kept results */
    _ZT_CONTROL_CMD_MAX,
};

const char *zt_control_cmd_to_string(enum zt_control_cmd c);

/* One request: {"command": "scan"|"status"|"show"|"history", "wait": true|false}, ended by a
 * newline or by the client shutting down its sending side (EOF). */
struct zt_control_request {
    enum zt_control_cmd cmd;
    bool wait; /* scan: answer when the scan is done, with its result */
};

/* Parse one request line (len bytes, no NUL needed; one trailing newline allowed). Returns 0,
 * or -EINVAL / -E2BIG with a message for the client in err. */
int zt_control_parse_request(const char *line, size_t len, struct zt_control_request *ret,
                             char *err, size_t errlen);
/* The request line for req (new string, newline-terminated). */
char *zt_control_format_request(const struct zt_control_request *req);

/* Whether a peer may use the socket: root, the daemon's own uid, or a member (primary or
 * supplementary) of the service group. */
bool zt_control_peer_allowed(uid_t uid, gid_t gid, const gid_t *groups, size_t n_groups,
                             uid_t self_uid, gid_t service_gid);
/* Check the peer of connected socket fd (SO_PEERCRED, SO_PEERGROUPS). Returns 0, -EPERM with
 * the reason in err, or another negative errno when the credentials cannot be read. */
int zt_control_peer_check(int fd, uid_t self_uid, gid_t service_gid, char *err, size_t errlen);

/* Client: connect to path, send req, read the response (at most ZT_CONTROL_RESPONSE_MAX) within
 * timeout_usec. Returns 0 and the response object, or a negative errno with a message in err. */
int zt_control_call(const char *path, const struct zt_control_request *req, uint64_t timeout_usec,
                    struct json_object **ret, char *err, size_t errlen);

/* Server. The handler answers a request with a response object (handed over), or returns NULL
 * to park the connection until zt_control_answer_waiters() (scan --wait). */
typedef struct json_object *(*zt_control_handler_t)(const struct zt_control_request *req,
                                                    void *userdata);
struct zt_control;

/* Listen on path (an old socket there is replaced; mode 0660), accepting peers allowed by
 * zt_control_peer_allowed() for service_gid. A client has ZT_CONTROL_IDLE_TIMEOUT_USEC to send
 * its first byte and ZT_CONTROL_READ_TIMEOUT_USEC for the whole request; at ZT_CONTROL_CONN_MAX
 * connections a new one makes room by closing one that has sent nothing (else one still sending)
 * of the peer holding the most, so idle or slow clients cannot lock others out. Returns 0 or a
 * negative errno. */
int zt_control_listen(sd_event *e, const char *path, gid_t service_gid,
                      zt_control_handler_t handler, void *userdata, struct zt_control **ret);
/* Send resp (borrowed) to every parked connection. Returns how many were waiting. */
size_t zt_control_answer_waiters(struct zt_control *ctl, struct json_object *resp);
/* Connections currently open (tests, status). */
size_t zt_control_connections(const struct zt_control *ctl);
/* Close every connection and the listening socket; unlink the socket file. */
void zt_control_free(struct zt_control *ctl);

/* A response {"ok": false, "error": msg} (new reference). */
struct json_object *zt_control_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
