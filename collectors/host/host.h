/* host.h - internal interface of the `host` collector: the shared probe context, root-relative
 * file helpers, the process list, and the string parsers each probe is built on (unit-tested). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector.h"

/* Bounds on everything read from the host. */
#define ZT_HOST_FILE_MAX      (1024u * 1024u)       /* one configuration or /proc file */
#define ZT_HOST_NETFILE_MAX   (32u * 1024u * 1024u) /* /proc/net/{tcp,udp}{,6} on busy servers */
#define ZT_HOST_DIR_MAX       1024u                 /* entries taken from one directory or glob */
#define ZT_HOST_PROC_MAX      65536u                /* processes taken from /proc */
#define ZT_HOST_INCLUDE_DEPTH 16u                   /* nested includes (OpenSSH's own limit) */

/* One live process, as read from <root>/proc/PID. Names are basenames; empty when unknown. */
struct zt_host_proc {
    int pid;
    char comm[16]; /* /proc/PID/comm: the kernel truncates it to 15 characters */
    char *exe;     /* basename of the /proc/PID/exe link target, or NULL */
    char *argv0;   /* basename of argv[0] from /proc/PID/cmdline, or NULL */
};

struct zt_host_procs {
    struct zt_host_proc *v;
    size_t n;
};

/* What every probe gets: where the tree is, the context to emit into, the shared process list
 * (scanned once per collect; procs_known is false when /proc could not be read, in which case
 * no "running" fact is emitted). */
struct zt_host {
    const char *root;
    int root_fd; /* O_PATH descriptor of root: every path resolves inside it (rootfs.h) */
    struct zt_ctx *ctx;
    struct zt_host_procs procs;
    bool procs_known;
};

/* ---- host_fs.c: reading under root. Paths are host paths ("/etc/ssh/sshd_config"). ----
 * Every file goes through zt_rootfs_read(): links resolve inside root (an absolute target or ".."
 * cannot leave it, a loop is -ELOOP), a FIFO, socket or device node is refused without being
 * opened, a file larger than its cap is refused (a truncated configuration could hide the line
 * that matters), and nothing waits. Each refusal is a problem naming the path. */

/* Set up h for root (opened once, so the tree cannot be swapped mid-collection). Returns 0, or a
 * negative errno recorded as a problem. zt_host_done() (host.c) releases what h holds. */
int zt_host_init(struct zt_host *h, const char *root, struct zt_ctx *ctx);
void zt_host_done(struct zt_host *h);

/* Read root+path (at most max bytes). Returns 1 and hands the text out through *ret, 0 when the
 * file does not exist (ENOENT, ENOTDIR: a fact), or a negative errno after recording
 * "cannot read PATH: ..." with zt_ctx_error() (EACCES, EISDIR, EIO, ELOOP; EFBIG past max;
 * EBADFD for a FIFO, socket or device; ENOENT for a dangling symbolic link: a problem). */
int zt_host_read(struct zt_host *h, const char *path, size_t max, char **ret);
/* The same, also handing out the length (binary files such as efivars). */
int zt_host_read_len(struct zt_host *h, const char *path, size_t max, char **ret, size_t *len);
/* Whether root+path exists (any file type). Returns 1, 0, or a negative errno (recorded). */
int zt_host_exists(struct zt_host *h, const char *path);
/* The target of symbolic link root+path into buf (see zt_rootfs_readlink()); not recorded. */
int zt_host_readlink(struct zt_host *h, const char *path, char *buf, size_t len);
/* Names in directory root+dir, sorted, without "." and "..", at most ZT_HOST_DIR_MAX;
 * subdirectories (and links to them) only if dirs is true. Returns 1 (names appended to *ret),
 * 0 if the directory does not exist, or a negative errno (recorded). */
int zt_host_list_dir(struct zt_host *h, const char *dir, bool dirs, struct zt_strv *ret);
/* Host paths matching a glob(7) pattern under root, sorted, at most ZT_HOST_DIR_MAX (appended
 * to *ret). A pattern that matches nothing is not an error. Returns 0 or a negative errno. */
int zt_host_glob(struct zt_host *h, const char *pattern, struct zt_strv *ret);
/* Whether systemd unit is enabled: a link named unit in etc/systemd/system/ *.wants or
 * *.requires. Returns 1, 0 or a negative errno (recorded). */
int zt_host_unit_enabled(struct zt_host *h, const char *unit);

