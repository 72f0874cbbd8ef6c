/* fuzz_crowdstrike.c - libFuzzer harness for the crowdstrike collector's parsers of Falcon API
 * answers: a page split on "resources" as the engine does it, its elements folded as device
 * details and scroll ids, its envelope read for the scroll's next offset; the same page read
 * whole as a ZTA count (for two thresholds) and as the ZTA audit; the evidence emitted; and
 * header values (X-CS-Region, X-RateLimit-*). The first byte picks: even, the rest is a page;
 * odd, the rest is "REGION\nLIMIT\nREMAINING". Counters are checked for consistency (a part
 * never exceeds its whole). */
#include <errno.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crowdstrike/crowdstrike.h"
#include "ctx.h"
#include "json_items.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fold {
    struct zt_cs_hosts hosts;
    struct zt_cs_zta zta;
    unsigned ids;
};

static int on_item(void *data, struct json_object *item, size_t index)
{
    struct fold *f = data;
    (void)index;
    zt_cs_host_item(&f->hosts, item);
    f->ids +=
        json_object_is_type(item, json_type_string) && zt_cs_id_valid(json_object_get_string(item));
    return 0;
}

static void check(const struct fold *f)
{
    const struct zt_cs_hosts *h = &f->hosts;
    uint64_t rfm = 0, prev = 0;
    for (size_t i = 0; i < _ZT_CS_RFM_MAX; i++) {
        rfm += h->rfm[i];
    }
    for (size_t i = 0; i < _ZT_CS_PREVENTION_MAX; i++) {
        prev += h->prevention[i];
    }
    if (rfm != h->total || prev != h->total || h->recently_seen + h->seen_unknown > h->total ||
        h->healthy > h->recently_seen || h->healthy > h->rfm[ZT_CS_RFM_NO] ||
        h->protected_ > h->healthy || f->zta.lowest > 100 ||
        (f->zta.average >= 0 && f->zta.average > 100)) {
        __builtin_trap();
    }
}

static void fuzz_page(const char *body, size_t len)
{
    struct fold f = {0};
    struct json_object *env = NULL;
    size_t n = 0;
    char err[160];

    zt_cs_hosts_init(&f.hosts, 1717243200, 7 * 86400);
    zt_cs_zta_init(&f.zta, 70);
    if (zt_json_items_split(body, len, "resources", 64, on_item, &f, &env, &n, err, sizeof(err)) <
        0) {
        return;
    }
    zt_cs_details_page(&f.hosts, env);
    const char *next = NULL;
    char cut[160] = "";
    int sr = zt_cs_scroll_next(&f.hosts, env, n, &next, cut, sizeof(cut));
    if (sr == 0 && next && !next[0]) {
        __builtin_trap(); /* an empty token is the end, never a next page */
    }
    if (sr < 0 && !cut[0]) {
        __builtin_trap(); /* a list cut short always says why */
    }
    struct json_object *whole = json_tokener_parse(body);
    char why[192];
    if (zt_cs_zta_count_page(&f.zta, 0, whole, why, sizeof(why)) == 0 && f.zta.assessed < 0) {
        __builtin_trap(); /* a count that was read is known */
    }
    (void)zt_cs_zta_count_page(&f.zta, 70, whole, why, sizeof(why));
    (void)zt_cs_zta_audit_page(&f.zta, whole, why, sizeof(why));
    json_object_put(whole);
    check(&f);
    struct zt_ctx *ctx = zt_ctx_new("fuzz", 0);
    int zr = zt_cs_zta_emit(ctx, &f.zta, (int64_t)f.hosts.total);
    if (zt_cs_hosts_emit(ctx, &f.hosts, NULL) < 0 || (zr < 0 && zr != -EBADMSG)) {
        __builtin_trap(); /* every count and share is a valid evidence value */
    }
    zt_ctx_free(ctx);
    json_object_put(env);
}

static void fuzz_headers(const char *text)
{
    char *copy = strdup(text);
    char *region = copy, *limit = strchr(copy, '\n'), *remaining = NULL;
    const char *over[] = {"eu-1=https://127.0.0.1:1", "x=https://y"};

    if (limit) {
        *limit++ = '\0';
        remaining = strchr(limit, '\n');
        if (remaining) {
            *remaining++ = '\0';
        }
    }
    const char *t = zt_cs_region_target(region, "https://api.crowdstrike.com", over, 2);
    if (t && strncmp(t, "https://", 8) != 0) {
        __builtin_trap(); /* only https targets */
    }
    (void)zt_cs_region_url(region);
    uint64_t ms = zt_cs_pace_ms(limit ? atoll(limit) : 0, remaining ? atoll(remaining) : 0);
    if (ms > 60000) {
        __builtin_trap();
    }
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    char *text = strndup((const char *)data + 1, size - 1);
    if (data[0] & 1) {
        fuzz_headers(text);
    } else {
        fuzz_page(text, strlen(text));
    }
    free(text);
    return 0;
}
