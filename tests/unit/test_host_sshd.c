/* test_host_sshd.c - the host collector's sshd probe: parsing on strings (first value wins,
 * case, '=', comments, Match, Match all, AuthenticationMethods, bad values) and on fake trees
 * (Include globs, relative and quoted paths, nested includes, include loops). */
#include "zt_test.h"

#include <stdlib.h>
#include <string.h>

#include "host/host.h"

#define FIXTURES ZT_SOURCE_DIR "/tests/fixtures/host/"

static int parse(struct zt_host_sshd *cfg, const char *text)
{
    return zt_host_sshd_parse(cfg, text, "t", (struct zt_host_sshd_scope){0}, 0);
}

static struct zt_host_sshd_facts facts_of(const char *text)
{
    struct zt_host_sshd cfg = {0};
    struct zt_host_sshd_facts f;

    assert_int_equal(parse(&cfg, text), 0);
    zt_host_sshd_derive(&cfg, &f);
    /* permit_root_login and authentication_methods borrow from cfg: copy what tests read. */
    static char root[64];
    snprintf(root, sizeof(root), "%s", f.permit_root_login);
    f.permit_root_login = root;
    f.authentication_methods = NULL;
    zt_host_sshd_clear(&cfg);
    return f;
}

static struct zt_ctx *probe(const char *root, int *ret)
{
    struct zt_ctx *ctx = zt_ctx_new("host", 0);
    struct zt_host h;
    *ret = zt_host_init(&h, root, ctx);
    if (*ret == 0) {
        *ret = zt_host_probe_sshd(&h);
    }
    zt_host_done(&h);
    return ctx;
}

/* The "source" of one option in an evidence's detail. */
static const char *source_of(struct zt_ctx *ctx, const char *key, const char *option)
{
    const struct zt_evidence *e = NULL;
    struct json_object *o = NULL, *s = NULL;

    assert_int_equal(zt_evidence_lookup(zt_ctx_evidence(ctx), key, &e), 1);
    assert_true(json_object_object_get_ex(e->detail, option, &o));
    assert_true(json_object_object_get_ex(o, "source", &s));
    return json_object_get_string(s);
}

static void test_sshd_first_value_wins(void **state)
{
    struct zt_host_sshd cfg = {0};
    struct zt_host_sshd_facts f;

    assert_int_equal(parse(&cfg, "PasswordAuthentication no\nPasswordAuthentication yes\n"), 0);
    zt_host_sshd_derive(&cfg, &f);
    assert_false(f.password_authentication);
    assert_string_equal(cfg.opt[ZT_SSHD_PASSWORD_AUTH].source, "t:1");
    zt_host_sshd_clear(&cfg);
}

static void test_sshd_case_equals_and_aliases(void **state)
{
    struct zt_host_sshd_facts f = facts_of("passWordAuthentication=NO\n"
                                           "PermitRootLogin = Without-Password\n"
                                           "CHALLENGERESPONSEAUTHENTICATION no\n"
                                           "KbdInteractiveAuthentication yes\n"
                                           "usepam yes\n");
    assert_false(f.password_authentication);
    assert_string_equal(f.permit_root_login, "prohibit-password");
    assert_false(f.root_login_disabled);
    assert_false(f.kbd_interactive_authentication); /* the alias came first */
    assert_false(f.kbd_interactive_password);
    assert_false(f.password_login);
    assert_true(f.pubkey_required);
}

static void test_sshd_openssh_defaults(void **state)
{
    struct zt_host_sshd_facts f = facts_of("");
    assert_true(f.password_authentication);
    assert_true(f.kbd_interactive_authentication);
    assert_false(f.use_pam);
    assert_false(f.kbd_interactive_password); /* no PAM: no keyboard-interactive back end */
    assert_string_equal(f.permit_root_login, "prohibit-password");
    assert_false(f.root_login_disabled);
    assert_true(f.password_login);
    assert_false(f.pubkey_required);
    assert_false(f.multi_factor_required);
    assert_false(f.trusted_user_ca_keys);
}

static void test_sshd_kbd_interactive_through_pam(void **state)
{
    struct zt_host_sshd_facts f = facts_of("PasswordAuthentication no\nUsePAM yes\n");
    assert_false(f.password_authentication);
    assert_true(f.kbd_interactive_password);
    assert_true(f.password_login); /* PAM's stack asks for the password instead */
    assert_false(f.pubkey_required);
}

