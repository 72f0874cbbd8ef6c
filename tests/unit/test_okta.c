/* test_okta.c - the okta collector's derivations on hand-written documents: the first-match walk
 * of global session and authentication policies (scoped rules, inactive policies and rules, DENY,
 * priority order, 1FA/2FA, phishing-resistant constraints, device assurance), reauthenticateIn
 * durations, authenticators and both enrollment policy shapes, pacing from the rate limit headers,
 * the emitted evidence and the option checks. */
#include "zt_test.h"

#include <errno.h>

#include "okta/okta.h"

/* Documents are written with single quotes for readability; J() turns them into JSON. */
static struct json_object *J(const char *text)
{
    char *s = strdup(text);
    for (char *c = s; *c; c++) {
        *c = *c == '\'' ? '"' : *c;
    }
    struct json_object *o = json_tokener_parse(s);
    free(s);
    if (!o) {
        fail_msg("bad test document: %s", text);
    }
    return o;
}

#define EVERYONE "00gEveryone"

#define SIGNON_POLICY(id, prio, status, people)                                                    \
    "{'id': '" id "', 'name': 'policy " id "', 'type': 'OKTA_SIGN_ON', 'status': '" status         \
    "', 'priority': " #prio ", 'system': false, 'conditions': {'people': " people "}}"
#define PEOPLE_ALL   "{'groups': {'include': ['" EVERYONE "']}}"
#define PEOPLE_GROUP "{'groups': {'include': ['00gAdmins']}}"

#define SIGNON_RULE(id, prio, status, cond, access, factor)                                        \
    "{'id': '" id "', 'name': 'rule " id "', 'status': '" status "', 'priority': " #prio           \
    ", 'type': 'SIGN_ON', 'conditions': " cond ", 'actions': {'signon': {'access': '" access       \
    "', 'requireFactor': " factor ", 'factorPromptMode': 'ALWAYS'}}}"
#define ANYWHERE                                                                                   \
    "{'people': {'users': {'exclude': []}}, 'network': {'connection': 'ANYWHERE'}, "               \
    "'authContext': {'authType': 'ANY'}}"
#define IN_ZONE "{'network': {'connection': 'ZONE', 'include': ['nzoCorp']}}"

static bool signon_mfa(const char *policies, const char *rules, struct zt_okta_walk *keep)
{
    struct json_object *p = J(policies), *r = J(rules);
    struct zt_okta_walk w = {0};

    zt_okta_walk_signon(p, r, EVERYONE, &w);
    bool mfa = w.mfa;
    if (keep) {
        *keep = w;
    } else {
        zt_okta_walk_clear(&w);
    }
    json_object_put(p);
    json_object_put(r);
    return mfa;
}

static void test_okta_signon_catch_all_mfa(void **state)
{
    struct zt_okta_walk w;
    assert_true(
        signon_mfa("[" SIGNON_POLICY("p1", 1, "ACTIVE", PEOPLE_ALL) "]",
                   "{'p1': [" SIGNON_RULE("r1", 1, "ACTIVE", ANYWHERE, "ALLOW", "true") "]}", &w));
    assert_true(w.covered);
    assert_int_equal(w.policies, 1);
    zt_okta_walk_clear(&w);
    /* A factor flag that is not the JSON literal true does not count. */
    assert_false(signon_mfa(
        "[" SIGNON_POLICY("p1", 1, "ACTIVE", PEOPLE_ALL) "]",
        "{'p1': [" SIGNON_RULE("r1", 1, "ACTIVE", ANYWHERE, "ALLOW", "'true'") "]}", NULL));
    /* The same catch-all without a factor: one factor for everyone. */
    assert_false(signon_mfa(
        "[" SIGNON_POLICY("p1", 1, "ACTIVE", PEOPLE_ALL) "]",
        "{'p1': [" SIGNON_RULE("r1", 1, "ACTIVE", ANYWHERE, "ALLOW", "false") "]}", NULL));
}

static void test_okta_signon_zone_rule_bypass(void **state)
{
    /* On the corporate network no second factor, everywhere else MFA: not MFA for everyone. */
    struct zt_okta_walk w;
    assert_false(signon_mfa(
        "[" SIGNON_POLICY("p1", 1, "ACTIVE", PEOPLE_ALL) "]",
        "{'p1': [" SIGNON_RULE("r1", 1, "ACTIVE", IN_ZONE, "ALLOW", "false") "," SIGNON_RULE(
            "r2", 2, "ACTIVE", ANYWHERE, "ALLOW", "true") "]}",
        &w));
    assert_true(w.covered);
    const char *d = json_object_to_json_string_ext(w.detail, JSON_C_TO_STRING_PLAIN);
    assert_non_null(strstr(d, "\"rule\":\"rule r1\",\"scoped\":true,\"mfa\":false"));
    zt_okta_walk_clear(&w);
}

