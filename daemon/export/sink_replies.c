/* sink_replies.c - parsers of Splunk HEC and Elasticsearch answers (see sink_replies.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "sink_replies.h"
#include "util.h"

#define REPLY_DEPTH 32 /* Elasticsearch nests caused_by chains; deeper answers are refused */

/* Copy a receiver's string into dst, bounded, control characters as spaces. */
static void printable(char *dst, size_t len, const char *src)
{
    size_t i = 0;
    for (; src && src[i] && i + 1 < len; i++) {
        unsigned char ch = (unsigned char)src[i];
        dst[i] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
    }
    dst[i] = '\0';
}

static struct json_object *parse_object(const char *body, size_t len)
{
    struct json_object *doc = NULL;
    char err[64];
    if (zt_json_parse(body, len, REPLY_DEPTH, &doc, err, sizeof(err)) < 0) {
        return NULL;
    }
    if (!json_object_is_type(doc, json_type_object)) {
        json_object_put(doc);
        return NULL;
    }
    return doc;
}

static bool get_int(struct json_object *o, const char *key, int64_t *ret)
{
    struct json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int)) {
        return false;
    }
    *ret = json_object_get_int64(v);
    return true;
}

int zt_hec_reply_parse(const char *body, size_t len, struct zt_hec_reply *r)
{
    *r = (struct zt_hec_reply){.invalid_event = -1};
    _cleanup_json_ struct json_object *doc = parse_object(body, len);
    int64_t v;

    if (!doc) {
        return -EBADMSG;
    }
    if (get_int(doc, "code", &v) && v >= 0 && v <= INT32_MAX) {
        r->has_code = true;
        r->code = (int)v;
    }
    printable(r->text, sizeof(r->text), zt_json_str(doc, "text"));
    if (get_int(doc, "ackId", &v) && v >= 0) {
        r->has_ack_id = true;
        r->ack_id = (uint64_t)v;
    }
    if (get_int(doc, "invalid-event-number", &v) && v >= 0 && v <= INT32_MAX) {
        r->invalid_event = (long)v;
    }
    return 0;
}

int zt_hec_acks_parse(const char *body, size_t len, uint64_t ack_id, bool *acked)
{
    _cleanup_json_ struct json_object *doc = parse_object(body, len);
    struct json_object *acks = NULL, *v = NULL;
    char key[24];

    *acked = false;
    if (!doc || !json_object_object_get_ex(doc, "acks", &acks) ||
        !json_object_is_type(acks, json_type_object)) {
        return -EBADMSG;
    }
    snprintf(key, sizeof(key), "%" PRIu64, ack_id);
    if (!json_object_object_get_ex(acks, key, &v)) {
        return -ENOENT;
    }
    if (!json_object_is_type(v, json_type_boolean)) {
        return -EBADMSG;
    }
    *acked = json_object_get_boolean(v);
    return 0;
}

/* error.type and error.reason of an Elasticsearch error object (or a bare string). */
static void es_error(struct json_object *e, char *type, size_t typelen, char *reason,
                     size_t reasonlen)
{
    if (json_object_is_type(e, json_type_string)) {
        printable(type, typelen, "");
        printable(reason, reasonlen, json_object_get_string(e));
        return;
    }
    printable(type, typelen, zt_json_str(e, "type"));
    printable(reason, reasonlen, zt_json_str(e, "reason"));
}

int zt_bulk_reply_parse(const char *body, size_t len, struct zt_bulk_item *items, size_t n,
                        char *err, size_t errlen)
{
    _cleanup_json_ struct json_object *doc = parse_object(body, len);
    struct json_object *arr = doc ? zt_json_array(doc, "items") : NULL;

    if (!arr) {
        snprintf(err, errlen, "not a bulk answer (no JSON object with an items array)");
        return -EBADMSG;
    }
    if (json_object_array_length(arr) != n) {
        snprintf(err, errlen, "bulk answer has %zu items for %zu actions",
                 json_object_array_length(arr), n);
        return -EBADMSG;
    }
    for (size_t i = 0; i < n; i++) {
        struct json_object *it = json_object_array_get_idx(arr, i), *e = NULL;
        int64_t status;
        /* One member named after the action ("create", "index"). */
        struct json_object *res = NULL;
        if (json_object_is_type(it, json_type_object) && json_object_object_length(it) == 1) {
            json_object_object_foreach(it, k, v)
            {
                (void)k;
                res = v;
            }
        }
        if (!json_object_is_type(res, json_type_object) || !get_int(res, "status", &status) ||
            status < 100 || status > 599) {
            snprintf(err, errlen, "bulk answer item %zu has no action with a status", i);
            return -EBADMSG;
        }
        items[i] = (struct zt_bulk_item){.status = (int)status};
        if (json_object_object_get_ex(res, "error", &e)) {
            es_error(e, items[i].type, sizeof(items[i].type), items[i].reason,
                     sizeof(items[i].reason));
        }
    }
    return 0;
}

int zt_es_error_parse(const char *body, size_t len, char *type, size_t typelen, char *reason,
                      size_t reasonlen)
{
    _cleanup_json_ struct json_object *doc = parse_object(body, len);
    struct json_object *e = NULL;

    if (!doc || !json_object_object_get_ex(doc, "error", &e) ||
        !(json_object_is_type(e, json_type_object) || json_object_is_type(e, json_type_string))) {
        return -EBADMSG;
    }
    es_error(e, type, typelen, reason, reasonlen);
    return 0;
}
