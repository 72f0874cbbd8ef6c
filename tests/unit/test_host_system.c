/* test_host_system.c - the host collector's system probes: process list and EDR agents, disk
 * encryption, Secure Boot, MAC, automatic updates, crypto policy/FIPS, audit, log forwarding.
 * Parsers on strings, then the hardened and weak fake trees, then trees built at test time. */
#include "host_test.h"

/* ---- processes and EDR ---- */

static void test_procs_match_rules(void **state)
{
    struct zt_host_procs p = {0};
    static const char cmd[] = "/opt/fake/bin/wazuh-agentd\0-f\0";

    zt_host_procs_add(&p, 10, "sentinelone-age\n", NULL, NULL, 0);
    zt_host_procs_add(&p, 11, "exe-name", "/usr/bin/fake-elastic (deleted)", NULL, 0);
    zt_host_procs_add(&p, 12, "wazuh", NULL, cmd, sizeof(cmd));
    assert_int_equal(zt_host_procs_find(&p, "sentinelone-agent"), 10); /* comm is cut at 15 */
    assert_int_equal(zt_host_procs_find(&p, "fake-elastic"), 11);
    assert_int_equal(zt_host_procs_find(&p, "wazuh-agentd"), 12);
    assert_int_equal(zt_host_procs_find(&p, "falcon-sensor"), 0);
    zt_host_procs_clear(&p);
}

static void test_edr_tree_hardened(void **state)
{
    int r;
    struct zt_ctx *ctx = host_probe(FIXTURES "hardened", zt_host_probe_edr, true, &r);

    assert_int_equal(r, 0);
    assert_int_equal(zt_ctx_error_count(ctx), 0);
    assert_evidence_bool(ctx, "host.edr.crowdstrike.installed", true);
    assert_evidence_bool(ctx, "host.edr.crowdstrike.running", true);
    assert_evidence_bool(ctx, "host.edr.sentinelone.installed", true);
    assert_evidence_bool(ctx, "host.edr.sentinelone.running", true); /* via cmdline */
    assert_evidence_bool(ctx, "host.edr.osquery.installed", true);
    assert_evidence_bool(ctx, "host.edr.osquery.running", false);
    assert_evidence_bool(ctx, "host.edr.mdatp.installed", false);
    assert_evidence_bool(ctx, "host.edr.wazuh.running", false);
    assert_evidence_bool(ctx, "host.edr.elastic.installed", false);
    assert_string_equal(joined(ctx, "host.edr.installed_agents"),
                        "crowdstrike,sentinelone,osquery");
    assert_string_equal(joined(ctx, "host.edr.running_agents"), "crowdstrike,sentinelone");
    assert_evidence_bool(ctx, "host.edr.any_running", true);
    assert_non_null(strstr(detail_string(ctx, "host.edr.crowdstrike.running"), "1201"));
    zt_ctx_free(ctx);
}

static void test_edr_tree_weak(void **state)
{
    int r;
    struct zt_ctx *ctx = host_probe(FIXTURES "weak", zt_host_probe_edr, true, &r);

    assert_int_equal(r, 0);
    assert_evidence_bool(ctx, "host.edr.mdatp.installed", true);
    assert_evidence_bool(ctx, "host.edr.mdatp.running", false);
    assert_string_equal(joined(ctx, "host.edr.running_agents"), "");
    assert_evidence_bool(ctx, "host.edr.any_running", false);
    zt_ctx_free(ctx);
}

static void test_edr_without_proc(void **state)
{
    char dir[] = "/tmp/zt-host-edr-XXXXXX";
    int r;

    /* No /proc: installed facts stay, running facts are not guessed. */
    assert_non_null(mkdtemp(dir));
    put(dir, "opt/CrowdStrike/falconctl", "fake");
    struct zt_ctx *ctx = host_probe(dir, zt_host_probe_edr, true, &r);
    assert_int_equal(r, 0);
    assert_int_equal(zt_ctx_error_count(ctx), 1);
    assert_non_null(strstr(zt_ctx_first_error(ctx), "/proc"));
    assert_evidence_bool(ctx, "host.edr.crowdstrike.installed", true);
    assert_evidence_absent(ctx, "host.edr.crowdstrike.running");
    assert_evidence_absent(ctx, "host.edr.any_running");
    zt_ctx_free(ctx);
    rm_tree(dir);
}