static void test_okta_signon_scoped_mfa_does_not_count(void **state)
{
    /* MFA only inside a zone (or only for a group): the catch-all lets everyone else in. */
    assert_false(signon_mfa(
        "[" SIGNON_POLICY("p1", 1, "ACTIVE", PEOPLE_ALL) "]",
        "{'p1': [" SIGNON_RULE("r1", 1, "ACTIVE", IN_ZONE, "ALLOW", "true") "," SIGNON_RULE(
            "r2", 2, "ACTIVE", ANYWHERE, "ALLOW", "false") "]}",
        NULL));
    assert_false(signon_mfa(
        "[" SIGNON_POLICY("p1", 1, "ACTIVE", PEOPLE_GROUP) "," SIGNON_POLICY("p2", 2, "ACTIVE",
                                                                             PEOPLE_ALL) "]",
        "{'p1': [" SIGNON_RULE("r1", 1, "ACTIVE", ANYWHERE, "ALLOW",
                               "true") "], 'p2': [" SIGNON_RULE("r2", 1, "ACTIVE", ANYWHERE,
                                                                "ALLOW", "false") "]}",
        NULL));
    /* Only a group policy exists: nobody else is covered. */
    struct zt_okta_walk w;
    assert_false(
        signon_mfa("[" SIGNON_POLICY("p1", 1, "ACTIVE", PEOPLE_GROUP) "]",
                   "{'p1': [" SIGNON_RULE("r1", 1, "ACTIVE", ANYWHERE, "ALLOW", "true") "]}", &w));
    assert_false(w.covered);
    zt_okta_walk_clear(&w);
}

static void test_okta_signon_group_policy_before_everyone(void **state)
{
    /* Admins get MFA from their own policy, everyone else from the Everyone policy. */
    assert_true(signon_mfa(
        "[" SIGNON_POLICY("p2", 2, "ACTIVE", PEOPLE_ALL) "," SIGNON_POLICY("p1", 1, "ACTIVE",
                                                                           PEOPLE_GROUP) "]",
        "{'p1': [" SIGNON_RULE("r1", 1, "ACTIVE", ANYWHERE, "ALLOW",
                               "true") "], 'p2': [" SIGNON_RULE("r2", 1, "ACTIVE", ANYWHERE,
                                                                "ALLOW", "true") "]}",
        NULL));
    /* An excluded user makes the Everyone policy not everyone's: its catch-all ends nothing. */
    assert_false(signon_mfa(
        "[" SIGNON_POLICY("p1", 1, "ACTIVE",
                          "{'groups': {'include': ['" EVERYONE
                          "']}, 'users': {'exclude': ['00uBreakGlass']}}") "]",
        "{'p1': [" SIGNON_RULE("r1", 1, "ACTIVE", ANYWHERE, "ALLOW", "true") "]}", NULL));
}

static void test_okta_signon_inactive_ignored(void **state)
{
    /* An inactive rule without MFA above the catch-all applies to nobody. */
    assert_true(signon_mfa(
        "[" SIGNON_POLICY("p1", 1, "ACTIVE", PEOPLE_ALL) "]",
        "{'p1': [" SIGNON_RULE("r1", 1, "INACTIVE", ANYWHERE, "ALLOW", "false") "," SIGNON_RULE(
            "r2", 2, "ACTIVE", ANYWHERE, "ALLOW", "true") "]}",
        NULL));
    /* An inactive policy demanding MFA does not enforce anything either. */
    assert_false(signon_mfa(
        "[" SIGNON_POLICY("p1", 1, "INACTIVE", PEOPLE_ALL) "," SIGNON_POLICY("p2", 2, "ACTIVE",
                                                                             PEOPLE_ALL) "]",
        "{'p1': [" SIGNON_RULE("r1", 1, "ACTIVE", ANYWHERE, "ALLOW",
                               "true") "], 'p2': [" SIGNON_RULE("r2", 1, "ACTIVE", ANYWHERE,
                                                                "ALLOW", "false") "]}",
        NULL));
    /* An inactive catch-all leaves the policy without one. */
    assert_false(signon_mfa(
        "[" SIGNON_POLICY("p1", 1, "ACTIVE", PEOPLE_ALL) "]",
        "{'p1': [" SIGNON_RULE("r1", 1, "INACTIVE", ANYWHERE, "ALLOW", "true") "]}", NULL));
}

