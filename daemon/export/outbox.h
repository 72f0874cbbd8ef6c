/* outbox.h - the durable outbox: an append-only segmented log of events under
 * state_dir/outbox, with one acknowledged position per sink (like a Kafka consumer offset).
 *
 * Records are [magic, length, seq, flags, crc32] + payload; a torn or corrupted tail left by a
 * crash is detected by its length or CRC and cut at open, corrupt records in older segments are
 * skipped at read time and counted as dropped. Every append is fdatasync()ed before it is
 * visible to readers, so nothing a scan produced is delivered before it is safe on disk.
 * The log is bounded by max_bytes: when an append would pass it, the oldest segments are
 * deleted and the records they held that a sink had not acknowledged are counted as dropped
 * for that sink. Thread-safe: one appender, one reader per sink. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZT_OUTBOX_DIR          "outbox"
#define ZT_OUTBOX_SEGMENT_SIZE (8u * 1024u * 1024u) /* a segment is closed past this size */
#define ZT_OUTBOX_RECORD_MAX   (1024u * 1024u)      /* bytes of one payload */
#define ZT_OUTBOX_HEADER       24u

/* Record flags: what a reader may need without parsing the payload. */
enum {
    ZT_OUTBOX_PASSING = 1u << 0, /* a passing or not-applicable finding */
};

struct zt_outbox;

/* Per-sink figures, persisted in outbox/cursor-NAME. */
struct zt_outbox_cursor {
    uint64_t acked;     /* highest seq this sink is finished with (0: none) */
    uint64_t delivered; /* records delivered, all time */
    uint64_t dropped;   /* records lost to this sink: outbox_max, corruption, refused for good */
    uint64_t skipped;   /* records this sink does not carry (findings = failing) */
};

/* A reader of the outbox: a configured sink. Records whose flags meet skip_flags are not handed
 * to it (counted as skipped). */
struct zt_outbox_sink {
    const char *name;
    unsigned skip_flags;
};

/* Open (creating with mode 0750) dir/outbox, take its lock, recover the tail. The readers are
 * the configured sinks: their cursors are loaded (a sink new to the outbox starts at its end:
 * it is not sent events older than itself); cursor files of other names are removed.
 * Returns 0, or -errno with a message naming the path in err (-EBUSY: another process has it). */
int zt_outbox_open(const char *dir, uint64_t max_bytes, const struct zt_outbox_sink *sinks,
                   size_t n_sinks, struct zt_outbox **ret, char *err, size_t errlen);
void zt_outbox_free(struct zt_outbox *ob);
void zt_outbox_freep(struct zt_outbox **ob);

/* Append n payloads (flags[i] per payload, may be NULL) and sync them. All or nothing: on
 * failure (-ENOSPC, -EIO, -EFBIG for one payload over the limit...) none is visible and err
 * names the file. Returns the seq of the first record through *first_seq (may be NULL). */
int zt_outbox_append(struct zt_outbox *ob, const char *const *payloads, const size_t *lens,
                     const unsigned *flags, size_t n, uint64_t *first_seq, char *err,
                     size_t errlen);

/* The last seq written (0: none yet), and the bytes the segments take. */
uint64_t zt_outbox_last_seq(struct zt_outbox *ob);
uint64_t zt_outbox_bytes(struct zt_outbox *ob);

/* One record handed to a reader. */
struct zt_outbox_record {
    uint64_t seq;
    unsigned flags;
    char *payload; /* NUL-terminated copy, owned by the caller */
    size_t len;
};

/* Read, for sink i, up to max records it carries after the ones it read last (after its acked
 * seq at first), at most max_bytes of payload (but at least one record). Records it skips are
 * passed over; records it lost (deleted segments, corruption) are counted as dropped. The
 * position moves forward only: a sink keeps what it read until it is acknowledged. *upto is
 * the last seq looked at (to acknowledge, with skipped ones). Returns the count (0: nothing
 * new) or -errno with a message in err. */
int zt_outbox_read(struct zt_outbox *ob, size_t i, struct zt_outbox_record *recs, size_t max,
                   size_t max_bytes, uint64_t *upto, char *err, size_t errlen);
void zt_outbox_records_done(struct zt_outbox_record *recs, size_t n);

/* Sink i is finished with every record up to seq (delivered of them reached the receiver,
 * rejected were refused for good and count as dropped; recovered of the delivered ones had
 * been counted as dropped while in flight, see zt_outbox_lost_upto()). Persists the cursor (not
 * synced: after a crash, a sink may see a batch again, with the same ids) and deletes the segments
 * every sink is finished with. */
int zt_outbox_ack(struct zt_outbox *ob, size_t i, uint64_t seq, uint64_t delivered,
                  uint64_t rejected, uint64_t recovered, char *err, size_t errlen);

/* The outbox bound deleted every record up to this seq for sink i (0: none), counting those it
 * had not acknowledged as dropped, including records it had read and still holds: a sink must
 * not deliver those late (or, if it already did, acknowledge them as recovered). */
uint64_t zt_outbox_lost_upto(struct zt_outbox *ob, size_t i);

/* A copy of sink i's cursor, and how many records it carries after it are not yet finished. */
void zt_outbox_cursor(struct zt_outbox *ob, size_t i, struct zt_outbox_cursor *ret,
                      uint64_t *pending);

/* Scan one segment's bytes for valid records (the fuzzing entry point and the recovery check):
 * returns the offset just past the last record of the valid prefix, and through *n how many
 * records it holds; *resync the offset of the next valid record after a corrupt one (== len if
 * none). */
size_t zt_outbox_scan(const unsigned char *data, size_t len, size_t *n, size_t *resync);
