/* plan_json.c - the "next" section of a result document: the plan as JSON, the evidence each
 * unknown rule still needs by source and permission, and the plan of a document without one. */
#include <json-c/json.h>
#include <string.h>

#include "plan.h"
#include "util.h"

/* Worded as the example drop-ins (conf/conf.d) and docs/evidence.md word them; a unit test holds
 * each to its file. entra: neither names the Graph permissions (its 403 errors do). */
static const struct {
    const char *type, *permission, *where;
} permissions[] = {
    {"host", "read-only with CAP_DAC_READ_SEARCH", "conf/conf.d/host.conf.example"},
    {"aws", "the AWS managed policy SecurityAudit", "conf/conf.d/aws.conf.example"},
    {"azure", "the built-in Reader role on every subscription to assess",
     "conf/conf.d/azure.conf.example"},
    {"crowdstrike", "read-only scopes: Hosts: Read and Zero Trust Assessment: Read",
     "conf/conf.d/crowdstrike.conf.example"},
    {"okta",
     "the scopes okta.policies.read okta.authenticators.read okta.groups.read "
     "okta.deviceAssurance.read okta.apps.read okta.idps.read okta.threatInsights.read "
     "okta.logStreams.read okta.behaviors.read (and a read-only administrator role on newer orgs)",
     "conf/conf.d/okta.conf.example"},
    {"kubernetes",
     "only `list` on namespaces, pods, networkpolicies.networking.k8s.io, "
     "clusterrolebindings.rbac.authorization.k8s.io and the admission and GitOps resources of "
     "the ClusterRole ztmmd-reader",
     "conf/conf.d/kubernetes.conf.example"},
    {"intune",
     "the Microsoft Graph application permissions DeviceManagementManagedDevices.Read.All, "
     "DeviceManagementConfiguration.Read.All, DeviceManagementScripts.Read.All and "
     "DeviceManagementServiceConfig.Read.All",
     "conf/conf.d/intune.conf.example"},
    {"defender",
     "the WindowsDefenderATP application permissions Machine.Read.All, Score.Read.All, "
     "Vulnerability.Read.All and Software.Read.All",
     "conf/conf.d/defender.conf.example"},
};

const char *zt_plan_permission(const char *type, const char **where)
{
    for (size_t i = 0; i < ZT_ELEMENTSOF(permissions); i++) {
        if (zt_streq(type, permissions[i].type)) {
            if (where) {
                *where = permissions[i].where;
            }
            return permissions[i].permission;
        }
    }
    return NULL;
}

static void add(struct json_object *o, const char *key, struct json_object *v)
{
    json_object_object_add(o, key, v);
}

static struct json_object *stage_or_null(enum zt_stage s)
{
    return s == ZT_STAGE_UNKNOWN ? NULL : json_object_new_string(zt_stage_to_string(s));
}

static struct json_object *rule_ids(const struct zt_catalog *cat, const size_t *v, size_t n)
{
    struct json_object *arr = json_object_new_array_ext((int)n);
    for (size_t i = 0; i < n; i++) {
        json_object_array_add(arr, json_object_new_string(cat->rules[v[i]].id));
    }
    return arr;
}

static struct json_object *function_ids(const struct zt_catalog *cat, const size_t *v, size_t n)
{
    struct json_object *arr = json_object_new_array_ext((int)n);
    for (size_t i = 0; i < n; i++) {
        json_object_array_add(arr, json_object_new_string(cat->functions[v[i]].id));
    }
    return arr;
}

/* Append the ids of rules v[0..n) to the array member key of o. */
static void append_rules(struct json_object *o, const char *key, const struct zt_catalog *cat,
                         const size_t *v, size_t n)
{
    struct json_object *arr = zt_json_array(o, key);
    for (size_t i = 0; i < n; i++) {
        json_object_array_add(arr, json_object_new_string(cat->rules[v[i]].id));
    }
}

static struct json_object *functions_json(const struct zt_plan *plan, const struct zt_catalog *cat)
{
    struct json_object *arr = json_object_new_array_ext((int)cat->n_functions);

