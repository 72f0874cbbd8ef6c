/* config.c - read ztmmd.conf and conf.d drop-ins with libinih and bind them through option tables.
 *
 * libinih calls us per key but not per section and not with line numbers, so we feed it through
 * our own line reader: it counts lines, notices section headers (so an empty [collector:host]
 * still declares an instance) and refuses lines longer than inih's buffer instead of letting inih
 * split them. Keys are buffered per section and bound when the section ends, because a
 * collector's options table is only known once its "type" key has been seen. */
#include "config.h"

#include <dirent.h>
#include <ini.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "util.h"

#define CONFIG_FILE_MAX (1024 * 1024)

#define DAEMON_OFF(f) offsetof(struct zt_daemon_conf, f)
const struct zt_option zt_daemon_options[] = {
    {"interval", ZT_OPT_DURATION, "6h", DAEMON_OFF(interval_ms), 0, "time between scheduled scans"},
    {"state_dir", ZT_OPT_PATH, ZT_LOCALSTATEDIR "/lib/ztmmd", DAEMON_OFF(state_dir), 0,
     "latest result, history and export outbox"},
    {"runtime_dir", ZT_OPT_PATH, ZT_RUNSTATEDIR "/ztmmd", DAEMON_OFF(runtime_dir), 0,
     "control socket directory"},
    {"rules", ZT_OPT_PATH, ZT_DATADIR "/ztmmd/rules/ztmm-v2.json", DAEMON_OFF(rules), 0,
     "rule catalog mapping evidence to ZTMM functions and stages"},
    {"log_level", ZT_OPT_STRING, "notice", DAEMON_OFF(log_level), 0,
     "err, warning, notice, info or debug"},
    {"collector_timeout", ZT_OPT_DURATION, "5min", DAEMON_OFF(collector_timeout_ms), 0,
     "default time limit of one collector in one scan"},
    {"max_parallel_collectors", ZT_OPT_UINT, "8", DAEMON_OFF(max_parallel_collectors), 0,
     "collector instances run at the same time", 1, 256},
    {"http_max_concurrency", ZT_OPT_UINT, "16", DAEMON_OFF(http_max_concurrency), 0,
     "HTTP requests in flight at once, all API collectors of a scan together", 1, 1024},
    /* The next four must match zt_http_limits_default() (test_config checks). */
    {"http_connect_timeout", ZT_OPT_DURATION, "10s", DAEMON_OFF(http_connect_timeout_ms), 0,
     "time limit of one TCP and TLS connection setup", 1, ZT_MS_PER_HOUR},
    {"http_timeout", ZT_OPT_DURATION, "2min", DAEMON_OFF(http_timeout_ms), 0,
     "time limit of one HTTP attempt, first to last byte (a retry gets a new one)", 1,
     ZT_MS_PER_DAY},
    {"http_max_body", ZT_OPT_SIZE, "32M", DAEMON_OFF(http_max_body), 0,
     "largest response body accepted; a larger one fails its call", 1, ZT_SIZE_G(2)},
    {"http_max_attempts", ZT_OPT_UINT, "5", DAEMON_OFF(http_max_attempts), 0,
     "attempts of one request or page, the first included (429, 5xx and network errors)", 1, 100},
    {"scan_on_start", ZT_OPT_BOOL, "yes", DAEMON_OFF(scan_on_start), 0,
     "scan right after the daemon starts (no: wait one interval)"},
    {"jitter", ZT_OPT_DURATION, "5min", DAEMON_OFF(jitter_ms), 0,
     "random delay (0 to this, at most half the interval) added to scheduled scans"},
    {"backoff_start", ZT_OPT_DURATION, "1min", DAEMON_OFF(backoff_start_ms), 0,
     "retry delay after a collector's first failure, doubled on each further failure"},
    {"backoff_max", ZT_OPT_DURATION, "1h", DAEMON_OFF(backoff_max_ms), 0,
     "cap of a failing collector's retry delay; a success restores its interval"},
    {"scan_timeout", ZT_OPT_DURATION, "0", DAEMON_OFF(scan_timeout_ms), 0,
     "wall-time limit of a scan worker (0: collector timeouts per wave plus 30s)"},
    {"worker_memory_max", ZT_OPT_SIZE, "1G", DAEMON_OFF(worker_memory_max), 0,
     "data memory limit (RLIMIT_DATA) of a scan worker (0: no limit)"},
    {"history_max", ZT_OPT_UINT, "50", DAEMON_OFF(history_max), 0,
     "result documents kept in state_dir/history (0: keep no history)"},
    /* export (daemon/export) */
    {"outbox_max", ZT_OPT_SIZE, "256M", DAEMON_OFF(outbox_max), 0,
     "bytes the export outbox may take in state_dir/outbox; past it the oldest events are "
     "dropped and counted (0: no limit)"},
    {"flush_timeout", ZT_OPT_DURATION, "30s", DAEMON_OFF(flush_timeout_ms), 0,
     "how long ztmmd --once waits for the sinks before leaving the rest in the outbox"},
    /* Prometheus (daemon/report/metrics.c) */
    {"metrics_file", ZT_OPT_PATH, NULL, DAEMON_OFF(metrics_file), 0,
     "Prometheus textfile (node_exporter textfile collector) written after every scan"},
    {.key = NULL},
};

