/* test_host_collect.c - the host collector end to end through its vtable: every documented key
 * with its type on the hardened tree, the weak tree's judgement-relevant values, and problems
 * (a directory where a file is expected, an unreadable file) giving an error and no evidence for
 * that probe while the other probes still report. */
#include "host_test.h"

#include "catalog.h"

/* The evidence contract (docs/evidence.md, section host): key and JSON type. */
static const struct {
    const char *key;
    json_type type;
} contract[] = {
    {"host.sshd.installed", json_type_boolean},
    {"host.sshd.password_authentication", json_type_boolean},
    {"host.sshd.kbd_interactive_authentication", json_type_boolean},
    {"host.sshd.use_pam", json_type_boolean},
    {"host.sshd.kbd_interactive_password", json_type_boolean},
    {"host.sshd.password_login", json_type_boolean},
    {"host.sshd.pubkey_required", json_type_boolean},
    {"host.sshd.multi_factor_required", json_type_boolean},
    {"host.sshd.permit_root_login", json_type_string},
    {"host.sshd.root_login_disabled", json_type_boolean},
    {"host.sshd.trusted_user_ca_keys", json_type_boolean},
    {"host.sshd.match_blocks", json_type_int},
    {"host.pam.second_factor_modules", json_type_array},
    {"host.pam.second_factor", json_type_boolean},
    {"host.pam.sshd_second_factor", json_type_boolean},
    {"host.pam.system_second_factor", json_type_boolean},
    {"host.pam.phishing_resistant", json_type_boolean},
    {"host.sudo.installed", json_type_boolean},
    {"host.sudo.nopasswd_rules", json_type_int},
    {"host.sudo.no_authenticate_defaults", json_type_int},
    {"host.sudo.passwordless", json_type_boolean},
    {"host.edr.crowdstrike.installed", json_type_boolean},
    {"host.edr.crowdstrike.running", json_type_boolean},
    {"host.edr.mdatp.installed", json_type_boolean},
    {"host.edr.mdatp.running", json_type_boolean},
    {"host.edr.sentinelone.installed", json_type_boolean},
    {"host.edr.sentinelone.running", json_type_boolean},
    {"host.edr.wazuh.installed", json_type_boolean},
    {"host.edr.wazuh.running", json_type_boolean},
    {"host.edr.osquery.installed", json_type_boolean},
    {"host.edr.osquery.running", json_type_boolean},
    {"host.edr.elastic.installed", json_type_boolean},
    {"host.edr.elastic.running", json_type_boolean},
    {"host.edr.installed_agents", json_type_array},
    {"host.edr.running_agents", json_type_array},
    {"host.edr.any_running", json_type_boolean},
    {"host.disk.encrypted_volumes", json_type_int},
    {"host.disk.crypttab_entries", json_type_int},
    {"host.disk.root_encrypted", json_type_boolean},
    {"host.boot.efi", json_type_boolean},
    {"host.boot.secure_boot", json_type_boolean},
    {"host.mac.apparmor_enabled", json_type_boolean},
    {"host.mac.apparmor_enforce_profiles", json_type_int},
    {"host.mac.apparmor_enforcing", json_type_boolean},
    {"host.mac.selinux_enforcing", json_type_boolean},
    {"host.mac.enforcing", json_type_boolean},
    {"host.updates.unattended_upgrades", json_type_boolean},
    {"host.updates.dnf_automatic", json_type_boolean},
    {"host.updates.automatic", json_type_boolean},
    {"host.updates.reboot_required", json_type_boolean},
    {"host.firewall.enabled_tools", json_type_array},
    {"host.firewall.default_deny_tools", json_type_array},
    {"host.firewall.default_deny_input", json_type_boolean},
    {"host.net.wildcard_listeners", json_type_int},
    {"host.net.wildcard_tcp_ports", json_type_array},
    {"host.net.wildcard_udp_ports", json_type_array},
    {"host.net.plaintext_services", json_type_array},
    {"host.net.plaintext_service_present", json_type_boolean},
    {"host.net.http_listener", json_type_boolean},
    {"host.crypto.policy", json_type_string},
    {"host.crypto.fips_enabled", json_type_boolean},
    {"host.audit.auditd_running", json_type_boolean},
    {"host.audit.rule_count", json_type_int},
    {"host.audit.rules_present", json_type_boolean},
    {"host.logging.forwarders", json_type_array},
    {"host.logging.forwarding", json_type_boolean},
    {"host.identity.enterprise_store", json_type_boolean},
    {"host.identity.local_interactive_users", json_type_int},
    {"host.fim.tools", json_type_array},
    {"host.fim.configured", json_type_boolean},
    {"host.fim.scheduled", json_type_boolean},
    {"host.backup.tools", json_type_array},
    {"host.backup.scheduled", json_type_boolean},
};

static size_t count_prefix(struct zt_ctx *ctx, const char *prefix)
{
    struct zt_evidence_set *set = zt_ctx_evidence(ctx);
    size_t n = 0;
    for (size_t i = 0; i < set->n; i++) {
        n += zt_startswith(set->v[i].key, prefix);
    }
    return n;
}

