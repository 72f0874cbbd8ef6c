/* fuzz_event.c - a stored event read back (ztmmd.event/1) and rendered in every format: no
 * crash, OCSF is one JSON object, CEF one line. */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct zt_event ev;
    char err[256];

    if (zt_event_parse((const char *)data, size, &ev, err, sizeof(err)) < 0) {
        return 0;
    }
    for (int f = 0; f < _ZT_FORMAT_MAX; f++) {
        size_t len;
        char *s = zt_event_render(&ev, (enum zt_format)f, &len);
        if (strlen(s) != len || strchr(s, '\n') || strchr(s, '\r')) {
            abort();
        }
        if (f != ZT_FORMAT_CEF) {
            struct json_object *o = json_tokener_parse(s);
            if (!o) {
                abort();
            }
            json_object_put(o);
        }
        free(s);
    }
    (void)zt_event_is_failing_or_other(&ev);
    zt_event_done(&ev);
    return 0;
}
