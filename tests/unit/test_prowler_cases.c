/* test_prowler_cases.c - ztmmd against the scenarios of Prowler's own test suite
 * (tests/fixtures/prowler/prowler-cases.json, origin in its README). Every case runs through the
 * aws, azure or entra collector's parse and derive code (prowler_run.c) and the evidence our rule
 * reads is compared with Prowler's verdict, and with what the case's mapping predicted from
 * docs/evidence.md. expectations.json lists the deliberate differences and the cases that cannot
 * be represented, each tagged with the paragraph of docs/rules.md that explains it: any other
 * disagreement fails, and so does a listed case that agrees. */
#include "prowler_cases.h"

#include "entra/entra.h"
#include "util.h"

#define FIXTURES ZT_SOURCE_DIR "/tests/fixtures/prowler/"
#define RULES_MD ZT_SOURCE_DIR "/docs/rules.md"
#define SECTION  "## Where ztmmd and Prowler differ, and why"

enum outcome {
    AGREE,   /* same verdict (direct, partial, contrast) */
    ONE_WAY, /* implication mappings: the implied direction holds */
    DIFFER,  /* verdicts differ */
    CONTROL, /* no ztmmd counterpart: only our prediction is checked */
    _OUTCOME_MAX,
};

struct tally {
    unsigned n[_OUTCOME_MAX];
    unsigned skipped, listed_differ, failures;
};

static struct json_object *load(const char *path)
{
    _cleanup_free_ char *text = NULL;
    struct json_object *o = NULL;
    size_t len = 0;
    char err[160];

    assert_int_equal(zt_read_file(path, 4u << 20, &text, &len), 0);
    if (zt_json_parse(text, len, 64, &o, err, sizeof(err)) < 0) {
        fail_msg("%s: %s", path, err);
    }
    return o;
}

/* expectations.json "differ" or "skip": source -> tag (borrowed from root). */
static struct json_object *expectation_map(struct json_object *root, const char *member)
{
    struct json_object *map = json_object_new_object(), *list = zt_json_array(root, member);

    assert_non_null(list);
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        struct json_object *e = json_object_array_get_idx(list, i);
        const char *src = zt_json_str(e, "source"), *tag = zt_json_str(e, "because");
        assert_non_null(src);
        assert_non_null(tag);
        json_object_object_add(map, src, json_object_new_string(tag));
    }
    return map;
}

/* Every tag must be explained in the docs/rules.md section, written `tag`. */
static void tags_documented(struct json_object *map, const char *section)
{
    json_object_object_foreach(map, src, tag)
    {
        _cleanup_free_ char *quoted = zt_xasprintf("`%s`", json_object_get_string(tag));
        if (!strstr(section, quoted)) {
            fail_msg("%s: reason %s is not explained in docs/rules.md", src, quoted);
        }
    }
}

