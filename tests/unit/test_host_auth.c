/* test_host_auth.c - the host collector's PAM second-factor and sudo probes: parsers on strings,
 * then the hardened and weak fake trees, then trees built at test time for edge cases. */
#include "host_test.h"

/* ---- PAM ---- */

static void test_pam_parse(void **state)
{
    struct zt_host_pam_file f = {0};

    zt_host_pam_parse("# auth required pam_u2f.so\n"
                      "auth [success=1 default=ignore] /lib/security/pam_unix.so nullok # c\n"
                      "-auth required pam_u2f.so cue \\\n"
                      "   authfile=/etc/fake\n"
                      "account required pam_google_authenticator.so\n"
                      "@include common-auth\n"
                      "auth substack system-auth\n"
                      "AUTH optional pam_oath.so\n",
                      &f);
    assert_int_equal(f.n, 5);
    assert_string_equal(f.v[0].module, "pam_unix");
    assert_string_equal(f.v[0].control, "[success=1 default=ignore]");
    assert_int_equal(f.v[0].line, 2);
    assert_string_equal(f.v[1].module, "pam_u2f");
    assert_string_equal(f.v[1].args, "cue authfile=/etc/fake");
    assert_int_equal(f.v[1].line, 4);
    assert_true(f.v[2].include);
    assert_string_equal(f.v[2].module, "common-auth");
    assert_true(f.v[3].include);
    assert_string_equal(f.v[3].module, "system-auth");
    assert_string_equal(f.v[4].module, "pam_oath");
    zt_host_pam_file_clear(&f);
}

static void test_pam_second_factor_rules(void **state)
{
    struct zt_host_pam_entry e = {.module = "pam_u2f", .control = "required", .args = ""};
    bool pr;

    assert_true(zt_host_pam_second_factor(&e, false, &pr));
    assert_true(pr);
    e.control = "optional";
    assert_false(zt_host_pam_second_factor(&e, false, &pr));
    e = (struct zt_host_pam_entry){
        .module = "pam_google_authenticator", .control = "required", .args = "nullok"};
    assert_true(zt_host_pam_second_factor(&e, false, &pr));
    assert_false(pr);
    e = (struct zt_host_pam_entry){
        .module = "pam_sss", .control = "sufficient", .args = "forward_pass"};
    assert_false(zt_host_pam_second_factor(&e, false, &pr));
    assert_true(zt_host_pam_second_factor(&e, true, &pr));
    assert_true(pr);
    e.args = "try_cert_auth";
    assert_true(zt_host_pam_second_factor(&e, false, &pr));
    e = (struct zt_host_pam_entry){.module = "pam_unix", .control = "required", .args = ""};
    assert_false(zt_host_pam_second_factor(&e, true, &pr));
}

static void test_pam_sssd_conf(void **state)
{
    assert_true(zt_host_sssd_cert_auth("[sssd]\nservices = pam\n[pam]\npam_cert_auth = True\n"));
    assert_false(zt_host_sssd_cert_auth("[domain/fake]\npam_cert_auth = True\n[pam]\n"));
    assert_false(zt_host_sssd_cert_auth("[pam]\n# pam_cert_auth = True\n"));
    assert_false(zt_host_sssd_cert_auth("[pam]\npam_cert_auth = False\n"));
}

static void test_pam_tree_hardened(void **state)
{
    int r;
    struct zt_ctx *ctx = host_probe(FIXTURES "hardened", zt_host_probe_pam, false, &r);

    assert_int_equal(r, 0);
    assert_int_equal(zt_ctx_error_count(ctx), 0);
    assert_string_equal(joined(ctx, "host.pam.second_factor_modules"), "pam_sss,pam_u2f");
    assert_evidence_bool(ctx, "host.pam.second_factor", true);
    assert_evidence_bool(ctx, "host.pam.sshd_second_factor", true);
    assert_evidence_bool(ctx, "host.pam.system_second_factor", true);
    assert_evidence_bool(ctx, "host.pam.phishing_resistant", true);
    assert_non_null(strstr(detail_string(ctx, "host.pam.second_factor_modules"),
                           "common-auth:6: required pam_u2f"));
    zt_ctx_free(ctx);
}