static void test_okta_signon_deny_rules(void **state)
{
    /* Outside the corporate zone access is denied; inside it MFA: nobody signs in without it. */
    assert_true(signon_mfa(
        "[" SIGNON_POLICY("p1", 1, "ACTIVE", PEOPLE_ALL) "]",
        "{'p1': [" SIGNON_RULE("r1", 1, "ACTIVE", IN_ZONE, "ALLOW", "true") "," SIGNON_RULE(
            "r2", 2, "ACTIVE", ANYWHERE, "DENY", "false") "]}",
        NULL));
    /* A scoped DENY is no bypass, but it decides nothing for the others. */
    assert_false(signon_mfa(
        "[" SIGNON_POLICY("p1", 1, "ACTIVE", PEOPLE_ALL) "]",
        "{'p1': [" SIGNON_RULE("r1", 1, "ACTIVE", IN_ZONE, "DENY", "false") "," SIGNON_RULE(
            "r2", 2, "ACTIVE", ANYWHERE, "ALLOW", "false") "]}",
        NULL));
}

static void test_okta_signon_priority_order(void **state)
{
    /* Listed first but lower in priority: the zone rule without MFA is evaluated first. */
    assert_false(signon_mfa(
        "[" SIGNON_POLICY("p1", 1, "ACTIVE", PEOPLE_ALL) "]",
        "{'p1': [" SIGNON_RULE("r2", 2, "ACTIVE", ANYWHERE, "ALLOW", "true") "," SIGNON_RULE(
            "r1", 1, "ACTIVE", IN_ZONE, "ALLOW", "false") "]}",
        NULL));
    /* A catch-all without MFA first: a later MFA rule is never reached. */
    assert_false(signon_mfa(
        "[" SIGNON_POLICY("p1", 1, "ACTIVE", PEOPLE_ALL) "]",
        "{'p1': [" SIGNON_RULE("r1", 1, "ACTIVE", ANYWHERE, "ALLOW", "false") "," SIGNON_RULE(
            "r2", 2, "ACTIVE", ANYWHERE, "ALLOW", "true") "]}",
        NULL));
    /* The MFA catch-all first: the later rule without MFA is unreachable. */
    assert_true(signon_mfa(
        "[" SIGNON_POLICY("p1", 1, "ACTIVE", PEOPLE_ALL) "]",
        "{'p1': [" SIGNON_RULE("r1", 1, "ACTIVE", ANYWHERE, "ALLOW", "true") "," SIGNON_RULE(
            "r2", 2, "ACTIVE", ANYWHERE, "ALLOW", "false") "]}",
        NULL));
}

/* The collector keeps rules as JSON text: they are read back per policy; text that does not parse
 * leaves the policy unjudged (the missing rule could be the bypass), never a pass. */
static void test_okta_rules_as_text(void **state)
{
    struct json_object *p = J("[" SIGNON_POLICY("p1", 1, "ACTIVE", PEOPLE_ALL) "]");
    struct json_object *rule = J(SIGNON_RULE("r1", 1, "ACTIVE", ANYWHERE, "ALLOW", "true"));
    struct json_object *rules = json_object_new_object(), *list = json_object_new_array();
    struct zt_okta_walk w = {0};

    json_object_array_add(list, json_object_new_string(json_object_to_json_string(rule)));
    json_object_object_add(rules, "p1", list);
    zt_okta_walk_signon(p, rules, EVERYONE, &w);
    assert_true(w.mfa);
    zt_okta_walk_clear(&w);
    json_object_array_add(list, json_object_new_string("{\"id\": \"r0\", \"priority\": 0,"));
    zt_okta_walk_signon(p, rules, EVERYONE, &w);
    assert_false(w.covered);
    assert_false(w.mfa);
    zt_okta_walk_clear(&w);
    json_object_put(rule);
    json_object_put(rules);
    json_object_put(p);
}

