/* sink_replies.h - the parsers of what Splunk HEC and Elasticsearch answer (sink_hec.c,
 * sink_elasticsearch.c), apart so that the fuzz harness reaches them. No I/O. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A HEC answer: {"text":"Success","code":0,"ackId":7} or {"text":"Invalid token","code":4},
 * with "invalid-event-number" for a refused event of a batch. */
struct zt_hec_reply {
    bool has_code;
    int code;
    char text[128]; /* printable excerpt of "text", "" when absent */
    bool has_ack_id;
    uint64_t ack_id;
    long invalid_event; /* -1 when absent */
};

/* Parse a HEC answer body. Returns 0, or -EBADMSG when it is not a JSON object. */
int zt_hec_reply_parse(const char *body, size_t len, struct zt_hec_reply *r);

/* Parse an ack poll answer {"acks":{"7":true}} for ack_id. Returns 0 with *acked, -ENOENT when
 * the id is not in the answer, -EBADMSG when the body is not of that shape. */
int zt_hec_acks_parse(const char *body, size_t len, uint64_t ack_id, bool *acked);

/* One item of a _bulk answer. */
struct zt_bulk_item {
    int status;       /* items[i].<action>.status */
    char type[64];    /* items[i].<action>.error.type, "" when none */
    char reason[160]; /* items[i].<action>.error.reason, printable excerpt */
};

/* Parse a 200 _bulk answer {"errors":bool,"items":[{"create":{...}}, ...]} that must hold
 * exactly n items. Returns 0 with items[0..n) filled, or -EBADMSG with the reason in err. */
int zt_bulk_reply_parse(const char *body, size_t len, struct zt_bulk_item *items, size_t n,
                        char *err, size_t errlen);

/* The type and reason of an Elasticsearch error answer {"error":{"type","reason"},"status"}
 * (or {"error":"text"}). Returns 0, or -EBADMSG when the body is not of that shape. */
int zt_es_error_parse(const char *body, size_t len, char *type, size_t typelen, char *reason,
                      size_t reasonlen);
