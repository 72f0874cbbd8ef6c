/* test_host_stores.c - the host's identity store (nsswitch, SSSD, local accounts), file integrity
 * monitoring and backups: parsers on strings, the hardened and weak fake trees, and trees built
 * at test time for the cases the fixtures do not hold. */
#include "host_test.h"

/* ---- identity store ---- */

static void test_nsswitch_sources(void **state)
{
    struct zt_strv s = {0};

    zt_host_nsswitch_sources("# c\npasswd: files\npasswd:  files sss [NOTFOUND=return] # x\n"
                             "group: files ldap\n",
                             "passwd", &s);
    assert_int_equal(s.n, 2); /* the last line wins; actions and comments are no sources */
    assert_string_equal(s.v[0], "files");
    assert_string_equal(s.v[1], "sss");
    zt_strv_clear(&s);
    zt_host_nsswitch_sources("passwdx: ldap\n  passwd : winbind\n", "passwd", &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.v[0], "winbind");
    zt_strv_clear(&s);
}

static void test_sssd_enterprise_domains(void **state)
{
    const char *main_conf = "[sssd]\ndomains = corp.example, local\n"
                            "[domain/corp.example]\nid_provider = ad\n"
                            "[domain/local]\nid_provider = files\n"
                            "[domain/unlisted]\nid_provider = ldap\n";
    const char *snippet = "[domain/unlisted]\nenabled = true\n"
                          "[domain/corp.example]\nid_provider = proxy\n";
    struct zt_strv d = {0};

    zt_host_sssd_enterprise_domains(&main_conf, 1, &d);
    assert_int_equal(d.n, 1); /* "unlisted" is not served; "local" is not an enterprise store */
    assert_string_equal(d.v[0], "corp.example");
    zt_strv_clear(&d);
    const char *both[] = {main_conf, snippet};
    zt_host_sssd_enterprise_domains(both, 2, &d);
    assert_int_equal(d.n, 1); /* the snippet enables one and turns the other into a proxy */
    assert_string_equal(d.v[0], "unlisted");
    zt_strv_clear(&d);
}

static void test_login_defs_and_passwd(void **state)
{
    const char *defs = "# UID_MIN 5\nUID_MIN\t\t500\nUID_MAX 9999\nUID_MIN abc\n";
    assert_int_equal(zt_host_login_defs(defs, "UID_MIN", 1000), 500);
    assert_int_equal(zt_host_login_defs(defs, "UID_MAX", 60000), 9999);
    assert_int_equal(zt_host_login_defs("", "UID_MIN", 1000), 1000);

    struct zt_strv names = {0};
    const char *passwd = "root:x:0:0::/root:/bin/bash\n"
                         "svc:x:600:600::/srv:/usr/sbin/nologin\n"
                         "ann:x:700:700::/home/ann:/bin/bash\n"
                         "+nisuser:x:800:800::/home/n:/bin/bash\n"
                         "big:x:10000:1::/home/b:/bin/sh\n"
                         "short:x:701\n"
                         "empty:x:702:702::/home/e:\n";
    assert_int_equal(zt_host_passwd_interactive(passwd, 500, 9999, &names), 1);
    assert_string_equal(names.v[0], "ann");
    zt_strv_clear(&names);
}

static void test_identity_trees(void **state)
{
    int r;
    struct zt_ctx *hard = host_probe(FIXTURES "hardened", zt_host_probe_identity, false, &r);
    assert_int_equal(r, 0);
    assert_evidence_bool(hard, "host.identity.enterprise_store", true);
    assert_evidence_int(hard, "host.identity.local_interactive_users", 0);
    zt_ctx_free(hard);

    /* Weak: SSSD is configured but nsswitch never asks it; two people log in locally. */
    struct zt_ctx *weak = host_probe(FIXTURES "weak", zt_host_probe_identity, false, &r);
    assert_int_equal(r, 0);
    assert_evidence_bool(weak, "host.identity.enterprise_store", false);
    assert_evidence_int(weak, "host.identity.local_interactive_users", 2);
    assert_non_null(
        strstr(detail_string(weak, "host.identity.local_interactive_users"), "\"alice\", \"bob\""));
    zt_ctx_free(weak);
}

static void test_identity_without_passwd_says_nothing_of_local_users(void **state)
{
    char dir[] = "/tmp/ztmmd-stores-XXXXXX";
    int r;

    assert_non_null(mkdtemp(dir));
    put(dir, "etc/nsswitch.conf", "passwd: files ldap\n");
    struct zt_ctx *ctx = host_probe(dir, zt_host_probe_identity, false, &r);
    assert_int_equal(r, 0);
    assert_evidence_bool(ctx, "host.identity.enterprise_store", true);
    assert_null(zt_test_value(ctx, "host.identity.local_interactive_users"));
    zt_ctx_free(ctx);
    rm_tree(dir);
}

/* ---- file integrity monitoring and backups ---- */

static void test_backup_command(void **state)
{
    assert_string_equal(zt_host_backup_command("ExecStart=/usr/bin/restic backup /srv"), "restic");
    assert_string_equal(zt_host_backup_command("0 3 * * * root borgmatic --verbosity 1"),
                        "borgmatic");
    assert_string_equal(zt_host_backup_command("30 2 * * * root cd /x && /opt/bin/borg create"),
                        "borg");
    assert_null(zt_host_backup_command("# 0 3 * * * root restic backup"));
    assert_null(zt_host_backup_command("0 3 * * * root /usr/local/bin/restic-wrapper.sh"));
    assert_null(zt_host_backup_command("0 4 * * * root logrotate # not restic"));
}