/* ---- disk ---- */

static void test_mountinfo_root(void **state)
{
    char mm[32], src[64];

    assert_int_equal(zt_host_mountinfo_root("1 0 8:1 / / rw shared:1 - ext4 /dev/sda1 rw\n"
                                            "2 1 0:5 / /proc rw - proc proc rw\n"
                                            "3 1 254:2 / / rw - xfs /dev/mapper/fake rw\n",
                                            mm, sizeof(mm), src, sizeof(src)),
                     0);
    assert_string_equal(mm, "254:2"); /* the mount on top wins */
    assert_string_equal(src, "/dev/mapper/fake");
    assert_int_equal(zt_host_mountinfo_root("2 1 0:5 / /proc rw - proc proc rw\n", mm, sizeof(mm),
                                            src, sizeof(src)),
                     -ENOENT);
    assert_int_equal(zt_host_crypttab_count("# c\n\nfake UUID=x none luks\n  b /dev/x none\n"), 2);
}

static void test_disk_tree_hardened(void **state)
{
    int r;
    struct zt_ctx *ctx = host_probe(FIXTURES "hardened", zt_host_probe_disk, true, &r);

    assert_int_equal(r, 0);
    assert_int_equal(zt_ctx_error_count(ctx), 0);
    assert_evidence_int(ctx, "host.disk.encrypted_volumes", 1);
    assert_evidence_int(ctx, "host.disk.crypttab_entries", 1);
    /* root on LVM (dm-1) on LUKS (dm-0): followed through slaves/. */
    assert_evidence_bool(ctx, "host.disk.root_encrypted", true);
    assert_non_null(strstr(detail_string(ctx, "host.disk.root_encrypted"), "dm-0 CRYPT-LUKS2"));
    zt_ctx_free(ctx);
}

static void test_disk_tree_weak(void **state)
{
    int r;
    struct zt_ctx *ctx = host_probe(FIXTURES "weak", zt_host_probe_disk, true, &r);

    assert_int_equal(r, 0);
    assert_evidence_int(ctx, "host.disk.encrypted_volumes", 0);
    assert_evidence_int(ctx, "host.disk.crypttab_entries", 0);
    assert_evidence_bool(ctx, "host.disk.root_encrypted", false);
    zt_ctx_free(ctx);
}

static void test_disk_btrfs_by_mapper_name_and_overlay(void **state)
{
    char dir[] = "/tmp/zt-host-disk-XXXXXX";
    int r;

    /* btrfs reports an anonymous 0:N device: resolved through /dev/mapper/NAME. */
    assert_non_null(mkdtemp(dir));
    put(dir, "proc/1/mountinfo", "30 1 0:34 /@ / rw - btrfs /dev/mapper/luks-fake rw\n");
    put(dir, "sys/block/dm-0/dm/name", "luks-fake\n");
    put(dir, "sys/block/dm-0/dm/uuid", "CRYPT-LUKS2-fake-luks-fake\n");
    struct zt_ctx *ctx = host_probe(dir, zt_host_probe_disk, true, &r);
    assert_int_equal(r, 0);
    assert_evidence_bool(ctx, "host.disk.root_encrypted", true);
    zt_ctx_free(ctx);

    /* A container's overlay root cannot be traced to a disk: not reported, no error. */
    put(dir, "proc/1/mountinfo", "30 1 0:50 / / rw - overlay overlay rw,lowerdir=/fake\n");
    ctx = host_probe(dir, zt_host_probe_disk, true, &r);
    assert_int_equal(r, 0);
    assert_int_equal(zt_ctx_error_count(ctx), 0);
    assert_evidence_int(ctx, "host.disk.encrypted_volumes", 1);
    assert_evidence_absent(ctx, "host.disk.root_encrypted");
    zt_ctx_free(ctx);
    rm_tree(dir);
}

