/* test_host_net.c - the host collector's network probes: saved firewall configuration
 * (nftables, iptables, ufw, firewalld), listening sockets on all interfaces and plaintext
 * services. Parsers on strings, then the fake trees, then trees built at test time. */
#include "host_test.h"

/* ---- firewall parsers ---- */

static void test_nft_parser(void **state)
{
    struct zt_strv inc = {0};
    unsigned line = 0;

    assert_true(zt_host_nft_default_deny("table inet f {\n"
                                         "  chain fwd { type filter hook forward priority 0; }\n"
                                         "  chain in {\n"
                                         "    type filter hook input priority 0; policy drop;\n"
                                         "  }\n}\n",
                                         &line, &inc));
    assert_int_equal(line, 3);
    assert_true(zt_host_nft_default_deny("add chain inet filter input { type filter hook input "
                                         "priority 0 ; policy drop ; }\n",
                                         &line, &inc));
    /* policy drop on another hook, accept on input, or only in a comment: no. */
    assert_false(zt_host_nft_default_deny("table ip t { chain o { type filter hook output "
                                          "priority 0; policy drop; } }",
                                          &line, &inc));
    assert_false(zt_host_nft_default_deny("table ip t { chain i { type filter hook input "
                                          "priority 0; policy accept; } }",
                                          &line, &inc));
    assert_false(zt_host_nft_default_deny("table ip t { chain i { type filter hook input "
                                          "priority 0; # policy drop;\n } }",
                                          &line, &inc));
    assert_int_equal(inc.n, 0);
    assert_false(zt_host_nft_default_deny("flush ruleset\ninclude \"/etc/fake.d/*.nft\"\n"
                                          "include \"rel.nft\"\n",
                                          &line, &inc));
    assert_int_equal(inc.n, 2);
    assert_string_equal(inc.v[0], "/etc/fake.d/*.nft");
    assert_string_equal(inc.v[1], "rel.nft");
    zt_strv_clear(&inc);
}

static void test_iptables_parser(void **state)
{
    assert_true(zt_host_iptables_default_deny("*filter\n:INPUT DROP [0:0]\nCOMMIT\n"));
    assert_true(zt_host_iptables_default_deny(
        "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\n"
        "-A INPUT -j REJECT --reject-with icmp-host-prohibited\nCOMMIT\n"));
    assert_false(zt_host_iptables_default_deny(
        "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 23 -j DROP\nCOMMIT\n"));
    assert_false(zt_host_iptables_default_deny("*nat\n:INPUT DROP [0:0]\nCOMMIT\n"));
    assert_false(zt_host_iptables_default_deny("*filter\n:INPUT DROP [0:0]\n")); /* no COMMIT */
}

static void test_ufw_and_firewalld_parsers(void **state)
{
    char *v =
        zt_host_shell_var("# x\nDEFAULT_INPUT_POLICY=\"ACCEPT\"\nDEFAULT_INPUT_POLICY='DROP'\n",
                          "DEFAULT_INPUT_POLICY");
    assert_string_equal(v, "DROP");
    free(v);
    assert_null(zt_host_shell_var("#ENABLED=yes\n", "ENABLED"));
    v = zt_host_firewalld_zone_target("<?xml version=\"1.0\"?>\n<zone target=\"DROP\">\n</zone>");
    assert_string_equal(v, "DROP");
    free(v);
    v = zt_host_firewalld_zone_target("<zone>\n<short>Public</short>\n</zone>");
    assert_string_equal(v, "default");
    free(v);
}

/* ---- firewall trees ---- */

static void test_firewall_tree_hardened(void **state)
{
    int r;
    struct zt_ctx *ctx = host_probe(FIXTURES "hardened", zt_host_probe_firewall, true, &r);

    assert_int_equal(r, 0);
    assert_int_equal(zt_ctx_error_count(ctx), 0);
    assert_evidence_bool(ctx, "host.firewall.default_deny_input", true);
    assert_string_equal(joined(ctx, "host.firewall.default_deny_tools"), "nftables");
    assert_string_equal(joined(ctx, "host.firewall.enabled_tools"), "nftables");
    /* Found through the include glob, with the chain's line. */
    assert_non_null(
        strstr(detail_string(ctx, "host.firewall.default_deny_input"), "10-fake-filter.nft:3"));
    zt_ctx_free(ctx);
}