static void test_registered(void **state)
{
    const struct zt_collector *c = zt_registry_find(zt_collectors, "host");
    assert_ptr_equal(c, &zt_collector_host);
    assert_non_null(zt_options_find(c->options, "root"));
}

static void test_collect_hardened_contract(void **state)
{
    int r;
    struct zt_ctx *ctx = collect(FIXTURES "hardened", &r);
    struct zt_evidence_set *set = zt_ctx_evidence(ctx);

    assert_int_equal(r, 0);
    if (zt_ctx_error_count(ctx) != 0) {
        fail_msg("unexpected problem: %s", zt_ctx_first_error(ctx));
    }
    /* Every documented key, once, with its type; nothing undocumented. */
    for (size_t i = 0; i < ZT_ELEMENTSOF(contract); i++) {
        struct json_object *v = zt_test_value(ctx, contract[i].key);
        if (!v) {
            fail_msg("evidence %s was not emitted", contract[i].key);
        }
        if (!json_object_is_type(v, contract[i].type)) {
            fail_msg("evidence %s has type %s", contract[i].key,
                     json_type_to_name(json_object_get_type(v)));
        }
    }
    assert_int_equal(set->n, ZT_ELEMENTSOF(contract));
    zt_ctx_free(ctx);
}

static void test_collect_hardened_values(void **state)
{
    int r;
    struct zt_ctx *ctx = collect(FIXTURES "hardened", &r);

    assert_evidence_bool(ctx, "host.sshd.password_login", false);
    assert_evidence_bool(ctx, "host.sshd.root_login_disabled", true);
    assert_evidence_bool(ctx, "host.pam.phishing_resistant", true);
    assert_evidence_bool(ctx, "host.sudo.passwordless", false);
    assert_evidence_bool(ctx, "host.edr.any_running", true);
    assert_evidence_bool(ctx, "host.disk.root_encrypted", true);
    assert_evidence_bool(ctx, "host.boot.secure_boot", true);
    assert_evidence_bool(ctx, "host.mac.enforcing", true);
    assert_evidence_bool(ctx, "host.updates.automatic", true);
    assert_evidence_bool(ctx, "host.updates.reboot_required", false);
    assert_evidence_bool(ctx, "host.firewall.default_deny_input", true);
    assert_evidence_int(ctx, "host.net.wildcard_listeners", 1);
    assert_evidence_bool(ctx, "host.net.plaintext_service_present", false);
    assert_evidence_bool(ctx, "host.crypto.fips_enabled", true);
    assert_evidence_bool(ctx, "host.audit.auditd_running", true);
    assert_evidence_bool(ctx, "host.audit.rules_present", true);
    assert_evidence_bool(ctx, "host.logging.forwarding", true);
    zt_ctx_free(ctx);
}

static void test_collect_weak_values(void **state)
{
    int r;
    struct zt_ctx *ctx = collect(FIXTURES "weak", &r);

    assert_int_equal(r, 0);
    if (zt_ctx_error_count(ctx) != 0) {
        fail_msg("unexpected problem: %s", zt_ctx_first_error(ctx));
    }
    assert_evidence_bool(ctx, "host.sshd.password_login", true);
    assert_evidence_bool(ctx, "host.sshd.root_login_disabled", false);
    assert_evidence_bool(ctx, "host.pam.second_factor", false);
    assert_evidence_bool(ctx, "host.sudo.passwordless", true);
    assert_evidence_bool(ctx, "host.edr.any_running", false);
    assert_evidence_bool(ctx, "host.disk.root_encrypted", false);
    assert_evidence_bool(ctx, "host.boot.secure_boot", false);
    assert_evidence_bool(ctx, "host.mac.enforcing", false);
    assert_evidence_bool(ctx, "host.updates.automatic", false);
    assert_evidence_bool(ctx, "host.updates.reboot_required", true);
    assert_evidence_bool(ctx, "host.firewall.default_deny_input", false);
    assert_evidence_int(ctx, "host.net.wildcard_listeners", 7);
    assert_evidence_bool(ctx, "host.net.plaintext_service_present", true);
    assert_evidence_string(ctx, "host.crypto.policy", "LEGACY");
    assert_evidence_bool(ctx, "host.audit.auditd_running", false);
    assert_evidence_bool(ctx, "host.logging.forwarding", false);
    zt_ctx_free(ctx);
}

static void test_collect_directory_instead_of_file(void **state)
{
    char dir[] = "/tmp/zt-host-eisdir-XXXXXX";
    int r;

    /* chmod 000 does not stop root (CI runs as root): a directory where sshd_config should be
     * fails with EISDIR for everyone. */
    assert_non_null(mkdtemp(dir));
    put(dir, "proc/1/comm", "systemd\n");
    put(dir, "etc/ssh/sshd_config/placeholder", "");
    struct zt_ctx *ctx = collect(dir, &r);
    assert_int_equal(r, 0); /* a problem, not a failed collection */
    assert_int_equal(zt_ctx_error_count(ctx), 1);
    assert_string_equal(zt_ctx_first_error(ctx),
                        "cannot read /etc/ssh/sshd_config: Is a directory");
    assert_int_equal(count_prefix(ctx, "host.sshd."), 0);
    /* The other probes still reported. */
    assert_evidence_bool(ctx, "host.boot.efi", false);
    assert_evidence_bool(ctx, "host.sudo.installed", false);
    assert_evidence_bool(ctx, "host.edr.any_running", false);
    zt_ctx_free(ctx);
    rm_tree(dir);
}