/* Keys every [collector:NAME] section accepts, bound into struct zt_instance. */
#define INST_OFF(f) offsetof(struct zt_instance, f)
const struct zt_option zt_instance_options[] = {
    {"type", ZT_OPT_STRING, NULL, INST_OFF(type), 0,
     "collector type; defaults to the section name"},
    {"enabled", ZT_OPT_BOOL, "yes", INST_OFF(enabled), 0, "run this instance"},
    {"timeout", ZT_OPT_DURATION, "0", INST_OFF(timeout_ms), 0,
     "time limit per scan (0: the collector's or [daemon] collector_timeout)"},
    {"interval", ZT_OPT_DURATION, "0", INST_OFF(interval_ms), 0,
     "scan interval of this instance (0: [daemon] interval)"},
    {.key = NULL},
};

static const char *const stage_names[] = {"traditional", "initial", "advanced", "optimal"};

enum section_kind { SECTION_NONE, SECTION_DAEMON, SECTION_COLLECTOR, SECTION_SINK, SECTION_ATTEST };

struct kv {
    char *key, *value;
    unsigned line;
};

struct parser {
    const struct zt_collector *const *registry;
    struct zt_config *cfg;
    const char *file;
    /* line reader */
    const char *text;
    size_t pos;
    unsigned line;
    /* current section, buffered until it ends */
    enum section_kind kind;
    char *section;
    unsigned section_line;
    struct kv *kvs;
    size_t n_kvs;
    /* [daemon] keys the files set: they win over systemd's directories */
    bool state_dir_set, runtime_dir_set;
    /* first error */
    int r;
    char *err;
    size_t errlen;
};

