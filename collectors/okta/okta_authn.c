/* okta_authn.c - Okta authenticators and enrollment policies (which factors are on, which are
 * weak), ISO 8601 durations, pacing from the rate limit headers, and the okta.* evidence. */
#include <ctype.h>
#include <strings.h>

#include "okta.h"

/* Weak authenticator keys: Identity Engine authenticators and Classic factor names. */
static const char *weak_reason(const char *key)
{
    static const char *const table[][2] = {
        {"phone_number", "SMS or voice call"}, {"okta_email", "email"},        {"okta_sms", "SMS"},
        {"okta_call", "voice call"},           {"okta_email_factor", "email"},
    };
    for (size_t i = 0; key && i < ZT_ELEMENTSOF(table); i++) {
        if (strcasecmp(key, table[i][0]) == 0) {
            return table[i][1];
        }
    }
    return NULL;
}

static void add_weak(struct zt_okta_authn *a, const char *key, const char *how)
{
    if (!a->weak) {
        a->weak = json_object_new_array();
    }
    if (json_object_array_length(a->weak) >= OKTA_DETAIL_MAX) {
        return;
    }
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "key", json_object_new_string(key));
    json_object_object_add(o, "factor", json_object_new_string(weak_reason(key)));
    json_object_object_add(o, "how", json_object_new_string(how));
    json_object_array_add(a->weak, o);
}

static int by_string(const void *x, const void *y)
{
    return strcmp(json_object_get_string(*(struct json_object *const *)x),
                  json_object_get_string(*(struct json_object *const *)y));
}

void zt_okta_authn_authenticators(struct zt_okta_authn *a, struct json_object *list)
{
    size_t n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;

    if (!a->active) {
        a->active = json_object_new_array();
    }
    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_array_get_idx(list, i);
        const char *key = zt_json_str(e, "key"), *status = zt_json_str(e, "status");
        if (!key || !status) {
            a->skipped++;
            continue;
        }
        if (strcasecmp(status, "ACTIVE") != 0) {
            continue;
        }
        if (json_object_array_length(a->active) < OKTA_DETAIL_MAX) {
            json_object_array_add(a->active, json_object_new_string(key));
        }
        a->webauthn = a->webauthn || strcasecmp(key, "webauthn") == 0;
        a->smart_card = a->smart_card || strcasecmp(key, "smart_card_idp") == 0;
        if (strcasecmp(key, "okta_verify") == 0 && zt_json_str(e, "id")) {
            a->okta_verify = true;
            snprintf(a->okta_verify_id, sizeof(a->okta_verify_id), "%s", zt_json_str(e, "id"));
        }
        if (weak_reason(key)) {
            add_weak(a, key, "active authenticator");
        }
    }
    json_object_array_sort(a->active, by_string);
}

void zt_okta_authn_verify_methods(struct zt_okta_authn *a, struct json_object *list)
{
    size_t n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;

    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_array_get_idx(list, i);
        const char *type = zt_json_str(e, "type"), *status = zt_json_str(e, "status");
        if (type && status && strcasecmp(type, "signed_nonce") == 0 &&
            strcasecmp(status, "ACTIVE") == 0) {
            a->fastpass = true;
        }
    }
}

static bool enrollable(struct json_object *entry)
{
    const char *self = zt_json_str(zt_http_json_path(entry, "enroll"), "self");
    return self && (strcasecmp(self, "REQUIRED") == 0 || strcasecmp(self, "OPTIONAL") == 0);
}