/* Authentication policies (ACCESS_POLICY). */
#define ACCESS_POLICY(id)                                                                          \
    "{'id': '" id "', 'name': 'app policy " id "', 'type': 'ACCESS_POLICY', 'status': 'ACTIVE', "  \
    "'priority': 1, 'conditions': null}"
#define ACCESS_RULE(id, prio, cond, access, mode, constraints, reauth)                             \
    "{'id': '" id "', 'name': 'rule " id "', 'status': 'ACTIVE', 'priority': " #prio               \
    ", 'type': 'ACCESS_POLICY', 'conditions': " cond                                               \
    ", 'actions': {'appSignOn': {'access': '" access                                               \
    "', 'verificationMethod': {'type': 'ASSURANCE', 'factorMode': '" mode                          \
    "', 'reauthenticateIn': '" reauth "', 'constraints': " constraints "}}}}"
#define NO_COND      "null"
#define PLATFORM_IOS "{'platform': {'include': [{'type': 'MOBILE', 'os': {'type': 'IOS'}}]}}"
#define ASSURED      "{'device': {'assurance': {'include': ['daeStrong']}}}"
#define PHR                                                                                        \
    "[{'knowledge': {'types': ['password'], 'required': false}, 'possession': "                    \
    "{'phishingResistant': 'REQUIRED', 'required': true}}]"
#define PHR_OR_PUSH                                                                                \
    "[{'possession': {'phishingResistant': 'REQUIRED'}}, {'knowledge': {'types': ['PASSWORD']}, "  \
    "'possession': {'methods': ['PUSH']}}]"
#define ANY_2FA "[]"

static struct zt_okta_walk access_walk(const char *policies, const char *rules)
{
    struct json_object *p = J(policies), *r = J(rules);
    struct zt_okta_walk w = {0};

    zt_okta_walk_access(p, r, &w);
    json_object_put(p);
    json_object_put(r);
    return w;
}

static void test_okta_access_factor_mode(void **state)
{
    struct zt_okta_walk w =
        access_walk("[" ACCESS_POLICY("a1") "]",
                    "{'a1': [" ACCESS_RULE("c", 1, NO_COND, "ALLOW", "2FA", ANY_2FA, "PT4H") "]}");
    assert_true(w.mfa);
    assert_false(w.phishing_resistant);
    assert_true(w.reauth_known);
    assert_int_equal(w.reauth_max_sec, 4 * 3600);
    zt_okta_walk_clear(&w);
    w = access_walk("[" ACCESS_POLICY("a1") "]",
                    "{'a1': [" ACCESS_RULE("c", 1, NO_COND, "ALLOW", "1FA",
                                           "[{'knowledge': {'types': ['password']}}]",
                                           "PT0S") "]}");
    assert_false(w.mfa);
    assert_true(w.covered);
    assert_int_equal(w.reauth_max_sec, 0);
    zt_okta_walk_clear(&w);
    /* 1FA with a user-verified possession factor (FastPass with biometrics) is two in one. */
    w = access_walk("[" ACCESS_POLICY("a1") "]",
                    "{'a1': [" ACCESS_RULE("c", 1, NO_COND, "ALLOW", "1FA",
                                           "[{'possession': {'userVerification': 'REQUIRED'}}]",
                                           "P1D") "]}");
    assert_true(w.mfa);
    assert_int_equal(w.reauth_max_sec, 86400);
    zt_okta_walk_clear(&w);
}

static void test_okta_access_phishing_resistant(void **state)
{
    struct zt_okta_walk w =
        access_walk("[" ACCESS_POLICY("a1") "]",
                    "{'a1': [" ACCESS_RULE("c", 1, NO_COND, "ALLOW", "2FA", PHR, "PT2H") "]}");
    assert_true(w.mfa);
    assert_true(w.phishing_resistant);
    zt_okta_walk_clear(&w);
    /* Constraint array elements OR: push satisfies the second one, so not phishing-resistant. */
    w = access_walk(
        "[" ACCESS_POLICY("a1") "]",
        "{'a1': [" ACCESS_RULE("c", 1, NO_COND, "ALLOW", "2FA", PHR_OR_PUSH, "PT2H") "]}");
    assert_true(w.mfa);
    assert_false(w.phishing_resistant);
    zt_okta_walk_clear(&w);
    /* Phishing-resistant only on iOS; the catch-all asks for any two factors. */
    w = access_walk("[" ACCESS_POLICY("a1") "]",
                    "{'a1': [" ACCESS_RULE("i", 1, PLATFORM_IOS, "ALLOW", "2FA", PHR,
                                           "PT2H") "," ACCESS_RULE("c", 2, NO_COND, "ALLOW", "2FA",
                                                                   ANY_2FA, "PT12H") "]}");
    assert_true(w.mfa);
    assert_false(w.phishing_resistant);
    assert_int_equal(w.reauth_max_sec, 12 * 3600);
    zt_okta_walk_clear(&w);
    /* FIDO2 as the only possession method is phishing-resistant too. */
    struct json_object *c = J("{'possession': {'methods': ['FIDO2']}}");
    assert_true(zt_okta_constraint_phishing_resistant(c));
    json_object_put(c);
    c = J("{'possession': {'methods': ['FIDO2', 'SIGNED_NONCE']}}");
    assert_false(zt_okta_constraint_phishing_resistant(c));
    json_object_put(c);
    c = J("{'knowledge': {'types': ['password']}}");
    assert_false(zt_okta_constraint_phishing_resistant(c));
    json_object_put(c);
}

