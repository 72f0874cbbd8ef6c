/* host_firewall.c - whether the host's saved firewall configuration drops unsolicited input by
 * default: nftables, iptables(-persistent / -services), ufw, firewalld. This is the configuration
 * that is loaded at boot by an enabled unit, not the live kernel ruleset (reading that needs
 * netlink and CAP_NET_ADMIN, and a fake tree cannot hold it). */
#include "host.h"

#include <json-c/json.h>
#include <libgen.h>
#include <string.h>
#include <strings.h>

/* ---- nftables ---- */

/* Next token: a word, a "string", "{", "}", or ";" for a statement end (';' or newline). */
static bool nft_next(const char **p, unsigned *line, char *buf, size_t len)
{
    const char *s = *p + strspn(*p, " \t\r");

    while (*s == '#') {
        s += strcspn(s, "\n");
    }
    if (!*s) {
        return false;
    }
    size_t n = 1;
    if (*s == '\n' || *s == ';') {
        *line += *s == '\n';
        snprintf(buf, len, ";");
    } else if (*s == '{' || *s == '}') {
        snprintf(buf, len, "%c", *s);
    } else if (*s == '"') {
        n = strcspn(s + 1, "\"\n");
        snprintf(buf, len, "%.*s", (int)n, s + 1);
        n += s[1 + n] == '"' ? 2 : 1;
    } else {
        n = strcspn(s, " \t\r\n;{}#\"");
        snprintf(buf, len, "%.*s", (int)n, s);
    }
    *p = s + n;
    return true;
}

bool zt_host_nft_default_deny(const char *text, unsigned *line, struct zt_strv *includes)
{
    char tok[256], prev[256] = ";";
    unsigned lineno = 1, chain_line = 0;
    int depth = 0, chain_depth = -1;
    bool after_chain = false, hook_input = false, drop = false, found = false;

    for (const char *p = text; nft_next(&p, &lineno, tok, sizeof(tok));) {
        if (zt_streq(tok, "{")) {
            depth++;
            if (after_chain && chain_depth < 0) {
                chain_depth = depth;
                hook_input = drop = after_chain = false;
            }
        } else if (zt_streq(tok, "}")) {
            if (depth == chain_depth) {
                if (hook_input && drop && !found) {
                    found = true;
                    *line = chain_line;
                }
                chain_depth = -1;
            }
            depth--;
        } else if (zt_streq(tok, ";")) {
            after_chain = false;
        } else if (zt_streq(prev, "include")) {
            zt_strv_push(includes, tok);
        } else if (zt_streq(tok, "chain") && chain_depth < 0) {
            after_chain = true;
            chain_line = lineno;
        } else if (chain_depth >= 0) {
            hook_input = hook_input || (zt_streq(prev, "hook") && zt_streq(tok, "input"));
            drop = drop || (zt_streq(prev, "policy") && zt_streq(tok, "drop"));
        }
        snprintf(prev, sizeof(prev), "%s", tok);
    }
    return found;
}

struct nft_walk {
    struct zt_strv files;
    char *source; /* "file:line" of the default-deny chain */
};

