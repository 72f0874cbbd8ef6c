/* fuzz_microsoft.c - libFuzzer harness for the Microsoft API response parsers: Conditional
 * Access and authentication strength derivation, methods policy, security defaults,
 * registration, PIM and group member pages (entra), managed devices and compliance policies
 * (intune), machines (defender). The first byte picks the parser; the rest is the JSON body as the
 * API sent it. */
#include <json-c/json.h>
#include <stdint.h>

#include "ctx.h"
#include "defender/defender.h"
#include "entra/entra.h"
#include "intune/intune.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_entra(uint8_t which, struct json_object *doc, const struct zt_strv *emergency)
{
    struct json_object *facts = json_object_new_object();
    struct json_object *strengths = json_object_new_object();
    struct entra_reg reg = {0};
    struct entra_pim pim;

    switch (which % 6) {
    case 0:
        (void)entra_ca_derive(doc, NULL, emergency, facts);
        (void)entra_ca_derive_cae(doc, emergency, facts);
        break;
    case 1:
        if (entra_strengths_page(strengths, doc) == 0) {
            struct json_object *policies = json_object_object_get(doc, "policies");
            (void)entra_ca_derive(policies, strengths, emergency, facts);
        }
        break;
    case 2:
        (void)entra_methods_derive(doc, facts);
        (void)entra_secdefaults_derive(doc, facts);
        break;
    case 3: {
        struct json_object *users = json_object_object_get(doc, "value");
        size_t n =
            json_object_is_type(users, json_type_array) ? json_object_array_length(users) : 0;
        for (size_t i = 0; i < n; i++) {
            (void)entra_reg_item(&reg, json_object_array_get_idx(users, i));
        }
        entra_reg_facts(&reg, facts);
        break;
    }
    default: {
        const char *groups[ENTRA_GA_GROUPS_MAX];
        entra_pim_init(&pim, emergency);
        (void)entra_pim_page(&pim, doc, which & 1);
        /* the same body as a member listing of every group holding Global Administrator */
        size_t n = entra_pim_ga_groups(&pim, groups, ENTRA_GA_GROUPS_MAX);
        for (size_t i = 0; i < n && i < ENTRA_GA_GROUPS_MAX; i++) {
            if (entra_pim_members_page(&pim, groups[i], doc) == 0) {
                entra_pim_group_expanded(&pim, groups[i]);
            }
        }
        (void)entra_pim_members_page(&pim, "not-a-holder", doc);
        entra_pim_facts(&pim, true, facts);
        entra_pim_done(&pim);
        break;
    }
    }
    json_object_put(strengths);
    json_object_put(facts);
}

static void fuzz_devices(uint8_t which, struct json_object *doc)
{
    struct zt_ctx *ctx = zt_ctx_new("fuzz", 0);
    struct zt_intune_devices dev = {.now_sec = 1700000000, .stale_sec = 30 * 86400};
    struct zt_intune_policies pol = {0};
    struct zt_defender_machines mach = {.now_sec = 1700000000, .stale_sec = 7 * 86400};
    char err[256];

    /* The engine hands list items over one by one (daemon/http/json_items.c, fuzzed on its own in
     * fuzz_json_items.c): feed the reducers the elements of "value" the same way. */
    struct json_object *items = json_object_object_get(doc, "value");
    size_t n = json_object_is_type(items, json_type_array) ? json_object_array_length(items) : 0;

    if (which & 1) {
        for (size_t i = 0; i < n; i++) {
            zt_intune_device_item(&dev, json_object_array_get_idx(items, i));
        }
        (void)zt_intune_policies_page(&pol, doc, err, sizeof(err));
        (void)zt_intune_emit_devices(ctx, &dev);
        (void)zt_intune_emit_policies(ctx, &pol, &dev);
        zt_intune_policies_clear(&pol);
    } else {
        for (size_t i = 0; !(which & 2) && i < n; i++) {
            zt_defender_machine_item(&mach, json_object_array_get_idx(items, i));
        }
        zt_defender_machines_page(&mach, (which & 2) ? 404 : 200, doc, n);
        (void)zt_defender_emit(ctx, &mach);
    }
    zt_ctx_free(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const ids[] = {"11111111-1111-1111-1111-111111111111", NULL};
    const struct zt_strv emergency = {.v = (char **)ids, .n = 1};

    if (size < 1) {
        return 0;
    }
    struct json_tokener *tok = json_tokener_new_ex(32);
    struct json_object *doc = json_tokener_parse_ex(tok, (const char *)data + 1, (int)size - 1);
    json_tokener_free(tok);
    if (!doc) {
        return 0;
    }
    if (data[0] & 0x80) {
        fuzz_devices(data[0], doc);
    } else {
        fuzz_entra(data[0], doc, &emergency);
    }
    json_object_put(doc);
    return 0;
}
