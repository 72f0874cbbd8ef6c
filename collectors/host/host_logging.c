/* host_logging.c - audit and log shipping: auditd running with rules loaded from its rule files,
 * and logs forwarded off the host (rsyslog, syslog-ng, systemd-journal-upload, or a running
 * shipper such as fluent-bit, vector, filebeat, elastic-agent, splunkd, otelcol). */
#include "host.h"

#include <ctype.h>
#include <ini.h>
#include <json-c/json.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

static const char *const shippers[] = {"fluent-bit", "td-agent-bit",    "vector",
                                       "filebeat",   "elastic-agent",   "splunkd",
                                       "otelcol",    "otelcol-contrib", "fluentd"};

/* ---- parsers ---- */

unsigned zt_host_audit_rule_count(const char *text)
{
    _cleanup_free_ char *copy = zt_xstrdup(text);
    char *cursor = copy, *line;
    unsigned n = 0;

    /* Control lines (-D, -b, -f, -e, --backlog_wait_time) are no rules. */
    while ((line = zt_host_next_line(&cursor))) {
        char *w = zt_host_next_word(&line);
        n += w && (zt_streq(w, "-a") || zt_streq(w, "-A") || zt_streq(w, "-w"));
    }
    return n;
}

/* Cut '#' comments outside quotes, line by line, in place. */
static void strip_hash_comments(char *s)
{
    bool quoted = false;
    for (char *p = s; *p; p++) {
        if (*p == '"') {
            quoted = !quoted;
        } else if (*p == '\n') {
            quoted = false;
        } else if (*p == '#' && !quoted) {
            size_t n = strcspn(p, "\n");
            memset(p, ' ', n);
            p += n - 1;
        }
    }
}

/* A legacy selector line forwarding to a host: "*.* @host" (UDP) or "auth.* @@host:514" (TCP). */
static bool legacy_forward(char *line)
{
    char *c = line, *selector = zt_host_next_word(&c), *action = zt_host_next_word(&c);
    return selector && action && *selector != '$' && strchr(selector, '.') &&
           !strchr(selector, '(') && action[0] == '@' && action[1];
}

bool zt_host_rsyslog_forwards(const char *text)
{
    _cleanup_free_ char *copy = zt_xstrdup(text);
    _cleanup_free_ char *flat = zt_xmalloc(strlen(text) + 1);
    char *cursor = copy, *line, *f = flat;

    strip_hash_comments(copy);
    /* RainerScript: action(type="omfwd" ...) across lines; compare with whitespace removed. */
    for (const char *p = copy; *p; p++) {
        if (!isspace((unsigned char)*p)) {
            *f++ = (char)tolower((unsigned char)*p);
        }
    }
    *f = '\0';
    if (strstr(flat, "type=\"omfwd\"") || strstr(flat, "type=\"omrelp\"")) {
        return true;
    }
    while ((line = zt_host_next_line(&cursor))) {
        if (legacy_forward(line)) {
            return true;
        }
    }
    return false;
}

static bool word_before_ok(const char *start, const char *p)
{
    return p == start || !(isalnum((unsigned char)p[-1]) || strchr("_-./\"'", p[-1]));
}

/* Whether a destination body uses a network driver: network( tcp( udp( tcp6( udp6( syslog( */
static bool network_driver(const char *body, size_t len)
{
    static const char *const drivers[] = {"network", "tcp6", "udp6", "tcp", "udp", "syslog"};
    _cleanup_free_ char *b = zt_xstrndup(body, len);

    for (size_t i = 0; i < ZT_ELEMENTSOF(drivers); i++) {
        size_t n = strlen(drivers[i]);
        for (const char *p = strstr(b, drivers[i]); p; p = strstr(p + 1, drivers[i])) {
            const char *q = p + n + strspn(p + n, " \t\r\n");
            if (*q == '(' && word_before_ok(b, p)) {
                return true;
            }
        }
    }
    return false;
}

bool zt_host_syslogng_forwards(const char *text)
{
    _cleanup_free_ char *copy = zt_xstrdup(text);

    strip_hash_comments(copy);
    for (char *p = strstr(copy, "destination"); p; p = strstr(p + 1, "destination")) {
        /* "destination d_net { ... };" defines one; "destination(d_net);" in a log path uses it. */
        char *open = p + 11 + strspn(p + 11, " \t\r\n");
        if (!word_before_ok(copy, p) || *open == '(' || !isspace((unsigned char)p[11])) {
            continue;
        }
        open += strcspn(open, " \t\r\n{");
        open += strspn(open, " \t\r\n");
        if (*open != '{') {
            continue;
        }
        int depth = 0;
        char *q = open;
        do {
            depth += *q == '{';
            depth -= *q == '}';
            q++;
        } while (*q && depth > 0);
        if (network_driver(open, (size_t)(q - open))) {
            return true;
        }
    }
    return false;
}

/* journal-upload.conf is a systemd unit-style INI file: libinih reads it. An empty assignment
 * resets the value, and the last assignment wins. systemd ignores leading whitespace, where
 * libinih would read an indented line as a continuation of the key before it: the lines are
 * unindented first. */