_printf_(3, 4) static int fail(struct parser *p, unsigned line, const char *fmt, ...)
{
    char msg[ZT_CONFIG_ERR_MAX];
    va_list ap;

    if (p->r < 0) {
        return p->r; /* keep the first error */
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(p->err, p->errlen, "%s:%u: %s", p->file, line, msg);
    p->r = -EINVAL;
    return p->r;
}

const struct zt_collector *zt_registry_find(const struct zt_collector *const *registry,
                                            const char *name)
{
    for (size_t i = 0; registry && registry[i]; i++) {
        if (strcmp(registry[i]->name, name) == 0) {
            return registry[i];
        }
    }
    return NULL;
}

int zt_instance_new(const struct zt_collector *c, const char *name, struct zt_instance **ret,
                    char *err, size_t errlen)
{
    struct zt_instance *inst = zt_xcalloc(1, sizeof(*inst));
    int r;

    inst->name = zt_xstrdup(name);
    inst->collector = c;
    inst->state = zt_xcalloc(1, c->state_size ? c->state_size : 1);
    r = zt_options_defaults(zt_instance_options, inst, err, errlen);
    if (r >= 0) {
        r = zt_options_defaults(c->options, inst->state, err, errlen);
    }
    if (r < 0) {
        zt_instance_free(inst);
        return r;
    }
    free(inst->type);
    inst->type = zt_xstrdup(c->name);
    *ret = inst;
    return 0;
}

int zt_instance_set(struct zt_instance *inst, const char *key, const char *value, char *err,
                    size_t errlen)
{
    const struct zt_option *o = zt_options_find(zt_instance_options, key);
    if (o) {
        return zt_option_set(o, inst, value, err, errlen);
    }
    o = zt_options_find(inst->collector->options, key);
    if (!o) {
        snprintf(err, errlen, "unknown key '%s' for collector type '%s'", key,
                 inst->collector->name);
        return -ENOENT;
    }
    return zt_option_set(o, inst->state, value, err, errlen);
}

int zt_instance_check(struct zt_instance *inst, char *err, size_t errlen)
{
    for (const struct zt_option *o = inst->collector->options; o && o->key; o++) {
        if ((o->flags & ZT_OPT_REQUIRED) && !zt_option_is_set(o, inst->state)) {
            snprintf(err, errlen, "missing required key '%s'", o->key);
            return -EINVAL;
        }
    }
    if (inst->collector->check) {
        return inst->collector->check(inst->state, err, errlen);
    }
    return 0;
}

void zt_instance_free(struct zt_instance *inst)
{
    if (!inst) {
        return;
    }
    if (inst->collector->done) {
        inst->collector->done(inst->state);
    }
    zt_options_free(inst->collector->options, inst->state);
    zt_options_free(zt_instance_options, inst);
    free(inst->state);
    free(inst->name);
    free(inst->file);
    free(inst);
}

void zt_instance_freep(struct zt_instance **inst)
{
    zt_instance_free(*inst);
}

static bool name_valid(const char *s)
{
    if (!*s || strlen(s) > 64) {
        return false;
    }
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
           strlen(s);
}

/* A key repeated within one section is an error, except for lists, which append. */
static bool duplicate_key(struct parser *p, size_t idx, const struct zt_option *opt)
{
    if (opt && opt->type == ZT_OPT_STRLIST) {
        return false;
    }
    for (size_t i = 0; i < idx; i++) {
        if (strcmp(p->kvs[i].key, p->kvs[idx].key) == 0) {
            fail(p, p->kvs[idx].line, "[%s] duplicate key '%s' (first set at line %u)", p->section,
                 p->kvs[idx].key, p->kvs[i].line);
            return true;
        }
    }
    return false;
}

/* Bind the buffered keys into base through table (for a collector section, the common keys go
 * into inst). The first occurrence of a list key replaces its default; later ones append. */
static int bind_keys(struct parser *p, const struct zt_option *table, void *base,
                     struct zt_instance *inst)
{
    char msg[ZT_CONFIG_ERR_MAX];

    for (size_t i = 0; i < p->n_kvs; i++) {
        const struct kv *kv = &p->kvs[i];
        const struct zt_option *o = inst ? zt_options_find(zt_instance_options, kv->key) : NULL;
        void *target = o ? (void *)inst : base;
        if (!o) {
            o = zt_options_find(table, kv->key);
        }
        if (!o) {
            return fail(p, kv->line, "[%s] unknown key '%s'", p->section, kv->key);
        }
        if (duplicate_key(p, i, o)) {
            return p->r;
        }
        if (o->type == ZT_OPT_STRLIST) {
            bool first = true;
            for (size_t j = 0; j < i; j++) {
                first = first && strcmp(p->kvs[j].key, kv->key) != 0;
            }
            if (first) {
                zt_strv_clear((struct zt_strv *)((char *)target + o->offset));
            }
        }
        if (zt_option_set(o, target, kv->value, msg, sizeof(msg)) < 0) {
            return fail(p, kv->line, "[%s] %s", p->section, msg);
        }
    }
    return 0;
}

static struct zt_instance *find_instance(struct zt_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->n_instances; i++) {
        if (strcmp(cfg->instances[i]->name, name) == 0) {
            return cfg->instances[i];
        }
    }
    return NULL;
}