static void test_okta_access_platform_rule_bypass(void **state)
{
    /* 1FA on iOS, 2FA elsewhere: a platform-scoped rule lets some users in with one factor. */
    struct zt_okta_walk w =
        access_walk("[" ACCESS_POLICY("a1") "]",
                    "{'a1': [" ACCESS_RULE("i", 1, PLATFORM_IOS, "ALLOW", "1FA", ANY_2FA,
                                           "PT2H") "," ACCESS_RULE("c", 2, NO_COND, "ALLOW", "2FA",
                                                                   PHR, "PT2H") "]}");
    assert_false(w.mfa);
    assert_false(w.phishing_resistant);
    zt_okta_walk_clear(&w);
}

static void test_okta_access_group_rule_bypass(void **state)
{
    /* Contractors get in with a password; everyone else needs phishing-resistant MFA. */
    struct zt_okta_walk w = access_walk(
        "[" ACCESS_POLICY("a1") "]",
        "{'a1': [" ACCESS_RULE(
            "g", 1, "{'people': {'groups': {'include': ['00gContractors']}}}", "ALLOW", "1FA",
            ANY_2FA, "PT2H") "," ACCESS_RULE("c", 2, NO_COND, "ALLOW", "2FA", PHR, "PT2H") "]}");
    assert_true(w.covered);
    assert_false(w.mfa);
    zt_okta_walk_clear(&w);
    /* The same group rule with phishing-resistant MFA: now every way in is. */
    w = access_walk("[" ACCESS_POLICY("a1") "]",
                    "{'a1': [" ACCESS_RULE(
                        "g", 1, "{'people': {'groups': {'include': ['00gContractors']}}}", "ALLOW",
                        "2FA", PHR,
                        "PT2H") "," ACCESS_RULE("c", 2, NO_COND, "ALLOW", "2FA", PHR, "PT2H") "]}");
    assert_true(w.mfa);
    assert_true(w.phishing_resistant);
    zt_okta_walk_clear(&w);
}

static void test_okta_access_every_policy(void **state)
{
    /* Each policy guards its own apps: one weak policy breaks "every app". */
    struct zt_okta_walk w = access_walk(
        "[" ACCESS_POLICY("a1") "," ACCESS_POLICY("a2") "]",
        "{'a1': [" ACCESS_RULE("c1", 1, NO_COND, "ALLOW", "2FA", PHR,
                               "PT2H") "], 'a2': [" ACCESS_RULE("c2", 1, NO_COND, "ALLOW", "1FA",
                                                                ANY_2FA, "PT2H") "]}");
    assert_int_equal(w.policies, 2);
    assert_false(w.mfa);
    zt_okta_walk_clear(&w);
    /* A policy whose only rule is scoped has no catch-all: not covered. */
    w = access_walk("[" ACCESS_POLICY("a1") "]",
                    "{'a1': [" ACCESS_RULE("i", 1, PLATFORM_IOS, "ALLOW", "2FA", PHR, "PT2H") "]}");
    assert_false(w.covered);
    assert_false(w.mfa);
    assert_false(w.reauth_known);
    assert_non_null(strstr(json_object_to_json_string(w.detail), "app policy a1"));
    zt_okta_walk_clear(&w);
}

