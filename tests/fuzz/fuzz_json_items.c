/* fuzz_json_items.c - libFuzzer harness for the list page splitter (daemon/http/json_items.c), with
 * a differential check: whenever a body splits, json-c's whole parse of the same body must give the
 * same items, in order, and the same other members. (The converse does not hold by design: the
 * splitter refuses comments between members, which json-c skips, and a repeated items member.)
 * And the head reader (zt_json_items_head) on prefixes of the same body, as it arrives: on a body
 * that splits it never refuses a prefix, finds the array at one prefix length and gives the same
 * members at every longer one, each of them a member of the split's envelope. */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_items.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int collect(void *data, struct json_object *item, size_t index)
{
    struct json_object *items = data;
    if (index != json_object_array_length(items)) {
        abort();
    }
    json_object_array_add(items, json_object_get(item));
    return json_object_array_length(items) > 100000 ? -1 : 0;
}

/* json_object_equal() says NaN != NaN: compare what the two trees serialize to instead. */
static int same(struct json_object *a, struct json_object *b)
{
    return strcmp(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN),
                  json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN)) == 0;
}

/* The head over prefixes of data (every length up to 64, then 64 lengths spread over the rest). */
static void check_heads(const uint8_t *data, size_t size, int split_ok, struct json_object *env)
{
    struct json_object *first = NULL;
    size_t step = size > 64 ? (size - 64) / 64 + 1 : 1;

    for (size_t k = 0; k <= size; k = k < 64 ? k + 1 : k + step) {
        struct json_object *head = NULL;
        int r = zt_json_items_head((const char *)data, k, "value", 32, &head);
        if (r < 0 && split_ok) {
            abort(); /* a page that splits begins like one at every length */
        }
        if (r == 0 && first) {
            abort(); /* once the array has begun, it stays begun */
        }
        if (r != 1) {
            continue;
        }
        if (!first) {
            first = head;
            continue;
        }
        if (!same(head, first)) {
            abort();
        }
        json_object_put(head);
    }
    if (split_ok) {
        if (!first) {
            abort(); /* the whole body holds the array */
        }
        json_object_object_foreach(first, key, val)
        {
            (void)val; /* a repeated member may change its value after the array */
            if (!json_object_object_get_ex(env, key, NULL)) {
                abort();
            }
        }
    }
    json_object_put(first);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct json_object *items = json_object_new_array(), *env = NULL;
    size_t n = 0;
    char err[160];

    int r = zt_json_items_split((const char *)data, size, "value", 32, collect, items, &env, &n,
                                err, sizeof(err));
    struct json_object *whole_doc = NULL;
    char why[128];
    int w = zt_json_parse((const char *)data, size, 32, &whole_doc, why, sizeof(why));
    json_object_put(whole_doc);
    if (r == 0 && w != 0) {
        abort(); /* a page that splits is one whole JSON document */
    }
    check_heads(data, size, r == 0, env);
    if (r == 0) {
        struct json_tokener *tok = json_tokener_new_ex(32);
        struct json_object *whole = json_tokener_parse_ex(tok, (const char *)data, (int)size);
        struct json_object *value = NULL;
        size_t end = json_tokener_get_parse_end(tok);
        /* json-c stops at the end of the object; the splitter checked only whitespace follows. */
        if (!whole || json_tokener_get_error(tok) != json_tokener_success ||
            !json_object_object_get_ex(whole, "value", &value) || !same(value, items) ||
            n != json_object_array_length(items)) {
            abort();
        }
        for (; end < size; end++) {
            if (data[end] != ' ' && data[end] != '\t' && data[end] != '\n' && data[end] != '\r') {
                abort();
            }
        }
        json_object_object_del(whole, "value");
        if (!same(whole, env)) {
            abort();
        }
        json_tokener_free(tok);
        json_object_put(whole);
        json_object_put(env);
    }
    json_object_put(items);
    return 0;
}