static int end_collector(struct parser *p, const char *name)
{
    const char *type = name;
    unsigned type_line = p->section_line;
    char msg[ZT_CONFIG_ERR_MAX];
    struct zt_instance *prev = find_instance(p->cfg, name);

    if (prev) {
        return fail(p, p->section_line,
                    "duplicate collector instance '%s' (first declared at %s:%u)", name, prev->file,
                    prev->line);
    }
    for (size_t i = 0; i < p->n_kvs; i++) {
        if (strcmp(p->kvs[i].key, "type") == 0) {
            type = p->kvs[i].value;
            type_line = p->kvs[i].line;
        }
    }
    const struct zt_collector *c = zt_registry_find(p->registry, type);
    if (!c) {
        char known[256] = "";
        for (size_t i = 0; p->registry && p->registry[i]; i++) {
            size_t n = strlen(known);
            snprintf(known + n, sizeof(known) - n, "%s%s", i ? ", " : "", p->registry[i]->name);
        }
        return fail(p, type_line, "[%s] unknown collector type '%s' (known: %s)", p->section, type,
                    known);
    }
    _cleanup_(zt_instance_freep) struct zt_instance *inst = NULL;
    if (zt_instance_new(c, name, &inst, msg, sizeof(msg)) < 0) {
        return fail(p, p->section_line, "[%s] %s", p->section, msg);
    }
    inst->file = zt_xstrdup(p->file);
    inst->line = p->section_line;
    if (bind_keys(p, c->options, inst->state, inst) < 0) {
        return p->r;
    }
    if (zt_instance_check(inst, msg, sizeof(msg)) < 0) {
        return fail(p, p->section_line, "[%s] %s", p->section, msg);
    }
    p->cfg->instances =
        zt_xrealloc(p->cfg->instances, (p->cfg->n_instances + 1) * sizeof(*p->cfg->instances));
    p->cfg->instances[p->cfg->n_instances++] = TAKE_PTR(inst);
    return 0;
}

static int end_sink(struct parser *p, const char *name)
{
    struct zt_config *cfg = p->cfg;

    for (size_t i = 0; i < cfg->n_sinks; i++) {
        if (strcmp(cfg->sinks[i].name, name) == 0) {
            return fail(p, p->section_line, "duplicate sink '%s' (first declared at %s:%u)", name,
                        cfg->sinks[i].file, cfg->sinks[i].line);
        }
    }
    cfg->sinks = zt_xrealloc(cfg->sinks, (cfg->n_sinks + 1) * sizeof(*cfg->sinks));
    struct zt_sink_conf *s = &cfg->sinks[cfg->n_sinks++];
    *s = (struct zt_sink_conf){
        .name = zt_xstrdup(name), .file = zt_xstrdup(p->file), .line = p->section_line};
    s->keys = zt_xcalloc(p->n_kvs, sizeof(char *));
    s->values = zt_xcalloc(p->n_kvs, sizeof(char *));
    s->lines = zt_xcalloc(p->n_kvs, sizeof(unsigned));
    for (size_t i = 0; i < p->n_kvs; i++) {
        if (duplicate_key(p, i, NULL)) {
            return p->r;
        }
        if (strcmp(p->kvs[i].key, "type") == 0) {
            free(s->type);
            s->type = zt_xstrdup(p->kvs[i].value);
        }
        s->keys[i] = zt_xstrdup(p->kvs[i].key);
        s->values[i] = zt_xstrdup(p->kvs[i].value);
        s->lines[i] = p->kvs[i].line;
        s->n_keys++;
    }
    if (!s->type) {
        s->type = zt_xstrdup(name);
    }
    return 0;
}

