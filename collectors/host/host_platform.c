/* host_platform.c - platform hardening read from sysfs, procfs and /etc: UEFI Secure Boot,
 * mandatory access control (AppArmor, SELinux) in enforcing mode, the system crypto policy and
 * the kernel's FIPS mode. */
#include "host.h"

#include <ctype.h>
#include <json-c/json.h>
#include <string.h>
#include <syslog.h>

#define EFI_DIR        "/sys/firmware/efi"
#define EFIVARS_DIR    EFI_DIR "/efivars"
#define SECUREBOOT_VAR EFIVARS_DIR "/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"

int zt_host_efivar_bool(const char *data, size_t len, bool *ret)
{
    /* efivarfs: a 4-byte attribute word, then the variable's data (one byte for SecureBoot). */
    if (len < 5) {
        return -EINVAL;
    }
    *ret = data[4] == 1;
    return 0;
}

/* Secure Boot: a machine booted without UEFI (no /sys/firmware/efi) has no Secure Boot, so it is
 * reported as efi=false, secure_boot=false: the posture fact is "boot is not verified". */
int zt_host_probe_boot(struct zt_host *h)
{
    _cleanup_free_ char *var = NULL;
    size_t len = 0;
    bool on = false;
    int efi = zt_host_exists(h, EFI_DIR);
    int r = efi > 0 ? zt_host_read_len(h, SECUREBOOT_VAR, 4096, &var, &len) : 0;
    int vars = r == 0 && efi > 0 ? zt_host_exists(h, EFIVARS_DIR) : 1;

    if (efi < 0 || r < 0 || vars < 0) {
        return efi < 0 ? efi : r < 0 ? r : vars;
    }
    if (r > 0 && zt_host_efivar_bool(var, len, &on) < 0) {
        return zt_ctx_error(h->ctx, -EINVAL, "%s: %zu bytes, too short for an EFI variable",
                            SECUREBOOT_VAR, len);
    }
    zt_host_emit_bool(h, "host.boot.efi", efi > 0, NULL);
    if (!vars) {
        /* EFI, but efivarfs is not mounted: Secure Boot state unknown. */
        zt_ctx_log(h->ctx, LOG_INFO, "%s missing: secure_boot not reported", EFIVARS_DIR);
        return 0;
    }
    struct json_object *d = json_object_new_object();
    json_object_object_add(d, "source",
                           json_object_new_string(efi == 0 ? "no UEFI firmware"
                                                  : r == 0 ? "SecureBoot variable absent"
                                                           : SECUREBOOT_VAR));
    zt_host_emit_bool(h, "host.boot.secure_boot", on, d);
    return 0;
}

unsigned zt_host_apparmor_enforce_count(const char *text)
{
    _cleanup_free_ char *copy = zt_xstrdup(text);
    char *cursor = copy, *line;
    unsigned n = 0;

    /* "/usr/sbin/cupsd (enforce)"; kill mode enforces too. */
    while ((line = zt_host_next_line(&cursor))) {
        line = zt_strstrip(line);
        n += zt_endswith(line, "(enforce)") || zt_endswith(line, "(kill)");
    }
    return n;
}

/* Read a sysfs flag: 1 with *on, 0 when absent (feature not present), or a negative errno. */
static int read_flag(struct zt_host *h, const char *path, const char *yes, bool *on)
{
    _cleanup_free_ char *v = NULL;
    int r = zt_host_read(h, path, 4096, &v);

    *on = r > 0 && zt_streq(zt_strstrip(v), yes);
    return r;
}

int zt_host_probe_mac(struct zt_host *h)
{
    _cleanup_free_ char *profiles = NULL;
    bool aa = false, se = false;
    int r = read_flag(h, "/sys/module/apparmor/parameters/enabled", "Y", &aa);
    int p = r >= 0 && aa ? zt_host_read(h, "/sys/kernel/security/apparmor/profiles",
                                        ZT_HOST_FILE_MAX, &profiles)
                         : 0;
    int s = r >= 0 && p >= 0 ? read_flag(h, "/sys/fs/selinux/enforce", "1", &se) : 0;

    if (r < 0 || p < 0 || s < 0) {
        return r < 0 ? r : p < 0 ? p : s;
    }
    unsigned enforce = p > 0 ? zt_host_apparmor_enforce_count(profiles) : 0;
    bool aa_known = !aa || p > 0; /* enabled but securityfs not mounted: count unknown */
    bool aa_enforcing = aa && enforce > 0;

    zt_host_emit_bool(h, "host.mac.apparmor_enabled", aa, NULL);
    if (aa_known) {
        zt_emit(h->ctx, "host.mac.apparmor_enforce_profiles", json_object_new_int64(enforce), NULL);
        zt_host_emit_bool(h, "host.mac.apparmor_enforcing", aa_enforcing, NULL);
    }
    zt_host_emit_bool(h, "host.mac.selinux_enforcing", se, NULL);
    if (aa_known || se) {
        struct json_object *d = json_object_new_object();
        json_object_object_add(d, "by",
                               json_object_new_string(se && aa_enforcing ? "both"
                                                      : se               ? "selinux"
                                                      : aa_enforcing     ? "apparmor"
                                                                         : "none"));
        zt_host_emit_bool(h, "host.mac.enforcing", se || aa_enforcing, d);
    }
    return 0;
}

int zt_host_probe_crypto(struct zt_host *h)
{
    _cleanup_free_ char *policy = NULL;
    bool fips = false;
    int r = zt_host_read(h, "/etc/crypto-policies/config", 4096, &policy);
    int f = r >= 0 ? read_flag(h, "/proc/sys/crypto/fips_enabled", "1", &fips) : 0;

    if (r < 0 || f < 0) {
        return r < 0 ? r : f;
    }
    if (r > 0) {
        /* "DEFAULT:SHA1": the policy, then optional sub-policy modules. Comments allowed. */
        char *cursor = policy, *line, *name = NULL;
        while (!name && (line = zt_host_next_line(&cursor))) {
            line = zt_strstrip(line);
            name = *line && *line != '#' ? line : NULL;
        }
        if (name) {
            struct json_object *d = json_object_new_object();
            json_object_object_add(d, "config", json_object_new_string(name));
            name[strcspn(name, ": \t")] = '\0';
            for (char *c = name; *c; c++) {
                *c = (char)toupper((unsigned char)*c);
            }
            zt_emit(h->ctx, "host.crypto.policy", json_object_new_string(name), d);
        }
    }
    zt_host_emit_bool(h, "host.crypto.fips_enabled", fips, NULL);
    return 0;
}