/* Split text in place: returns the next line (without '\n') and advances *cursor, or NULL at the
 * end. */
char *zt_host_next_line(char **cursor);
/* The same for logical lines: a line ending in a backslash continues on the next one (the
 * backslash becomes a space; PAM and sudoers syntax). Adds the physical lines consumed to
 * *lineno, so after the call it is the number of the logical line's last physical line. */
char *zt_host_next_logical_line(char **cursor, unsigned *lineno);
/* Next whitespace-separated word of *cursor (NUL-terminated in place), or NULL. */
char *zt_host_next_word(char **cursor);
/* "path:line", newly allocated. */
char *zt_host_location(const char *path, unsigned line);
/* A JSON array of the strings of sv (new reference). */
struct json_object *zt_host_strv_json(const struct zt_strv *sv);
/* Push s unless present already. */
void zt_host_strv_add_unique(struct zt_strv *sv, const char *s);
/* Sort sv lexically. */
void zt_host_strv_sort(struct zt_strv *sv);
/* Emit a boolean with an optional detail object (stolen). */
int zt_host_emit_bool(struct zt_host *h, const char *key, bool value, struct json_object *detail);

/* ---- host_proc.c: the process list. ---- */

/* Scan root/proc once. Returns 0, or a negative errno (recorded) when /proc cannot be listed;
 * processes that vanish while being read are skipped. */
int zt_host_procs_scan(struct zt_host *h);
void zt_host_procs_clear(struct zt_host_procs *p);
/* Whether a process is named name (comm, or the basename of its exe or argv[0]); comm is
 * compared with name truncated to 15 characters. Returns the first matching PID, or 0. */
int zt_host_procs_find(const struct zt_host_procs *p, const char *name);
/* Add one process (tests build lists by hand). */
void zt_host_procs_add(struct zt_host_procs *p, int pid, const char *comm, const char *exe,
                       const char *cmdline, size_t cmdline_len);

/* ---- host_sshd.c ---- */

enum zt_host_sshd_opt {
    ZT_SSHD_PASSWORD_AUTH,
    ZT_SSHD_KBD_INTERACTIVE,
    ZT_SSHD_USE_PAM,
    ZT_SSHD_PERMIT_ROOT_LOGIN,
    ZT_SSHD_PUBKEY_AUTH,
    ZT_SSHD_AUTH_METHODS,
    ZT_SSHD_TRUSTED_USER_CA_KEYS,
    ZT_SSHD_HOSTBASED_AUTH,
    ZT_SSHD_GSSAPI_AUTH,
    _ZT_SSHD_OPT_MAX,
};

/* One keyword as sshd resolves it: the first global value, the first value inside a
 * `Match all` block (which overrides the global one for every connection), and every other
 * Match block that sets it (reported, not applied: they depend on the connection). */
struct zt_host_sshd_setting {
    char *value;                    /* normalised (lower case, except paths), NULL if unset */
    char *source;                   /* "file:line" */
    char *match_all;                /* value from a `Match all` block, NULL if none */
    char *match_source;             /* "file:line" of match_all */
    struct zt_strv match_overrides; /* "file:line" of conditional Match blocks setting it */
};

/* Where a line sits: the global section or a Match block (and whether that block is `all`). */
struct zt_host_sshd_scope {
    bool in_match;
    bool match_all;
};

struct zt_host_sshd {
    struct zt_host_sshd_setting opt[_ZT_SSHD_OPT_MAX];
    unsigned match_blocks;
    struct zt_strv files; /* every file read, in order */
    char error[256];      /* parse error: "file:line: message" */
    /* Follows one `Include` pattern (already made absolute). NULL: includes are not followed. */
    int (*include)(struct zt_host_sshd *cfg, const char *pattern, struct zt_host_sshd_scope scope,
                   unsigned depth, void *userdata);
    void *userdata;
};

/* Effective facts derived from a parsed configuration plus OpenSSH's defaults. */
struct zt_host_sshd_facts {
    bool password_authentication;
    bool kbd_interactive_authentication;
    bool use_pam;
    bool kbd_interactive_password; /* keyboard-interactive through PAM: can prompt for passwords */
    bool password_login;           /* some allowed method list is satisfied by a password alone */
    bool pubkey_required;          /* every allowed method list needs a public key */
    bool multi_factor_required;    /* every allowed method list needs two or more methods */
    bool trusted_user_ca_keys;
    bool root_login_disabled;
    const char *permit_root_login;      /* borrowed from the configuration or a literal */
    const char *authentication_methods; /* borrowed; "any" by default */
};

