/* fuzz_host.c - libFuzzer harness for the host collector's text parsers (sshd_config, PAM,
 * sudoers, mountinfo, efivars, APT, nftables, iptables, firewalld, /proc/net, rsyslog...).
 * The first byte picks the parser; the rest is the file's text. */
#include <stdint.h>
#include <string.h>

#include "host/host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_sshd(const char *text)
{
    struct zt_host_sshd cfg = {0};
    struct zt_host_sshd_facts facts;
    struct zt_host_sshd_scope scope = {0};

    (void)zt_host_sshd_parse(&cfg, text, "/etc/ssh/sshd_config", scope, 0);
    zt_host_sshd_derive(&cfg, &facts);
    zt_host_sshd_clear(&cfg);
}

static void fuzz_pam(const char *text)
{
    struct zt_host_pam_file f = {0};
    bool pr;

    zt_host_pam_parse(text, &f);
    for (size_t i = 0; i < f.n; i++) {
        (void)zt_host_pam_second_factor(&f.v[i], zt_host_sssd_cert_auth(text), &pr);
    }
    zt_host_pam_file_clear(&f);
}

static void fuzz_misc(uint8_t which, const char *text, size_t len)
{
    char a[64], b[256];
    long v = 0;
    bool bv;
    unsigned line = 0;
    struct zt_strv inc = {0};
    struct zt_host_sockets socks = {0};
    struct zt_host_sudoers sudo = {0};

    switch (which % 10) {
    case 0:
        zt_host_sudoers_parse(&sudo, text, "/etc/sudoers");
        zt_host_sudoers_clear(&sudo);
        break;
    case 1:
        (void)zt_host_mountinfo_root(text, a, sizeof(a), b, sizeof(b));
        (void)zt_host_crypttab_count(text);
        break;
    case 2:
        (void)zt_host_efivar_bool(text, len, &bv);
        (void)zt_host_apparmor_enforce_count(text);
        break;
    case 3:
        (void)zt_host_apt_unattended(text, &v);
        (void)zt_host_dnf_apply_updates(text);
        break;
    case 4:
        (void)zt_host_nft_default_deny(text, &line, &inc);
        zt_strv_clear(&inc);
        break;
    case 5:
        (void)zt_host_iptables_default_deny(text);
        free(zt_host_shell_var(text, "ENABLED"));
        break;
    case 6:
        free(zt_host_firewalld_zone_target(text));
        break;
    case 7:
        (void)zt_host_net_parse(text, which & 0x10, which & 0x20, &socks);
        zt_host_sockets_clear(&socks);
        break;
    case 8:
        (void)zt_host_audit_rule_count(text);
        (void)zt_host_rsyslog_forwards(text);
        break;
    default:
        (void)zt_host_syslogng_forwards(text);
        (void)zt_host_journal_upload_url(text);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    char *text = zt_xstrndup((const char *)data + 1, size - 1);
    size_t len = strlen(text);

    if (data[0] == 's') {
        fuzz_sshd(text);
    } else if (data[0] == 'p') {
        fuzz_pam(text);
    } else {
        fuzz_misc(data[0], text, len);
    }
    free(text);
    return 0;
}