static void test_pam_tree_weak(void **state)
{
    int r;
    struct zt_ctx *ctx = host_probe(FIXTURES "weak", zt_host_probe_pam, false, &r);

    assert_int_equal(r, 0);
    /* The commented google-authenticator line and the optional pam_oath do not count. */
    assert_string_equal(joined(ctx, "host.pam.second_factor_modules"), "");
    assert_evidence_bool(ctx, "host.pam.second_factor", false);
    assert_evidence_bool(ctx, "host.pam.sshd_second_factor", false);
    assert_evidence_bool(ctx, "host.pam.system_second_factor", false);
    assert_evidence_bool(ctx, "host.pam.phishing_resistant", false);
    zt_ctx_free(ctx);
}

static void test_pam_other_service_only(void **state)
{
    char dir[] = "/tmp/zt-host-pam-XXXXXX";
    int r;

    assert_non_null(mkdtemp(dir));
    /* An include cycle reachable from sshd must end (each file is visited once). */
    put(dir, "etc/pam.d/sshd", "@include common-auth\n@include fake-loop-a\n");
    put(dir, "etc/pam.d/fake-loop-a", "auth include fake-loop-b\n");
    put(dir, "etc/pam.d/fake-loop-b", "auth substack fake-loop-a\n@include fake-loop-b\n");
    put(dir, "etc/pam.d/common-auth", "auth required pam_unix.so\n");
    put(dir, "etc/pam.d/fake-su", "auth include fake-otp\n");
    put(dir, "etc/pam.d/fake-otp", "auth requisite pam_oath.so usersfile=/etc/fake\n");
    struct zt_ctx *ctx = host_probe(dir, zt_host_probe_pam, false, &r);
    assert_int_equal(r, 0);
    assert_string_equal(joined(ctx, "host.pam.second_factor_modules"), "pam_oath");
    assert_evidence_bool(ctx, "host.pam.second_factor", true);
    assert_evidence_bool(ctx, "host.pam.sshd_second_factor", false);
    assert_evidence_bool(ctx, "host.pam.system_second_factor", false);
    assert_evidence_bool(ctx, "host.pam.phishing_resistant", false);
    zt_ctx_free(ctx);
    rm_tree(dir);
}

/* ---- sudo ---- */

static void test_sudoers_parse(void **state)
{
    struct zt_host_sudoers acc = {0};

    zt_host_sudoers_parse(&acc,
                          "Defaults !authenticate\n"
                          "Defaults:fake env_reset\n"
                          "Defaults>root ! authenticate\n"
                          "#1000 ALL=(ALL) NOPASSWD: ALL\n"
                          "# fake ALL=(ALL) NOPASSWD: ALL\n"
                          "fake ALL=(ALL) PASSWD: ALL\n"
                          "fake2 ALL=(#0) NOPASSWD : /bin/true # trailing\n"
                          "Cmnd_Alias FAKE = /usr/bin/fake\n"
                          "#includedir /etc/sudoers.d\n"
                          "@include fake-rel\n"
                          "#include \"/etc/fake dir/x\"\n",
                          "/etc/sudoers");
    assert_int_equal(acc.no_authenticate.n, 2);
    assert_string_equal(acc.no_authenticate.v[0], "/etc/sudoers:1");
    assert_string_equal(acc.no_authenticate.v[1], "/etc/sudoers:3");
    assert_int_equal(acc.nopasswd.n, 2);
    assert_string_equal(acc.nopasswd.v[0], "/etc/sudoers:4");
    assert_string_equal(acc.nopasswd.v[1], "/etc/sudoers:7");
    assert_int_equal(acc.includes.n, 3);
    assert_string_equal(acc.includes.v[0], "D/etc/sudoers.d");
    assert_string_equal(acc.includes.v[1], "F/etc/fake-rel");
    assert_string_equal(acc.includes.v[2], "F/etc/fake dir/x");
    zt_host_sudoers_clear(&acc);
}

static void test_sudo_includedir_names(void **state)
{
    assert_true(zt_host_sudo_includedir_name_ok("90-fake"));
    assert_true(zt_host_sudo_includedir_name_ok("README"));
    assert_false(zt_host_sudo_includedir_name_ok("fake.dpkg-old"));
    assert_false(zt_host_sudo_includedir_name_ok("fake~"));
    assert_false(zt_host_sudo_includedir_name_ok(""));
}

