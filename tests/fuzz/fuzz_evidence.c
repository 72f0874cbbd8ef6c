/* fuzz_evidence.c - libFuzzer harness for saved evidence / result documents (ztmmctl evaluate). */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>

#include "result.h"
#include "scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct zt_catalog *cat;
    struct json_tokener *tok = json_tokener_new_ex(64);
    struct json_object *doc = json_tokener_parse_ex(tok, (const char *)data, (int)size);
    struct zt_scan *scan = NULL;
    char err[512];

    json_tokener_free(tok);
    if (!cat &&
        zt_catalog_load(ZT_SOURCE_DIR "/conf/rules/ztmm-v2.json", &cat, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
    if (doc && zt_scan_from_json(doc, &scan, err, sizeof(err)) == 0) {
        struct json_object *res = zt_result_build(scan, cat, NULL, 0);
        FILE *devnull = fopen("/dev/null", "w");
        if (devnull) {
            zt_result_print_table(res, devnull);
            fclose(devnull);
        }
        json_object_put(res);
        zt_scan_free(scan);
    }
    json_object_put(doc);
    return 0;
}
