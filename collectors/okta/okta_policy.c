/* okta_policy.c - the first-match walk over Okta global session (OKTA_SIGN_ON) and
 * authentication (ACCESS_POLICY) policies: which allowing rules can a user reach, and does each
 * of them demand MFA, phishing-resistant factors or an assured device? */
#include <limits.h>
#include <strings.h>

#include "okta.h"

/* The member at dotted path of o (borrowed), or NULL. */
static struct json_object *at(struct json_object *o, const char *path)
{
    return zt_http_json_path(o, path);
}

static bool str_ci(struct json_object *v, const char *want)
{
    return json_object_is_type(v, json_type_string) &&
           strcasecmp(json_object_get_string(v), want) == 0;
}

/* Strictly the JSON literal true: json-c would also call "false" (a non-empty string) true. */
static bool is_true(struct json_object *v)
{
    return json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

static const char *name_of(struct json_object *o)
{
    const char *n = zt_json_str(o, "name");
    return n ? n : zt_json_str(o, "id") ? zt_json_str(o, "id") : "(unnamed)";
}

static bool active(struct json_object *o)
{
    return str_ci(at(o, "status"), "ACTIVE");
}

/* Whether a condition value places no restriction: null, "", "ANY", "ANYWHERE", false, an empty
 * array, or an object of such values. Anything else (a zone, a platform list, a risk level, a
 * group, an expression) scopes the rule. */
static bool cond_empty(struct json_object *v, int depth)
{
    if (!v) {
        return true;
    }
    switch (json_object_get_type(v)) {
    case json_type_null:
        return true;
    case json_type_boolean:
        return !json_object_get_boolean(v);
    case json_type_string: {
        const char *s = json_object_get_string(v);
        return !s[0] || strcasecmp(s, "ANY") == 0 || strcasecmp(s, "ANYWHERE") == 0;
    }
    case json_type_array:
        return json_object_array_length(v) == 0;
    case json_type_object:
        if (depth > 8) {
            return false;
        }
        json_object_object_foreach(v, k, m)
        {
            (void)k;
            if (!cond_empty(m, depth + 1)) {
                return false;
            }
        }
        return true;
    default:
        return false;
    }
}

static bool array_has_string(struct json_object *a, const char *s)
{
    if (!s || !json_object_is_type(a, json_type_array)) {
        return false;
    }
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        struct json_object *e = json_object_array_get_idx(a, i);
        if (json_object_is_type(e, json_type_string) && zt_streq(json_object_get_string(e), s)) {
            return true;
        }
    }
    return false;
}

/* A sign-on policy applies to everyone: it includes the Everyone group (the system default policy
 * always does) and excludes nobody; no other condition narrows it. */
static bool signon_policy_everyone(struct json_object *p, const char *everyone)
{
    struct json_object *c = at(p, "conditions");
    bool system = is_true(at(p, "system"));

    if (!system && !array_has_string(at(c, "people.groups.include"), everyone)) {
        return false;
    }
    if (!cond_empty(at(c, "people.groups.exclude"), 0) ||
        !cond_empty(at(c, "people.users.exclude"), 0)) {
        return false;
    }
    if (!json_object_is_type(c, json_type_object)) {
        return system;
    }
    json_object_object_foreach(c, k, v)
    {
        if (strcmp(k, "people") != 0 && !cond_empty(v, 0)) {
            return false;
        }
    }
    return true;
}

bool zt_okta_constraint_phishing_resistant(struct json_object *constraint)
{
    struct json_object *pos = at(constraint, "possession");
    struct json_object *methods = at(pos, "methods");

    if (!json_object_is_type(pos, json_type_object)) {
        return false;
    }
    if (str_ci(at(pos, "phishingResistant"), "REQUIRED")) {
        return true;
    }
    /* A possession limited to FIDO2 authenticators is phishing-resistant by construction. */
    if (!json_object_is_type(methods, json_type_array) || json_object_array_length(methods) == 0) {
        return false;
    }
    for (size_t i = 0; i < json_object_array_length(methods); i++) {
        if (!str_ci(json_object_array_get_idx(methods, i), "FIDO2")) {
            return false;
        }
    }
    return true;
}

