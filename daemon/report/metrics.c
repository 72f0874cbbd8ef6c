/* metrics.c - the latest result in the Prometheus text format, written atomically for the
 * node_exporter textfile collector. Works from the typed model (judge/model.h), never from
 * JSON paths. */
#include "metrics.h"

#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "file.h"
#include "util.h"

struct label {
    const char *key, *value;
};
/* A label list for sample(): LABELS({"pillar", id}, {"status", "pass"}). */
#define LABELS(...) ((const struct label[]){__VA_ARGS__, {NULL, NULL}})

int zt_metrics_stage_value(enum zt_stage s)
{
    switch (s) {
    case ZT_STAGE_TRADITIONAL:
        return 0;
    case ZT_STAGE_INITIAL:
        return 1;
    case ZT_STAGE_ADVANCED:
        return 2;
    case ZT_STAGE_OPTIMAL:
        return 3;
    default:
        return -1; /* unknown: nothing was assessed; never confused with traditional (0) */
    }
}

/* A label value as the text format wants it: backslash, double quote and line feed escaped.
 * The text is valid UTF-8: the model repaired the document it comes from. */
static void put_escaped(FILE *f, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        if (*p == '\\' || *p == '"') {
            fputc('\\', f);
            fputc(*p, f);
        } else if (*p == '\n') {
            fputs("\\n", f);
        } else {
            fputc(*p, f);
        }
    }
}