static void test_firewall_tree_weak(void **state)
{
    int r;
    struct zt_ctx *ctx = host_probe(FIXTURES "weak", zt_host_probe_firewall, true, &r);

    /* ufw on with ACCEPT; rules.v4 drops but netfilter-persistent is not enabled. */
    assert_int_equal(r, 0);
    assert_evidence_bool(ctx, "host.firewall.default_deny_input", false);
    assert_string_equal(joined(ctx, "host.firewall.default_deny_tools"), "");
    assert_string_equal(joined(ctx, "host.firewall.enabled_tools"), "ufw");
    zt_ctx_free(ctx);
}

static void test_firewall_firewalld_and_rhel_iptables(void **state)
{
    char dir[] = "/tmp/zt-host-fw-XXXXXX";
    int r;

    assert_non_null(mkdtemp(dir));
    put(dir, "proc/1/comm", "systemd\n");
    put(dir, "etc/systemd/system/multi-user.target.wants/firewalld.service", "fake");
    put(dir, "usr/lib/firewalld/zones/public.xml", "<zone>\n<service name=\"ssh\"/>\n</zone>\n");
    struct zt_ctx *ctx = host_probe(dir, zt_host_probe_firewall, true, &r);
    assert_int_equal(r, 0);
    assert_evidence_bool(ctx, "host.firewall.default_deny_input", true); /* target default */
    assert_string_equal(joined(ctx, "host.firewall.default_deny_tools"), "firewalld");
    zt_ctx_free(ctx);

    /* An /etc override of the zone accepting everything. */
    put(dir, "etc/firewalld/zones/public.xml", "<zone target=\"ACCEPT\"></zone>\n");
    ctx = host_probe(dir, zt_host_probe_firewall, true, &r);
    assert_evidence_bool(ctx, "host.firewall.default_deny_input", false);
    zt_ctx_free(ctx);

    put(dir, "etc/firewalld/firewalld.conf", "DefaultZone=trusted\n");
    ctx = host_probe(dir, zt_host_probe_firewall, true, &r);
    assert_evidence_bool(ctx, "host.firewall.default_deny_input", false);
    assert_string_equal(joined(ctx, "host.firewall.enabled_tools"), "firewalld");
    zt_ctx_free(ctx);

    put(dir, "etc/systemd/system/basic.target.wants/iptables.service", "fake");
    put(dir, "etc/sysconfig/iptables",
        "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j REJECT\nCOMMIT\n");
    ctx = host_probe(dir, zt_host_probe_firewall, true, &r);
    assert_evidence_bool(ctx, "host.firewall.default_deny_input", true);
    assert_string_equal(joined(ctx, "host.firewall.default_deny_tools"), "iptables");
    assert_string_equal(joined(ctx, "host.firewall.enabled_tools"), "iptables,firewalld");
    zt_ctx_free(ctx);
    rm_tree(dir);
}

/* ---- listening sockets ---- */

static void test_net_parser(void **state)
{
    struct zt_host_sockets s = {0};

    assert_int_equal(zt_host_net_parse("  sl local rem st\n"
                                       " 0: 00000000:0016 00000000:0000 0A 0\n"
                                       " 1: 0100007F:0277 00000000:0000 0A 0\n"
                                       " 2: 0500000A:0016 0900000A:D431 01 0\n",
                                       true, false, &s),
                     0);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.v[0].port, 22);
    assert_true(s.v[0].wildcard);
    assert_false(s.v[0].loopback);
    assert_int_equal(s.v[1].port, 631);
    assert_true(s.v[1].loopback);
    assert_int_equal(zt_host_net_parse("h\n 0: 00000000000000000000000001000000:0050 "
                                       "00000000000000000000000000000000:0000 0A\n",
                                       true, true, &s),
                     0);
    assert_int_equal(s.n, 3);
    assert_true(s.v[2].loopback); /* ::1 */
    assert_false(s.v[2].wildcard);
    assert_int_equal(zt_host_net_parse("h\n 0: 00000000:0035 00000000:0000 07\n"
                                       " 1: 0A00000A:0035 0100000A:0035 01\n",
                                       false, false, &s),
                     0);
    assert_int_equal(s.n, 4); /* the connected UDP socket is no listener */
    assert_false(s.v[3].tcp);
    assert_int_equal(zt_host_net_parse("h\n 0: 0000:0016 00000000:0000 0A\n", true, false, &s),
                     -EINVAL);
    zt_host_sockets_clear(&s);
}