static int end_attest(struct parser *p)
{
    struct zt_config *cfg = p->cfg;

    for (size_t i = 0; i < p->n_kvs; i++) {
        const struct kv *kv = &p->kvs[i];
        bool stage_ok = false;
        for (size_t s = 0; s < ZT_ELEMENTSOF(stage_names); s++) {
            stage_ok = stage_ok || strcmp(kv->value, stage_names[s]) == 0;
        }
        if (!stage_ok) {
            return fail(p, kv->line,
                        "[attest] '%s' must be traditional, initial, advanced or optimal, got '%s'",
                        kv->key, kv->value);
        }
        for (size_t j = 0; j < cfg->n_attest; j++) {
            if (strcmp(cfg->attest[j].function, kv->key) == 0) {
                return fail(p, kv->line, "[attest] duplicate key '%s' (first set at %s:%u)",
                            kv->key, cfg->attest[j].file, cfg->attest[j].line);
            }
        }
        cfg->attest = zt_xrealloc(cfg->attest, (cfg->n_attest + 1) * sizeof(*cfg->attest));
        cfg->attest[cfg->n_attest++] = (struct zt_attest){.function = zt_xstrdup(kv->key),
                                                          .stage = zt_xstrdup(kv->value),
                                                          .file = zt_xstrdup(p->file),
                                                          .line = kv->line};
    }
    return 0;
}

static void clear_section(struct parser *p)
{
    for (size_t i = 0; i < p->n_kvs; i++) {
        free(p->kvs[i].key);
        free(p->kvs[i].value);
    }
    free(p->kvs);
    p->kvs = NULL;
    p->n_kvs = 0;
    free(p->section);
    p->section = NULL;
    p->kind = SECTION_NONE;
}

static int end_section(struct parser *p)
{
    int r = 0;

    if (p->r < 0) {
        clear_section(p);
        return p->r;
    }
    switch (p->kind) {
    case SECTION_DAEMON:
        for (size_t i = 0; i < p->n_kvs; i++) {
            p->state_dir_set = p->state_dir_set || zt_streq(p->kvs[i].key, "state_dir");
            p->runtime_dir_set = p->runtime_dir_set || zt_streq(p->kvs[i].key, "runtime_dir");
        }
        r = bind_keys(p, zt_daemon_options, &p->cfg->daemon, NULL);
        break;
    case SECTION_COLLECTOR:
        r = end_collector(p, p->section + strlen("collector:"));
        break;
    case SECTION_SINK:
        r = end_sink(p, p->section + strlen("sink:"));
        break;
    case SECTION_ATTEST:
        r = end_attest(p);
        break;
    case SECTION_NONE:
        break;
    }
    clear_section(p);
    return r;
}

static void begin_section(struct parser *p, const char *name)
{
    end_section(p);
    p->section = zt_xstrdup(name);
    p->section_line = p->line;
    if (strcmp(name, "daemon") == 0) {
        p->kind = SECTION_DAEMON;
    } else if (strcmp(name, "attest") == 0) {
        p->kind = SECTION_ATTEST;
    } else if (zt_startswith(name, "collector:") && name_valid(name + strlen("collector:"))) {
        p->kind = SECTION_COLLECTOR;
    } else if (zt_startswith(name, "sink:") && name_valid(name + strlen("sink:"))) {
        p->kind = SECTION_SINK;
    } else if (zt_startswith(name, "collector:") || zt_startswith(name, "sink:")) {
        fail(p, p->line, "[%s] instance names use letters, digits, '_' and '-' (at most 64)", name);
    } else {
        fail(p, p->line, "unknown section [%s] (known: daemon, collector:NAME, sink:NAME, attest)",
             name);
    }
}

/* fgets-style reader for inih over an in-memory file. */
static char *reader(char *str, int num, void *stream)
{
    struct parser *p = stream;

    if (!p->text[p->pos]) {
        return NULL;
    }
    const char *start = p->text + p->pos;
    size_t len = strcspn(start, "\n");
    p->line++;
    p->pos += len + (start[len] == '\n');
    if (len >= (size_t)num - 1) {
        fail(p, p->line, "line longer than %d characters (split lists over repeated keys)",
             num - 2);
        str[0] = '\0'; /* hand inih an empty line */
        return str;
    }
    memcpy(str, start, len);
    str[len] = '\0';
    /* Notice section headers ourselves: inih reports keys only, and an empty section counts. */
    char *t = zt_strstrip(str), *close = t[0] == '[' ? strchr(t, ']') : NULL;
    if (close) {
        /* As inih does: the name ends at the first ']', a comment may follow. */
        _cleanup_free_ char *name = zt_xstrndup(t + 1, (size_t)(close - t - 1));
        begin_section(p, zt_strstrip(name));
    }
    memcpy(str, start, len); /* zt_strstrip() may have moved bytes: hand inih the raw line */
    str[len] = '\0';
    return str;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    struct parser *p = user;

    if (p->r < 0) {
        return 1; /* already failed: let inih finish quietly */
    }
    if (p->kind == SECTION_NONE || !p->section) {
        fail(p, p->line, "key '%s' outside of any section", name);
        return 1;
    }
    /* Allow "key = value   # comment" as in the documentation examples. */
    _cleanup_free_ char *v = zt_xstrdup(value);
    for (char *c = v; *c; c++) {
        if (*c == '#' && c > v && (c[-1] == ' ' || c[-1] == '\t')) {
            *c = '\0';
            break;
        }
    }
    p->kvs = zt_xrealloc(p->kvs, (p->n_kvs + 1) * sizeof(*p->kvs));
    p->kvs[p->n_kvs++] =
        (struct kv){.key = zt_xstrdup(name), .value = zt_xstrdup(zt_strstrip(v)), .line = p->line};
    return 1;
}

