/* fuzz_outbox.c - the outbox reader on arbitrary segment bytes, as a crash may leave them: open
 * must recover (cut a torn tail), reads must only hand out records whose CRC holds, in seq
 * order, and never fail hard. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outbox.h"
#include "util.h"

static char dir[256];

static void put(const char *name, const uint8_t *data, size_t len)
{
    char path[400];
    snprintf(path, sizeof(path), "%s/outbox/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || zt_write_all(fd, data, len) < 0) {
        abort();
    }
    close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct zt_outbox_sink sinks[] = {{"a", 0}, {"b", ZT_OUTBOX_PASSING}};
    struct zt_outbox *ob = NULL;
    char err[512];
    size_t n = 0, resync = 0;

    if (!dir[0]) {
        snprintf(dir, sizeof(dir), "/tmp/fuzz_outbox.%d", (int)getpid());
        mkdir(dir, 0700);
        snprintf(err, sizeof(err), "%s/outbox", dir);
        mkdir(err, 0700);
    }
    size_t valid = zt_outbox_scan(data, size, &n, &resync);
    if (valid > size || resync > size || (n == 0 && valid != 0)) {
        abort();
    }
    /* The input as the only segment, both readers from its start. */
    put("0000000000000001.seg", data, size);
    const char *cur = "ztmmd-outbox-cursor/1 0 0 0 0\n";
    put("cursor-a", (const uint8_t *)cur, strlen(cur));
    put("cursor-b", (const uint8_t *)cur, strlen(cur));
    if (zt_outbox_open(dir, 0, sinks, 2, &ob, err, sizeof(err)) == 0) {
        for (size_t i = 0; i < 2; i++) {
            struct zt_outbox_record recs[16];
            uint64_t upto = 0, last = 0;
            int k;
            while ((k = zt_outbox_read(ob, i, recs, 16, 1 << 20, &upto, err, sizeof(err))) > 0) {
                for (int j = 0; j < k; j++) {
                    if (recs[j].seq <= last || strlen(recs[j].payload) > recs[j].len ||
                        (i == 1 && (recs[j].flags & ZT_OUTBOX_PASSING))) {
                        abort();
                    }
                    last = recs[j].seq;
                }
                zt_outbox_records_done(recs, (size_t)k);
                zt_outbox_ack(ob, i, upto, (uint64_t)k, 0, 0, err, sizeof(err));
            }
        }
        /* Appending after recovery must work and read back. */
        const char *p = "{}";
        size_t len = 2;
        if (zt_outbox_append(ob, &p, &len, NULL, 1, NULL, err, sizeof(err)) < 0) {
            abort();
        }
        zt_outbox_free(ob);
    }
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "%s/outbox", dir);
    /* Remove every segment for the next input. */
    char path[400];
    for (unsigned s = 0; s < 64; s++) {
        snprintf(path, sizeof(path), "%s/%016x.seg", cmd, s);
        unlink(path);
    }
    return 0;
}
