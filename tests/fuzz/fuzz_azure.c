/* fuzz_azure.c - libFuzzer harness for the azure collector's ARM response parsers: the NSG
 * evaluator (per item of a networkSecurityGroups page, and on the whole document), storage account
 * derivations, policy remediation tasks, Defender for Cloud pricings and subscription diagnostic
 * settings, the tenant's Entra diagnostic settings, and Resource Graph answers (paging fields,
 * every query's row fold), with the evidence emitted from each. The first byte picks the parser
 * (0x80 pricings/diagnostics, 0x40 Resource Graph, else the lists); the rest is the JSON body as
 * ARM or Resource Graph sent it. */
#include <json-c/json.h>
#include <stdint.h>

#include "azure/azure.h"
#include "azure/azure_graph.h"
#include "ctx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_lists(uint8_t which, struct json_object *doc, struct zt_ctx *ctx)
{
    struct zt_azure_nsgs nsgs = {0};
    struct zt_azure_storage st = {.api_version = (which & 2) ? "2022-09-01" : ZT_AZURE_API_STORAGE};
    struct zt_azure_remediations rem = {0};
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
        zt_azure_remediation_item(&rem, it);
    }
    (void)zt_azure_remediations_emit(ctx, &rem);
    (void)zt_azure_nsgs_emit(ctx, &nsgs);
    (void)zt_azure_storage_emit(ctx, &st);
    zt_azure_nsgs_clear(&nsgs);
    zt_azure_storage_clear(&st);
}

/* A Resource Graph page: its paging fields, then each row of "data" through every query's fold
 * (a row of one query may well reach another's: the folds check the type themselves). */
static void fuzz_graph(uint8_t which, struct json_object *doc, struct zt_ctx *ctx)
{
    struct zt_azure_graph acc = {.automation.subscriptions = which & 3, .done = which};
    struct json_object *rows = zt_json_array(doc, "data");
    const char *token = NULL;

    (void)zt_azure_graph_next(doc, &token);
    for (size_t i = 0; rows && i < json_object_array_length(rows); i++) {
        for (size_t q = 0; q < zt_azure_queries_count(); q++) {
            const struct zt_azure_query *qq = &zt_azure_queries[q];
            qq->row(&acc, json_object_array_get_idx(rows, i));
            /* The follow-up lists' items (Sentinel) go through their folds too. */
            for (size_t f = 0; f < ZT_AZURE_FOLLOWS_MAX && qq->follows[f].path; f++) {
                qq->follows[f].item(&acc, json_object_array_get_idx(rows, i));
            }
        }
    }
    for (size_t q = 0; q < zt_azure_queries_count(); q++) {
        const struct zt_azure_query *qq = &zt_azure_queries[q];
        (void)qq->emit(ctx, &acc);
        for (size_t f = 0; f < ZT_AZURE_FOLLOWS_MAX && qq->follows[f].path; f++) {
            (void)qq->follows[f].emit(ctx, &acc);
        }
    }
    zt_azure_graph_clear(&acc);
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
        /* the tenant's Entra diagnostic settings (microsoft.aadiam) */
        struct zt_azure_entra_logs logs = {0};
        (void)zt_azure_entra_logs_page(&logs, doc);
        (void)zt_azure_entra_logs_emit(ctx, &logs);
    } else if (data[0] & 0x40) {
        fuzz_graph(data[0], doc, ctx);
    } else {
        fuzz_lists(data[0], doc, ctx);
    }
    zt_ctx_free(ctx);
    json_object_put(doc);
    return 0;
}