static bool is(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* AWS and Azure: whether ztmmd calls the resource of a finding open for the check. An NSG: the
 * check's port (22, 3389) or every port. A group: any administrative port or every port, since
 * the aws evidence names only a group's first open administrative port; prediction_holds()
 * checks that port against the full list docs/evidence.md predicts. */
static bool resource_open(const struct ours *o, const char *provider, const char *check,
                          const char *id)
{
    struct json_object *what = NULL;
    bool open = json_object_object_get_ex(o->open, id, &what);

    if (is(provider, "aws") || !open || is(json_object_get_string(what), "all ports")) {
        return open;
    }
    int port = strstr(check, "_ssh_") ? 22 : strstr(check, "_rdp_") ? 3389 : -1;
    struct json_object *ports = NULL;
    json_object_object_get_ex(o->nsg_ports, id, &ports);
    for (size_t i = 0; ports && i < json_object_array_length(ports); i++) {
        if (json_object_get_int(json_object_array_get_idx(ports, i)) == port) {
            return true;
        }
    }
    return false;
}

/* Per asserted finding with a status: Prowler FAIL <=> ztmmd open. */
static bool resources_agree(struct json_object *c, const struct ours *o, char *why, size_t len)
{
    const char *provider = zt_json_str(c, "provider"), *check = zt_json_str(c, "check");
    struct json_object *findings = zt_json_array(c, "findings");
    bool agree = true;
    size_t compared = 0;

    why[0] = '\0';
    for (size_t i = 0; findings && i < json_object_array_length(findings); i++) {
        struct json_object *f = json_object_array_get_idx(findings, i), *asserted = NULL;
        const char *status = zt_json_str(f, "status");
        const char *id = zt_json_str(f, is(provider, "aws") ? "GroupId" : "nsg");
        json_object_object_get_ex(f, "asserted", &asserted);
        if (!status || !json_object_get_boolean(asserted)) {
            continue; /* not reported (unused group) or not read by the test */
        }
        bool open = resource_open(o, provider, check, id);
        compared++;
        if (open != is(status, "FAIL")) {
            agree = false;
            size_t n = strlen(why);
            snprintf(why + n, len - n, "%s%s: Prowler %s, ztmmd %s", n ? "; " : "", id, status,
                     open ? "open" : "closed");
        }
    }
    if (compared == 0) {
        fail_msg("no asserted finding to compare"); /* a case must compare something */
    }
    return agree;
}

/* What the case's mapping predicted from our docs, against what the collector decided. */
static bool prediction_holds(struct json_object *c, const struct ours *o, char *why, size_t len)
{
    struct json_object *z = json_object_object_get(c, "ztmmd"), *docs_open = NULL;
    const char *provider = zt_json_str(c, "provider");

    if (is(provider, "entra")) {
        struct json_object *v = json_object_object_get(z, "value_from_docs");
        snprintf(why, len, "predicted %s, derived %s", json_object_get_string(v),
                 json_object_get_string(o->value));
        return json_object_equal(v, o->value);
    }
    bool docs_pass = is(zt_json_str(z, "rule_verdict_from_docs"), "PASS");
    json_object_object_get_ex(
        z, is(provider, "aws") ? "groups_open_per_docs" : "nsgs_open_per_docs", &docs_open);
    snprintf(why, len, "predicted rule %s open %s, derived rule %s open %s",
             docs_pass ? "PASS" : "FAIL", json_object_get_string(docs_open),
             o->rule_pass ? "PASS" : "FAIL", json_object_get_string(o->open));
    if (docs_pass != o->rule_pass ||
        json_object_object_length(docs_open) != json_object_object_length(o->open)) {
        return false;
    }
    json_object_object_foreach(o->open, id, what)
    {
        const char *d = zt_json_str(docs_open, id), *w = json_object_get_string(what);
        size_t n = strlen(w);
        /* the aws detail names the first administrative port; the prediction lists them all */
        if (!d || (is(provider, "aws") ? strncmp(d, w, n) || (d[n] && d[n] != ',') : !is(d, w))) {
            return false;
        }
    }
    return true;
}

static enum outcome judge(struct json_object *c, const struct ours *o, char *why, size_t len)
{
    struct json_object *z = json_object_object_get(c, "ztmmd");
    const char *relation = zt_json_str(z, "relation"), *key = zt_json_str(z, "key");
    bool pass = is(zt_json_str(c, "expected"), "PASS");

    if (is(relation, "none")) {
        return CONTROL;
    }
    if (!is(zt_json_str(c, "provider"), "entra")) {
        return resources_agree(c, o, why, len) ? AGREE : DIFFER;
    }
    bool ours = json_object_is_type(o->value, json_type_boolean)
                    ? json_object_get_boolean(o->value)
                    : json_object_get_int64(o->value) >= 1;
    snprintf(why, len, "Prowler %s, %s = %s", pass ? "PASS" : "FAIL", key,
             json_object_get_string(o->value));
    if (is(relation, "implication")) {
        /* coverage checks: a Prowler PASS needs an enabled policy; one-app MFA checks: MFA for
         * every user and app implies it for that app */
        bool holds = is(key, "entra.ca.policies_enabled") ? !pass || ours : !ours || pass;
        return holds ? ONE_WAY : DIFFER;
    }
    return ours == pass ? AGREE : DIFFER;
}

static void run_case(struct json_object *c, struct json_object *differ, struct json_object *skip,
                     struct tally *t)
{
    const char *src = zt_json_str(c, "source"), *provider = zt_json_str(c, "provider");
    const char *listed = zt_json_str(differ, src), *skipped = zt_json_str(skip, src);
    struct json_object *input = json_object_object_get(c, "input");
    struct ours o = {0};
    char why[1024] = "", pred[1024] = "";

    if (is(provider, "aws")) {
        prowler_run_aws(input, &o);
    } else if (is(provider, "azure")) {
        prowler_run_azure(input, &o);
    } else {
        prowler_run_entra(input, zt_json_str(json_object_object_get(c, "ztmmd"), "key"), &o);
    }
    enum outcome r = judge(c, &o, why, sizeof(why));
    bool predicted = prediction_holds(c, &o, pred, sizeof(pred));
    prowler_ours_free(&o);
    if (skipped) {
        t->skipped++;
        printf("skipped   [%s] %s (%s)\n", skipped, src, why);
        return;
    }
    t->n[r]++;
    if (!predicted) {
        t->failures++;
        printf("FAIL: ztmmd does not do what docs/evidence.md says: %s: %s\n", src, pred);
    }
    if (r == DIFFER && listed) {
        t->listed_differ++;
        printf("differs   [%s] %s: %s\n", listed, src, why);
    } else if (r == DIFFER) {
        t->failures++;
        printf("FAIL: undocumented disagreement: %s: %s\n", src, why);
    } else if (listed) {
        t->failures++;
        printf("FAIL: listed as differing [%s] but agrees: %s\n", listed, src);
    }
}

/* Entries of expectations.json that name no case (a typo would hide nothing, but say so). */
static unsigned unknown_sources(struct json_object *map, struct json_object *seen)
{
    unsigned n = 0;

    json_object_object_foreach(map, src, tag)
    {
        if (!json_object_object_get_ex(seen, src, NULL)) {
            n++;
            printf("FAIL: expectations.json names an unknown case [%s] %s\n",
                   json_object_get_string(tag), src);
        }
    }
    return n;
}

static void test_prowler_cases(void **state)
{
    _cleanup_json_ struct json_object *cases = load(FIXTURES "prowler-cases.json");
    _cleanup_json_ struct json_object *exp = load(FIXTURES "expectations.json");
    _cleanup_json_ struct json_object *differ = expectation_map(exp, "differ");
    _cleanup_json_ struct json_object *skip = expectation_map(exp, "skip");
    _cleanup_json_ struct json_object *seen = json_object_new_object();
    _cleanup_free_ char *rules = NULL;
    struct tally t = {0};

    assert_int_equal(zt_read_file(RULES_MD, 4u << 20, &rules, NULL), 0);
    const char *section = strstr(rules, SECTION);
    if (!section) {
        fail_msg("docs/rules.md has no section \"%s\"", SECTION);
    }
    tags_documented(differ, section);
    tags_documented(skip, section);
    assert_true(json_object_is_type(cases, json_type_array));
    for (size_t i = 0; i < json_object_array_length(cases); i++) {
        struct json_object *c = json_object_array_get_idx(cases, i);
        json_object_object_add(seen, zt_json_str(c, "source"), NULL);
        run_case(c, differ, skip, &t);
    }
    t.failures += unknown_sources(differ, seen) + unknown_sources(skip, seen);
    printf("prowler cases: %zu; agree %u (+%u one-way implications hold); differ on purpose %u; "
           "no ztmmd counterpart (controls) %u; skipped %u; failures %u\n",
           json_object_array_length(cases), t.n[AGREE], t.n[ONE_WAY], t.listed_differ, t.n[CONTROL],
           t.skipped, t.failures);
    fflush(stdout); /* ahead of cmocka's own report */
    assert_int_equal(json_object_array_length(cases), 318);
    assert_int_equal(t.failures, 0);
}

static bool weak_off(const char *email_config)
{
    _cleanup_free_ char *text = zt_xasprintf(
        "{\"authenticationMethodConfigurations\":[{\"id\":\"Sms\",\"state\":\"disabled\"},%s]}",
        email_config);
    _cleanup_json_ struct json_object *doc = json_tokener_parse(text);
    _cleanup_json_ struct json_object *facts = json_object_new_object();

    assert_non_null(doc);
    assert_int_equal(entra_methods_derive(doc, facts), 0);
    return json_object_get_boolean(
        entra_fact_value(facts, "entra.authmethods.weak_methods_disabled"));
}

/* Found by Prowler's test_email_otp_unknown_state: a weak method is off only when its state says
 * "disabled" (docs/evidence.md); any other or no state counts as on, never as off. */
static void test_weak_method_state_not_disabled(void **state)
{
    assert_true(weak_off("{\"id\":\"Email\",\"state\":\"disabled\"}"));
    assert_false(weak_off("{\"id\":\"Email\",\"state\":\"enabled\"}"));
    assert_false(weak_off("{\"id\":\"Email\",\"state\":\"unknown\"}"));
    assert_false(weak_off("{\"id\":\"Email\"}"));
    assert_true(weak_off("{\"id\":\"Fido2\",\"state\":\"enabled\"}"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prowler_cases),
        cmocka_unit_test(test_weak_method_state_not_disabled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
