/* outbox.c - the durable outbox: segmented append-only log, per-sink cursors, crash recovery.
 *
 * On disk, under STATE_DIR/outbox:
 *   lock                   locked (fcntl F_SETLK) by the process that owns the outbox
 *   %016llx.seg            a segment, named by the seq of its first record (seqs are contiguous)
 *   cursor-NAME            "ztmmd-outbox-cursor/1 ACKED DELIVERED DROPPED SKIPPED\n" per sink
 * A record is a 24-byte little-endian header {magic "ZTOB", payload length, seq, flags, crc32 of
 * the header's first 20 bytes and the payload} followed by the payload (one event, JSON). */
#include "outbox.h"

#include <dirent.h>
#include <endian.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "file.h"
#include "util.h"

#define MAGIC         0x424f545au /* "ZTOB" read as little-endian */
#define CURSOR_SCHEMA "ztmmd-outbox-cursor/1"

struct segment {
    uint64_t first; /* seq of its first record */
    uint64_t last;  /* seq of its last record; first - 1 when empty */
    uint64_t bytes;
};

/* A read window on a segment file: records are read through it, so walking headers or reading a
 * batch costs one pread() per window instead of two per record. Segments are append-only, so
 * bytes once read stay true; bytes past a short read are read again when asked for. */
#define WINDOW (64u * 1024u)
struct window {
    unsigned char *buf;
    size_t cap, len;
    uint64_t off; /* file offset of buf[0] */
};

struct reader {
    char *name;
    unsigned skip;
    struct zt_outbox_cursor c;
    uint64_t read_seq;  /* last seq handed out or passed over */
    uint64_t lost_upto; /* records up to here were deleted (counted dropped), even in flight */
    uint64_t pending;   /* records it carries after c.acked, not yet finished */
    int fd;             /* open segment and the offset of record read_seq + 1 in it */
    uint64_t fd_first;
    uint64_t off;
    struct window win; /* on fd */
};

struct zt_outbox {
    pthread_mutex_t mu;
    char *path;
    int dir_fd, lock_fd, tail_fd;
    uint64_t max_bytes, bytes, next_seq;
    struct segment *segs;
    size_t n_segs;
    struct reader *rd;
    size_t n_rd;
};

struct header {
    uint32_t len;
    uint64_t seq;
    uint32_t flags;
};

static void encode_header(unsigned char *h, const struct header *x, const void *payload)
{
    uint32_t v32 = htole32(MAGIC);
    memcpy(h, &v32, 4);
    v32 = htole32(x->len);
    memcpy(h + 4, &v32, 4);
    uint64_t v64 = htole64(x->seq);
    memcpy(h + 8, &v64, 8);
    v32 = htole32(x->flags);
    memcpy(h + 16, &v32, 4);
    uLong crc = crc32(crc32(0L, Z_NULL, 0), h, 20);
    crc = crc32(crc, payload, x->len);
    v32 = htole32((uint32_t)crc);
    memcpy(h + 20, &v32, 4);
}

/* Decode a header; false when it is not one (magic, length). */
static bool decode_header(const unsigned char *h, struct header *x, uint32_t *crc)
{
    uint32_t v32;
    uint64_t v64;

    memcpy(&v32, h, 4);
    if (le32toh(v32) != MAGIC) {
        return false;
    }
    memcpy(&v32, h + 4, 4);
    x->len = le32toh(v32);
    memcpy(&v64, h + 8, 8);
    x->seq = le64toh(v64);
    memcpy(&v32, h + 16, 4);
    x->flags = le32toh(v32);
    memcpy(&v32, h + 20, 4);
    *crc = le32toh(v32);
    return x->len <= ZT_OUTBOX_RECORD_MAX;
}

static bool crc_ok(const unsigned char *h, const void *payload, uint32_t len, uint32_t want)
{
    uLong crc = crc32(crc32(0L, Z_NULL, 0), h, 20);
    return (uint32_t)crc32(crc, payload, len) == want;
}

/* Copy n bytes at file offset off of fd into dst through w. Returns 0, or -EIO at the end of the
 * file (a short segment) or -errno. */