    for (size_t f = 0; f < cat->n_functions; f++) {
        const struct zt_plan_function *pf = &plan->functions[f];
        struct json_object *o = json_object_new_object();
        add(o, "id", json_object_new_string(cat->functions[f].id));
        add(o, "pillar", json_object_new_string(cat->pillars[cat->functions[f].pillar].id));
        add(o, "stage", json_object_new_string(zt_stage_to_string(plan->est.functions[f].stage)));
        add(o, "target", stage_or_null(pf->target));
        add(o, "reachable", json_object_new_boolean(pf->reachable));
        add(o, "fix", rule_ids(cat, pf->fix, pf->n_fix));
        add(o, "collect", rule_ids(cat, pf->collect, pf->n_collect));
        add(o, "deploy", rule_ids(cat, pf->deploy, pf->n_deploy));
        json_object_array_add(arr, o);
    }
    return arr;
}

/* A pillar rises when each of its assessed functions at its stage does. */
static struct json_object *pillars_json(const struct zt_plan *plan, const struct zt_catalog *cat)
{
    struct json_object *arr = json_object_new_array_ext((int)cat->n_pillars);

    for (size_t p = 0; p < cat->n_pillars; p++) {
        enum zt_stage s = plan->est.pillars[p].observed.stage;
        enum zt_stage target =
            s == ZT_STAGE_UNKNOWN || s == ZT_STAGE_OPTIMAL ? ZT_STAGE_UNKNOWN : s + 1;
        struct json_object *o = json_object_new_object(), *fns = json_object_new_array();
        bool reachable = true;
        add(o, "id", json_object_new_string(cat->pillars[p].id));
        add(o, "stage", json_object_new_string(zt_stage_to_string(s)));
        add(o, "target", stage_or_null(target));
        add(o, "functions", fns);
        add(o, "fix", json_object_new_array());
        add(o, "collect", json_object_new_array());
        add(o, "deploy", json_object_new_array());
        for (size_t f = 0; target != ZT_STAGE_UNKNOWN && f < cat->n_functions; f++) {
            const struct zt_plan_function *pf = &plan->functions[f];
            if (cat->functions[f].pillar != p || plan->est.functions[f].stage != s) {
                continue;
            }
            json_object_array_add(fns, json_object_new_string(cat->functions[f].id));
            append_rules(o, "fix", cat, pf->fix, pf->n_fix);
            append_rules(o, "collect", cat, pf->collect, pf->n_collect);
            append_rules(o, "deploy", cat, pf->deploy, pf->n_deploy);
            reachable = reachable && pf->reachable;
        }
        add(o, "reachable", json_object_new_boolean(s != ZT_STAGE_UNKNOWN && reachable));
        json_object_array_add(arr, o);
    }
    return arr;
}

static struct json_object *steps_json(const struct zt_plan *plan, const struct zt_catalog *cat)
{
    struct json_object *arr = json_object_new_array_ext((int)plan->n_steps);

    for (size_t s = 0; s < plan->n_steps; s++) {
        const struct zt_plan_step *st = &plan->steps[s];
        const struct zt_rule *r = &cat->rules[st->rules[0]];
        struct json_object *o = json_object_new_object();
        add(o, "action", json_object_new_string(zt_plan_action_to_string(st->action)));
        add(o, "unblocks", json_object_new_int64((int64_t)st->n_functions));
        add(o, "functions", function_ids(cat, st->functions, st->n_functions));
        add(o, "rules", rule_ids(cat, st->rules, st->n_rules));
        add(o, "stage", json_object_new_string(zt_stage_to_string(r->stage)));
        add(o, "title", json_object_new_string(r->title));
        add(o, "sources", json_object_get(r->sources));
        add(o, "remediation", json_object_new_string(r->remediation));
        json_object_array_add(arr, o);
    }
    return arr;
}

struct sources {
    struct json_object *arr;   /* the "collect" array */
    struct json_object *index; /* source -> its entry (borrowed) */
    struct json_object *seen;  /* "source key" -> true: each key listed once per source */
    struct json_object *collectors;
    const struct zt_rule *rules; /* the catalog's, to index in_steps */
    const bool *in_steps;        /* rule index -> one of the estate's steps */
    struct json_object *present; /* the sources that took part (a set) */
};