static void test_sshd_comments_and_blank_lines(void **state)
{
    struct zt_host_sshd_facts f = facts_of("# PasswordAuthentication no\n"
                                           "   # PermitRootLogin yes\n\n\t\n"
                                           "PermitRootLogin no # trailing comment\n"
                                           "TrustedUserCAKeys \"/etc/ssh/fake ca.pub\"\n");
    assert_true(f.password_authentication);
    assert_true(f.root_login_disabled);
    assert_string_equal(f.permit_root_login, "no");
    assert_true(f.trusted_user_ca_keys);
}

static void test_sshd_match_not_applied(void **state)
{
    struct zt_host_sshd cfg = {0};
    struct zt_host_sshd_facts f;

    assert_int_equal(parse(&cfg, "PermitRootLogin yes\nMatch User fake\n  PasswordAuthentication "
                                 "no\n  PermitRootLogin no\n"),
                     0);
    zt_host_sshd_derive(&cfg, &f);
    assert_true(f.password_authentication);
    assert_string_equal(f.permit_root_login, "yes");
    assert_int_equal(cfg.match_blocks, 1);
    assert_int_equal(cfg.opt[ZT_SSHD_PASSWORD_AUTH].match_overrides.n, 1);
    assert_string_equal(cfg.opt[ZT_SSHD_PASSWORD_AUTH].match_overrides.v[0], "t:3");
    zt_host_sshd_clear(&cfg);
}

static void test_sshd_match_all_overrides_global(void **state)
{
    struct zt_host_sshd_facts f =
        facts_of("PasswordAuthentication no\nMatch All\n"
                 "PasswordAuthentication yes\nPasswordAuthentication no\n");
    assert_true(f.password_authentication);
}

static void test_sshd_authentication_methods(void **state)
{
    struct zt_host_sshd_facts f = facts_of("UsePAM yes\nAuthenticationMethods publickey,password "
                                           "publickey,keyboard-interactive:pam\n");
    assert_true(f.pubkey_required);
    assert_true(f.multi_factor_required);
    assert_false(f.password_login);

    f = facts_of("AuthenticationMethods publickey password\n");
    assert_false(f.pubkey_required);
    assert_true(f.password_login);

    /* Every list needs a disabled method: nobody can log in, nothing is "required". */
    f = facts_of("PasswordAuthentication no\nAuthenticationMethods password\n");
    assert_false(f.password_login);
    assert_false(f.pubkey_required);
}

static void test_sshd_invalid_value(void **state)
{
    struct zt_host_sshd cfg = {0};

    assert_int_equal(parse(&cfg, "\nPasswordAuthentication maybe\n"), -EINVAL);
    assert_non_null(strstr(cfg.error, "t:2"));
    assert_non_null(strstr(cfg.error, "PasswordAuthentication"));
    zt_host_sshd_clear(&cfg);
    assert_int_equal(parse(&cfg, "PermitRootLogin\n"), -EINVAL);
    zt_host_sshd_clear(&cfg);
}

static void test_sshd_tree_includes(void **state)
{
    int r;
    struct zt_ctx *ctx = probe(FIXTURES "sshd_edge", &r);

    assert_int_equal(r, 0);
    assert_int_equal(zt_ctx_error_count(ctx), 0);
    assert_evidence_bool(ctx, "host.sshd.installed", true);
    /* conf.d/01 (lower-case keyword) came first: its "yes" beats every later "no". */
    assert_evidence_bool(ctx, "host.sshd.password_authentication", true);
    assert_string_equal(
        source_of(ctx, "host.sshd.password_authentication", "PasswordAuthentication"),
        "/etc/ssh/conf.d/01-fake-first.conf:2");
    /* The nested include's alias wins over the main file's later KbdInteractiveAuthentication. */
    assert_evidence_bool(ctx, "host.sshd.kbd_interactive_authentication", true);
    assert_string_equal(
        source_of(ctx, "host.sshd.kbd_interactive_authentication", "KbdInteractiveAuthentication"),
        "/etc/ssh/nested/a-fake.conf:2");
    /* The quoted path with a space was included; the *.disabled file was not. */
    assert_evidence_bool(ctx, "host.sshd.use_pam", true);
    assert_evidence_bool(ctx, "host.sshd.kbd_interactive_password", true);
    /* The nested file's Match ended with that file: without-password is global. */
    assert_evidence_string(ctx, "host.sshd.permit_root_login", "prohibit-password");
    assert_evidence_bool(ctx, "host.sshd.root_login_disabled", false);
    /* Match all: publickey plus keyboard-interactive for every connection. */
    assert_evidence_bool(ctx, "host.sshd.password_login", false);
    assert_evidence_bool(ctx, "host.sshd.pubkey_required", true);
    assert_evidence_bool(ctx, "host.sshd.multi_factor_required", true);
    assert_evidence_int(ctx, "host.sshd.match_blocks", 3);
    zt_ctx_free(ctx);
}