static int window_read(int fd, struct window *w, uint64_t off, void *dst, size_t n)
{
    if (off < w->off || off + n > w->off + w->len) {
        size_t want = n > WINDOW ? n : WINDOW;
        if (w->cap < want) {
            free(w->buf);
            w->buf = zt_xmalloc(want);
            w->cap = want;
        }
        w->off = off;
        w->len = 0;
        while (w->len < want) {
            ssize_t k = pread(fd, w->buf + w->len, want - w->len, (off_t)(off + w->len));
            if (k < 0 && errno == EINTR) {
                continue;
            }
            if (k < 0) {
                return -errno;
            }
            if (k == 0) {
                break;
            }
            w->len += (size_t)k;
        }
        if (w->len < n) {
            return -EIO;
        }
    }
    memcpy(dst, w->buf + (off - w->off), n);
    return 0;
}

static void window_reset(struct window *w)
{
    w->len = 0;
    w->off = 0;
}

static void window_free(struct window *w)
{
    free(w->buf);
    *w = (struct window){0};
}

/* Whether a valid record starts at data[off]; its total size through *size. */
static bool record_at(const unsigned char *data, size_t len, size_t off, struct header *x,
                      size_t *size)
{
    uint32_t crc;
    if (len - off < ZT_OUTBOX_HEADER || !decode_header(data + off, x, &crc) ||
        len - off - ZT_OUTBOX_HEADER < x->len ||
        !crc_ok(data + off, data + off + ZT_OUTBOX_HEADER, x->len, crc)) {
        return false;
    }
    *size = ZT_OUTBOX_HEADER + x->len;
    return true;
}

size_t zt_outbox_scan(const unsigned char *data, size_t len, size_t *n, size_t *resync)
{
    struct header x;
    size_t off = 0, size = 0, count = 0;
    uint64_t prev = 0;

    while (off < len && record_at(data, len, off, &x, &size) && (count == 0 || x.seq == prev + 1)) {
        prev = x.seq;
        off += size;
        count++;
    }
    *n = count;
    *resync = len;
    for (size_t p = off + 1; off < len && p < len; p++) {
        if (record_at(data, len, p, &x, &size)) {
            *resync = p;
            break;
        }
    }
    return off;
}

/* ---- files ------------------------------------------------------------------------------------
 */

static char *seg_name(uint64_t first)
{
    return zt_xasprintf("%016" PRIx64 ".seg", first);
}

/* The most a segment can hold: it is closed once past ZT_OUTBOX_SEGMENT_SIZE, so its last record
 * may reach beyond it by one record. A longer file is not one the outbox wrote. */
#define SEGMENT_FILE_MAX (ZT_OUTBOX_SEGMENT_SIZE + ZT_OUTBOX_HEADER + ZT_OUTBOX_RECORD_MAX)
#define CURSOR_FILE_MAX  256u

static int read_all_at(int dir_fd, const char *name, size_t max, unsigned char **ret, size_t *len)
{
    _cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

    if (fd < 0) {
        return -errno;
    }
    return zt_read_fd(fd, max, false, (char **)ret, len);
}

static int write_cursor(struct zt_outbox *ob, const struct reader *r)
{
    _cleanup_free_ char *name = zt_xasprintf("cursor-%s", r->name);
    _cleanup_free_ char *text =
        zt_xasprintf(CURSOR_SCHEMA " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", r->c.acked,
                     r->c.delivered, r->c.dropped, r->c.skipped);

    /* Not synced on purpose: a cursor older than the truth after a crash only resends a batch,
     * whose events keep their ids. */
    return zt_write_atomic_nosync(ob->dir_fd, name, text, strlen(text));
}

static void read_cursor(struct zt_outbox *ob, struct reader *r, bool *found)
{
    _cleanup_free_ char *name = zt_xasprintf("cursor-%s", r->name);
    unsigned char *buf = NULL;
    size_t len = 0;
    char schema[32];

    *found = false;
    if (read_all_at(ob->dir_fd, name, CURSOR_FILE_MAX, &buf, &len) < 0) {
        return;
    }
    if (sscanf((char *)buf, "%31s %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64, schema,
               &r->c.acked, &r->c.delivered, &r->c.dropped, &r->c.skipped) == 5 &&
        zt_streq(schema, CURSOR_SCHEMA)) {
        *found = true;
    }
    free(buf);
}

static int cmp_seg(const void *a, const void *b)
{
    const struct segment *x = a, *y = b;
    return x->first < y->first ? -1 : x->first > y->first;
}