static struct json_object *source_entry(struct sources *s, const char *source)
{
    struct json_object *e, *inst = json_object_new_array();
    const char *where = NULL, *perm;

    if (json_object_object_get_ex(s->index, source, &e)) {
        json_object_put(inst);
        return e;
    }
    for (size_t i = 0; s->collectors && i < json_object_array_length(s->collectors); i++) {
        struct json_object *c = json_object_array_get_idx(s->collectors, i), *v;
        if (!zt_streq(zt_json_str(c, "type"), source)) {
            continue;
        }
        struct json_object *o = json_object_new_object();
        const char *name = zt_json_str(c, "name"), *status = zt_json_str(c, "status");
        add(o, "name", json_object_new_string(name ? name : "?"));
        add(o, "status", json_object_new_string(status ? status : "?"));
        json_object_object_get_ex(c, "error", &v);
        add(o, "error", zt_json_str(c, "error") ? json_object_get(v) : NULL);
        json_object_array_add(inst, o);
    }
    perm = zt_plan_permission(source, &where);
    e = json_object_new_object();
    add(e, "source", json_object_new_string(source));
    add(e, "keys", json_object_new_array());
    add(e, "rules", json_object_new_array());
    add(e, "permission", perm ? json_object_new_string(perm) : NULL);
    add(e, "permission_doc", where ? json_object_new_string(where) : NULL);
    add(e, "instances", inst);
    add(e, "raises_overall", json_object_new_boolean(false));
    json_object_array_add(s->arr, e);
    add(s->index, source, json_object_get(e));
    return e;
}

/* The source that supplies key for rule r: its prefix when that is one of r's sources, else
 * r's first declared source (exec programs name their own keys). */
static const char *source_of(const struct zt_rule *r, const char *key, char *buf, size_t len)
{
    snprintf(buf, len, "%.*s", (int)strcspn(key, "."), key);
    for (size_t i = 0; i < json_object_array_length(r->sources); i++) {
        if (zt_streq(json_object_get_string(json_object_array_get_idx(r->sources, i)), buf)) {
            return buf;
        }
    }
    return json_object_array_length(r->sources) > 0
               ? json_object_get_string(json_object_array_get_idx(r->sources, 0))
               : buf;
}

/* List r under source entry e once (a rule's keys are walked in a row). */
static void rule_to_source(struct sources *s, struct json_object *e, const struct zt_rule *r)
{
    if (s->in_steps[r - s->rules]) {
        add(e, "raises_overall", json_object_new_boolean(true));
    }
    struct json_object *rules = zt_json_array(e, "rules");
    size_t n = json_object_array_length(rules);
    if (n == 0 ||
        !zt_streq(json_object_get_string(json_object_array_get_idx(rules, n - 1)), r->id)) {
        json_object_array_add(rules, json_object_new_string(r->id));
    }
}

/* The source of key when no observation of it exists (into buf), else NULL. */
static const char *lacking(const struct zt_rule *r, const char *key, struct zt_evidence_set *ev,
                           char *buf, size_t len)
{
    const struct zt_evidence *first;

    if (!key || (ev && zt_evidence_lookup(ev, key, &first) > 0)) {
        return NULL;
    }
    return source_of(r, key, buf, len);
}

static bool present(const struct sources *s, const char *source)
{
    return json_object_object_get_ex(s->present, source, NULL);
}

/* A rule in a function's way: each key it lacks, under the source that supplies it. An unknown
 * rule that lacks keys of sources that took part lists only those (a part of a source the scan
 * did not use is not applicable, not missing); a deploy rule lists them all (its sources are the
 * ones to add). A rule that lacks none (its evidence is there but says nothing) is listed under
 * its sources. */