/* Integers as integers; other values in the shortest form that reads back as the same double. */
static void put_value(FILE *f, double v)
{
    char buf[40];

    if (isnan(v)) {
        fputs("NaN", f);
    } else if (isinf(v)) {
        fputs(v > 0 ? "+Inf" : "-Inf", f);
    } else if (v == floor(v) && fabs(v) < 1e15) {
        fprintf(f, "%.0f", v);
    } else {
        for (int digits = 15; digits <= 17; digits++) {
            snprintf(buf, sizeof(buf), "%.*g", digits, v);
            if (strtod(buf, NULL) == v) {
                break;
            }
        }
        fputs(buf, f);
    }
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample(FILE *f, const char *name, const struct label *labels, double v)
{
    fputs(name, f);
    for (size_t i = 0; labels && labels[i].key; i++) {
        fprintf(f, "%s%s=\"", i ? "," : "{", labels[i].key);
        put_escaped(f, labels[i].value);
        fputc('"', f);
        if (!labels[i + 1].key) {
            fputc('}', f);
        }
    }
    fputc(' ', f);
    put_value(f, v);
    fputc('\n', f);
}

/* Whether element i of an array of structs whose first member is their id repeats an earlier
 * id: a document read back from disk may, and a repeated series would make node_exporter
 * refuse the whole file. */
static bool repeated(const void *arr, size_t i, size_t stride)
{
    const char *id = *(const char *const *)((const char *)arr + i * stride);

    for (size_t j = 0; j < i; j++) {
        if (zt_streq(id, *(const char *const *)((const char *)arr + j * stride))) {
            return true;
        }
    }
    return false;
}

static void render_scan(FILE *f, const struct zt_model *m)
{
    family(f, "ztmmd_last_scan_info", "gauge",
           "Identifies the latest scan: always 1, with its scan id and host as labels.");
    sample(f, "ztmmd_last_scan_info", LABELS({"scan_id", m->scan_id}, {"host", m->host}), 1);
    family(f, "ztmmd_last_scan_timestamp_seconds", "gauge",
           "When the latest scan finished, in seconds since the Unix epoch.");
    sample(f, "ztmmd_last_scan_timestamp_seconds", NULL, (double)m->finished_usec / 1e6);
    if (m->started_usec && m->started_usec <= m->finished_usec) {
        family(f, "ztmmd_last_scan_duration_seconds", "gauge",
               "Wall time of the latest scan, from its start to its end.");
        sample(f, "ztmmd_last_scan_duration_seconds", NULL,
               (double)(m->finished_usec - m->started_usec) / 1e6);
    }
}

static void render_stages(FILE *f, const struct zt_model *m)
{
    static const char stage_help[] =
        "0 traditional, 1 initial, 2 advanced, 3 optimal, -1 unknown (nothing assessed).";
    char help[160];

    snprintf(help, sizeof(help), "Estimated ZTMM stage of the enterprise: %s", stage_help);
    family(f, "ztmmd_overall_stage", "gauge", help);
    sample(f, "ztmmd_overall_stage", NULL, zt_metrics_stage_value(m->overall));
    family(f, "ztmmd_overall_coverage_ratio", "gauge",
           "Share of all functions with a known outcome (0 to 1).");
    sample(f, "ztmmd_overall_coverage_ratio", NULL, m->overall_coverage);

    snprintf(help, sizeof(help), "Estimated ZTMM stage of a pillar: %s", stage_help);
    family(f, "ztmmd_pillar_stage", "gauge", help);
    for (size_t i = 0; i < m->n_pillars; i++) {
        if (!repeated(m->pillars, i, sizeof(*m->pillars))) {
            sample(f, "ztmmd_pillar_stage", LABELS({"pillar", m->pillars[i].id}),
                   zt_metrics_stage_value(m->pillars[i].stage));
        }
    }
    family(f, "ztmmd_pillar_coverage_ratio", "gauge",
           "Share of a pillar's functions with a known outcome (0 to 1).");
    for (size_t i = 0; i < m->n_pillars; i++) {
        if (!repeated(m->pillars, i, sizeof(*m->pillars))) {
            sample(f, "ztmmd_pillar_coverage_ratio", LABELS({"pillar", m->pillars[i].id}),
                   m->pillars[i].coverage);
        }
    }

    snprintf(help, sizeof(help), "Estimated ZTMM stage of a function: %s", stage_help);
    const struct {
        const char *name, *help;
    } fams[] = {
        {"ztmmd_function_stage", help},
        {"ztmmd_function_stage_at_least", "1 when the stage is a lower bound: rules of the next "
                                          "stage could not be judged."},
        {"ztmmd_function_coverage_ratio", "Share of a function's rules with a known outcome."},
    };
    for (size_t k = 0; k < ZT_ELEMENTSOF(fams); k++) {
        family(f, fams[k].name, "gauge", fams[k].help);
        for (size_t i = 0; i < m->n_functions; i++) {
            const struct zt_model_function *fn = &m->functions[i];
            if (repeated(m->functions, i, sizeof(*fn))) {
                continue;
            }
            double v = k == 0   ? zt_metrics_stage_value(fn->stage)
                       : k == 1 ? (fn->at_least && fn->stage != ZT_STAGE_UNKNOWN)
                                : fn->coverage;
            sample(f, fams[k].name, LABELS({"function", fn->id}, {"pillar", fn->pillar}), v);
        }
    }
}

static void render_findings(FILE *f, const struct zt_model *m)
{
    family(f, "ztmmd_findings", "gauge", "Rule outcomes of the latest scan, by status.");
    for (int s = 0; s < _ZT_OUTCOME_MAX; s++) {
        sample(f, "ztmmd_findings", LABELS({"status", zt_outcome_to_string((enum zt_outcome)s)}),
               (double)m->findings_by_status[s]);
    }
}

static void render_collectors(FILE *f, const struct zt_model *m)
{
    static const char *const statuses[] = {"ok", "partial", "error", "skipped"};
    const struct zt_model_collector *c = m->collectors;
    const size_t n = m->n_collectors, stride = sizeof(*c);

    family(f, "ztmmd_collector_up", "gauge",
           "1 when the collector instance completed its last run (status ok), 0 when it ended "
           "partial or in error; absent for disabled (skipped) instances.");
    for (size_t i = 0; i < n; i++) {
        if (!repeated(c, i, stride) && !zt_streq(c[i].status, "skipped")) {
            sample(f, "ztmmd_collector_up", LABELS({"collector", c[i].name}, {"type", c[i].type}),
                   zt_streq(c[i].status, "ok"));
        }
    }
    family(f, "ztmmd_collector_status", "gauge",
           "Status of the collector instance's last run: 1 for its status, 0 for the others.");
    for (size_t i = 0; i < n; i++) {
        for (size_t s = 0; s < ZT_ELEMENTSOF(statuses) && !repeated(c, i, stride); s++) {
            sample(f, "ztmmd_collector_status",
                   LABELS({"collector", c[i].name}, {"type", c[i].type}, {"status", statuses[s]}),
                   zt_streq(c[i].status, statuses[s]));
        }
    }
    const struct {
        const char *name, *help;
    } fams[] = {
        {"ztmmd_collector_duration_seconds", "Wall time of the collector instance's last run."},
        {"ztmmd_collector_requests", "API requests of the collector instance's last run."},
        {"ztmmd_collector_evidence", "Evidence items of the collector instance's last run."},
    };
    for (size_t k = 0; k < ZT_ELEMENTSOF(fams); k++) {
        family(f, fams[k].name, "gauge", fams[k].help);
        for (size_t i = 0; i < n; i++) {
            if (repeated(c, i, stride)) {
                continue;
            }
            double v = k == 0   ? (double)c[i].duration_ms / 1e3
                       : k == 1 ? (double)c[i].requests
                                : (double)c[i].evidence;
            sample(f, fams[k].name, LABELS({"collector", c[i].name}, {"type", c[i].type}), v);
        }
    }
}

static void render_export(FILE *f, const struct zt_export_figures *s, size_t n)
{
    const struct {
        const char *name, *type, *help;
    } fams[] = {
        {"ztmmd_export_delivered_events_total", "counter",
         "Events the sink's receiver acknowledged, all time (kept in the outbox)."},
        {"ztmmd_export_pending_events", "gauge",
         "Events in the outbox the sink has not delivered yet, when the file was written."},
        {"ztmmd_export_dropped_events_total", "counter",
         "Events lost to the sink (outbox_max, corruption, refused for good), all time."},
    };

    for (size_t k = 0; n > 0 && k < ZT_ELEMENTSOF(fams); k++) {
        family(f, fams[k].name, fams[k].type, fams[k].help);
        for (size_t i = 0; i < n; i++) {
            if (repeated(s, i, sizeof(*s))) {
                continue;
            }
            uint64_t v = k == 0 ? s[i].delivered : k == 1 ? s[i].pending : s[i].dropped;
            sample(f, fams[k].name, LABELS({"sink", s[i].name}, {"type", s[i].type}), (double)v);
        }
    }
}

static void render_service(FILE *f, const struct zt_metrics_service *svc)
{
    family(f, "ztmmd_scans_total", "counter", "Scans the service ran since it started.");
    sample(f, "ztmmd_scans_total", NULL, (double)svc->scans);
    family(f, "ztmmd_scan_failures_total", "counter",
           "Scans since the service started whose worker failed (crash, time or memory limit): "
           "they left no result.");
    sample(f, "ztmmd_scan_failures_total", NULL, (double)svc->scan_failures);
}

char *zt_metrics_render(const struct zt_metrics_input *in)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    if (!f) {
        abort(); /* out of memory, as zt_xmalloc() would */
    }
    family(f, "ztmmd_build_info", "gauge", "Always 1; the version of ztmmd as a label.");
    sample(f, "ztmmd_build_info", LABELS({"version", ZT_VERSION}), 1);
    if (in->result) {
        render_scan(f, in->result);
        render_stages(f, in->result);
        render_findings(f, in->result);
        render_collectors(f, in->result);
    }
    render_export(f, in->sinks, in->n_sinks);
    if (in->service) {
        render_service(f, in->service);
    }
    if (fclose(f) != 0 || !text) {
        abort();
    }
    return text;
}

int zt_metrics_write(const char *path, const char *text, char *err, size_t errlen)
{
    _cleanup_free_ char *d = zt_xstrdup(path), *b = zt_xstrdup(path);
    const char *dir = dirname(d), *name = basename(b);
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int r = dfd < 0 ? -errno : 0;

    if (r == 0 && (!name[0] || zt_streq(name, "/") || zt_streq(name, ".."))) {
        r = -EISDIR;
    }
    if (r == 0) {
        r = zt_write_atomic_mode(dfd, name, text, strlen(text), 0644);
    }
    if (r < 0) {
        snprintf(err, errlen, "cannot write the metrics file %s: %s", path, strerror(-r));
    }
    return r;
}

int zt_metrics_update(const char *path, const struct zt_model *m, struct zt_export *x,
                      const struct zt_metrics_service *service, char *err, size_t errlen)
{
    _cleanup_free_ struct zt_export_figures *sinks = NULL;

    struct zt_metrics_input in = {.result = m, .service = service};
    in.n_sinks = zt_export_figures(x, &sinks);
    in.sinks = sinks;
    _cleanup_free_ char *text = zt_metrics_render(&in);
    return zt_metrics_write(path, text, err, errlen);
}