static int nft_file(struct zt_host *h, struct nft_walk *w, const char *path, unsigned depth)
{
    _cleanup_free_ char *text = NULL, *dir = zt_xstrdup(path);
    _cleanup_(zt_strv_clear) struct zt_strv inc = {0};
    unsigned line = 0;

    if (depth > ZT_HOST_INCLUDE_DEPTH || w->files.n >= ZT_HOST_DIR_MAX ||
        zt_strv_contains(&w->files, path)) {
        return 0;
    }
    int r = zt_host_read(h, path, ZT_HOST_FILE_MAX, &text);
    if (r <= 0) {
        return r;
    }
    zt_strv_push(&w->files, path);
    if (zt_host_nft_default_deny(text, &line, &inc) && !w->source) {
        w->source = zt_host_location(path, line);
    }
    for (size_t i = 0; i < inc.n; i++) {
        /* Relative includes: the including file's directory (here also nft's default, /etc). */
        _cleanup_free_ char *pat = inc.v[i][0] == '/'
                                       ? zt_xstrdup(inc.v[i])
                                       : zt_xasprintf("%s/%s", dirname(dir), inc.v[i]);
        _cleanup_(zt_strv_clear) struct zt_strv paths = {0};
        r = zt_host_glob(h, pat, &paths);
        for (size_t j = 0; r >= 0 && j < paths.n; j++) {
            r = nft_file(h, w, paths.v[j], depth + 1);
        }
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

/* ---- iptables-save format ---- */

static bool final_drop(const char *rule)
{
    _cleanup_free_ char *copy = zt_xstrdup(rule);
    char *c = copy, *w[6];
    size_t n = 0;

    while (n < ZT_ELEMENTSOF(w) && (w[n] = zt_host_next_word(&c))) {
        n++;
    }
    /* "-A INPUT -j DROP" or "-A INPUT -j REJECT [--reject-with TYPE]", nothing else. */
    return (n == 4 || n == 6) && zt_streq(w[2], "-j") &&
           (zt_streq(w[3], "DROP") ||
            (zt_streq(w[3], "REJECT") && (n == 4 || zt_streq(w[4], "--reject-with"))));
}

bool zt_host_iptables_default_deny(const char *text)
{
    _cleanup_free_ char *copy = zt_xstrdup(text), *last = NULL;
    char *cursor = copy, *line;
    bool filter = false, policy_drop = false, deny = false;

    while ((line = zt_host_next_line(&cursor))) {
        line = zt_strstrip(line);
        if (*line == '*') {
            filter = zt_streq(line, "*filter");
        } else if (filter && zt_startswith(line, ":INPUT ")) {
            policy_drop = zt_startswith(line + 7, "DROP");
        } else if (filter && zt_startswith(line, "-A INPUT ")) {
            free(last);
            last = zt_xstrdup(line);
        } else if (filter && zt_streq(line, "COMMIT")) {
            deny = deny || policy_drop || (last && final_drop(last));
            filter = false;
        }
    }
    return deny;
}

/* ---- ufw, firewalld ---- */

char *zt_host_shell_var(const char *text, const char *key)
{
    _cleanup_free_ char *copy = zt_xstrdup(text);
    char *cursor = copy, *line, *value = NULL;
    size_t n = strlen(key);

    while ((line = zt_host_next_line(&cursor))) {
        line = zt_strstrip(line);
        if (strncmp(line, key, n) == 0 && line[n] == '=') {
            char *v = line + n + 1;
            size_t len = strlen(v);
            if (len >= 2 && (v[0] == '"' || v[0] == '\'') && v[len - 1] == v[0]) {
                v[len - 1] = '\0';
                v++;
            }
            free(value);
            value = zt_xstrdup(v); /* the last assignment wins, as in the shell */
        }
    }
    return value;
}

char *zt_host_firewalld_zone_target(const char *xml)
{
    const char *zone = strstr(xml, "<zone");
    const char *end = zone ? strchr(zone, '>') : NULL;
    const char *t = zone ? strstr(zone, "target=") : NULL;

    if (!t || (end && t > end) || (t[7] != '"' && t[7] != '\'')) {
        return zt_xstrdup("default");
    }
    size_t n = strcspn(t + 8, "\"'");
    return zt_xstrndup(t + 8, n);
}

/* Built-in zones whose XML may be absent from the tree: only "trusted" accepts everything. */
static const char *const builtin_zones[] = {"block", "dmz",      "drop",   "external",
                                            "home",  "internal", "public", "trusted",
                                            "work",  "nm-shared"};

static int firewalld_deny(struct zt_host *h, bool *deny, struct json_object *d)
{
    _cleanup_free_ char *conf = NULL, *zone = NULL, *xml = NULL, *target = NULL;
    int r = zt_host_read(h, "/etc/firewalld/firewalld.conf", ZT_HOST_FILE_MAX, &conf);

    if (r < 0) {
        return r;
    }
    zone = r > 0 ? zt_host_shell_var(conf, "DefaultZone") : NULL;
    if (!zone || !*zone) {
        free(zone);
        zone = zt_xstrdup("public"); /* firewalld's default */
    }
    _cleanup_free_ char *etc = zt_xasprintf("/etc/firewalld/zones/%s.xml", zone);
    _cleanup_free_ char *lib = zt_xasprintf("/usr/lib/firewalld/zones/%s.xml", zone);
    r = zt_host_read(h, etc, ZT_HOST_FILE_MAX, &xml);
    r = r == 0 ? zt_host_read(h, lib, ZT_HOST_FILE_MAX, &xml) : r;
    if (r < 0) {
        return r;
    }
    bool builtin = false;
    for (size_t i = 0; i < ZT_ELEMENTSOF(builtin_zones); i++) {
        builtin = builtin || zt_streq(zone, builtin_zones[i]);
    }
    target = r > 0 ? zt_host_firewalld_zone_target(xml)
                   : zt_xstrdup(!builtin                    ? "unknown"
                                : zt_streq(zone, "trusted") ? "ACCEPT"
                                                            : "default");
    json_object_object_add(d, "zone", json_object_new_string(zone));
    json_object_object_add(d, "target", json_object_new_string(target));
    /* "default" rejects what no service or port of the zone allows. */
    *deny = !zt_streq(target, "ACCEPT") && !zt_streq(target, "unknown");
    return 0;
}

/* ---- the probe ---- */

struct tool {
    const char *name;
    const char *unit; /* NULL: the tool has its own switch (ufw) */
    int (*deny)(struct zt_host *h, bool *deny, struct json_object *d);
};

static int nft_deny(struct zt_host *h, bool *deny, struct json_object *d)
{
    struct nft_walk w = {0};
    int r = nft_file(h, &w, "/etc/nftables.conf", 0);

    *deny = r >= 0 && w.source;
    if (w.source) {
        json_object_object_add(d, "source", json_object_new_string(w.source));
    }
    json_object_object_add(d, "files", zt_host_strv_json(&w.files));
    zt_strv_clear(&w.files);
    free(w.source);
    return r < 0 ? r : 0;
}

/* IPv4 decides (rules.v4, sysconfig/iptables); the IPv6 file is reported in the detail. */
static int iptables_files(struct zt_host *h, const char *v4, const char *v6, bool *deny,
                          struct json_object *d)
{
    const char *paths[] = {v4, v6};
    bool result[2] = {false, false};

    for (size_t i = 0; i < ZT_ELEMENTSOF(paths); i++) {
        _cleanup_free_ char *text = NULL;
        int r = zt_host_read(h, paths[i], ZT_HOST_FILE_MAX, &text);
        if (r < 0) {
            return r;
        }
        result[i] = r > 0 && zt_host_iptables_default_deny(text);
        json_object_object_add(d, paths[i],
                               json_object_new_string(r == 0      ? "missing"
                                                      : result[i] ? "default deny"
                                                                  : "accepts"));
    }
    *deny = result[0];
    return 0;
}

static int persistent_deny(struct zt_host *h, bool *deny, struct json_object *d)
{
    return iptables_files(h, "/etc/iptables/rules.v4", "/etc/iptables/rules.v6", deny, d);
}

static int sysconfig_deny(struct zt_host *h, bool *deny, struct json_object *d)
{
    return iptables_files(h, "/etc/sysconfig/iptables", "/etc/sysconfig/ip6tables", deny, d);
}

static int ufw_deny(struct zt_host *h, bool *deny, struct json_object *d)
{
    _cleanup_free_ char *conf = NULL, *def = NULL, *enabled = NULL, *policy = NULL;
    int r = zt_host_read(h, "/etc/ufw/ufw.conf", ZT_HOST_FILE_MAX, &conf);
    int p = r >= 0 ? zt_host_read(h, "/etc/default/ufw", ZT_HOST_FILE_MAX, &def) : 0;

    if (r < 0 || p < 0) {
        return r < 0 ? r : p;
    }
    enabled = r > 0 ? zt_host_shell_var(conf, "ENABLED") : NULL;
    policy = p > 0 ? zt_host_shell_var(def, "DEFAULT_INPUT_POLICY") : NULL;
    json_object_object_add(d, "default_input_policy", json_object_new_string(policy ? policy : ""));
    *deny = policy && (strcasecmp(policy, "DROP") == 0 || strcasecmp(policy, "REJECT") == 0);
    /* ufw's own switch: ENABLED=yes in ufw.conf (its unit only applies that). */
    return enabled && strcasecmp(enabled, "yes") == 0 ? 1 : 0;
}

static const struct tool tools[] = {
    {"nftables", "nftables.service", nft_deny},
    {"iptables", "netfilter-persistent.service", persistent_deny},
    {"iptables", "iptables.service", sysconfig_deny},
    {"ufw", NULL, ufw_deny},
    {"firewalld", "firewalld.service", firewalld_deny},
};

int zt_host_probe_firewall(struct zt_host *h)
{
    _cleanup_(zt_strv_clear) struct zt_strv enabled = {0}, deny_by = {0};
    _cleanup_json_ struct json_object *detail = json_object_new_object();

    for (size_t i = 0; i < ZT_ELEMENTSOF(tools); i++) {
        struct json_object *d = json_object_new_object();
        bool deny = false;
        /* A unit that is off loads nothing: its files are not even read. */
        int on = tools[i].unit ? zt_host_unit_enabled(h, tools[i].unit) : 1;
        int r = on <= 0 ? on : tools[i].deny(h, &deny, d);
        on = tools[i].unit ? on : r;
        if (r < 0) {
            json_object_put(d);
            return r;
        }
        json_object_object_add(d, "enabled", json_object_new_boolean(on > 0));
        json_object_object_add(d, "default_deny", json_object_new_boolean(deny));
        json_object_object_add(detail, tools[i].unit ? tools[i].unit : tools[i].name, d);
        if (on > 0) {
            zt_host_strv_add_unique(&enabled, tools[i].name);
            if (deny) {
                zt_host_strv_add_unique(&deny_by, tools[i].name);
            }
        }
    }
    zt_emit(h->ctx, "host.firewall.enabled_tools", zt_host_strv_json(&enabled), NULL);
    zt_emit(h->ctx, "host.firewall.default_deny_tools", zt_host_strv_json(&deny_by), NULL);
    zt_host_emit_bool(h, "host.firewall.default_deny_input", deny_by.n > 0, TAKE_PTR(detail));
    return 0;
}
