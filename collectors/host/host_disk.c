/* host_disk.c - disk encryption: dm-crypt devices (sysfs dm uuid "CRYPT-"), crypttab entries, and
 * whether the root filesystem sits on encrypted storage (mountinfo -> sysfs device -> dm uuid,
 * following slaves/ down through LVM, RAID and the like). */
#include "host.h"

#include <json-c/json.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#define CRYPT_PREFIX "CRYPT-"

int zt_host_mountinfo_root(const char *text, char *majmin, size_t majmin_len, char *source,
                           size_t source_len)
{
    _cleanup_free_ char *copy = zt_xstrdup(text);
    char *cursor = copy, *line;
    bool found = false;

    /* "36 25 254:1 / / rw,relatime shared:1 - ext4 /dev/mapper/vg-root rw": fields 3 and 5, and
     * the source after " - fstype". The last mount of "/" is the one on top. */
    while ((line = zt_host_next_line(&cursor))) {
        char *c = line, *f[5];
        size_t i;
        for (i = 0; i < 5 && (f[i] = zt_host_next_word(&c)); i++) {
        }
        if (i < 5 || !zt_streq(f[4], "/")) {
            continue;
        }
        char *sep = strstr(c, " - ");
        char *src = "";
        if (sep) {
            char *rest = sep + 3;
            (void)zt_host_next_word(&rest); /* fstype */
            src = zt_host_next_word(&rest);
            src = src ? src : "";
        }
        snprintf(majmin, majmin_len, "%s", f[2]);
        snprintf(source, source_len, "%s", src);
        found = true;
    }
    return found ? 0 : -ENOENT;
}

unsigned zt_host_crypttab_count(const char *text)
{
    _cleanup_free_ char *copy = zt_xstrdup(text);
    char *cursor = copy, *line;
    unsigned n = 0;

    while ((line = zt_host_next_line(&cursor))) {
        line = zt_strstrip(line);
        n += *line && *line != '#';
    }
    return n;
}

/* Read the dm uuid of a sysfs block directory: 1 with *ret, 0 if not a dm device, or error. */
static int dm_uuid(struct zt_host *h, const char *devdir, char **ret)
{
    _cleanup_free_ char *path = zt_xasprintf("%s/dm/uuid", devdir);
    int r = zt_host_read(h, path, ZT_HOST_FILE_MAX, ret);
    if (r > 0) {
        zt_strstrip(*ret);
    }
    return r;
}

/* The sysfs directory of block device name (partitions live only under /sys/class/block). */
static int block_dir(struct zt_host *h, const char *name, char **ret)
{
    static const char *const bases[] = {"/sys/class/block", "/sys/block"};
    for (size_t i = 0; i < ZT_ELEMENTSOF(bases); i++) {
        _cleanup_free_ char *p = zt_xasprintf("%s/%s", bases[i], name);
        int r = zt_host_exists(h, p);
        if (r != 0) {
            *ret = r > 0 ? TAKE_PTR(p) : NULL;
            return r;
        }
    }
    return 0;
}

/* The kernel name of a sysfs block directory ("vda" for /sys/dev/block/254:0), for humans. */
static char *device_name(struct zt_host *h, const char *devdir)
{
    char target[PATH_MAX];
    const char *p = zt_host_readlink(h, devdir, target, sizeof(target)) > 0 ? target : devdir;
    return zt_xstrdup(strrchr(p, '/') ? strrchr(p, '/') + 1 : p);
}

/* 1 if devdir is dm-crypt or all of its slaves are (recursively), 0 if not, -ENODEV when the
 * chain cannot be followed (unknown, not recorded), other negative errors recorded. */
static int encrypted(struct zt_host *h, const char *devdir, unsigned depth,
                     struct json_object *chain)
{
    _cleanup_free_ char *uuid = NULL, *slaves = zt_xasprintf("%s/slaves", devdir);
    _cleanup_(zt_strv_clear) struct zt_strv names = {0};
    int r = dm_uuid(h, devdir, &uuid);

    if (r < 0) {
        return r;
    }
    _cleanup_free_ char *name = device_name(h, devdir);
    _cleanup_free_ char *link = zt_xasprintf("%s%s%s", name, uuid ? " " : "", uuid ? uuid : "");
    json_object_array_add(chain, json_object_new_string(link));
    if (uuid && zt_startswith(uuid, CRYPT_PREFIX)) {
        return 1;
    }
    r = depth < ZT_HOST_INCLUDE_DEPTH ? zt_host_list_dir(h, slaves, true, &names) : -ENODEV;
    if (r < 0) {
        return r;
    }
    if (names.n == 0) {
        return 0; /* a plain disk or partition, or a dm target on nothing: not encrypted */
    }
    for (size_t i = 0; i < names.n; i++) {
        _cleanup_free_ char *dir = NULL;
        r = block_dir(h, names.v[i], &dir);
        if (r <= 0) {
            return r < 0 ? r : -ENODEV;
        }
        r = encrypted(h, dir, depth + 1, chain);
        if (r <= 0) {
            return r;
        }
    }
    return 1;
}