/* Every element of constraints (OR-ed) satisfies pred; false for none. */
static bool constraints_all(struct json_object *constraints, bool (*pred)(struct json_object *))
{
    size_t n = json_object_is_type(constraints, json_type_array)
                   ? json_object_array_length(constraints)
                   : 0;
    for (size_t i = 0; i < n; i++) {
        if (!pred(json_object_array_get_idx(constraints, i))) {
            return false;
        }
    }
    return n > 0;
}

/* A possession factor with user verification (biometric or PIN): two factors in one. */
static bool constraint_verified_possession(struct json_object *c)
{
    return str_ci(at(c, "possession.userVerification"), "REQUIRED");
}

/* What one allowing rule demands. */
struct rule_facts {
    bool mfa, phishing_resistant, device;
    bool reauth_known;
    int64_t reauth_sec;
    const char *why; /* why not MFA, for the detail */
};

static void signon_facts(struct json_object *rule, struct rule_facts *f)
{
    f->mfa = is_true(at(rule, "actions.signon.requireFactor"));
    f->why = f->mfa ? NULL : "requireFactor is false";
}

static void access_facts(struct json_object *rule, struct rule_facts *f)
{
    struct json_object *vm = at(rule, "actions.appSignOn.verificationMethod");
    struct json_object *constraints = at(vm, "constraints");
    const char *reauth = zt_json_str(vm, "reauthenticateIn");

    f->reauth_known = reauth && zt_okta_parse_duration(reauth, &f->reauth_sec) == 0;
    if (!str_ci(at(vm, "type"), "ASSURANCE")) {
        f->why = "verification method is not an ASSURANCE (not judged)";
        return;
    }
    f->mfa = str_ci(at(vm, "factorMode"), "2FA") ||
             constraints_all(constraints, constraint_verified_possession);
    f->why = f->mfa ? NULL : "factorMode is 1FA";
    f->phishing_resistant =
        f->mfa && constraints_all(constraints, zt_okta_constraint_phishing_resistant);
    struct json_object *dev = at(rule, "conditions.device");
    struct json_object *assurance = at(dev, "assurance.include");
    f->device = (json_object_is_type(assurance, json_type_array) &&
                 json_object_array_length(assurance) > 0) ||
                is_true(at(dev, "managed"));
}

enum walk_kind { WALK_SIGNON, WALK_ACCESS };

struct walk {
    struct zt_okta_walk *w;
    enum walk_kind kind;
    bool mfa, phr, dev;
    struct json_object *allow; /* detail array */
    unsigned inactive;
    bool unreadable; /* a policy's rules could not be read back: nothing holds for everyone */
};

static void note_allow(struct walk *k, struct json_object *p, struct json_object *r, bool scoped,
                       const struct rule_facts *f)
{
    if (json_object_array_length(k->allow) >= OKTA_DETAIL_MAX) {
        return;
    }
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "policy", json_object_new_string(name_of(p)));
    json_object_object_add(o, "rule", json_object_new_string(name_of(r)));
    json_object_object_add(o, "scoped", json_object_new_boolean(scoped));
    json_object_object_add(o, "mfa", json_object_new_boolean(f->mfa));
    if (f->why) {
        json_object_object_add(o, "why", json_object_new_string(f->why));
    }
    if (k->kind == WALK_ACCESS) {
        json_object_object_add(o, "phishing_resistant",
                               json_object_new_boolean(f->phishing_resistant));
        json_object_object_add(o, "device_assurance", json_object_new_boolean(f->device));
        if (f->reauth_known) {
            json_object_object_add(o, "reauthenticate_seconds",
                                   json_object_new_int64(f->reauth_sec));
        }
    }
    json_object_array_add(k->allow, o);
}

