/* fuzz_exec.c - libFuzzer harness for the exec collector's reader of a program's output
 * (ztmmd.exec/1 JSON from any in-house program). Checks: everything emitted has a valid key and
 * value and comes from the document's evidence array (never more entries than the output has),
 * and a rejected document or entry always leaves a problem. */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "exec.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zt_log_set_level(LOG_CRIT); /* each problem is also a warning: not on every input */
    struct zt_ctx *ctx = zt_ctx_new("fuzz", 0);
    int r = zt_exec_parse(ctx, "/opt/acme/posture", (const char *)data, size);
    struct zt_evidence_set *ev = zt_ctx_evidence(ctx);

    if (r < 0 && (ev->n > 0 || zt_ctx_error_count(ctx) == 0)) {
        abort(); /* a malformed document emits nothing and says why */
    }
    for (size_t i = 0; i < ev->n; i++) {
        if (!zt_evidence_key_valid(ev->v[i].key) || !zt_evidence_value_valid(ev->v[i].value) ||
            (ev->v[i].detail && !json_object_is_type(ev->v[i].detail, json_type_object))) {
            abort();
        }
    }
    /* Each entry is emitted once at most: never more evidence than '{' in the output. */
    size_t braces = 0;
    for (size_t i = 0; i < size; i++) {
        braces += data[i] == '{';
    }
    if (ev->n > braces) {
        abort();
    }
    zt_ctx_free(ctx);
    return 0;
}