static void test_wazuh_and_osquery_fim(void **state)
{
    assert_true(zt_host_wazuh_syscheck("<ossec_config><syscheck><frequency>43200</frequency>"
                                       "</syscheck></ossec_config>"));
    assert_true(zt_host_wazuh_syscheck("<syscheck>\n <disabled>no</disabled>\n</syscheck>"));
    assert_false(zt_host_wazuh_syscheck("<syscheck>\n <disabled> yes</disabled>\n</syscheck>"));
    assert_false(zt_host_wazuh_syscheck("<ossec_config><rootcheck/></ossec_config>"));
    /* A <disabled> of a later block is not syscheck's. */
    assert_true(zt_host_wazuh_syscheck("<syscheck></syscheck><rootcheck><disabled>yes"
                                       "</disabled></rootcheck>"));
    assert_true(zt_host_osquery_fim("{\"file_paths\": {\"etc\": [\"/etc/%%\"]}}"));
    assert_false(zt_host_osquery_fim("{\"file_paths\": {}}"));
    assert_false(zt_host_osquery_fim("{\"schedule\": {}}"));
    assert_false(zt_host_osquery_fim("{not json"));
}

static void test_fim_and_backup_trees(void **state)
{
    int r;
    struct zt_ctx *hard = host_probe(FIXTURES "hardened", zt_host_probe_fim, true, &r);
    assert_int_equal(r, 0);
    assert_string_equal(joined(hard, "host.fim.tools"), "aide");
    assert_evidence_bool(hard, "host.fim.scheduled", true);
    zt_ctx_free(hard);
    hard = host_probe(FIXTURES "hardened", zt_host_probe_backup, true, &r);
    assert_int_equal(r, 0);
    assert_string_equal(joined(hard, "host.backup.tools"), "restic");
    assert_evidence_bool(hard, "host.backup.scheduled", true);
    zt_ctx_free(hard);

    /* Weak: AIDE installed but never initialised; the only backup line is commented out. */
    struct zt_ctx *weak = host_probe(FIXTURES "weak", zt_host_probe_fim, true, &r);
    assert_int_equal(r, 0);
    assert_evidence_bool(weak, "host.fim.configured", false);
    assert_evidence_bool(weak, "host.fim.scheduled", false);
    zt_ctx_free(weak);
    weak = host_probe(FIXTURES "weak", zt_host_probe_backup, true, &r);
    assert_int_equal(r, 0);
    assert_evidence_bool(weak, "host.backup.scheduled", false);
    zt_ctx_free(weak);
}

static void test_backup_from_cron_and_unit_dirs(void **state)
{
    char dir[] = "/tmp/ztmmd-stores-XXXXXX";
    int r;

    assert_non_null(mkdtemp(dir));
    /* A timer whose service lives in /lib (package-shipped), and a user crontab. */
    put(dir, "etc/systemd/system/timers.target.wants/borgmatic.timer", "[Timer]\n");
    put(dir, "lib/systemd/system/borgmatic.service", "[Service]\nExecStart=borgmatic -v 0\n");
    put(dir, "var/spool/cron/crontabs/ops", "# m h\n15 1 * * * duplicity /srv sftp://b/x\n");
    struct zt_ctx *ctx = host_probe(dir, zt_host_probe_backup, false, &r);
    assert_int_equal(r, 0);
    assert_string_equal(joined(ctx, "host.backup.tools"), "borgmatic,duplicity");
    assert_non_null(strstr(detail_string(ctx, "host.backup.scheduled"), "ops:2"));
    zt_ctx_free(ctx);
    rm_tree(dir);
}

static void test_unreadable_config_is_a_problem_not_a_fact(void **state)
{
    char dir[] = "/tmp/ztmmd-stores-XXXXXX";
    int r;

    assert_non_null(mkdtemp(dir));
    /* A directory where ossec.conf should be: FIM cannot be judged, so nothing is said. */
    char *d = zt_xasprintf("%s/var/ossec/etc/ossec.conf", dir);
    put(dir, "var/ossec/etc/.keep", "");
    assert_int_equal(mkdir(d, 0755), 0);
    free(d);
    struct zt_ctx *ctx = host_probe(dir, zt_host_probe_fim, false, &r);
    assert_true(r < 0);
    assert_true(zt_ctx_error_count(ctx) > 0);
    assert_null(zt_test_value(ctx, "host.fim.configured"));
    zt_ctx_free(ctx);
    rm_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nsswitch_sources),
        cmocka_unit_test(test_sssd_enterprise_domains),
        cmocka_unit_test(test_login_defs_and_passwd),
        cmocka_unit_test(test_identity_trees),
        cmocka_unit_test(test_identity_without_passwd_says_nothing_of_local_users),
        cmocka_unit_test(test_backup_command),
        cmocka_unit_test(test_wazuh_and_osquery_fim),
        cmocka_unit_test(test_fim_and_backup_trees),
        cmocka_unit_test(test_backup_from_cron_and_unit_dirs),
        cmocka_unit_test(test_unreadable_config_is_a_problem_not_a_fact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
