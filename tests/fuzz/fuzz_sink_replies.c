/* fuzz_sink_replies.c - libFuzzer harness for the parsers of what receivers answer the export
 * sinks: Splunk HEC answers and ack polls, Elasticsearch _bulk answers and error bodies. The
 * first byte picks how many bulk items are expected (0..15). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sink_replies.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_printable(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    if (n >= cap) {
        abort(); /* not terminated */
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x20) {
            abort(); /* messages stay on one line */
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct zt_hec_reply hr;
    struct zt_bulk_item items[16];
    char err[160], type[64], reason[256];
    bool acked;

    if (size < 1 || size > 65536) {
        return 0;
    }
    size_t n = data[0] & 15u;
    const char *body = (const char *)data + 1;
    size_t len = size - 1;

    if (zt_hec_reply_parse(body, len, &hr) == 0) {
        check_printable(hr.text, sizeof(hr.text));
        if (hr.has_code && hr.code < 0) {
            abort();
        }
    }
    zt_hec_acks_parse(body, len, n, &acked);
    if (zt_bulk_reply_parse(body, len, items, n, err, sizeof(err)) == 0) {
        for (size_t i = 0; i < n; i++) {
            if (items[i].status < 100 || items[i].status > 599) {
                abort();
            }
            check_printable(items[i].type, sizeof(items[i].type));
            check_printable(items[i].reason, sizeof(items[i].reason));
        }
    } else {
        check_printable(err, sizeof(err));
    }
    if (zt_es_error_parse(body, len, type, sizeof(type), reason, sizeof(reason)) == 0) {
        check_printable(type, sizeof(type));
        check_printable(reason, sizeof(reason));
    }
    return 0;
}