/* Parse one file's text into cfg (first value wins). Returns 0, -EINVAL with cfg->error set for a
 * value sshd would reject, -ELOOP past ZT_HOST_INCLUDE_DEPTH, or an include callback's error. */
int zt_host_sshd_parse(struct zt_host_sshd *cfg, const char *text, const char *file,
                       struct zt_host_sshd_scope scope, unsigned depth);
void zt_host_sshd_derive(const struct zt_host_sshd *cfg, struct zt_host_sshd_facts *ret);
void zt_host_sshd_clear(struct zt_host_sshd *cfg);
int zt_host_probe_sshd(struct zt_host *h);

/* ---- host_pam.c ---- */

/* One `auth` line of a PAM service file, or one include. */
struct zt_host_pam_entry {
    unsigned line;
    char *module;  /* basename without ".so" ("pam_u2f"), or the included service name */
    char *control; /* "required", "[success=1 default=ignore]", "include", "@include" */
    char *args;    /* the arguments joined by single spaces */
    bool include;  /* @include, or an auth line with control include/substack */
};

struct zt_host_pam_file {
    char *name; /* service name: "sshd", "common-auth" */
    struct zt_host_pam_entry *v;
    size_t n;
};

/* Parse one /etc/pam.d service file: keeps auth lines and includes, skips comments. */
void zt_host_pam_parse(const char *text, struct zt_host_pam_file *ret);
void zt_host_pam_file_clear(struct zt_host_pam_file *f);
/* Whether an entry is a second factor ("phishing resistant" too, via *phishing_resistant):
 * a known module whose control is not "optional"; pam_sss only when smartcard is on (args
 * require_cert_auth or try_cert_auth, or sssd_cert_auth). */
bool zt_host_pam_second_factor(const struct zt_host_pam_entry *e, bool sssd_cert_auth,
                               bool *phishing_resistant);
/* Whether sssd.conf text sets pam_cert_auth = True in its [pam] section. */
bool zt_host_sssd_cert_auth(const char *text);
int zt_host_probe_pam(struct zt_host *h);

/* ---- host_sudo.c ---- */

struct zt_host_sudoers {
    struct zt_strv nopasswd;        /* "file:line" of user specifications tagged NOPASSWD */
    struct zt_strv no_authenticate; /* "file:line" of Defaults lines with !authenticate */
    struct zt_strv includes;        /* "F<path>" (file) or "D<path>" (directory), absolute */
};

/* Parse one sudoers file; relative includes resolve against file's directory. */
void zt_host_sudoers_parse(struct zt_host_sudoers *acc, const char *text, const char *file);
void zt_host_sudoers_clear(struct zt_host_sudoers *acc);
/* Whether sudo reads name from an includedir (no '.' and no trailing '~'). */
bool zt_host_sudo_includedir_name_ok(const char *name);
int zt_host_probe_sudo(struct zt_host *h);

/* ---- host_edr.c ---- */
int zt_host_probe_edr(struct zt_host *h);

/* ---- host_disk.c ---- */

/* From mountinfo text, the "MAJ:MIN" (into majmin) and source of the last mount of "/".
 * Returns 0 or -ENOENT. */
int zt_host_mountinfo_root(const char *text, char *majmin, size_t majmin_len, char *source,
                           size_t source_len);
/* Count the entries of a crypttab (non-empty, non-comment lines). */
unsigned zt_host_crypttab_count(const char *text);
int zt_host_probe_disk(struct zt_host *h);

/* ---- host_platform.c: Secure Boot, MAC, crypto policy, FIPS. ---- */

/* The value of a SecureBoot efivar (4 attribute bytes then the value). Returns 0 or -EINVAL. */
int zt_host_efivar_bool(const char *data, size_t len, bool *ret);
/* Profiles in enforce (or kill) mode in securityfs' apparmor/profiles text. */
unsigned zt_host_apparmor_enforce_count(const char *text);
int zt_host_probe_boot(struct zt_host *h);
int zt_host_probe_mac(struct zt_host *h);
int zt_host_probe_crypto(struct zt_host *h);

/* ---- host_updates.c ---- */

/* Apply one APT configuration file to *value: the last APT::Periodic::Unattended-Upgrade
 * (nested scopes, case-insensitive, comments) wins; *value is untouched when not set.
 * Returns 0, or -EINVAL for unbalanced braces. */