static void test_net_tree_hardened(void **state)
{
    int r;
    struct zt_ctx *ctx = host_probe(FIXTURES "hardened", zt_host_probe_net, true, &r);

    assert_int_equal(r, 0);
    assert_int_equal(zt_ctx_error_count(ctx), 0);
    assert_string_equal(joined(ctx, "host.net.wildcard_tcp_ports"), "22"); /* v4+v6 once */
    assert_string_equal(joined(ctx, "host.net.wildcard_udp_ports"), "");
    assert_evidence_int(ctx, "host.net.wildcard_listeners", 1);
    assert_string_equal(joined(ctx, "host.net.plaintext_services"), "");
    assert_evidence_bool(ctx, "host.net.plaintext_service_present", false);
    assert_evidence_bool(ctx, "host.net.http_listener", false);
    zt_ctx_free(ctx);
}

static void test_net_tree_weak(void **state)
{
    int r;
    struct zt_ctx *ctx = host_probe(FIXTURES "weak", zt_host_probe_net, true, &r);

    assert_int_equal(r, 0);
    assert_string_equal(joined(ctx, "host.net.wildcard_tcp_ports"), "21,22,23,80,6379");
    assert_string_equal(joined(ctx, "host.net.wildcard_udp_ports"), "69,514");
    assert_evidence_int(ctx, "host.net.wildcard_listeners", 7);
    /* ldap on a LAN address counts; imap on 127.0.0.1 and pop3 on ::1 do not. */
    assert_string_equal(joined(ctx, "host.net.plaintext_services"), "ftp,ldap,telnet,tftp");
    assert_evidence_bool(ctx, "host.net.plaintext_service_present", true);
    assert_evidence_bool(ctx, "host.net.http_listener", true);
    const char *d = detail_string(ctx, "host.net.plaintext_services");
    assert_non_null(strstr(d, "process in.telnetd"));
    assert_non_null(strstr(d, "tcp\\/389"));
    zt_ctx_free(ctx);
}

static void test_net_malformed(void **state)
{
    char dir[] = "/tmp/zt-host-net-XXXXXX";
    int r;

    assert_non_null(mkdtemp(dir));
    put(dir, "proc/1/comm", "systemd\n");
    put(dir, "proc/net/tcp", "header\n 0: garbage\n");
    struct zt_ctx *ctx = host_probe(dir, zt_host_probe_net, true, &r);
    assert_int_equal(r, -EINVAL);
    assert_int_equal(zt_ctx_error_count(ctx), 1);
    assert_non_null(strstr(zt_ctx_first_error(ctx), "/proc/net/tcp"));
    assert_evidence_absent(ctx, "host.net.wildcard_listeners");
    assert_evidence_absent(ctx, "host.net.plaintext_services");
    zt_ctx_free(ctx);
    rm_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nft_parser),
        cmocka_unit_test(test_iptables_parser),
        cmocka_unit_test(test_ufw_and_firewalld_parsers),
        cmocka_unit_test(test_firewall_tree_hardened),
        cmocka_unit_test(test_firewall_tree_weak),
        cmocka_unit_test(test_firewall_firewalld_and_rhel_iptables),
        cmocka_unit_test(test_net_parser),
        cmocka_unit_test(test_net_tree_hardened),
        cmocka_unit_test(test_net_tree_weak),
        cmocka_unit_test(test_net_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