static void test_collect_permission_denied(void **state)
{
    char dir[] = "/tmp/zt-host-eacces-XXXXXX";
    int r;

    if (geteuid() == 0) {
        /* Root bypasses file modes; the EISDIR test above covers the same path for root. */
        skip();
    }
    assert_non_null(mkdtemp(dir));
    put(dir, "proc/1/comm", "systemd\n");
    put(dir, "etc/sudoers", "fake ALL=(ALL) NOPASSWD: ALL\n");
    char *path = zt_xasprintf("%s/etc/sudoers", dir);
    assert_int_equal(chmod(path, 0), 0);
    struct zt_ctx *ctx = collect(dir, &r);
    assert_int_equal(r, 0);
    assert_int_equal(zt_ctx_error_count(ctx), 1);
    assert_string_equal(zt_ctx_first_error(ctx), "cannot read /etc/sudoers: Permission denied");
    assert_int_equal(count_prefix(ctx, "host.sudo."), 0);
    assert_evidence_bool(ctx, "host.sshd.installed", false);
    zt_ctx_free(ctx);
    free(path);
    rm_tree(dir);
}

static void test_collect_missing_proc(void **state)
{
    char dir[] = "/tmp/zt-host-noproc-XXXXXX";
    int r;

    /* Without /proc nothing can be said about processes or sockets: an error, no guesses. */
    assert_non_null(mkdtemp(dir));
    struct zt_ctx *ctx = collect(dir, &r);
    assert_int_equal(r, 0);
    assert_true(zt_ctx_error_count(ctx) >= 1);
    assert_string_equal(zt_ctx_first_error(ctx), "cannot list /proc: No such file or directory");
    assert_evidence_absent(ctx, "host.edr.any_running");
    assert_evidence_absent(ctx, "host.audit.auditd_running");
    assert_evidence_absent(ctx, "host.logging.forwarding");
    assert_evidence_bool(ctx, "host.edr.crowdstrike.installed", false);
    zt_ctx_free(ctx);
    rm_tree(dir);
}

/* The catalog's host rules read only documented keys, and are decided on both trees: all pass
 * on the hardened one (but its installed-yet-stopped osquery), all fail on the weak one. */
static void test_catalog_rules_on_trees(void **state)
{
    struct zt_catalog *cat = NULL;
    char err[512] = "";
    int r;

    assert_int_equal(
        zt_catalog_load(ZT_SOURCE_DIR "/conf/rules/ztmm-v2.json", &cat, err, sizeof(err)), 0);
    struct zt_ctx *hard = collect(FIXTURES "hardened", &r);
    struct zt_ctx *weak = collect(FIXTURES "weak", &r);
    size_t n = 0;
    for (size_t i = 0; i < cat->n_rules; i++) {
        const struct zt_rule *rule = &cat->rules[i];
        if (!zt_startswith(rule->id, "host.")) {
            continue;
        }
        n++;
        for (size_t k = 0; k < json_object_array_length(rule->keys); k++) {
            const char *key = json_object_get_string(json_object_array_get_idx(rule->keys, k));
            bool known = false;
            for (size_t c = 0; c < ZT_ELEMENTSOF(contract); c++) {
                known = known || zt_streq(key, contract[c].key);
            }
            if (!known) {
                fail_msg("rule %s reads undocumented key %s", rule->id, key);
            }
        }
        enum zt_outcome want_hard = zt_streq(rule->id, "host.edr.installed_agents_running")
                                        ? ZT_OUTCOME_FAIL
                                        : ZT_OUTCOME_PASS;
        enum zt_outcome h = zt_rule_eval(rule, zt_ctx_evidence(hard), NULL, NULL);
        enum zt_outcome w = zt_rule_eval(rule, zt_ctx_evidence(weak), NULL, NULL);
        if (h != want_hard || w != ZT_OUTCOME_FAIL) {
            fail_msg("rule %s: hardened %s, weak %s", rule->id, zt_outcome_to_string(h),
                     zt_outcome_to_string(w));
        }
    }
    assert_true(n >= 20);
    zt_ctx_free(hard);
    zt_ctx_free(weak);
    zt_catalog_free(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registered),
        cmocka_unit_test(test_collect_hardened_contract),
        cmocka_unit_test(test_collect_hardened_values),
        cmocka_unit_test(test_collect_weak_values),
        cmocka_unit_test(test_collect_directory_instead_of_file),
        cmocka_unit_test(test_collect_permission_denied),
        cmocka_unit_test(test_collect_missing_proc),
        cmocka_unit_test(test_catalog_rules_on_trees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
