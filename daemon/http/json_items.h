/* json_items.h - parse a list page ({"value": [item, item, ...], "@odata.nextLink": ...}) one
 * item at a time, so memory is bounded by the largest item and not by the page. No I/O. */
#pragma once

#include <stddef.h>

struct json_object;

/* Called for every element of the items array, in order, with index counting from 0. item is
 * freed after the call (take a reference to keep it). Return 0 to go on or -errno to stop. */
typedef int (*zt_json_item_fn)(void *data, struct json_object *item, size_t index);

/* Parse body[0..len) as one JSON object (nesting at most max_depth, as json_tokener_new_ex).
 * Each element of its array member items_field is parsed on its own and handed to on_item;
 * every other member is parsed whole and set in a new object returned in *envelope (the page
 * without its items: next links, counts, context). The body must be an object holding
 * items_field exactly once, as an array.
 *
 * Returns 0, the number of items in *count (may be NULL), and *envelope (free with
 * json_object_put); the error of on_item if it failed; or -EBADMSG with a message naming the
 * offset and the problem in err. On failure items before the failing one have already been
 * delivered: callers must treat the whole page, not only its tail, as failed. */
int zt_json_items_split(const char *body, size_t len, const char *items_field, int max_depth,
                        zt_json_item_fn on_item, void *data, struct json_object **envelope,
                        size_t *count, char *err, size_t errlen);

/* Read the start of a list page that is still arriving: the members before its items_field
 * array (Graph's "@odata.context" and "@odata.nextLink", Kubernetes' "metadata"), with the same
 * grammar as zt_json_items_split(). Returns 1 and those members in *envelope (free with
 * json_object_put) once the array's '[' is in body[0..len); 0 when the data ends before it;
 * -EBADMSG when the data cannot begin such a page (not an object, malformed, or the object ends
 * without the array). A member repeated after the array would override one read here: callers
 * must check against the whole page once it has arrived. */
int zt_json_items_head(const char *body, size_t len, const char *items_field, int max_depth,
                       struct json_object **envelope);