static void test_sshd_tree_include_loop(void **state)
{
    int r;
    struct zt_ctx *ctx = probe(FIXTURES "sshd_loop", &r);

    assert_int_equal(r, -ELOOP);
    assert_int_equal(zt_ctx_error_count(ctx), 1);
    assert_non_null(strstr(zt_ctx_first_error(ctx), "Include"));
    assert_evidence_absent(ctx, "host.sshd.installed");
    assert_evidence_absent(ctx, "host.sshd.password_authentication");
    zt_ctx_free(ctx);
}

static void test_sshd_tree_hardened(void **state)
{
    int r;
    struct zt_ctx *ctx = probe(FIXTURES "hardened", &r);

    assert_int_equal(r, 0);
    assert_evidence_bool(ctx, "host.sshd.installed", true);
    assert_evidence_bool(ctx, "host.sshd.password_authentication", false);
    assert_evidence_bool(ctx, "host.sshd.kbd_interactive_authentication", false);
    assert_evidence_bool(ctx, "host.sshd.use_pam", true);
    assert_evidence_bool(ctx, "host.sshd.kbd_interactive_password", false);
    assert_evidence_bool(ctx, "host.sshd.password_login", false);
    assert_evidence_bool(ctx, "host.sshd.pubkey_required", true);
    assert_evidence_bool(ctx, "host.sshd.multi_factor_required", false);
    assert_evidence_string(ctx, "host.sshd.permit_root_login", "no");
    assert_evidence_bool(ctx, "host.sshd.root_login_disabled", true);
    assert_evidence_bool(ctx, "host.sshd.trusted_user_ca_keys", true);
    assert_evidence_int(ctx, "host.sshd.match_blocks", 1);
    assert_string_equal(source_of(ctx, "host.sshd.root_login_disabled", "PermitRootLogin"),
                        "/etc/ssh/sshd_config.d/10-fake-hardening.conf:5");
    zt_ctx_free(ctx);
}

static void test_sshd_tree_weak(void **state)
{
    int r;
    struct zt_ctx *ctx = probe(FIXTURES "weak", &r);

    assert_int_equal(r, 0);
    assert_evidence_bool(ctx, "host.sshd.password_authentication", true);
    assert_string_equal(
        source_of(ctx, "host.sshd.password_authentication", "PasswordAuthentication"), "default");
    assert_evidence_bool(ctx, "host.sshd.kbd_interactive_password", true);
    assert_evidence_bool(ctx, "host.sshd.password_login", true);
    assert_evidence_bool(ctx, "host.sshd.pubkey_required", false);
    assert_evidence_string(ctx, "host.sshd.permit_root_login", "yes");
    assert_evidence_bool(ctx, "host.sshd.root_login_disabled", false);
    assert_evidence_bool(ctx, "host.sshd.trusted_user_ca_keys", false);
    zt_ctx_free(ctx);
}

static void test_sshd_not_installed(void **state)
{
    char dir[] = "/tmp/zt-host-sshd-XXXXXX";
    int r;

    assert_non_null(mkdtemp(dir));
    struct zt_ctx *ctx = probe(dir, &r);
    assert_int_equal(r, 0);
    assert_int_equal(zt_ctx_error_count(ctx), 0);
    assert_evidence_bool(ctx, "host.sshd.installed", false);
    assert_evidence_absent(ctx, "host.sshd.password_authentication");
    assert_evidence_absent(ctx, "host.sshd.root_login_disabled");
    zt_ctx_free(ctx);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sshd_first_value_wins),
        cmocka_unit_test(test_sshd_case_equals_and_aliases),
        cmocka_unit_test(test_sshd_openssh_defaults),
        cmocka_unit_test(test_sshd_kbd_interactive_through_pam),
        cmocka_unit_test(test_sshd_comments_and_blank_lines),
        cmocka_unit_test(test_sshd_match_not_applied),
        cmocka_unit_test(test_sshd_match_all_overrides_global),
        cmocka_unit_test(test_sshd_authentication_methods),
        cmocka_unit_test(test_sshd_invalid_value),
        cmocka_unit_test(test_sshd_tree_includes),
        cmocka_unit_test(test_sshd_tree_include_loop),
        cmocka_unit_test(test_sshd_tree_hardened),
        cmocka_unit_test(test_sshd_tree_weak),
        cmocka_unit_test(test_sshd_not_installed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