/* List the segments and the cursor files of sinks no longer configured (removed). */
static int list_dir(struct zt_outbox *ob, char *err, size_t errlen)
{
    int fd = openat(ob->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *de;

    if (!d) {
        int r = -errno;
        snprintf(err, errlen, "cannot list %s: %s", ob->path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return r;
    }
    while ((de = readdir(d))) {
        uint64_t first;
        char tail[8];
        if (sscanf(de->d_name, "%16" SCNx64 ".%7s", &first, tail) == 2 && zt_streq(tail, "seg") &&
            strlen(de->d_name) == 20) {
            ob->segs = zt_xrealloc(ob->segs, (ob->n_segs + 1) * sizeof(*ob->segs));
            ob->segs[ob->n_segs++] = (struct segment){.first = first, .last = first - 1};
        } else if (zt_startswith(de->d_name, "cursor-")) {
            bool known = false;
            for (size_t i = 0; i < ob->n_rd; i++) {
                known |= zt_streq(de->d_name + strlen("cursor-"), ob->rd[i].name);
            }
            if (!known) {
                unlinkat(ob->dir_fd, de->d_name, 0);
            }
        }
    }
    closedir(d);
    if (ob->n_segs > 1) { /* qsort() of NULL (a new, empty outbox) is undefined */
        qsort(ob->segs, ob->n_segs, sizeof(*ob->segs), cmp_seg);
    }
    return 0;
}

/* Sizes of every segment, the last seq of each (contiguous seqs: the next one's first - 1), and
 * the valid prefix of the last one: a torn or corrupt tail is cut there. */
static int recover(struct zt_outbox *ob, char *err, size_t errlen)
{
    for (size_t i = 0; i < ob->n_segs; i++) {
        struct segment *s = &ob->segs[i];
        _cleanup_free_ char *name = seg_name(s->first);
        struct stat st;
        if (fstatat(ob->dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode)) {
            snprintf(err, errlen, "%s/%s is not a readable regular file", ob->path, name);
            return -EBADMSG;
        }
        s->bytes = (uint64_t)st.st_size;
        if (i + 1 < ob->n_segs) {
            s->last = ob->segs[i + 1].first - 1;
            continue;
        }
        unsigned char *data = NULL;
        size_t len = 0, n = 0, resync = 0;
        int r = read_all_at(ob->dir_fd, name, SEGMENT_FILE_MAX, &data, &len);
        if (r < 0) {
            snprintf(err, errlen, "cannot read %s/%s: %s", ob->path, name, strerror(-r));
            return r;
        }
        size_t valid = zt_outbox_scan(data, len, &n, &resync);
        struct header x;
        size_t size;
        /* The first record must carry the segment's own first seq. */
        if (n > 0 && (!record_at(data, len, 0, &x, &size) || x.seq != s->first)) {
            valid = 0;
            n = 0;
        }
        free(data);
        if (valid < len) {
            _cleanup_close_ int fd = openat(ob->dir_fd, name, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
            if (fd < 0 || ftruncate(fd, (off_t)valid) < 0 || fdatasync(fd) < 0) {
                r = -errno;
                snprintf(err, errlen, "cannot cut the torn tail of %s/%s: %s", ob->path, name,
                         strerror(errno));
                return r;
            }
            fprintf(stderr,
                    "ztmmd: outbox: %s/%s: cut %zu bytes of a torn or corrupt tail after %zu "
                    "records\n",
                    ob->path, name, len - valid, n);
        }
        s->bytes = valid;
        s->last = s->first + n - 1;
    }
    for (size_t i = 0; i < ob->n_segs; i++) {
        ob->bytes += ob->segs[i].bytes;
    }
    ob->next_seq = ob->n_segs ? ob->segs[ob->n_segs - 1].last + 1 : 1;
    return 0;
}

/* Visit the headers of records first..end of the log (flags only, payloads skipped). */
static void count_wanted(struct zt_outbox *ob, struct reader *r)
{
    r->pending = 0;
    for (size_t i = 0; i < ob->n_segs; i++) {
        struct segment *s = &ob->segs[i];
        if (s->last <= r->c.acked || s->last < s->first) {
            continue;
        }
        _cleanup_free_ char *name = seg_name(s->first);
        _cleanup_close_ int fd = openat(ob->dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        unsigned char h[ZT_OUTBOX_HEADER];
        struct header x;
        uint32_t crc;
        for (uint64_t off = 0; fd >= 0 && off + ZT_OUTBOX_HEADER <= s->bytes;) {
            if (window_read(fd, &r->win, off, h, sizeof(h)) < 0 || !decode_header(h, &x, &crc)) {
                break;
            }
            if (x.seq > r->c.acked && !(x.flags & r->skip)) {
                r->pending++;
            }
            off += ZT_OUTBOX_HEADER + x.len;
        }
        window_reset(&r->win); /* it was on fd, closed now */
    }
}

int zt_outbox_open(const char *dir, uint64_t max_bytes, const struct zt_outbox_sink *sinks,
                   size_t n_sinks, struct zt_outbox **ret, char *err, size_t errlen)
{
    _cleanup_(zt_outbox_freep) struct zt_outbox *ob = zt_xcalloc(1, sizeof(*ob));
    int r;

    pthread_mutex_init(&ob->mu, NULL);
    ob->dir_fd = ob->lock_fd = ob->tail_fd = -1;
    ob->max_bytes = max_bytes;
    ob->path = zt_path_join(dir, "/" ZT_OUTBOX_DIR);
    if ((mkdir(dir, 0750) < 0 && errno != EEXIST) ||
        (mkdir(ob->path, 0750) < 0 && errno != EEXIST)) {
        r = -errno;
        snprintf(err, errlen, "cannot create the outbox %s: %s", ob->path, strerror(errno));
        return r;
    }
    ob->dir_fd = open(ob->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (ob->dir_fd < 0) {
        r = -errno;
        snprintf(err, errlen, "cannot open the outbox %s: %s", ob->path, strerror(errno));
        return r;
    }
    ob->lock_fd = openat(ob->dir_fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (ob->lock_fd < 0) {
        r = -errno;
        snprintf(err, errlen, "cannot write in the outbox %s: %s", ob->path, strerror(errno));
        return r;
    }
    /* A POSIX record lock, not flock(): it belongs to this process and is not inherited by the
     * forked scan workers, so a reload can take it again while a worker still runs. */
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(ob->lock_fd, F_SETLK, &fl) < 0) {
        r = errno == EACCES || errno == EAGAIN ? -EBUSY : -errno;
        struct flock who = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        if (r == -EBUSY && fcntl(ob->lock_fd, F_GETLK, &who) == 0 && who.l_type != F_UNLCK) {
            snprintf(err, errlen, "the outbox %s is in use by another ztmmd process (pid %d)",
                     ob->path, (int)who.l_pid);
        } else {
            snprintf(err, errlen, "cannot lock the outbox %s: %s", ob->path, strerror(-r));
        }
        return r;
    }
    /* A probe write: an unwritable state directory is a clear error now, not a loss later. */
    if (faccessat(ob->dir_fd, ".", W_OK, AT_EACCESS) < 0) {
        r = -errno;
        snprintf(err, errlen, "cannot write in the outbox %s: %s", ob->path, strerror(errno));
        return r;
    }
    ob->rd = zt_xcalloc(n_sinks ? n_sinks : 1, sizeof(*ob->rd));
    ob->n_rd = n_sinks;
    for (size_t i = 0; i < n_sinks; i++) {
        ob->rd[i] = (struct reader){
            .name = zt_xstrdup(sinks[i].name), .skip = sinks[i].skip_flags, .fd = -1};
    }
    r = list_dir(ob, err, errlen);
    if (r >= 0) {
        r = recover(ob, err, errlen);
    }
    if (r < 0) {
        return r;
    }
    for (size_t i = 0; i < ob->n_rd; i++) {
        struct reader *rd = &ob->rd[i];
        bool found;
        read_cursor(ob, rd, &found);
        if (!found || rd->c.acked >= ob->next_seq) {
            /* New to this outbox (or the log was removed under it): start at the end. */
            uint64_t d = rd->c.delivered, dr = rd->c.dropped, sk = rd->c.skipped;
            rd->c = (struct zt_outbox_cursor){
                .acked = ob->next_seq - 1, .delivered = d, .dropped = dr, .skipped = sk};
        }
        if (ob->n_segs && rd->c.acked + 1 < ob->segs[0].first) {
            rd->c.acked = ob->segs[0].first - 1; /* what it missed was counted when dropped */
        }
        rd->read_seq = rd->c.acked;
        count_wanted(ob, rd);
        r = write_cursor(ob, rd);
        if (r < 0) {
            snprintf(err, errlen, "cannot write in the outbox %s: %s", ob->path, strerror(-r));
            return r;
        }
    }
    *ret = TAKE_PTR(ob);
    return 0;
}

void zt_outbox_free(struct zt_outbox *ob)
{
    if (!ob) {
        return;
    }
    for (size_t i = 0; i < ob->n_rd; i++) {
        if (ob->rd[i].fd >= 0) {
            close(ob->rd[i].fd);
        }
        window_free(&ob->rd[i].win);
        free(ob->rd[i].name);
    }
    free(ob->rd);
    free(ob->segs);
    if (ob->tail_fd >= 0) {
        close(ob->tail_fd);
    }
    if (ob->lock_fd >= 0) {
        close(ob->lock_fd); /* releases the lock */
    }
    if (ob->dir_fd >= 0) {
        close(ob->dir_fd);
    }
    free(ob->path);
    pthread_mutex_destroy(&ob->mu);
    free(ob);
}

void zt_outbox_freep(struct zt_outbox **ob)
{
    zt_outbox_free(*ob);
}

/* ---- dropping the oldest segment ---------------------------------------------------------------
 */

static void drop_oldest(struct zt_outbox *ob)
{
    struct segment s = ob->segs[0];
    _cleanup_free_ char *name = seg_name(s.first);
    _cleanup_close_ int fd = openat(ob->dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    unsigned char h[ZT_OUTBOX_HEADER];
    struct header x;
    uint32_t crc;
    struct window w = {0};

    /* Each reader loses the records of the segment it carries and has not finished, those it
     * holds in flight included: if the process ends before they are delivered, they are gone. */
    for (uint64_t off = 0; fd >= 0 && off + ZT_OUTBOX_HEADER <= s.bytes;) {
        if (window_read(fd, &w, off, h, sizeof(h)) < 0 || !decode_header(h, &x, &crc)) {
            break;
        }
        for (size_t i = 0; i < ob->n_rd; i++) {
            struct reader *r = &ob->rd[i];
            if (x.seq > r->c.acked && !(x.flags & r->skip)) {
                r->c.dropped++;
                r->pending -= r->pending > 0;
            }
        }
        off += ZT_OUTBOX_HEADER + x.len;
    }
    window_free(&w);
    for (size_t i = 0; i < ob->n_rd; i++) {
        struct reader *r = &ob->rd[i];
        if (r->read_seq < s.last) {
            r->read_seq = s.last;
        }
        if (r->lost_upto < s.last) {
            r->lost_upto = s.last;
        }
        if (r->c.acked < s.last) {
            r->c.acked = s.last;
        }
        if (r->fd >= 0 && r->fd_first == s.first) {
            close(r->fd);
            r->fd = -1;
            window_reset(&r->win);
        }
    }
    if (ob->n_segs == 1 && ob->tail_fd >= 0) {
        close(ob->tail_fd);
        ob->tail_fd = -1;
    }
    unlinkat(ob->dir_fd, name, 0);
    ob->bytes -= s.bytes;
    memmove(ob->segs, ob->segs + 1, (ob->n_segs - 1) * sizeof(*ob->segs));
    ob->n_segs--;
    /* The drop counts must outlive the process even if no sink acknowledges anything later. */
    for (size_t i = 0; i < ob->n_rd; i++) {
        write_cursor(ob, &ob->rd[i]);
    }
}

/* ---- append -----------------------------------------------------------------------------------
 */

static int open_tail(struct zt_outbox *ob, char *err, size_t errlen)
{
    struct segment *last = ob->n_segs ? &ob->segs[ob->n_segs - 1] : NULL;

    if (last && last->bytes < ZT_OUTBOX_SEGMENT_SIZE) {
        if (ob->tail_fd < 0) {
            _cleanup_free_ char *name = seg_name(last->first);
            ob->tail_fd = openat(ob->dir_fd, name, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
            if (ob->tail_fd < 0) {
                int r = -errno;
                snprintf(err, errlen, "cannot open %s/%s: %s", ob->path, name, strerror(errno));
                return r;
            }
        }
        return 0;
    }
    _cleanup_free_ char *name = seg_name(ob->next_seq);
    if (ob->tail_fd >= 0) {
        close(ob->tail_fd);
    }
    ob->tail_fd = openat(ob->dir_fd, name,
                         O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (ob->tail_fd < 0 || fsync(ob->dir_fd) < 0) {
        int r = -errno;
        snprintf(err, errlen, "cannot create %s/%s: %s", ob->path, name, strerror(errno));
        if (ob->tail_fd >= 0) {
            close(ob->tail_fd);
            ob->tail_fd = -1;
            unlinkat(ob->dir_fd, name, 0);
        }
        return r;
    }
    ob->segs = zt_xrealloc(ob->segs, (ob->n_segs + 1) * sizeof(*ob->segs));
    ob->segs[ob->n_segs++] =
        (struct segment){.first = ob->next_seq, .last = ob->next_seq - 1, .bytes = 0};
    return 0;
}

static int append_locked(struct zt_outbox *ob, const char *const *payloads, const size_t *lens,
                         const unsigned *flags, size_t n, uint64_t *first_seq, char *err,
                         size_t errlen)
{
    uint64_t add = 0;

    for (size_t i = 0; i < n; i++) {
        if (lens[i] > ZT_OUTBOX_RECORD_MAX) {
            snprintf(err, errlen, "an event of %zu bytes is larger than the outbox takes (%u)",
                     lens[i], ZT_OUTBOX_RECORD_MAX);
            return -EFBIG;
        }
        add += ZT_OUTBOX_HEADER + lens[i];
    }
    if (ob->max_bytes && add > ob->max_bytes) {
        snprintf(err, errlen,
                 "the scan's %zu events (%" PRIu64 " bytes) do not fit in outbox_max (%" PRIu64
                 " bytes)",
                 n, add, ob->max_bytes);
        return -ENOSPC;
    }
    while (ob->max_bytes && ob->n_segs > 0 && ob->bytes + add > ob->max_bytes) {
        drop_oldest(ob);
    }
    int r = open_tail(ob, err, errlen);
    if (r < 0) {
        return r;
    }
    struct segment *seg = &ob->segs[ob->n_segs - 1];
    _cleanup_free_ unsigned char *buf = zt_xmalloc(add ? add : 1);
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        struct header x = {
            .len = (uint32_t)lens[i], .seq = ob->next_seq + i, .flags = flags ? flags[i] : 0};
        encode_header(buf + off, &x, payloads[i]);
        memcpy(buf + off + ZT_OUTBOX_HEADER, payloads[i], lens[i]);
        off += ZT_OUTBOX_HEADER + lens[i];
    }
    r = zt_write_all(ob->tail_fd, buf, add);
    if (r == 0 && fdatasync(ob->tail_fd) < 0) {
        r = -errno;
    }
    if (r < 0) {
        _cleanup_free_ char *name = seg_name(seg->first);
        snprintf(err, errlen, "cannot write %s/%s: %s", ob->path, name, strerror(-r));
        /* All or nothing: cut what part of the batch reached the file. */
        if (ftruncate(ob->tail_fd, (off_t)seg->bytes) < 0) {
            close(ob->tail_fd);
            ob->tail_fd = -1;
        }
        return r;
    }
    if (first_seq) {
        *first_seq = ob->next_seq;
    }
    seg->bytes += add;
    seg->last = ob->next_seq + n - 1;
    ob->bytes += add;
    ob->next_seq += n;
    for (size_t k = 0; k < ob->n_rd; k++) {
        for (size_t i = 0; i < n; i++) {
            ob->rd[k].pending += !((flags ? flags[i] : 0) & ob->rd[k].skip);
        }
    }
    return 0;
}

int zt_outbox_append(struct zt_outbox *ob, const char *const *payloads, const size_t *lens,
                     const unsigned *flags, size_t n, uint64_t *first_seq, char *err, size_t errlen)
{
    pthread_mutex_lock(&ob->mu);
    int r = append_locked(ob, payloads, lens, flags, n, first_seq, err, errlen);
    pthread_mutex_unlock(&ob->mu);
    return r;
}

uint64_t zt_outbox_last_seq(struct zt_outbox *ob)
{
    pthread_mutex_lock(&ob->mu);
    uint64_t v = ob->next_seq - 1;
    pthread_mutex_unlock(&ob->mu);
    return v;
}

uint64_t zt_outbox_bytes(struct zt_outbox *ob)
{
    pthread_mutex_lock(&ob->mu);
    uint64_t v = ob->bytes;
    pthread_mutex_unlock(&ob->mu);
    return v;
}

/* ---- read -------------------------------------------------------------------------------------
 */

static struct segment *segment_of(struct zt_outbox *ob, uint64_t seq)
{
    for (size_t i = 0; i < ob->n_segs; i++) {
        if (seq >= ob->segs[i].first && seq <= ob->segs[i].last) {
            return &ob->segs[i];
        }
    }
    return NULL;
}

/* Position reader r on record seq in segment s (open it, find the offset). Returns 0, -ENOENT
 * when the record is not there (corrupt: resynced past it), or -errno. */
static int position(struct zt_outbox *ob, struct reader *r, struct segment *s, uint64_t seq)
{
    if (r->fd < 0 || r->fd_first != s->first) {
        _cleanup_free_ char *name = seg_name(s->first);
        if (r->fd >= 0) {
            close(r->fd);
        }
        window_reset(&r->win);
        r->fd = openat(ob->dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (r->fd < 0) {
            return -errno;
        }
        r->fd_first = s->first;
        r->off = 0;
        if (seq == s->first) {
            return 0;
        }
    } else if (r->read_seq + 1 == seq) {
        return 0; /* r->off is where the next record starts */
    }
    /* Walk the headers from the start of the segment. */
    unsigned char h[ZT_OUTBOX_HEADER];
    struct header x;
    uint32_t crc;
    for (uint64_t off = 0; off + ZT_OUTBOX_HEADER <= s->bytes;) {
        if (window_read(r->fd, &r->win, off, h, sizeof(h)) < 0 || !decode_header(h, &x, &crc)) {
            return -ENOENT;
        }
        if (x.seq == seq) {
            r->off = off;
            return 0;
        }
        off += ZT_OUTBOX_HEADER + x.len;
    }
    return -ENOENT;
}

/* Read the record at r->off; -EBADMSG when it is corrupt. */
static int read_record(struct reader *r, const struct segment *s, uint64_t seq,
                       struct zt_outbox_record *rec, struct header *x)
{
    unsigned char h[ZT_OUTBOX_HEADER];
    uint32_t crc;

    if (r->off + ZT_OUTBOX_HEADER > s->bytes ||
        window_read(r->fd, &r->win, r->off, h, sizeof(h)) < 0 || !decode_header(h, x, &crc) ||
        x->seq != seq || r->off + ZT_OUTBOX_HEADER + x->len > s->bytes) {
        return -EBADMSG;
    }
    char *p = zt_xmalloc((size_t)x->len + 1);
    if (window_read(r->fd, &r->win, r->off + ZT_OUTBOX_HEADER, p, x->len) < 0 ||
        !crc_ok(h, p, x->len, crc)) {
        free(p);
        return -EBADMSG;
    }
    p[x->len] = '\0';
    *rec = (struct zt_outbox_record){.seq = seq, .flags = x->flags, .payload = p, .len = x->len};
    return 0;
}

/* After a corrupt record: find the next valid one in the segment (or its end) and count the
 * records passed over as dropped. */
static void resync(struct zt_outbox *ob, struct reader *r, struct segment *s, uint64_t seq)
{
    _cleanup_free_ char *name = seg_name(s->first);
    unsigned char *data = NULL;
    size_t len = 0;
    uint64_t next = s->last + 1;

    if (read_all_at(ob->dir_fd, name, SEGMENT_FILE_MAX, &data, &len) == 0) {
        struct header x;
        size_t size;
        for (size_t p = (size_t)r->off + 1; p < len && p < s->bytes; p++) {
            if (record_at(data, len, p, &x, &size) && x.seq > seq && x.seq <= s->last) {
                next = x.seq;
                r->off = p;
                break;
            }
        }
        free(data);
    }
    uint64_t lost = next - seq;
    fprintf(stderr,
            "ztmmd: outbox: %s/%s: %" PRIu64 " corrupt record(s) from seq %" PRIu64
            " skipped for sink %s\n",
            ob->path, name, lost, seq, r->name);
    r->c.dropped += lost;
    r->pending = r->pending > lost ? r->pending - lost : 0;
    r->read_seq = next - 1;
    if (next > s->last) {
        close(r->fd);
        r->fd = -1;
        window_reset(&r->win);
    }
}

int zt_outbox_read(struct zt_outbox *ob, size_t i, struct zt_outbox_record *recs, size_t max,
                   size_t max_bytes, uint64_t *upto, char *err, size_t errlen)
{
    struct reader *r = &ob->rd[i];
    size_t n = 0, bytes = 0;
    int ret = 0;

    pthread_mutex_lock(&ob->mu);
    while (n < max && r->read_seq + 1 < ob->next_seq) {
        uint64_t seq = r->read_seq + 1;
        struct segment *s = segment_of(ob, seq);
        if (!s) {
            /* Before the oldest segment: dropped when it was deleted. */
            r->read_seq = ob->n_segs ? ob->segs[0].first - 1 : ob->next_seq - 1;
            continue;
        }
        int rc = position(ob, r, s, seq);
        struct header x = {0};
        struct zt_outbox_record rec = {0};
        if (rc == 0) {
            rc = read_record(r, s, seq, &rec, &x);
        }
        if (rc == -EBADMSG || rc == -ENOENT) {
            resync(ob, r, s, seq);
            continue;
        }
        if (rc < 0) {
            snprintf(err, errlen, "cannot read the outbox %s: %s", ob->path, strerror(-rc));
            ret = rc;
            break;
        }
        if (n > 0 && bytes + rec.len > max_bytes) {
            free(rec.payload);
            break;
        }
        r->off += ZT_OUTBOX_HEADER + x.len;
        r->read_seq = seq;
        if (rec.flags & r->skip) {
            r->c.skipped++;
            free(rec.payload);
            continue;
        }
        recs[n++] = rec;
        bytes += rec.len;
    }
    *upto = r->read_seq;
    pthread_mutex_unlock(&ob->mu);
    if (ret < 0) {
        zt_outbox_records_done(recs, n);
        return ret;
    }
    return (int)n;
}

void zt_outbox_records_done(struct zt_outbox_record *recs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(recs[i].payload);
        recs[i].payload = NULL;
    }
}

/* Delete the segments every reader is finished with, but the one appended to. */
static void collect_garbage(struct zt_outbox *ob)
{
    uint64_t min = UINT64_MAX;
    for (size_t i = 0; i < ob->n_rd; i++) {
        min = ob->rd[i].c.acked < min ? ob->rd[i].c.acked : min;
    }
    while (ob->n_segs > 1 && ob->segs[0].last <= min) {
        _cleanup_free_ char *name = seg_name(ob->segs[0].first);
        for (size_t i = 0; i < ob->n_rd; i++) {
            if (ob->rd[i].fd >= 0 && ob->rd[i].fd_first == ob->segs[0].first) {
                close(ob->rd[i].fd);
                ob->rd[i].fd = -1;
                window_reset(&ob->rd[i].win);
            }
        }
        unlinkat(ob->dir_fd, name, 0);
        ob->bytes -= ob->segs[0].bytes;
        memmove(ob->segs, ob->segs + 1, (ob->n_segs - 1) * sizeof(*ob->segs));
        ob->n_segs--;
    }
}

int zt_outbox_ack(struct zt_outbox *ob, size_t i, uint64_t seq, uint64_t delivered,
                  uint64_t rejected, uint64_t recovered, char *err, size_t errlen)
{
    struct reader *r = &ob->rd[i];

    pthread_mutex_lock(&ob->mu);
    if (seq > r->c.acked) {
        r->c.acked = seq;
    }
    r->c.delivered += delivered;
    r->c.dropped += rejected;
    /* Delivered after all, though counted dropped when their segment went. */
    r->c.dropped -= recovered < r->c.dropped ? recovered : r->c.dropped;
    uint64_t done = delivered + rejected - (recovered < delivered ? recovered : delivered);
    r->pending = r->pending > done ? r->pending - done : 0;
    int rc = write_cursor(ob, r);
    collect_garbage(ob);
    pthread_mutex_unlock(&ob->mu);
    if (rc < 0) {
        snprintf(err, errlen, "cannot write the cursor of sink %s in %s: %s", r->name, ob->path,
                 strerror(-rc));
    }
    return rc;
}

uint64_t zt_outbox_lost_upto(struct zt_outbox *ob, size_t i)
{
    pthread_mutex_lock(&ob->mu);
    uint64_t v = ob->rd[i].lost_upto;
    pthread_mutex_unlock(&ob->mu);
    return v;
}

void zt_outbox_cursor(struct zt_outbox *ob, size_t i, struct zt_outbox_cursor *ret,
                      uint64_t *pending)
{
    pthread_mutex_lock(&ob->mu);
    *ret = ob->rd[i].c;
    *pending = ob->rd[i].pending;
    pthread_mutex_unlock(&ob->mu);
}
