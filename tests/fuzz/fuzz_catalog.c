/* fuzz_catalog.c - libFuzzer harness for the rule catalog loader and predicate evaluator. */
#include <json-c/json.h>
#include <stdint.h>

#include "catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct json_tokener *tok = json_tokener_new_ex(64);
    struct json_object *doc = json_tokener_parse_ex(tok, (const char *)data, (int)size);
    struct zt_catalog *cat = NULL;
    struct zt_evidence_set ev;
    char err[512];

    json_tokener_free(tok);
    if (!doc || zt_catalog_from_json(doc, "fuzz.json", &cat, err, sizeof(err)) < 0) {
        return 0;
    }
    /* Evaluate every rule against a small fixed evidence set: once with every source present,
     * once with two instances of source "a" (one silent) and one of "b", with blame. */
    zt_evidence_set_init(&ev);
    zt_evidence_add(&ev, "a.b", json_object_new_boolean(1), "x", 0, NULL);
    zt_evidence_add(&ev, "a.c", json_object_new_int(3), "x", 0, NULL);
    zt_evidence_add(&ev, "a.d", json_tokener_parse("[\"x\",1]"), "x", 0, NULL);
    zt_evidence_add(&ev, "b.c", json_object_new_int(0), "z", 0, NULL);
    struct zt_participants who = {0};
    zt_participants_add(&who, "a", 1, "x");
    zt_participants_add(&who, "a", 1, "y");
    zt_participants_add(&who, "b", 1, "z");
    for (size_t i = 0; i < cat->n_rules; i++) {
        struct zt_blame blame = {0};
        (void)zt_rule_eval(&cat->rules[i], &ev, NULL, NULL);
        (void)zt_rule_eval(&cat->rules[i], &ev, &who, &blame);
        zt_blame_clear(&blame);
    }
    zt_participants_clear(&who);
    zt_evidence_set_free(&ev);
    zt_catalog_free(cat);
    return 0;
}
