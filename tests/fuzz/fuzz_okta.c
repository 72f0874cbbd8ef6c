/* fuzz_okta.c - libFuzzer harness for the okta collector's parsers of API responses: the policy
 * walks (sign-on and authentication policies with their rules), authenticators, Okta Verify
 * methods and enrollment policies, the apps, identity provider, group rule, log stream and
 * behaviour lists, app users, entity risk rules and ThreatInsight, and ISO 8601 durations. The
 * first byte picks: even, the rest is one JSON document {"signon": [...], "access": [...],
 * "rules": {"<policy id>": [...]}, "authenticators": [...], "methods": [...], "enroll": [...],
 * "lists": [[apps], [idps], [group rules], [streams], [behaviors]], "app_users": [...],
 * "itp_rules": [...], "threats": {...}} (members may have any type, as a broken API could send);
 * odd, the rest is a reauthenticateIn string. */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "okta/okta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_stores(struct zt_ctx *ctx, struct json_object *doc)
{
    struct zt_okta_stores s = {0};
    struct zt_okta_have have = {.threats = true, .assignments = true, .itp = 1};
    struct json_object *lists = json_object_object_get(doc, "lists");
    struct json_object *users = json_object_object_get(doc, "app_users");
    struct json_object *itp = json_object_object_get(doc, "itp_rules");

    for (size_t l = 0; l < _ZT_OKTA_LIST_MAX; l++) {
        struct json_object *list = json_object_is_type(lists, json_type_array)
                                       ? json_object_array_get_idx(lists, l)
                                       : NULL;
        have.list[l] = json_object_is_type(list, json_type_array);
        for (size_t i = 0; have.list[l] && i < json_object_array_length(list); i++) {
            (void)zt_okta_stores_item(&s, l, json_object_array_get_idx(list, i));
        }
    }
    for (size_t i = 0;
         json_object_is_type(users, json_type_array) && i < json_object_array_length(users); i++) {
        bool direct = false;
        if (zt_okta_app_user(json_object_array_get_idx(users, i), &direct) == 0 && direct &&
            s.target_apps && i < json_object_array_length(s.target_apps)) {
            zt_okta_app_direct(&s, i);
        }
    }
    for (size_t i = 0;
         json_object_is_type(itp, json_type_array) && i < json_object_array_length(itp); i++) {
        (void)zt_okta_itp_rule(&s, json_object_array_get_idx(itp, i));
    }
    (void)zt_okta_threats_doc(&s, json_object_object_get(doc, "threats"));
    if (s.direct_apps > s.targets || s.provisioned_accounts > s.targets ||
        s.deprovisioned_accounts > s.targets) {
        abort(); /* a share above 1 */
    }
    (void)zt_okta_stores_emit(ctx, &s, &have);
    zt_okta_stores_clear(&s);
}

static void fuzz_documents(struct json_object *doc)
{
    struct zt_ctx *ctx = zt_ctx_new("fuzz", 0);
    struct zt_okta_walk signon = {0}, access = {0};
    struct zt_okta_authn authn = {0};
    struct json_object *rules = json_object_object_get(doc, "rules");

    zt_okta_walk_signon(json_object_object_get(doc, "signon"), rules, "00gEveryone", &signon);
    zt_okta_walk_access(json_object_object_get(doc, "access"), rules, &access);
    zt_okta_authn_authenticators(&authn, json_object_object_get(doc, "authenticators"));
    zt_okta_authn_verify_methods(&authn, json_object_object_get(doc, "methods"));
    zt_okta_authn_enroll(&authn, json_object_object_get(doc, "enroll"));
    (void)zt_okta_emit(ctx, &signon, &access, &authn, 1);
    fuzz_stores(ctx, doc);
    zt_okta_walk_clear(&signon);
    zt_okta_walk_clear(&access);
    zt_okta_authn_clear(&authn);
    zt_ctx_free(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    if (data[0] & 1) {
        char *s = strndup((const char *)data + 1, size - 1);
        int64_t sec = 0;
        if (zt_okta_parse_duration(s, &sec) == 0 && sec < 0) {
            abort(); /* a duration is never negative */
        }
        free(s);
        return 0;
    }
    struct json_tokener *tok = json_tokener_new_ex(32);
    struct json_object *doc = json_tokener_parse_ex(tok, (const char *)data + 1, (int)size - 1);
    json_tokener_free(tok);
    if (doc) {
        fuzz_documents(doc);
        json_object_put(doc);
    }
    return 0;
}
