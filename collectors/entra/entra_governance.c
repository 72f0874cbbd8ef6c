/* entra_governance.c - Microsoft Entra ID Governance: lifecycle workflows (joiner, mover, leaver,
 * enabled and scheduled) and entitlement management assignment policies (expiry, reviews),
 * reduced page by page. */
#include <strings.h>

#include "entra.h"
#include "util.h"

static const char *const lcw_names[_ENTRA_LCW_MAX] = {"joiner", "mover", "leaver"};

static bool flag(struct json_object *o, const char *field)
{
    struct json_object *v = entra_get(o, field);
    return v && json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

int entra_lcw_page(struct entra_governance *g, struct json_object *page)
{
    struct json_object *value = entra_page_objects(page);

    if (!value) {
        return -EBADMSG;
    }
    for (size_t i = 0; i < json_object_array_length(value); i++) {
        struct json_object *wf = json_object_array_get_idx(value, i);
        const char *cat = zt_json_str(wf, "category");
        g->workflows++;
        /* isEnabled alone runs only on demand; the schedule is what makes it automatic */
        if (!cat || !flag(wf, "isEnabled") || !flag(wf, "isSchedulingEnabled")) {
            continue;
        }
        for (int c = 0; c < _ENTRA_LCW_MAX; c++) {
            g->scheduled[c] += strcasecmp(cat, lcw_names[c]) == 0;
        }
    }
    return 0;
}

void entra_lcw_facts(const struct entra_governance *g, struct json_object *facts)
{
    static const char *const keys[_ENTRA_LCW_MAX] = {
        "entra.lcw.joiner_scheduled", "entra.lcw.mover_scheduled", "entra.lcw.leaver_scheduled"};

    entra_fact(facts, "entra.lcw.workflows", json_object_new_int64((int64_t)g->workflows), NULL);
    for (int c = 0; c < _ENTRA_LCW_MAX; c++) {
        entra_fact(facts, keys[c], json_object_new_boolean(g->scheduled[c] > 0), NULL);
    }
}

/* expiration.type afterDateTime or afterDuration ends the assignment; noExpiration and
 * notSpecified (or no expiration at all) do not. */
static bool expires(struct json_object *policy)
{
    const char *type = zt_json_str(entra_get(policy, "expiration"), "type");
    return type &&
           (strcasecmp(type, "afterDateTime") == 0 || strcasecmp(type, "afterDuration") == 0);
}

int entra_em_page(struct entra_governance *g, struct json_object *page)
{
    struct json_object *value = entra_page_objects(page);

    if (!value) {
        return -EBADMSG;
    }
    for (size_t i = 0; i < json_object_array_length(value); i++) {
        struct json_object *p = json_object_array_get_idx(value, i);
        g->em_policies++;
        g->em_no_expiry += !expires(p);
        g->em_reviewed += flag(entra_get(p, "reviewSettings"), "isEnabled");
    }
    return 0;
}

void entra_em_facts(const struct entra_governance *g, struct json_object *facts)
{
    entra_fact(facts, "entra.em.assignment_policies",
               json_object_new_int64((int64_t)g->em_policies), NULL);
    entra_fact(facts, "entra.em.policies_without_expiry",
               json_object_new_int64((int64_t)g->em_no_expiry), NULL);
    entra_fact(facts, "entra.em.policies_with_review",
               json_object_new_int64((int64_t)g->em_reviewed), NULL);
}