static int parse_text(struct parser *p, const char *file, const char *text)
{
    struct zt_config *cfg = p->cfg;

    cfg->files = zt_xrealloc(cfg->files, (cfg->n_files + 1) * sizeof(*cfg->files));
    cfg->files[cfg->n_files++] =
        (struct zt_config_file){.path = zt_xstrdup(file), .text = zt_xstrdup(text)};
    p->file = file;
    p->text = text;
    p->pos = 0;
    p->line = 0;
    int r = ini_parse_stream(reader, p, handler, p);
    end_section(p);
    if (p->r < 0) {
        return p->r;
    }
    if (r > 0) {
        return fail(p, (unsigned)r,
                    "syntax error: expected '[section]', 'key = value' or a comment");
    }
    return r < 0 ? fail(p, 0, "cannot parse") : 0;
}

static int parse_file(struct parser *p, const char *path)
{
    _cleanup_free_ char *text = NULL;
    int r = zt_read_file(path, CONFIG_FILE_MAX, &text, NULL);
    if (r < 0) {
        snprintf(p->err, p->errlen, "%s: cannot read: %s", path,
                 r == -EFBIG ? "larger than 1 MiB" : strerror(-r));
        return p->r = r;
    }
    return parse_text(p, path, text);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Read <dir of path>/conf.d/ *.conf in lexical (byte) order; a missing conf.d is fine. */
static int parse_dropins(struct parser *p, const char *path)
{
    _cleanup_free_ char *copy = zt_xstrdup(path);
    _cleanup_free_ char *dir = zt_xasprintf("%s/conf.d", dirname(copy));
    DIR *d = opendir(dir);
    char **names = NULL;
    size_t n = 0;
    int r = 0;

    if (!d) {
        if (errno == ENOENT || errno == ENOTDIR) {
            return 0;
        }
        snprintf(p->err, p->errlen, "%s: cannot open: %s", dir, strerror(errno));
        return p->r = -errno;
    }
    for (struct dirent *de; (de = readdir(d));) {
        if (de->d_name[0] != '.' && zt_endswith(de->d_name, ".conf")) {
            names = zt_xrealloc(names, (n + 1) * sizeof(char *));
            names[n++] = zt_xstrdup(de->d_name);
        }
    }
    closedir(d);
    if (n > 0) {
        qsort(names, n, sizeof(char *), cmp_str);
    }
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *f = zt_xasprintf("%s/%s", dir, names[i]);
        if (r >= 0) {
            r = parse_file(p, f);
        }
        free(names[i]);
    }
    free(names);
    return r;
}

/* The first directory of a systemd directory variable (StateDirectory= may list several,
 * joined by ':'), when absolute; else NULL. */
static char *systemd_dir(const char *var)
{
    const char *v = getenv(var);

    if (!v || v[0] != '/') {
        return NULL;
    }
    return zt_xstrndup(v, strcspn(v, ":"));
}

static void use_systemd_dir(char **dir, const char **origin, bool set_in_files, const char *var,
                            const char *label)
{
    char *env = set_in_files ? NULL : systemd_dir(var);

    *origin = set_in_files ? "config" : env ? label : "default";
    if (env) {
        free(*dir);
        *dir = env;
    }
}