/* Walk one rule of policy p. Returns true when it is a catch-all that ends the walk. */
static bool walk_rule(struct walk *k, struct json_object *p, struct json_object *r,
                      bool policy_everyone)
{
    if (!active(r)) {
        k->inactive++;
        return false;
    }
    bool scoped = !policy_everyone || !cond_empty(at(r, "conditions"), 0);
    const char *access = json_object_get_string(
        at(r, k->kind == WALK_SIGNON ? "actions.signon.access" : "actions.appSignOn.access"));
    if (access && strcasecmp(access, "DENY") == 0) {
        return !scoped; /* lets nobody in: breaks no fact */
    }
    struct rule_facts f = {0};
    if (!access || strcasecmp(access, "ALLOW") != 0) {
        f.why = "access is neither ALLOW nor DENY (not judged)";
    } else if (k->kind == WALK_SIGNON) {
        signon_facts(r, &f);
    } else {
        access_facts(r, &f);
    }
    k->mfa = k->mfa && f.mfa;
    k->phr = k->phr && f.phishing_resistant;
    k->dev = k->dev && f.device;
    k->w->device_assurance_used = k->w->device_assurance_used || f.device;
    if (k->kind == WALK_ACCESS) {
        k->w->reauth_known = k->w->reauth_known && f.reauth_known;
        if (f.reauth_known && f.reauth_sec > k->w->reauth_max_sec) {
            k->w->reauth_max_sec = f.reauth_sec;
        }
    }
    note_allow(k, p, r, scoped, &f);
    return !scoped;
}

static int64_t priority_of(struct json_object *o)
{
    struct json_object *v = at(o, "priority");
    return json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : INT64_MAX;
}

static int by_priority(const void *a, const void *b)
{
    struct json_object *x = *(struct json_object *const *)a, *y = *(struct json_object *const *)b;
    int64_t px = priority_of(x), py = priority_of(y);
    return px < py ? -1 : px > py ? 1 : 0;
}

/* The active elements of array a (policies) or all of them (rules), sorted by priority; at most
 * max. Returns a new array of borrowed pointers and its length in *n. */
static struct json_object **sorted(struct json_object *a, bool only_active, size_t max, size_t *n)
{
    size_t len = json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
    struct json_object **v = zt_xcalloc(len ? len : 1, sizeof(*v));

    *n = 0;
    for (size_t i = 0; i < len && *n < max; i++) {
        struct json_object *e = json_object_array_get_idx(a, i);
        if (json_object_is_type(e, json_type_object) && (!only_active || active(e))) {
            v[(*n)++] = e;
        }
    }
    /* qsort is not stable: equal priorities keep no order, which Okta never sends. */
    qsort(v, *n, sizeof(*v), by_priority);
    return v;
}

static struct json_object *rules_of(struct json_object *rules, struct json_object *p)
{
    struct json_object *r = NULL;
    const char *id = zt_json_str(p, "id");
    if (!id || !json_object_object_get_ex(rules, id, &r)) {
        return NULL;
    }
    return r;
}

/* The rules of a policy as objects: the collector keeps them as JSON text (a json-c tree costs
 * several times its text, and a large org has thousands of rules), parsed here one policy at a
 * time. Elements that are objects already are taken as they are. Returns a new reference, or NULL
 * when some text does not parse: a rule left out could be the one that lets users in. */
static struct json_object *inflate(struct json_object *list)
{
    size_t n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
    struct json_object *out = json_object_new_array();
    char err[160];

    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_array_get_idx(list, i), *o = NULL;
        if (!json_object_is_type(e, json_type_string)) {
            json_object_array_add(out, json_object_get(e));
        } else if (zt_json_parse(json_object_get_string(e), (size_t)json_object_get_string_len(e),
                                 OKTA_JSON_DEPTH, &o, err, sizeof(err)) == 0) {
            json_object_array_add(out, o);
        } else {
            json_object_put(out);
            return NULL;
        }
    }
    return out;
}