/* ---- Secure Boot, MAC, crypto ---- */

static void test_efivar(void **state)
{
    bool on = true;
    assert_int_equal(zt_host_efivar_bool("\x06\0\0\0\x01", 5, &on), 0);
    assert_true(on);
    assert_int_equal(zt_host_efivar_bool("\x06\0\0\0\0", 5, &on), 0);
    assert_false(on);
    assert_int_equal(zt_host_efivar_bool("\x06\0\0\0", 4, &on), -EINVAL);
}

static void test_boot_trees(void **state)
{
    int r;
    struct zt_ctx *ctx = host_probe(FIXTURES "hardened", zt_host_probe_boot, true, &r);
    assert_int_equal(r, 0);
    assert_evidence_bool(ctx, "host.boot.efi", true);
    assert_evidence_bool(ctx, "host.boot.secure_boot", true);
    zt_ctx_free(ctx);

    ctx = host_probe(FIXTURES "weak", zt_host_probe_boot, true, &r);
    assert_int_equal(r, 0);
    assert_evidence_bool(ctx, "host.boot.efi", false); /* legacy BIOS: no Secure Boot */
    assert_evidence_bool(ctx, "host.boot.secure_boot", false);
    zt_ctx_free(ctx);
}

static void test_boot_efi_edge_cases(void **state)
{
    char dir[] = "/tmp/zt-host-boot-XXXXXX";
    int r;

    assert_non_null(mkdtemp(dir));
    /* EFI without efivarfs mounted: Secure Boot state unknown. */
    put(dir, "proc/1/comm", "systemd\n");
    put(dir, "sys/firmware/efi/systab", "fake\n");
    struct zt_ctx *ctx = host_probe(dir, zt_host_probe_boot, true, &r);
    assert_int_equal(r, 0);
    assert_evidence_bool(ctx, "host.boot.efi", true);
    assert_evidence_absent(ctx, "host.boot.secure_boot");
    zt_ctx_free(ctx);
    /* efivarfs mounted but no SecureBoot variable: firmware without Secure Boot. */
    put(dir, "sys/firmware/efi/efivars/BootOrder-8be4df61-93ca-11d2-aa0d-00e098032b8c", "fake");
    ctx = host_probe(dir, zt_host_probe_boot, true, &r);
    assert_evidence_bool(ctx, "host.boot.secure_boot", false);
    zt_ctx_free(ctx);
    /* A truncated variable is a problem, not a "no". */
    put(dir, "sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c", "abc");
    ctx = host_probe(dir, zt_host_probe_boot, true, &r);
    assert_int_equal(r, -EINVAL);
    assert_int_equal(zt_ctx_error_count(ctx), 1);
    assert_evidence_absent(ctx, "host.boot.efi");
    assert_evidence_absent(ctx, "host.boot.secure_boot");
    zt_ctx_free(ctx);
    rm_tree(dir);
}

static void test_mac_trees(void **state)
{
    int r;
    assert_int_equal(zt_host_apparmor_enforce_count("a (enforce)\nb (complain)\nc (kill)\n"
                                                    "d (unconfined)\n"),
                     2);
    struct zt_ctx *ctx = host_probe(FIXTURES "hardened", zt_host_probe_mac, true, &r);
    assert_int_equal(r, 0);
    assert_evidence_bool(ctx, "host.mac.apparmor_enabled", true);
    assert_evidence_int(ctx, "host.mac.apparmor_enforce_profiles", 3);
    assert_evidence_bool(ctx, "host.mac.apparmor_enforcing", true);
    assert_evidence_bool(ctx, "host.mac.selinux_enforcing", false);
    assert_evidence_bool(ctx, "host.mac.enforcing", true);
    zt_ctx_free(ctx);

    ctx = host_probe(FIXTURES "weak", zt_host_probe_mac, true, &r);
    assert_int_equal(r, 0);
    assert_evidence_bool(ctx, "host.mac.apparmor_enabled", true);
    assert_evidence_int(ctx, "host.mac.apparmor_enforce_profiles", 0);
    assert_evidence_bool(ctx, "host.mac.apparmor_enforcing", false);
    assert_evidence_bool(ctx, "host.mac.selinux_enforcing", false); /* enforce = 0: permissive */
    assert_evidence_bool(ctx, "host.mac.enforcing", false);
    zt_ctx_free(ctx);
}