static void test_okta_access_device_assurance(void **state)
{
    /* Assured devices get in with phishing-resistant MFA; everything else is denied. */
    struct zt_okta_walk w = access_walk(
        "[" ACCESS_POLICY("a1") "]",
        "{'a1': [" ACCESS_RULE("d", 1, ASSURED, "ALLOW", "2FA", PHR, "PT1H") "," ACCESS_RULE(
            "c", 2, NO_COND, "DENY", "2FA", ANY_2FA, "PT0S") "]}");
    assert_true(w.covered);
    assert_true(w.mfa);
    assert_true(w.phishing_resistant);
    assert_true(w.device_assurance);
    assert_true(w.device_assurance_used);
    assert_int_equal(w.reauth_max_sec, 3600);
    zt_okta_walk_clear(&w);
    /* Assured devices allowed, but so is everyone else: assurance used, not required. */
    w = access_walk("[" ACCESS_POLICY("a1") "]",
                    "{'a1': [" ACCESS_RULE("d", 1, ASSURED, "ALLOW", "2FA", PHR,
                                           "PT1H") "," ACCESS_RULE("c", 2, NO_COND, "ALLOW", "2FA",
                                                                   PHR, "PT1H") "]}");
    assert_false(w.device_assurance);
    assert_true(w.device_assurance_used);
    zt_okta_walk_clear(&w);
}

static void test_okta_reauthenticate_durations(void **state)
{
    static const struct {
        const char *s;
        int64_t sec;
    } ok[] = {{"PT0S", 0},       {"PT4H", 14400},     {"P1D", 86400},
              {"PT30M", 1800},   {"P1DT12H", 129600}, {"P2W", 1209600},
              {"PT1H30M", 5400}, {"pt15m", 900},      {"PT2H0M0S", 7200}};
    static const char *const bad[] = {
        "",       "4H",     "P",     "PT",     "P1M",  "P1Y",  "PT1D", "P1H",
        "PT1H1H", "PT1S1M", "PT-1H", "PT1.5H", "P1DT", "PTXS", NULL,   "PT99999999999999999999S"};
    for (size_t i = 0; i < ZT_ELEMENTSOF(ok); i++) {
        int64_t v = -1;
        assert_int_equal(zt_okta_parse_duration(ok[i].s, &v), 0);
        assert_int_equal(v, ok[i].sec);
    }
    for (size_t i = 0; i < ZT_ELEMENTSOF(bad); i++) {
        int64_t v = -1;
        if (zt_okta_parse_duration(bad[i], &v) == 0) {
            fail_msg("'%s' parsed as %lld", bad[i] ? bad[i] : "(null)", (long long)v);
        }
    }
}

static void test_okta_authenticators(void **state)
{
    struct zt_okta_authn a = {0};
    struct json_object *list =
        J("[{'id': 'autPwd', 'key': 'okta_password', 'status': 'ACTIVE', 'type': 'password'},"
          " {'id': 'autMail', 'key': 'okta_email', 'status': 'INACTIVE', 'type': 'email'},"
          " {'id': 'autPhone', 'key': 'phone_number', 'status': 'ACTIVE', 'type': 'phone'},"
          " {'id': 'autOv', 'key': 'okta_verify', 'status': 'ACTIVE', 'type': 'app'},"
          " {'id': 'autFido', 'key': 'webauthn', 'status': 'INACTIVE', 'type': 'security_key'},"
          " {'status': 'ACTIVE'}, 7]");
    zt_okta_authn_authenticators(&a, list);
    assert_string_equal(json_object_to_json_string(a.active),
                        "[ \"okta_password\", \"okta_verify\", \"phone_number\" ]");
    assert_false(a.webauthn);
    assert_true(a.okta_verify);
    assert_string_equal(a.okta_verify_id, "autOv");
    assert_int_equal(a.skipped, 2);
    assert_int_equal(json_object_array_length(a.weak), 1); /* the phone, not the inactive email */
    struct json_object *methods = J("[{'type': 'push', 'status': 'ACTIVE'},"
                                    " {'type': 'signed_nonce', 'status': 'INACTIVE'}]");
    zt_okta_authn_verify_methods(&a, methods);
    assert_false(a.fastpass);
    json_object_put(methods);
    methods = J("[{'type': 'signed_nonce', 'status': 'ACTIVE'}]");
    zt_okta_authn_verify_methods(&a, methods);
    assert_true(a.fastpass);
    json_object_put(methods);
    json_object_put(list);
    zt_okta_authn_clear(&a);
}