static int upload_key(void *user, const char *section, const char *name, const char *value)
{
    bool *url = user;

    if (zt_streq(section, "Upload") && zt_streq(name, "URL")) {
        *url = *value != '\0';
    }
    return 1;
}

bool zt_host_journal_upload_url(const char *text)
{
    _cleanup_free_ char *flat = zt_xmalloc(strlen(text) + 1);
    bool url = false, line_start = true;
    size_t n = 0;

    for (const char *p = text; *p; p++) {
        if (line_start && (*p == ' ' || *p == '\t')) {
            continue;
        }
        flat[n++] = *p;
        line_start = *p == '\n';
    }
    flat[n] = '\0';
    (void)ini_parse_string(flat, upload_key, &url); /* a malformed line is skipped, not fatal */
    return url;
}

/* ---- probes ---- */

int zt_host_probe_audit(struct zt_host *h)
{
    _cleanup_(zt_strv_clear) struct zt_strv files = {0};
    unsigned rules = 0;
    int r = zt_host_glob(h, "/etc/audit/rules.d/*.rules", &files);

    /* augenrules builds audit.rules from rules.d; read audit.rules only without rules.d. */
    if (r >= 0 && files.n == 0) {
        zt_strv_push(&files, "/etc/audit/audit.rules");
    }
    for (size_t i = 0; r >= 0 && i < files.n; i++) {
        _cleanup_free_ char *text = NULL;
        r = zt_host_read(h, files.v[i], ZT_HOST_FILE_MAX, &text);
        rules += r > 0 ? zt_host_audit_rule_count(text) : 0;
    }
    if (r < 0) {
        return r;
    }
    if (h->procs_known) {
        zt_host_emit_bool(h, "host.audit.auditd_running",
                          zt_host_procs_find(&h->procs, "auditd") > 0, NULL);
    }
    struct json_object *d = json_object_new_object();
    json_object_object_add(d, "files", zt_host_strv_json(&files));
    zt_emit(h->ctx, "host.audit.rule_count", json_object_new_int64(rules), d);
    zt_host_emit_bool(h, "host.audit.rules_present", rules > 0, NULL);
    return 0;
}

/* Whether any file of a config family says "forward"; the first such file goes into *source. */
static int config_forwards(struct zt_host *h, const char *main, const char *glob,
                           bool (*forwards)(const char *), char **source)
{
    _cleanup_(zt_strv_clear) struct zt_strv files = {0};
    int r;

    zt_strv_push(&files, main);
    r = glob ? zt_host_glob(h, glob, &files) : 0;
    for (size_t i = 0; r >= 0 && i < files.n && !*source; i++) {
        _cleanup_free_ char *text = NULL;
        r = zt_host_read(h, files.v[i], ZT_HOST_FILE_MAX, &text);
        if (r > 0 && forwards(text)) {
            *source = zt_xstrdup(files.v[i]);
        }
    }
    return r < 0 ? r : 0;
}

int zt_host_probe_logging(struct zt_host *h)
{
    _cleanup_free_ char *rs = NULL, *ng = NULL, *ju = NULL;
    _cleanup_(zt_strv_clear) struct zt_strv by = {0};
    int r = config_forwards(h, "/etc/rsyslog.conf", "/etc/rsyslog.d/*.conf",
                            zt_host_rsyslog_forwards, &rs);
    r = r < 0 ? r
              : config_forwards(h, "/etc/syslog-ng/syslog-ng.conf", "/etc/syslog-ng/conf.d/*.conf",
                                zt_host_syslogng_forwards, &ng);
    r = r < 0 ? r
              : config_forwards(h, "/etc/systemd/journal-upload.conf",
                                "/etc/systemd/journal-upload.conf.d/*.conf",
                                zt_host_journal_upload_url, &ju);
    int unit = r < 0 || !ju ? r : zt_host_unit_enabled(h, "systemd-journal-upload.service");

    if (unit < 0) {
        return unit;
    }
    struct json_object *d = json_object_new_object();
    const char *names[] = {"rsyslog", "syslog-ng", "journal-upload"};
    const char *srcs[] = {rs, ng, unit > 0 ? ju : NULL};
    for (size_t i = 0; i < ZT_ELEMENTSOF(names); i++) {
        if (srcs[i]) {
            zt_strv_push(&by, names[i]);
            json_object_object_add(d, names[i], json_object_new_string(srcs[i]));
        }
    }
    for (size_t i = 0; h->procs_known && i < ZT_ELEMENTSOF(shippers); i++) {
        int pid = zt_host_procs_find(&h->procs, shippers[i]);
        if (pid > 0) {
            zt_strv_push(&by, shippers[i]);
            json_object_object_add(d, shippers[i], json_object_new_int(pid));
        }
    }
    if (by.n == 0 && !h->procs_known) {
        /* No forwarding configured, but a shipper might be running: unknown. */
        json_object_put(d);
        zt_ctx_log(h->ctx, LOG_INFO, "process list unknown: log forwarding not reported");
        return 0;
    }
    zt_emit(h->ctx, "host.logging.forwarders", zt_host_strv_json(&by), d);
    zt_host_emit_bool(h, "host.logging.forwarding", by.n > 0, NULL);
    return 0;
}