/* The sysfs directory of the root filesystem's device, NULL in *ret when unknown. */
static int root_device(struct zt_host *h, const char *majmin, const char *source, char **ret)
{
    _cleanup_free_ char *bydev = zt_xasprintf("/sys/dev/block/%s", majmin);
    _cleanup_(zt_strv_clear) struct zt_strv dms = {0};
    int r = zt_host_exists(h, bydev);

    *ret = NULL;
    if (r != 0) {
        *ret = r > 0 ? TAKE_PTR(bydev) : NULL;
        return r;
    }
    /* Device number 0:N (btrfs and friends): go by the mount source's name instead. */
    if (zt_startswith(source, "/dev/mapper/")) {
        r = zt_host_list_dir(h, "/sys/block", true, &dms);
        for (size_t i = 0; r >= 0 && i < dms.n; i++) {
            _cleanup_free_ char *p = zt_xasprintf("/sys/block/%s/dm/name", dms.v[i]);
            _cleanup_free_ char *name = NULL;
            r = zt_startswith(dms.v[i], "dm-") ? zt_host_read(h, p, 4096, &name) : 0;
            if (r > 0 && zt_streq(zt_strstrip(name), source + 12)) {
                *ret = zt_xasprintf("/sys/block/%s", dms.v[i]);
                return 1;
            }
        }
        return r < 0 ? r : 0;
    }
    if (zt_startswith(source, "/dev/")) {
        return block_dir(h, strrchr(source, '/') + 1, ret);
    }
    return 0;
}

static int count_crypt(struct zt_host *h, struct zt_strv *crypt)
{
    _cleanup_(zt_strv_clear) struct zt_strv names = {0};
    int r = zt_host_list_dir(h, "/sys/block", true, &names);

    for (size_t i = 0; r >= 0 && i < names.n; i++) {
        _cleanup_free_ char *dir = zt_xasprintf("/sys/block/%s", names.v[i]);
        _cleanup_free_ char *uuid = NULL;
        r = zt_startswith(names.v[i], "dm-") ? dm_uuid(h, dir, &uuid) : 0;
        if (r > 0 && zt_startswith(uuid, CRYPT_PREFIX)) {
            _cleanup_free_ char *e = zt_xasprintf("%s %s", names.v[i], uuid);
            zt_strv_push(crypt, e);
        }
    }
    return r < 0 ? r : 0;
}

/* Whether root is encrypted: 1, 0, -ENODEV if unknown, or another negative errno (recorded). */
static int root_encrypted(struct zt_host *h, struct json_object *detail)
{
    _cleanup_free_ char *mi = NULL, *dev = NULL;
    char majmin[32], source[256];
    int r = zt_host_read(h, "/proc/1/mountinfo", ZT_HOST_FILE_MAX, &mi);

    if (r == 0) {
        r = zt_host_read(h, "/proc/self/mountinfo", ZT_HOST_FILE_MAX, &mi);
    }
    if (r <= 0) {
        return r < 0 ? r : -ENODEV;
    }
    if (zt_host_mountinfo_root(mi, majmin, sizeof(majmin), source, sizeof(source)) < 0) {
        return -ENODEV;
    }
    json_object_object_add(detail, "device", json_object_new_string(majmin));
    json_object_object_add(detail, "source", json_object_new_string(source));
    r = root_device(h, majmin, source, &dev);
    if (r <= 0) {
        return r < 0 ? r : -ENODEV;
    }
    struct json_object *chain = json_object_new_array();
    json_object_object_add(detail, "chain", chain);
    return encrypted(h, dev, 0, chain);
}

int zt_host_probe_disk(struct zt_host *h)
{
    _cleanup_(zt_strv_clear) struct zt_strv crypt = {0};
    _cleanup_free_ char *crypttab = NULL;
    _cleanup_json_ struct json_object *rd = json_object_new_object();
    int r = count_crypt(h, &crypt);
    int ct = r < 0 ? r : zt_host_read(h, "/etc/crypttab", ZT_HOST_FILE_MAX, &crypttab);
    int root = ct < 0 ? ct : root_encrypted(h, rd);

    if (root < 0 && root != -ENODEV) {
        return root;
    }
    struct json_object *d = json_object_new_object();
    json_object_object_add(d, "devices", zt_host_strv_json(&crypt));
    zt_emit(h->ctx, "host.disk.encrypted_volumes", json_object_new_int64((int64_t)crypt.n), d);
    zt_emit(h->ctx, "host.disk.crypttab_entries",
            json_object_new_int64(ct > 0 ? zt_host_crypttab_count(crypttab) : 0), NULL);
    if (root == -ENODEV) {
        zt_ctx_log(h->ctx, LOG_INFO,
                   "root filesystem device not resolvable; root_encrypted "
                   "not reported");
        return 0;
    }
    zt_host_emit_bool(h, "host.disk.root_encrypted", root > 0, TAKE_PTR(rd));
    return 0;
}