/* Walk the rules of p; true when a catch-all ended it. */
static bool walk_policy(struct walk *k, struct json_object *p, struct json_object *rules,
                        bool everyone)
{
    size_t n = 0;
    _cleanup_json_ struct json_object *list = inflate(rules_of(rules, p));
    if (!list) {
        k->unreadable = true;
        return false;
    }
    _cleanup_free_ struct json_object **rs = sorted(list, false, OKTA_RULES_MAX, &n);

    for (size_t i = 0; i < n; i++) {
        if (walk_rule(k, p, rs[i], everyone)) {
            struct json_object *c = json_object_new_object();
            json_object_object_add(c, "policy", json_object_new_string(name_of(p)));
            json_object_object_add(c, "rule", json_object_new_string(name_of(rs[i])));
            json_object_array_add(at(k->w->detail, "catch_all"), c);
            return true;
        }
    }
    return false;
}

static void walk_begin(struct walk *k, struct zt_okta_walk *w, enum walk_kind kind)
{
    zt_okta_walk_clear(w);
    *k = (struct walk){.w = w, .kind = kind, .mfa = true, .phr = true, .dev = true};
    w->reauth_known = true;
    w->detail = json_object_new_object();
    k->allow = json_object_new_array();
    json_object_object_add(w->detail, "allow_rules", k->allow);
    json_object_object_add(w->detail, "catch_all", json_object_new_array());
}

static void walk_end(struct walk *k, struct json_object *uncovered)
{
    struct zt_okta_walk *w = k->w;
    if (k->unreadable) {
        w->covered = false;
        json_object_object_add(w->detail, "unreadable_rules", json_object_new_boolean(true));
    }
    w->mfa = w->covered && k->mfa;
    w->phishing_resistant = w->covered && k->phr;
    w->device_assurance = w->covered && k->dev;
    w->reauth_known = w->reauth_known && w->covered;
    json_object_object_add(w->detail, "inactive_rules", json_object_new_int64(k->inactive));
    json_object_object_add(w->detail, "no_catch_all", uncovered);
}

void zt_okta_walk_signon(struct json_object *policies, struct json_object *rules,
                         const char *everyone_group, struct zt_okta_walk *w)
{
    struct walk k;
    size_t n = 0;
    _cleanup_free_ struct json_object **ps = sorted(policies, true, OKTA_POLICIES_MAX, &n);

    walk_begin(&k, w, WALK_SIGNON);
    w->policies = (unsigned)n;
    /* One sequence: the first policy whose people match applies, then its first matching rule. */
    for (size_t i = 0; i < n && !w->covered; i++) {
        w->covered = walk_policy(&k, ps[i], rules, signon_policy_everyone(ps[i], everyone_group));
    }
    struct json_object *uncovered = json_object_new_array();
    if (!w->covered) {
        json_object_array_add(uncovered, json_object_new_string("(every sign-on policy)"));
    }
    walk_end(&k, uncovered);
}

void zt_okta_walk_access(struct json_object *policies, struct json_object *rules,
                         struct zt_okta_walk *w)
{
    struct walk k;
    size_t n = 0;
    _cleanup_free_ struct json_object **ps = sorted(policies, true, OKTA_POLICIES_MAX, &n);
    struct json_object *uncovered = json_object_new_array();

    walk_begin(&k, w, WALK_ACCESS);
    w->policies = (unsigned)n;
    w->covered = true;
    /* Each policy guards its own apps: every one must hold on its own. */
    for (size_t i = 0; i < n; i++) {
        bool everyone = cond_empty(at(ps[i], "conditions"), 0);
        if (!walk_policy(&k, ps[i], rules, everyone)) {
            w->covered = false;
            if (json_object_array_length(uncovered) < OKTA_DETAIL_MAX) {
                json_object_array_add(uncovered, json_object_new_string(name_of(ps[i])));
            }
        }
    }
    walk_end(&k, uncovered);
}

void zt_okta_walk_clear(struct zt_okta_walk *w)
{
    json_object_put(w->detail);
    *w = (struct zt_okta_walk){0};
}