static void test_crypto_trees(void **state)
{
    int r;
    struct zt_ctx *ctx = host_probe(FIXTURES "hardened", zt_host_probe_crypto, true, &r);
    assert_int_equal(r, 0);
    assert_evidence_string(ctx, "host.crypto.policy", "FUTURE");
    assert_evidence_bool(ctx, "host.crypto.fips_enabled", true);
    zt_ctx_free(ctx);

    ctx = host_probe(FIXTURES "weak", zt_host_probe_crypto, true, &r);
    assert_evidence_string(ctx, "host.crypto.policy", "LEGACY");
    assert_non_null(strstr(detail_string(ctx, "host.crypto.policy"), "LEGACY:AD-SUPPORT"));
    assert_evidence_bool(ctx, "host.crypto.fips_enabled", false);
    zt_ctx_free(ctx);

    ctx = host_probe(FIXTURES "sshd_edge", zt_host_probe_crypto, true,
                     &r); /* no crypto-policies at all */
    assert_evidence_absent(ctx, "host.crypto.policy");
    assert_evidence_bool(ctx, "host.crypto.fips_enabled", false);
    zt_ctx_free(ctx);
}

/* ---- updates ---- */

static void test_apt_config_parser(void **state)
{
    long v = -1;
    assert_int_equal(zt_host_apt_unattended("APT::Periodic::Unattended-Upgrade \"1\";\n", &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(zt_host_apt_unattended("apt { periodic { unattended-upgrade \"7\"; }; };", &v),
                     0);
    assert_int_equal(v, 7);
    v = -1;
    assert_int_equal(
        zt_host_apt_unattended("// APT::Periodic::Unattended-Upgrade \"1\";\n"
                               "/* APT::Periodic::Unattended-Upgrade \"1\"; */\n"
                               "# APT::Periodic::Unattended-Upgrade \"1\";\n"
                               "Unattended-Upgrade::Allowed-Origins { \"a\"; \"b\"; };\n"
                               "APT::Periodic::Update-Package-Lists \"1\";\n",
                               &v),
        0);
    assert_int_equal(v, -1); /* untouched: not set */
    assert_int_equal(zt_host_apt_unattended("APT::Periodic { Unattended-Upgrade \"1\"; "
                                            "Unattended-Upgrade \"0\"; };",
                                            &v),
                     0);
    assert_int_equal(v, 0); /* last wins */
    assert_int_equal(zt_host_apt_unattended("APT { Periodic {", &v), -EINVAL);
    assert_int_equal(zt_host_apt_unattended("};", &v), -EINVAL);
    assert_true(
        zt_host_dnf_apply_updates("[commands]\nupgrade_type = security\napply_updates = yes\n"));
    assert_false(zt_host_dnf_apply_updates("[commands]\napply_updates = no\n"));
    assert_false(zt_host_dnf_apply_updates("[emitters]\napply_updates = yes\n"));
    /* INI as configparser reads it (libinih): keys in any case, comments, the last one wins. */
    assert_true(zt_host_dnf_apply_updates("# c\n[commands]\n; apply_updates = no\n"
                                          "Apply_Updates = True\n"));
    assert_false(
        zt_host_dnf_apply_updates("[commands]\napply_updates = yes\napply_updates = no\n"));
    assert_false(zt_host_dnf_apply_updates("[commands]\napply_updates = maybe\n"));
    assert_true(zt_host_dnf_apply_updates("garbage line\n[commands]\napply_updates=1\n"));
}

static void test_updates_trees(void **state)
{
    int r;
    struct zt_ctx *ctx = host_probe(FIXTURES "hardened", zt_host_probe_updates, true, &r);
    assert_int_equal(r, 0);
    assert_evidence_bool(ctx, "host.updates.unattended_upgrades", true);
    assert_evidence_bool(ctx, "host.updates.dnf_automatic", false);
    assert_evidence_bool(ctx, "host.updates.automatic", true);
    assert_evidence_bool(ctx, "host.updates.reboot_required", false);
    zt_ctx_free(ctx);

    ctx = host_probe(FIXTURES "weak", zt_host_probe_updates, true, &r);
    assert_int_equal(r, 0);
    /* 99fake-disable (no extension) turns it off again; dnf timer on but apply_updates = no. */
    assert_evidence_bool(ctx, "host.updates.unattended_upgrades", false);
    assert_evidence_bool(ctx, "host.updates.dnf_automatic", false);
    assert_evidence_bool(ctx, "host.updates.automatic", false);
    assert_evidence_bool(ctx, "host.updates.reboot_required", true);
    zt_ctx_free(ctx);
}

static void test_updates_dnf_install_timer(void **state)
{
    char dir[] = "/tmp/zt-host-upd-XXXXXX";
    int r;

    assert_non_null(mkdtemp(dir));
    put(dir, "etc/systemd/system/timers.target.wants/dnf-automatic-install.timer", "fake");
    put(dir, "etc/apt/apt.conf.d/20auto-upgrades", "APT::Periodic::Unattended-Upgrade \"1\";\n");
    struct zt_ctx *ctx = host_probe(dir, zt_host_probe_updates, true, &r);
    assert_int_equal(r, 0);
    assert_evidence_bool(ctx, "host.updates.dnf_automatic", true);
    /* Configured but the unattended-upgrades package is missing: nothing runs it. */
    assert_evidence_bool(ctx, "host.updates.unattended_upgrades", false);
    assert_evidence_bool(ctx, "host.updates.automatic", true);
    zt_ctx_free(ctx);
    rm_tree(dir);
}

/* ---- audit and logging ---- */

static void test_audit_and_forwarding_parsers(void **state)
{
    assert_int_equal(zt_host_audit_rule_count("-D\n-b 8192\n-w /etc/x -p wa\n-a always,exit -S "
                                              "open\n# -a never,task\n-A exit,always -S x\n-e 2\n"),
                     3);
    assert_true(zt_host_rsyslog_forwards("*.* @@fake.example.invalid:514\n"));
    assert_true(zt_host_rsyslog_forwards("auth,authpriv.*\t@10.0.0.9\n"));
    assert_true(zt_host_rsyslog_forwards("action(\n  type=\"omfwd\" target=\"x\")\n"));
    assert_true(zt_host_rsyslog_forwards("*.* action(Type = \"omrelp\" target=\"x\")\n"));
    assert_false(zt_host_rsyslog_forwards("#*.* @@fake.example.invalid\n"));
    assert_false(zt_host_rsyslog_forwards("# action(type=\"omfwd\" target=\"x\")\n"));
    assert_false(zt_host_rsyslog_forwards("*.* /var/log/all\nmodule(load=\"imtcp\")\n"));
    assert_true(zt_host_syslogng_forwards("destination d_net { network(\"x\" port(514)); };"));
    assert_true(zt_host_syslogng_forwards("destination d { syslog(\"x\" transport(tls)); };"));
    assert_false(zt_host_syslogng_forwards("source s { network(port(514)); };\n"
                                           "destination d { file(\"/var/log/syslog\"); };\n"
                                           "log { source(s); destination(d); };\n"));
    assert_false(zt_host_syslogng_forwards("# destination d { tcp(\"x\"); };\n"));
    assert_true(zt_host_journal_upload_url("[Upload]\nURL=https://fake.invalid\n"));
    assert_false(zt_host_journal_upload_url("[Upload]\n#URL=https://fake.invalid\n"));
    assert_false(zt_host_journal_upload_url("[Upload]\nURL=https://fake.invalid\nURL=\n"));
    assert_false(zt_host_journal_upload_url("[Other]\nURL=https://fake.invalid\n"));
    assert_true(zt_host_journal_upload_url("[Upload]\n; a comment\nURL = https://fake.invalid\n"));
    /* Indented keys are keys, as for systemd (libinih alone reads them as continuations). */
    assert_true(
        zt_host_journal_upload_url("[Upload]\nServerKeyFile=/k\n  URL=https://fake.invalid\n"));
    assert_false(zt_host_journal_upload_url("[Upload]\nURL=https://fake.invalid\n\tURL=\n"));
}

static void test_audit_trees(void **state)
{
    int r;
    struct zt_ctx *ctx = host_probe(FIXTURES "hardened", zt_host_probe_audit, true, &r);
    assert_int_equal(r, 0);
    assert_evidence_bool(ctx, "host.audit.auditd_running", true);
    assert_evidence_int(ctx, "host.audit.rule_count", 2);
    assert_evidence_bool(ctx, "host.audit.rules_present", true);
    zt_ctx_free(ctx);

    ctx = host_probe(FIXTURES "weak", zt_host_probe_audit, true, &r);
    assert_evidence_bool(ctx, "host.audit.auditd_running", false);
    assert_evidence_int(ctx, "host.audit.rule_count", 0);
    assert_evidence_bool(ctx, "host.audit.rules_present", false);
    zt_ctx_free(ctx);
}

static void test_logging_trees(void **state)
{
    int r;
    struct zt_ctx *ctx = host_probe(FIXTURES "hardened", zt_host_probe_logging, true, &r);
    assert_int_equal(r, 0);
    assert_evidence_bool(ctx, "host.logging.forwarding", true);
    assert_string_equal(joined(ctx, "host.logging.forwarders"), "rsyslog,fluent-bit");
    assert_non_null(strstr(detail_string(ctx, "host.logging.forwarders"), "90-fake-forward.conf"));
    zt_ctx_free(ctx);

    /* Commented rsyslog forward, syslog-ng receiving only, journal-upload unit not enabled. */
    ctx = host_probe(FIXTURES "weak", zt_host_probe_logging, true, &r);
    assert_int_equal(r, 0);
    assert_evidence_bool(ctx, "host.logging.forwarding", false);
    assert_string_equal(joined(ctx, "host.logging.forwarders"), "");
    zt_ctx_free(ctx);
}

static void test_logging_journal_upload_enabled(void **state)
{
    char dir[] = "/tmp/zt-host-log-XXXXXX";
    int r;

    assert_non_null(mkdtemp(dir));
    put(dir, "proc/1/comm", "systemd\n");
    put(dir, "etc/systemd/journal-upload.conf", "[Upload]\nURL=https://fake.invalid:19532\n");
    put(dir, "etc/systemd/system/multi-user.target.wants/systemd-journal-upload.service", "fake");
    struct zt_ctx *ctx = host_probe(dir, zt_host_probe_logging, true, &r);
    assert_int_equal(r, 0);
    assert_string_equal(joined(ctx, "host.logging.forwarders"), "journal-upload");
    assert_evidence_bool(ctx, "host.logging.forwarding", true);
    zt_ctx_free(ctx);
    rm_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_procs_match_rules),
        cmocka_unit_test(test_edr_tree_hardened),
        cmocka_unit_test(test_edr_tree_weak),
        cmocka_unit_test(test_edr_without_proc),
        cmocka_unit_test(test_mountinfo_root),
        cmocka_unit_test(test_disk_tree_hardened),
        cmocka_unit_test(test_disk_tree_weak),
        cmocka_unit_test(test_disk_btrfs_by_mapper_name_and_overlay),
        cmocka_unit_test(test_efivar),
        cmocka_unit_test(test_boot_trees),
        cmocka_unit_test(test_boot_efi_edge_cases),
        cmocka_unit_test(test_mac_trees),
        cmocka_unit_test(test_crypto_trees),
        cmocka_unit_test(test_apt_config_parser),
        cmocka_unit_test(test_updates_trees),
        cmocka_unit_test(test_updates_dnf_install_timer),
        cmocka_unit_test(test_audit_and_forwarding_parsers),
        cmocka_unit_test(test_audit_trees),
        cmocka_unit_test(test_logging_trees),
        cmocka_unit_test(test_logging_journal_upload_enabled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
