/* fuzz_host.c - libFuzzer harness for the host collector's parsers of host files: sshd_config
 * (with Include followed), PAM and sssd.conf, sudoers (and includedir names), mountinfo and
 * crypttab, efivars and AppArmor profiles, APT and dnf-automatic, nftables, iptables-save and
 * shell-style files, firewalld zones, /proc/net/{tcp,udp}{,6}, audit rules and rsyslog,
 * syslog-ng and journal-upload, and a process's /proc comm, exe and cmdline.
 * The first byte picks the parser (a letter below, any other byte by its value modulo the
 * count); the rest is the file's content. Seeds: tests/fuzz/corpus/fuzz_host (the fixture
 * trees' files, each behind its letter). */
#include <stdint.h>
#include <string.h>

#include "host/host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Include: parse the same text again, a few times per input, so the include path (scopes,
 * nesting, the depth limit) is exercised without a filesystem. */
struct include_budget {
    const char *text;
    unsigned left;
};

static int include_again(struct zt_host_sshd *cfg, const char *pattern,
                         struct zt_host_sshd_scope scope, unsigned depth, void *userdata)
{
    struct include_budget *b = userdata;

    if (b->left == 0) {
        return 0;
    }
    b->left--;
    return zt_host_sshd_parse(cfg, b->text, pattern, scope, depth);
}

static void fuzz_sshd(const char *text)
{
    struct include_budget budget = {.text = text, .left = 4};
    struct zt_host_sshd cfg = {.include = include_again, .userdata = &budget};
    struct zt_host_sshd_facts facts;

    (void)zt_host_sshd_parse(&cfg, text, "/etc/ssh/sshd_config", (struct zt_host_sshd_scope){0}, 0);
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

static void fuzz_sudoers(const char *text)
{
    struct zt_host_sudoers sudo = {0};

    zt_host_sudoers_parse(&sudo, text, "/etc/sudoers");
    for (size_t i = 0; i < sudo.includes.n; i++) {
        const char *slash = strrchr(sudo.includes.v[i], '/');
        (void)zt_host_sudo_includedir_name_ok(slash ? slash + 1 : sudo.includes.v[i]);
    }
    zt_host_sudoers_clear(&sudo);
}

/* A process as /proc shows it: comm, then the exe link's target, then cmdline (NUL-separated,
 * possibly unterminated), split at the first two newlines. */
static void fuzz_proc(const char *raw, size_t len)
{
    struct zt_host_procs p = {0};
    const char *nl1 = memchr(raw, '\n', len);
    const char *nl2 = nl1 ? memchr(nl1 + 1, '\n', len - (size_t)(nl1 + 1 - raw)) : NULL;
    char *comm = zt_xstrndup(raw, nl1 ? (size_t)(nl1 - raw) : len);
    char *exe = nl1 ? zt_xstrndup(nl1 + 1, nl2 ? (size_t)(nl2 - nl1 - 1) : 0) : NULL;
    const char *cmd = nl2 ? nl2 + 1 : "";
    size_t cmd_len = nl2 ? len - (size_t)(cmd - raw) : 0;

    zt_host_procs_add(&p, 1, comm, exe, cmd, cmd_len);
    (void)zt_host_procs_find(&p, comm);
    (void)zt_host_procs_find(&p, "sshd");
    zt_host_procs_clear(&p);
    free(comm);
    free(exe);
}

static void fuzz_one(char which, const char *text, const char *raw, size_t len)
{
    char a[64], b[256];
    long v = 0;
    bool bv;
    unsigned line = 0;
    struct zt_strv inc = {0};
    struct zt_host_sockets socks = {0};

    switch (which) {
    case 's':
        fuzz_sshd(text);
        break;
    case 'p':
        fuzz_pam(text);
        break;
    case 'S':
        fuzz_sudoers(text);
        break;
    case 'm':
        (void)zt_host_mountinfo_root(text, a, sizeof(a), b, sizeof(b));
        (void)zt_host_crypttab_count(text);
        break;
    case 'e':
        (void)zt_host_efivar_bool(raw, len, &bv);
        (void)zt_host_apparmor_enforce_count(text);
        break;
    case 'a':
        (void)zt_host_apt_unattended(text, &v);
        (void)zt_host_dnf_apply_updates(text);
        break;
    case 'n':
        (void)zt_host_nft_default_deny(text, &line, &inc);
        zt_strv_clear(&inc);
        break;
    case 'i':
        (void)zt_host_iptables_default_deny(text);
        free(zt_host_shell_var(text, "ENABLED"));
        break;
    case 'f':
        free(zt_host_firewalld_zone_target(text));
        break;
    case '4':
    case '6':
    case 'u':
    case 'U':
        (void)zt_host_net_parse(text, which == '4' || which == '6', which == '6' || which == 'U',
                                &socks);
        zt_host_sockets_clear(&socks);
        break;
    case 'l':
        (void)zt_host_audit_rule_count(text);
        (void)zt_host_rsyslog_forwards(text);
        break;
    case 'g':
        (void)zt_host_syslogng_forwards(text);
        (void)zt_host_journal_upload_url(text);
        break;
    case 'c':
        fuzz_proc(raw, len);
        break;
    default:
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char letters[] = "spSmeanif46uUlgc";

    if (size < 1) {
        return 0;
    }
    char which = (char)data[0];
    if (!strchr(letters, which) || which == '\0') {
        which = letters[data[0] % (sizeof(letters) - 1)];
    }
    /* Text parsers get the content up to its first NUL (as read from a file, C strings);
     * binary ones (efivars, cmdline) get every byte. */
    const char *raw = (const char *)data + 1;
    char *text = zt_xstrndup(raw, size - 1);
    fuzz_one(which, text, raw, size - 1);
    free(text);
    return 0;
}