static void collect_rule(struct sources *s, const struct zt_rule *r, struct zt_evidence_set *ev,
                         bool unknown)
{
    char buf[160], seen_key[320];
    bool lacked = false, took_part = false;
    size_t n = json_object_array_length(r->keys);

    for (size_t k = 0; unknown && k < n; k++) {
        const char *src = lacking(r, json_object_get_string(json_object_array_get_idx(r->keys, k)),
                                  ev, buf, sizeof(buf));
        took_part = took_part || (src && present(s, src));
    }
    for (size_t k = 0; k < n; k++) {
        const char *key = json_object_get_string(json_object_array_get_idx(r->keys, k));
        const char *src = lacking(r, key, ev, buf, sizeof(buf));
        if (!src || (took_part && !present(s, src))) {
            continue;
        }
        lacked = true;
        struct json_object *e = source_entry(s, src);
        snprintf(seen_key, sizeof(seen_key), "%s %s", src, key);
        if (!json_object_object_get_ex(s->seen, seen_key, NULL)) {
            add(s->seen, seen_key, json_object_new_boolean(true));
            json_object_array_add(zt_json_array(e, "keys"), json_object_new_string(key));
        }
        rule_to_source(s, e, r);
    }
    for (size_t i = 0; !lacked && i < json_object_array_length(r->sources); i++) {
        const char *src = json_object_get_string(json_object_array_get_idx(r->sources, i));
        rule_to_source(s, source_entry(s, src), r);
    }
}

/* The sources that took part: every instance's type that was not skipped, and every observed
 * key's prefix (as the result's evaluation counts them). */
static struct json_object *present_sources(struct json_object *collectors,
                                           struct zt_evidence_set *ev)
{
    struct json_object *set = json_object_new_object();
    char buf[160];

    for (size_t i = 0; collectors && i < json_object_array_length(collectors); i++) {
        struct json_object *c = json_object_array_get_idx(collectors, i);
        if (zt_json_str(c, "type") && !zt_streq(zt_json_str(c, "status"), "skipped")) {
            add(set, zt_json_str(c, "type"), json_object_new_boolean(true));
        }
    }
    for (size_t i = 0; ev && i < ev->n; i++) {
        snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(ev->v[i].key, "."), ev->v[i].key);
        if (!json_object_object_get_ex(set, buf, NULL)) {
            add(set, buf, json_object_new_boolean(true));
        }
    }
    return set;
}

static struct json_object *collect_json(const struct zt_plan *plan, const struct zt_catalog *cat,
                                        struct zt_evidence_set *ev, struct json_object *collectors)
{
    struct sources s = {
        .arr = json_object_new_array(),
        .index = json_object_new_object(),
        .seen = json_object_new_object(),
        .collectors = json_object_is_type(collectors, json_type_array) ? collectors : NULL,
        .rules = cat->rules,
    };
    _cleanup_free_ bool *in_steps = zt_xcalloc(cat->n_rules ? cat->n_rules : 1, sizeof(bool));

    for (size_t i = 0; i < plan->n_steps; i++) {
        for (size_t j = 0; j < plan->steps[i].n_rules; j++) {
            in_steps[plan->steps[i].rules[j]] = true;
        }
    }
    s.in_steps = in_steps;
    s.present = present_sources(s.collectors, ev);

    for (size_t f = 0; f < cat->n_functions; f++) {
        const struct zt_plan_function *pf = &plan->functions[f];
        for (size_t j = 0; j < pf->n_collect; j++) {
            collect_rule(&s, &cat->rules[pf->collect[j]], ev, true);
        }
        for (size_t j = 0; j < pf->n_deploy; j++) {
            collect_rule(&s, &cat->rules[pf->deploy[j]], ev, false);
        }
    }
    json_object_put(s.index);
    json_object_put(s.seen);
    json_object_put(s.present);
    return s.arr;
}

struct json_object *zt_plan_to_json(const struct zt_plan *plan, const struct zt_catalog *cat,
                                    struct zt_evidence_set *ev, struct json_object *collectors)
{
    struct json_object *o = json_object_new_object();

    add(o, "stage", json_object_new_string(zt_stage_to_string(plan->overall)));
    add(o, "target", stage_or_null(plan->target));
    add(o, "reachable", json_object_new_boolean(plan->reachable));
    add(o, "verified_stage", json_object_new_string(zt_stage_to_string(plan->verified)));
    add(o, "raise", function_ids(cat, plan->raise, plan->n_raise));
    add(o, "steps", steps_json(plan, cat));
    add(o, "collect", collect_json(plan, cat, ev, collectors));
    add(o, "functions", functions_json(plan, cat));
    add(o, "pillars", pillars_json(plan, cat));
    return o;
}