static void test_okta_enroll_shapes(void **state)
{
    struct zt_okta_authn a = {0};
    /* Identity Engine shape: phone not allowed, email optional (weak), in an active policy. */
    struct json_object *p =
        J("[{'id': 'e1', 'status': 'ACTIVE', 'type': 'MFA_ENROLL', 'settings': {'type': "
          "'AUTHENTICATORS', 'authenticators': [{'key': 'phone_number', 'enroll': {'self': "
          "'NOT_ALLOWED'}}, {'key': 'webauthn', 'enroll': {'self': 'REQUIRED'}}]}},"
          " {'id': 'e2', 'status': 'INACTIVE', 'settings': {'factors': {'okta_sms': {'enroll': "
          "{'self': 'REQUIRED'}}}}}]");
    zt_okta_authn_enroll(&a, p);
    assert_int_equal(a.enroll_policies, 1);
    assert_null(a.weak);
    json_object_put(p);
    /* Classic shape: SMS required. */
    p = J("[{'id': 'e3', 'status': 'ACTIVE', 'settings': {'factors': {'okta_sms': {'enroll': "
          "{'self': 'REQUIRED'}, 'consent': {'type': 'NONE'}}, 'okta_otp': {'enroll': {'self': "
          "'OPTIONAL'}}}}}]");
    zt_okta_authn_enroll(&a, p);
    assert_int_equal(json_object_array_length(a.weak), 1);
    assert_string_equal(zt_json_str(json_object_array_get_idx(a.weak, 0), "key"), "okta_sms");
    json_object_put(p);
    zt_okta_authn_clear(&a);
}

static void test_okta_pacing(void **state)
{
    /* Plenty left: no pacing. */
    assert_int_equal(zt_okta_pace_ms(600, 500, 1060, 1000), 0);
    assert_int_equal(zt_okta_pace_ms(600, 61, 1060, 1000), 0);
    /* Below a tenth: the 61 s left (one more for the second granularity) over 60 + 1 requests. */
    assert_int_equal(zt_okta_pace_ms(600, 60, 1060, 1000), 61000 / 61);
    /* None left: wait for the reset. */
    assert_int_equal(zt_okta_pace_ms(600, 0, 1010, 1000), 11000);
    /* Small limits keep a reserve of five; a reset in the past or far away is bounded. */
    assert_int_equal(zt_okta_pace_ms(20, 5, 1002, 1000), 3000 / 6);
    assert_int_equal(zt_okta_pace_ms(600, 0, 900, 1000), 0);
    assert_int_equal(zt_okta_pace_ms(600, 0, 100000, 1000), 120000);
}

static void test_okta_emit(void **state)
{
    struct zt_ctx *ctx = zt_ctx_new("okta", 0);
    struct zt_okta_walk signon = access_walk("[]", "{}"),
                        access = access_walk("[" ACCESS_POLICY("a1") "]",
                                             "{'a1': [" ACCESS_RULE("c", 1, NO_COND, "ALLOW", "2FA",
                                                                    PHR, "PT8H") "]}");
    struct zt_okta_authn a = {0};
    struct json_object *list =
        J("[{'id': 'autFido', 'key': 'webauthn', 'status': 'ACTIVE'}, {'id': 'autMail', 'key': "
          "'okta_email', 'status': 'ACTIVE'}]");

    signon.mfa = true; /* as if walked */
    zt_okta_authn_authenticators(&a, list);
    assert_int_equal(zt_okta_emit(ctx, &signon, &access, &a, 3), 0);
    assert_evidence_bool(ctx, "okta.signon.mfa_all_users", true);
    assert_evidence_int(ctx, "okta.access.policies_active", 1);
    assert_evidence_bool(ctx, "okta.access.mfa_all_users", true);
    assert_evidence_bool(ctx, "okta.access.phishing_resistant_all_users", true);
    assert_evidence_bool(ctx, "okta.access.device_assurance_all_users", false);
    assert_evidence_int(ctx, "okta.access.reauthenticate_max_seconds", 8 * 3600);
    assert_evidence_bool(ctx, "okta.authenticators.webauthn_active", true);
    assert_evidence_bool(ctx, "okta.authenticators.phishing_resistant_enabled", true);
    assert_evidence_bool(ctx, "okta.authenticators.weak_methods_disabled", false);
    assert_evidence_int(ctx, "okta.device_assurance.policies", 3);
    zt_ctx_free(ctx);

    /* No authentication policy (Classic org), failed calls: their keys stay unknown. */
    struct zt_okta_walk none = access_walk("[]", "{}");
    ctx = zt_ctx_new("okta", 0);
    assert_int_equal(zt_okta_emit(ctx, NULL, &none, NULL, -1), 0);
    assert_evidence_int(ctx, "okta.access.policies_active", 0);
    assert_evidence_absent(ctx, "okta.access.mfa_all_users");
    assert_evidence_absent(ctx, "okta.signon.mfa_all_users");
    assert_evidence_absent(ctx, "okta.authenticators.weak_methods_disabled");
    assert_evidence_absent(ctx, "okta.device_assurance.policies");
    zt_ctx_free(ctx);
    zt_okta_walk_clear(&none);
    zt_okta_walk_clear(&signon);
    zt_okta_walk_clear(&access);
    zt_okta_authn_clear(&a);
    json_object_put(list);
}

