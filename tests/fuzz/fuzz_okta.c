/* fuzz_okta.c - libFuzzer harness for the okta collector's parsers of API responses: the policy
 * walks (sign-on and authentication policies with their rules), authenticators, Okta Verify
 * methods and enrollment policies, and ISO 8601 durations. The first byte picks: even, the rest
 * is one JSON document {"signon": [...], "access": [...], "rules": {"<policy id>": [...]},
 * "authenticators": [...], "methods": [...], "enroll": [...]} (members may have any type, as a
 * broken API could send); odd, the rest is a reauthenticateIn string. */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "okta/okta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