static void test_sudo_tree_hardened(void **state)
{
    int r;
    struct zt_ctx *ctx = host_probe(FIXTURES "hardened", zt_host_probe_sudo, false, &r);

    assert_int_equal(r, 0);
    assert_int_equal(zt_ctx_error_count(ctx), 0);
    assert_evidence_bool(ctx, "host.sudo.installed", true);
    assert_evidence_int(ctx, "host.sudo.nopasswd_rules", 0);
    assert_evidence_int(ctx, "host.sudo.no_authenticate_defaults", 0);
    assert_evidence_bool(ctx, "host.sudo.passwordless", false);
    const char *d = detail_string(ctx, "host.sudo.installed");
    assert_non_null(strstr(d, "10-fake-admins"));
    assert_null(strstr(d, "dpkg-old"));
    assert_null(strstr(d, "fake-edit~"));
    zt_ctx_free(ctx);
}

static void test_sudo_tree_weak(void **state)
{
    int r;
    struct zt_ctx *ctx = host_probe(FIXTURES "weak", zt_host_probe_sudo, false, &r);

    assert_int_equal(r, 0);
    assert_evidence_int(ctx, "host.sudo.nopasswd_rules", 4);
    assert_evidence_int(ctx, "host.sudo.no_authenticate_defaults", 1);
    assert_evidence_bool(ctx, "host.sudo.passwordless", true);
    const char *d = detail_string(ctx, "host.sudo.nopasswd_rules");
    assert_non_null(strstr(d, "\\/etc\\/sudoers:6"));
    assert_non_null(strstr(d, "\\/etc\\/sudoers:7")); /* continued over two lines */
    assert_non_null(strstr(d, "90-fake-ci:2"));
    assert_non_null(strstr(d, "sudoers.fake-extra:2"));
    zt_ctx_free(ctx);
}

static void test_sudo_unreadable_include(void **state)
{
    char dir[] = "/tmp/zt-host-sudo-XXXXXX";
    int r;

    /* A directory where sudo expects a file: EISDIR even for root (chmod 000 is not). */
    assert_non_null(mkdtemp(dir));
    put(dir, "etc/sudoers", "fake ALL=(ALL) NOPASSWD: ALL\n@include /etc/fake-include\n");
    put(dir, "etc/fake-include/placeholder", "");
    struct zt_ctx *ctx = host_probe(dir, zt_host_probe_sudo, false, &r);
    assert_int_equal(r, -EISDIR);
    assert_int_equal(zt_ctx_error_count(ctx), 1);
    assert_non_null(strstr(zt_ctx_first_error(ctx), "cannot read /etc/fake-include"));
    assert_evidence_absent(ctx, "host.sudo.installed");
    assert_evidence_absent(ctx, "host.sudo.nopasswd_rules");
    assert_evidence_absent(ctx, "host.sudo.passwordless");
    zt_ctx_free(ctx);
    rm_tree(dir);
}

static void test_sudo_not_installed(void **state)
{
    char dir[] = "/tmp/zt-host-sudo-XXXXXX";
    int r;

    assert_non_null(mkdtemp(dir));
    struct zt_ctx *ctx = host_probe(dir, zt_host_probe_sudo, false, &r);
    assert_int_equal(r, 0);
    assert_evidence_bool(ctx, "host.sudo.installed", false);
    assert_evidence_absent(ctx, "host.sudo.nopasswd_rules");
    zt_ctx_free(ctx);
    rm_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pam_parse),
        cmocka_unit_test(test_pam_second_factor_rules),
        cmocka_unit_test(test_pam_sssd_conf),
        cmocka_unit_test(test_pam_tree_hardened),
        cmocka_unit_test(test_pam_tree_weak),
        cmocka_unit_test(test_pam_other_service_only),
        cmocka_unit_test(test_sudoers_parse),
        cmocka_unit_test(test_sudo_includedir_names),
        cmocka_unit_test(test_sudo_tree_hardened),
        cmocka_unit_test(test_sudo_tree_weak),
        cmocka_unit_test(test_sudo_unreadable_include),
        cmocka_unit_test(test_sudo_not_installed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
