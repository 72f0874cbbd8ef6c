/* fuzz_azure.c - libFuzzer harness for the azure collector's ARM response parsers: the NSG
 * evaluator (per item of a networkSecurityGroups page, and on the whole document), storage account
 * derivations, Defender for Cloud pricings and subscription diagnostic settings, with the evidence
 * emitted from each. The first byte picks the parser; the rest is the JSON body as ARM sent it. */
#include <json-c/json.h>
#include <stdint.h>

#include "azure/azure.h"
#include "ctx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_lists(uint8_t which, struct json_object *doc, struct zt_ctx *ctx)
{
    struct zt_azure_nsgs nsgs = {0};
    struct zt_azure_storage st = {.api_version = (which & 2) ? "2022-09-01" : ZT_AZURE_API_STORAGE};
    struct zt_azure_nsg_verdict v;
    /* The engine hands list items over one by one (daemon/http/json_items.c, fuzzed on its own in
     * fuzz_json_items.c): feed the reducers the elements of "value" the same way. */
    struct json_object *items = zt_json_array(doc, "value");
    size_t n = items ? json_object_array_length(items) : 0;

    (void)zt_azure_nsg_eval(doc, &v);
    for (size_t i = 0; i < n; i++) {
        struct json_object *it = json_object_array_get_idx(items, i);
        if (which & 1) {
            zt_azure_nsgs_item(&nsgs, it);
        } else {
            zt_azure_storage_item(&st, it);
        }
    }
    (void)zt_azure_nsgs_emit(ctx, &nsgs);
    (void)zt_azure_storage_emit(ctx, &st);
    zt_azure_nsgs_clear(&nsgs);
    zt_azure_storage_clear(&st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    struct json_tokener *tok = json_tokener_new_ex(32);
    struct json_object *doc = json_tokener_parse_ex(tok, (const char *)data + 1, (int)size - 1);
    json_tokener_free(tok);
    if (!doc) {
        return 0;
    }
    struct zt_ctx *ctx = zt_ctx_new("fuzz", 0);
    if (data[0] & 0x80) {
        struct zt_azure_defender def = {0};
        struct zt_azure_activity act = {0};
        (void)zt_azure_pricings_page(&def, doc);
        (void)zt_azure_pricings_page(&def, doc);
        (void)zt_azure_defender_emit(ctx, &def);
        zt_azure_activity_add(&act, "s", zt_azure_diagnostics_exported(doc) == 1);
        (void)zt_azure_activity_emit(ctx, &act);
        zt_azure_activity_clear(&act);
    } else {
        fuzz_lists(data[0], doc, ctx);
    }
    zt_ctx_free(ctx);
    json_object_put(doc);
    return 0;
}