int zt_host_apt_unattended(const char *text, long *value);
/* Whether dnf-automatic's automatic.conf says apply_updates = yes in [commands]. */
bool zt_host_dnf_apply_updates(const char *text);
int zt_host_probe_updates(struct zt_host *h);

/* ---- host_firewall.c ---- */

/* Whether an nftables ruleset text has a chain with `hook input` and `policy drop`; sets
 * *line to that chain's line. Include statements are appended (raw) to includes. */
bool zt_host_nft_default_deny(const char *text, unsigned *line, struct zt_strv *includes);
/* Whether iptables-save text drops INPUT by default: `:INPUT DROP` in *filter, or a final
 * unconditional `-A INPUT -j DROP|REJECT`. */
bool zt_host_iptables_default_deny(const char *text);
/* Value of KEY=VALUE (quotes removed) in shell-style text, newly allocated, or NULL. */
char *zt_host_shell_var(const char *text, const char *key);
/* The target attribute of a firewalld zone XML (`<zone target="DROP">`), "default" if absent. */
char *zt_host_firewalld_zone_target(const char *xml);
int zt_host_probe_firewall(struct zt_host *h);

/* ---- host_net.c ---- */

struct zt_host_socket {
    bool tcp;
    uint16_t port;
    bool wildcard; /* 0.0.0.0 or :: */
    bool loopback; /* 127.0.0.0/8 or ::1 */
};

struct zt_host_sockets {
    struct zt_host_socket *v;
    size_t n;
};

/* Append the listening sockets of one /proc/net/{tcp,tcp6,udp,udp6} text (TCP state 0A, UDP
 * unconnected). Returns 0 or -EINVAL for a malformed line. */
int zt_host_net_parse(const char *text, bool tcp, bool ipv6, struct zt_host_sockets *ret);
void zt_host_sockets_clear(struct zt_host_sockets *s);
int zt_host_probe_net(struct zt_host *h);

/* ---- host_logging.c: auditd and log forwarding. ---- */

/* Audit rules (-a, -A, -w lines) in an audit rules file. */
unsigned zt_host_audit_rule_count(const char *text);
/* Whether rsyslog configuration forwards (omfwd/omrelp action, or a legacy @host selector). */
bool zt_host_rsyslog_forwards(const char *text);
/* Whether syslog-ng configuration has a destination with network(), tcp(), udp(), syslog(). */
bool zt_host_syslogng_forwards(const char *text);
/* Whether journal-upload.conf text sets URL= in [Upload]. */
bool zt_host_journal_upload_url(const char *text);
int zt_host_probe_audit(struct zt_host *h);
int zt_host_probe_logging(struct zt_host *h);

/* ---- host_identity.c: the identity store a host trusts. ---- */

/* The sources of database db ("passwd") in nsswitch.conf text, actions skipped, the last line
 * for db winning; appended to *ret. Returns 0. */
int zt_host_nsswitch_sources(const char *text, const char *db, struct zt_strv *ret);
/* The SSSD domains with an enterprise id_provider (ad, ipa, ldap) that SSSD serves (listed in
 * [sssd] domains, or `enabled = true`), from sssd.conf and its snippets in reading order. */
void zt_host_sssd_enterprise_domains(const char *const *texts, size_t n, struct zt_strv *ret);
/* The last numeric value of key in login.defs text, or dflt. */
long zt_host_login_defs(const char *text, const char *key, long dflt);
/* Accounts of passwd text with uid_min <= UID <= uid_max and a login shell; their names (up to
 * 50) are appended to names (may be NULL). Returns the count. */
int zt_host_passwd_interactive(const char *text, long uid_min, long uid_max, struct zt_strv *names);
int zt_host_probe_identity(struct zt_host *h);

/* ---- host_resilience.c: file integrity monitoring and backups. ---- */

/* The backup tool a shell or ExecStart= line runs (restic, borg, ...: a word's basename), or
 * NULL. Text after '#' is ignored. */
const char *zt_host_backup_command(const char *line);
/* Whether ossec.conf XML has a <syscheck> block that is not <disabled>yes</disabled>. */
bool zt_host_wazuh_syscheck(const char *xml);
/* Whether osquery.conf JSON declares file_paths to watch. */
bool zt_host_osquery_fim(const char *json);
int zt_host_probe_fim(struct zt_host *h);
int zt_host_probe_backup(struct zt_host *h);

/* The collector itself (host.c). */
extern const struct zt_collector zt_collector_host;