/* Load path from disk (files NULL) or from files (n_files of them, the first being path). */
static int load(const char *path, const struct zt_config_file *files, size_t n_files,
                const struct zt_collector *const *registry, struct zt_config **ret, char *err,
                size_t errlen)
{
    _cleanup_(zt_config_freep) struct zt_config *cfg = zt_xcalloc(1, sizeof(*cfg));
    struct parser p = {.registry = registry, .cfg = cfg, .err = err, .errlen = errlen};
    int r;

    err[0] = '\0';
    cfg->path = zt_xstrdup(path);
    r = zt_options_defaults(zt_daemon_options, &cfg->daemon, err, errlen);
    if (r < 0) {
        return r;
    }
    r = files ? 0 : parse_file(&p, path);
    for (size_t i = 0; files && r >= 0 && i < n_files; i++) {
        r = parse_text(&p, files[i].path, files[i].text);
    }
    if (r >= 0 && !files) {
        r = parse_dropins(&p, path);
    }
    clear_section(&p);
    if (r < 0) {
        return r;
    }
    use_systemd_dir(&cfg->daemon.state_dir, &cfg->daemon.state_dir_origin, p.state_dir_set,
                    "STATE_DIRECTORY", "$STATE_DIRECTORY");
    use_systemd_dir(&cfg->daemon.runtime_dir, &cfg->daemon.runtime_dir_origin, p.runtime_dir_set,
                    "RUNTIME_DIRECTORY", "$RUNTIME_DIRECTORY");
    if (zt_log_level_from_string(cfg->daemon.log_level) < 0) {
        snprintf(err, errlen,
                 "%s: [daemon] log_level must be err, warning, notice, info or debug, got '%s'",
                 path, cfg->daemon.log_level);
        return -EINVAL;
    }
    *ret = TAKE_PTR(cfg);
    return 0;
}

int zt_config_load(const char *path, const struct zt_collector *const *registry,
                   struct zt_config **ret, char *err, size_t errlen)
{
    return load(path, NULL, 0, registry, ret, err, errlen);
}

int zt_config_load_string(const char *path, const char *text,
                          const struct zt_collector *const *registry, struct zt_config **ret,
                          char *err, size_t errlen)
{
    const struct zt_config_file file = {.path = (char *)path, .text = (char *)text};
    return load(path, &file, 1, registry, ret, err, errlen);
}

int zt_config_load_files(const struct zt_config_file *files, size_t n_files,
                         const struct zt_collector *const *registry, struct zt_config **ret,
                         char *err, size_t errlen)
{
    if (n_files == 0) {
        snprintf(err, errlen, "no configuration file");
        return -EINVAL;
    }
    return load(files[0].path, files, n_files, registry, ret, err, errlen);
}

void zt_config_free(struct zt_config *cfg)
{
    if (!cfg) {
        return;
    }
    for (size_t i = 0; i < cfg->n_instances; i++) {
        zt_instance_free(cfg->instances[i]);
    }
    free(cfg->instances);
    for (size_t i = 0; i < cfg->n_sinks; i++) {
        struct zt_sink_conf *s = &cfg->sinks[i];
        for (size_t k = 0; k < s->n_keys; k++) {
            free(s->keys[k]);
            free(s->values[k]);
        }
        free(s->keys);
        free(s->values);
        free(s->lines);
        free(s->name);
        free(s->type);
        free(s->file);
    }
    free(cfg->sinks);
    for (size_t i = 0; i < cfg->n_attest; i++) {
        free(cfg->attest[i].function);
        free(cfg->attest[i].stage);
        free(cfg->attest[i].file);
    }
    free(cfg->attest);
    zt_options_free(zt_daemon_options, &cfg->daemon);
    for (size_t i = 0; i < cfg->n_files; i++) {
        free(cfg->files[i].path);
        free(cfg->files[i].text);
    }
    free(cfg->files);
    free(cfg->path);
    free(cfg);
}

void zt_config_freep(struct zt_config **cfg)
{
    zt_config_free(*cfg);
}