static void enroll_policy(struct zt_okta_authn *a, struct json_object *settings)
{
    struct json_object *list = zt_json_array(settings, "authenticators");
    struct json_object *factors = zt_http_json_path(settings, "factors");

    /* Identity Engine: {"type": "AUTHENTICATORS", "authenticators": [{"key", "enroll"}]}. */
    for (size_t i = 0; list && i < json_object_array_length(list); i++) {
        struct json_object *e = json_object_array_get_idx(list, i);
        const char *key = zt_json_str(e, "key");
        if (key && weak_reason(key) && enrollable(e)) {
            add_weak(a, key, "enrollment policy allows it");
        }
    }
    /* Classic: {"factors": {"okta_sms": {"enroll": {"self": "REQUIRED"}}, ...}}. */
    if (json_object_is_type(factors, json_type_object)) {
        json_object_object_foreach(factors, key, e)
        {
            if (weak_reason(key) && enrollable(e)) {
                add_weak(a, key, "enrollment policy allows it");
            }
        }
    }
}

void zt_okta_authn_enroll(struct zt_okta_authn *a, struct json_object *policies)
{
    size_t n =
        json_object_is_type(policies, json_type_array) ? json_object_array_length(policies) : 0;

    for (size_t i = 0; i < n; i++) {
        struct json_object *p = json_object_array_get_idx(policies, i);
        const char *status = zt_json_str(p, "status");
        if (!status) {
            a->skipped++;
            continue;
        }
        if (strcasecmp(status, "ACTIVE") == 0) {
            a->enroll_policies++;
            enroll_policy(a, zt_http_json_path(p, "settings"));
        }
    }
}

void zt_okta_authn_clear(struct zt_okta_authn *a)
{
    json_object_put(a->active);
    json_object_put(a->weak);
    *a = (struct zt_okta_authn){0};
}

int zt_okta_parse_duration(const char *s, int64_t *ret_sec)
{
    static const struct {
        char unit;
        bool time;
        int64_t sec;
    } units[] = {{'W', false, 604800},
                 {'D', false, 86400},
                 {'H', true, 3600},
                 {'M', true, 60},
                 {'S', true, 1}};
    int64_t total = 0;
    bool in_time = false, any = false, time_any = false;
    size_t next_unit = 0;

    if (!s || (s[0] != 'P' && s[0] != 'p')) {
        return -EINVAL;
    }
    for (s++; *s;) {
        if (*s == 'T' || *s == 't') {
            if (in_time) {
                return -EINVAL;
            }
            in_time = true;
            s++;
            continue;
        }
        if (!isdigit((unsigned char)*s)) {
            return -EINVAL;
        }
        int64_t v = 0;
        for (; isdigit((unsigned char)*s); s++) {
            if (v > INT64_MAX / 10 - 10) {
                return -ERANGE;
            }
            v = v * 10 + (*s - '0');
        }
        char u = (char)toupper((unsigned char)*s++);
        size_t i = next_unit;
        while (i < ZT_ELEMENTSOF(units) && (units[i].unit != u || units[i].time != in_time)) {
            i++;
        }
        if (i == ZT_ELEMENTSOF(units)) {
            return -EINVAL; /* unknown unit, out of order, or years/months (no fixed length) */
        }
        if (v > (INT64_MAX - total) / units[i].sec) {
            return -ERANGE;
        }
        total += v * units[i].sec;
        next_unit = i + 1;
        any = true;
        time_any = time_any || in_time;
    }
    if (!any || (in_time && !time_any)) {
        return -EINVAL;
    }
    *ret_sec = total;
    return 0;
}

uint64_t zt_okta_pace_ms(int64_t limit, int64_t remaining, int64_t reset_epoch, int64_t now)
{
    int64_t reserve = limit / 10 > 5 ? limit / 10 : 5;

    if (remaining < 0 || remaining > reserve || reset_epoch <= now) {
        return 0;
    }
    int64_t window_ms = (reset_epoch - now) * (int64_t)ZT_MS_PER_SEC +
                        (int64_t)ZT_MS_PER_SEC; /* second-granular: one more */
    if (window_ms > 120000) {
        window_ms = 120000; /* the engine caps server-requested waits at this too */
    }
    return (uint64_t)(window_ms / (remaining + 1));
}
