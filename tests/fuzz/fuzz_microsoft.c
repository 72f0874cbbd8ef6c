/* fuzz_microsoft.c - libFuzzer harness for the Microsoft API response parsers: Conditional
 * Access and authentication strength derivation, methods policy, security defaults,
 * registration, PIM and group member pages, service principals, cross-tenant access, lifecycle
 * workflows and entitlement policies (entra); managed devices, compliance policies, clean-up
 * rules, remediations, enrollment configurations and Autopilot profiles (intune); machines,
 * exposure score and the vulnerability and software exports (defender). The first byte picks the
 * parser; the rest is the JSON body as the API sent it. */
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

    switch (which % 10) {
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
    case 6: {
        struct entra_sps sps = {.secret_sps = json_object_new_array()};
        struct json_object *items = json_object_object_get(doc, "value");
        size_t n =
            json_object_is_type(items, json_type_array) ? json_object_array_length(items) : 0;
        for (size_t i = 0; i < n; i++) {
            (void)entra_sps_item(&sps, json_object_array_get_idx(items, i), 1700000000000000);
        }
        entra_sps_facts(&sps, facts);
        json_object_put(sps.secret_sps);
        break;
    }
    case 7:
        (void)entra_ca_workload_derive(json_object_object_get(doc, "value"), facts);
        (void)entra_xtap_derive(doc, facts);
        break;
    case 8: {
        struct entra_governance gov = {0};
        (void)entra_lcw_page(&gov, doc);
        (void)entra_em_page(&gov, doc);
        entra_lcw_facts(&gov, facts);
        entra_em_facts(&gov, facts);
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

/* The lifecycle lists of intune and the exposure and export readers of defender. */
static void fuzz_device_lists(struct zt_ctx *ctx, uint8_t which, struct json_object *doc,
                              struct json_object *items, size_t n)
{
    char err[256];

    if (which & 1) {
        struct zt_intune_cleanup cleanup = {0};
        struct zt_intune_scripts scripts = {0};
        struct zt_intune_enrollment enroll = {0};
        struct zt_intune_autopilot autopilot = {0};
        (void)zt_intune_cleanup_page(&cleanup, doc, err, sizeof(err));
        (void)zt_intune_scripts_page(&scripts, doc, err, sizeof(err));
        (void)zt_intune_enrollment_page(&enroll, doc, err, sizeof(err));
        (void)zt_intune_autopilot_page(&autopilot, doc, err, sizeof(err));
        (void)zt_intune_emit_cleanup(ctx, &cleanup);
        (void)zt_intune_emit_scripts(ctx, &scripts);
        (void)zt_intune_emit_enrollment(ctx, &enroll);
        (void)zt_intune_emit_autopilot(ctx, &autopilot);
        zt_intune_scripts_clear(&scripts);
        return;
    }
    struct zt_defender_vulns vulns = {.now_sec = 1700000000};
    struct zt_defender_software soft = {0};
    double score = 0;
    for (size_t i = 0; i < n; i++) {
        zt_defender_vuln_item(&vulns, json_object_array_get_idx(items, i));
        zt_defender_software_item(&soft, json_object_array_get_idx(items, i));
    }
    if (zt_defender_exposure_page(doc, &score, err, sizeof(err)) == 0) {
        (void)zt_defender_emit_exposure(ctx, score);
    }
    (void)zt_defender_emit_vulns(ctx, &vulns);
    (void)zt_defender_emit_software(ctx, &soft);
    zt_defender_software_clear(&soft);
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

    if (which & 4) {
        fuzz_device_lists(ctx, which, doc, items, n);
    } else if (which & 1) {
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