/* check(): one credential mode, never two. */
static int check(const char *const *kv, char *err, size_t errlen)
{
    struct zt_instance *inst = NULL;
    assert_int_equal(zt_instance_new(&zt_collector_okta, "okta", &inst, err, errlen), 0);
    for (size_t i = 0; kv[i]; i += 2) {
        assert_int_equal(zt_instance_set(inst, kv[i], kv[i + 1], err, errlen), 0);
    }
    int r = zt_instance_check(inst, err, errlen);
    zt_instance_free(inst);
    return r;
}

static void test_okta_check_options(void **state)
{
    char err[512];
#define ORG "org_url", "https://acme.okta.com"
    assert_int_equal(check((const char *[]){ORG, "api_token_file", "/etc/t", NULL}, err, 512), 0);
    assert_int_equal(check((const char *[]){ORG, "credential", "okta", NULL}, err, 512), 0);
    assert_int_equal(check((const char *[]){ORG, "client_id", "0oa1", "private_key_file",
                                            "/etc/k.pem", "key_id", "k1", NULL},
                           err, 512),
                     0);
    assert_int_equal(
        check((const char *[]){ORG, "client_id", "0oa1", "credential", "okta-key", NULL}, err, 512),
        0);
    assert_int_equal(check((const char *[]){ORG, NULL}, err, 512), -EINVAL);
    assert_non_null(strstr(err, "api_token_file"));
    assert_int_equal(
        check((const char *[]){ORG, "api_token_file", "/etc/t", "credential", "x", NULL}, err, 512),
        -EINVAL);
    assert_int_equal(check((const char *[]){ORG, "client_id", "0oa1", "api_token_file", "/etc/t",
                                            "private_key_file", "/etc/k", NULL},
                           err, 512),
                     -EINVAL);
    assert_int_equal(check((const char *[]){ORG, "client_id", "0oa1", NULL}, err, 512), -EINVAL);
    assert_non_null(strstr(err, "private_key_file"));
    assert_int_equal(
        check((const char *[]){ORG, "api_token_file", "/etc/t", "private_key_file", "/etc/k", NULL},
              err, 512),
        -EINVAL);
    /* Missing org_url, or not https. */
    assert_int_equal(check((const char *[]){"api_token_file", "/etc/t", NULL}, err, 512), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_okta_signon_catch_all_mfa),
        cmocka_unit_test(test_okta_signon_zone_rule_bypass),
        cmocka_unit_test(test_okta_signon_scoped_mfa_does_not_count),
        cmocka_unit_test(test_okta_signon_group_policy_before_everyone),
        cmocka_unit_test(test_okta_signon_inactive_ignored),
        cmocka_unit_test(test_okta_signon_deny_rules),
        cmocka_unit_test(test_okta_signon_priority_order),
        cmocka_unit_test(test_okta_rules_as_text),
        cmocka_unit_test(test_okta_access_factor_mode),
        cmocka_unit_test(test_okta_access_phishing_resistant),
        cmocka_unit_test(test_okta_access_platform_rule_bypass),
        cmocka_unit_test(test_okta_access_group_rule_bypass),
        cmocka_unit_test(test_okta_access_every_policy),
        cmocka_unit_test(test_okta_access_device_assurance),
        cmocka_unit_test(test_okta_reauthenticate_durations),
        cmocka_unit_test(test_okta_authenticators),
        cmocka_unit_test(test_okta_enroll_shapes),
        cmocka_unit_test(test_okta_pacing),
        cmocka_unit_test(test_okta_emit),
        cmocka_unit_test(test_okta_check_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
