/* ztmmctl.c - the ztmmctl program: the service over its control socket, offline evaluation, the
 * catalog, and the HTML report. */
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "config.h"
#include "export.h"
#include "history.h"
#include "html.h"
#include "sinks.h"
#include "control.h"
#include "log.h"
#include "plan.h"
#include "registry.h"
#include "result.h"
#include "scan.h"
#include "file.h"
#include "util.h"

#define EVIDENCE_FILE_MAX   (256u * 1024 * 1024)
#define EVIDENCE_JSON_DEPTH 64

enum { EXIT_USAGE = 2, EXIT_INCOMPLETE = 3 };

#define DEFAULT_SOCKET    ZT_RUNSTATEDIR "/ztmmd/" ZT_CONTROL_SOCKET
#define CALL_TIMEOUT_USEC (30ull * 1000000ull)
#define WAIT_TIMEOUT_USEC (3600ull * 1000000ull)

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: ztmmctl COMMAND [OPTIONS]\n\n"
            "Offline:\n"
            "  evaluate EVIDENCE.json [--rules FILE] [--format json|table]\n"
            "                       re-evaluate saved evidence (a result document or an\n"
            "                       evidence array) against a rule catalog\n"
            "  catalog [--rules FILE] [--format json|table]\n"
            "                       list ZTMM functions and the rules that judge them\n"
            "  options              every configuration key: [daemon] and each collector type,\n"
            "                       with its type, default and meaning\n\n"
            "Service (over the control socket; --socket PATH, --timeout DURATION):\n"
            "  scan [--wait]        start a scan now (coalesced with a running one)\n"
            "  status [--format table|json]\n"
            "                       daemon, collectors, last error, next run\n"
            "  show [--format table|json]\n"
            "                       the latest result\n"
            "  history              the trend summary of the kept results (JSON)\n"
            "  plan [--input RESULT.json] [--format table|json]\n"
            "                       the way up: what stands between each function, pillar\n"
            "                       and the estate and their next stage; --input: offline\n"
            "  report --html FILE [--input RESULT.json] [--history DIR]\n"
            "                       write the HTML report (FILE - is stdout) of the latest\n"
            "                       result and its history; --input: offline, of a saved\n"
            "                       result, with the history kept in DIR if given\n\n"
            "  --version            print the version; --help: this text\n\n"
            "Default catalog: %s/ztmmd/rules/ztmm-v2.json\n",
            ZT_DATADIR);
}

static void print_options(const char *title, const struct zt_option *table)
{
    printf("%s\n", title);
    for (const struct zt_option *o = table; o && o->key; o++) {
        printf("  %-26s %-9s %-34s %s\n", o->key, zt_opt_type_to_string(o->type),
               o->def ? o->def : (o->flags & ZT_OPT_REQUIRED ? "(required)" : "(none)"),
               o->doc ? o->doc : "");
    }
}

/* Every key the configuration accepts, from the option tables themselves. */
static int cmd_options(void)
{
    print_options("[daemon]", zt_daemon_options);
    print_options("\n[collector:NAME] (every type)", zt_instance_options);
    for (size_t i = 0; zt_collectors[i]; i++) {
        _cleanup_free_ char *title =
            zt_xasprintf("\n[collector:NAME] type = %s: %s", zt_collectors[i]->name,
                         zt_collectors[i]->summary ? zt_collectors[i]->summary : "");
        print_options(title, zt_collectors[i]->options);
    }
    print_options("\n[sink:NAME] (every type)", zt_sink_common_options);
    for (size_t i = 0; zt_sinks[i]; i++) {
        _cleanup_free_ char *title = zt_xasprintf("\n[sink:NAME] type = %s: %s", zt_sinks[i]->name,
                                                  zt_sinks[i]->summary ? zt_sinks[i]->summary : "");
        print_options(title, zt_sinks[i]->options);
    }
    return EXIT_SUCCESS;
}

static int read_json(const char *path, struct json_object **ret)
{
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    int r = zt_read_file(path, EVIDENCE_FILE_MAX, &text, &len);

    if (r < 0) {
        fprintf(stderr, "ztmmctl: %s: cannot read: %s\n", path, strerror(-r));
        return r;
    }
    struct json_object *doc = NULL;
    char why[128] = "byte 0: null";
    if (zt_json_parse(text, len, EVIDENCE_JSON_DEPTH, &doc, why, sizeof(why)) < 0 || !doc) {
        fprintf(stderr, "ztmmctl: %s: not valid JSON at %s\n", path, why);
        return -EINVAL;
    }
    *ret = doc;
    return 0;
}

static void print_json(struct json_object *doc)
{
    puts(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                 JSON_C_TO_STRING_NOSLASHESCAPE));
}

static int cmd_evaluate(const char *path, const char *rules, const char *format)
{
    _cleanup_(zt_catalog_freep) struct zt_catalog *cat = NULL;
    _cleanup_(zt_scan_freep) struct zt_scan *scan = NULL;
    _cleanup_json_ struct json_object *in = NULL;
    char err[1024];

    if (zt_catalog_load(rules, &cat, err, sizeof(err)) < 0) {
        fprintf(stderr, "ztmmctl: %s\n", err);
        return EXIT_FAILURE;
    }
    if (read_json(path, &in) < 0) {
        return EXIT_FAILURE;
    }
    if (zt_scan_from_json(in, &scan, err, sizeof(err)) < 0) {
        fprintf(stderr, "ztmmctl: %s: %s\n", path, err);
        return EXIT_FAILURE;
    }
    _cleanup_json_ struct json_object *doc = zt_result_build(scan, cat, NULL, 0);
    if (zt_streq(format, "table")) {
        zt_result_print_table(doc, stdout);
    } else {
        print_json(doc);
    }
    return EXIT_SUCCESS;
}

static int cmd_catalog(const char *rules, const char *format)
{
    _cleanup_(zt_catalog_freep) struct zt_catalog *cat = NULL;
    char err[1024];

    if (zt_catalog_load(rules, &cat, err, sizeof(err)) < 0) {
        fprintf(stderr, "ztmmctl: %s\n", err);
        return EXIT_FAILURE;
    }
    if (zt_streq(format, "json")) {
        print_json(cat->doc);
        return EXIT_SUCCESS;
    }
    printf("%s %s: %zu pillars, %zu functions, %zu rules (%s)\n", cat->model_name,
           cat->model_version, cat->n_pillars, cat->n_functions, cat->n_rules, cat->path);
    for (size_t p = 0; p < cat->n_pillars; p++) {
        printf("\n%s [%s]\n", cat->pillars[p].name, cat->pillars[p].id);
        for (size_t f = 0; f < cat->n_functions; f++) {
            if (cat->functions[f].pillar != p) {
                continue;
            }
            printf("  %-45s %s\n", cat->functions[f].id, cat->functions[f].name);
            for (size_t i = 0; i < cat->n_rules; i++) {
                const struct zt_rule *r = &cat->rules[i];
                if (r->function == f) {
                    printf("      %-9s %-45s %s\n", zt_stage_to_string(r->stage), r->id, r->title);
                }
            }
            for (enum zt_stage s = ZT_STAGE_INITIAL; s <= ZT_STAGE_OPTIMAL; s++) {
                const char *statement = zt_catalog_attest_only(cat, f, s);
                if (statement) {
                    printf("      %-9s %-45s %s\n", zt_stage_to_string(s), "(attestation only)",
                           statement);
                }
            }
        }
    }
    return EXIT_SUCCESS;
}

/* Send one request; print the daemon's refusal or error. Returns 0 and the response. */
static int call(const char *socket_path, const struct zt_control_request *req, uint64_t timeout,
                struct json_object **ret)
{
    char err[1024];
    struct json_object *resp = NULL, *ok, *msg;

    if (zt_control_call(socket_path, req, timeout, &resp, err, sizeof(err)) < 0) {
        fprintf(stderr, "ztmmctl: %s\n", err);
        return -EIO;
    }
    if (!json_object_object_get_ex(resp, "ok", &ok) || !json_object_get_boolean(ok)) {
        fprintf(stderr, "ztmmctl: ztmmd: %s\n",
                json_object_object_get_ex(resp, "error", &msg) ? json_object_get_string(msg)
                                                               : "request failed");
        json_object_put(resp);
        return -EIO;
    }
    *ret = resp;
    return 0;
}

/* Print a result document; exit status 3 when a collector did not complete. */
static int print_result(struct json_object *doc, const char *format)
{
    struct json_object *arr, *st;
    bool complete = true;

    if (zt_streq(format, "json")) {
        print_json(doc);
    } else {
        zt_result_print_table(doc, stdout);
    }
    if ((arr = zt_json_array(doc, "collectors"))) {
        for (size_t i = 0; i < json_object_array_length(arr); i++) {
            struct json_object *c = json_object_array_get_idx(arr, i);
            const char *s =
                json_object_object_get_ex(c, "status", &st) ? json_object_get_string(st) : "error";
            complete = complete && (zt_streq(s, "ok") || zt_streq(s, "skipped"));
        }
    }
    return complete ? EXIT_SUCCESS : EXIT_INCOMPLETE;
}

static const char *get_s(struct json_object *o, const char *key, const char *def)
{
    struct json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_get_type(v) != json_type_null
               ? json_object_get_string(v)
               : def;
}

static void print_status(struct json_object *resp)
{
    struct json_object *d = NULL, *last = NULL, *arr = NULL, *overall = NULL;

    json_object_object_get_ex(resp, "daemon", &d);
    json_object_object_get_ex(resp, "last_scan", &last);
    arr = zt_json_array(resp, "collectors");
    printf("ztmmd %s, pid %s, %s (up %s s, %s scans, %s failed)\n", get_s(d, "version", "?"),
           get_s(d, "pid", "?"), get_s(d, "state", "?"), get_s(d, "uptime_sec", "?"),
           get_s(d, "scans", "0"), get_s(d, "scan_failures", "0"));
    printf("  config:     %s\n  catalog:    %s\n", get_s(d, "config", "?"),
           get_s(d, "catalog", "?"));
    if (last && json_object_object_get_ex(last, "overall", &overall)) {
        printf("  last scan:  %s (%s): overall %s, %s/%s functions assessed, %s change(s)\n",
               get_s(last, "finished_at", "?"), get_s(last, "scan_id", "?"),
               get_s(overall, "stage", "?"), get_s(overall, "functions_assessed", "?"),
               get_s(overall, "functions", "?"), get_s(last, "changes", "0"));
    } else {
        printf("  last scan:  none\n");
    }
    printf("  next scan:  %s\n", get_s(d, "next_scan", "not scheduled"));
    printf("  last error: %s\n", get_s(d, "last_error", "none"));
    printf("\n  %-20s %-12s %-8s %-9s %-25s %s\n", "COLLECTOR", "TYPE", "STATUS", "FAILURES",
           "NEXT RUN", "ERROR");
    for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
        struct json_object *c = json_object_array_get_idx(arr, i);
        printf("  %-20s %-12s %-8s %-9s %-25s %s\n", get_s(c, "name", "?"), get_s(c, "type", "?"),
               get_s(c, "status", "-"), get_s(c, "consecutive_failures", "0"),
               get_s(c, "next_run", "-"), get_s(c, "error", ""));
        if (get_s(c, "credentials", NULL)) {
            printf("  %-20s credentials: %s\n", "", get_s(c, "credentials", ""));
        }
    }
    arr = zt_json_array(resp, "sinks");
    if (!arr || json_object_array_length(arr) == 0) {
        printf("\n  no sinks: nothing is exported\n");
        return;
    }
    printf("\n  %-20s %-14s %-6s %10s %8s %8s  %s\n", "SINK", "TYPE", "FORMAT", "DELIVERED",
           "PENDING", "DROPPED", "LAST ERROR");
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        struct json_object *k = json_object_array_get_idx(arr, i);
        printf("  %-20s %-14s %-6s %10s %8s %8s  %s%s%s%s\n", get_s(k, "name", "?"),
               get_s(k, "type", "?"), get_s(k, "format", "?"), get_s(k, "delivered", "0"),
               get_s(k, "pending", "0"), get_s(k, "dropped", "0"), get_s(k, "last_error", "-"),
               get_s(k, "last_error_at", NULL) ? " (" : "", get_s(k, "last_error_at", ""),
               get_s(k, "last_error_at", NULL) ? ")" : "");
        if (get_s(k, "next_attempt_at", NULL)) {
            printf("  %-20s next attempt %s\n", "", get_s(k, "next_attempt_at", ""));
        }
    }
}

struct ctl_args {
    const char *socket, *format;
    const char *html, *input, *history; /* report */
    bool wait;
    uint64_t timeout_usec;
};

static int cmd_daemon(enum zt_control_cmd cmd, const struct ctl_args *a)
{
    struct zt_control_request req = {.cmd = cmd, .wait = a->wait};
    uint64_t timeout =
        a->timeout_usec ? a->timeout_usec : (a->wait ? WAIT_TIMEOUT_USEC : CALL_TIMEOUT_USEC);
    _cleanup_json_ struct json_object *resp = NULL;
    struct json_object *doc;

    if (call(a->socket, &req, timeout, &resp) < 0) {
        return EXIT_FAILURE;
    }
    if (json_object_object_get_ex(resp, "result", &doc)) {
        int r = print_result(doc, a->format ? a->format : "table");
        return cmd == ZT_CONTROL_SCAN ? r : EXIT_SUCCESS; /* show: a result was printed */
    }
    if (cmd == ZT_CONTROL_STATUS && !zt_streq(a->format, "json")) {
        print_status(resp);
    } else if (cmd == ZT_CONTROL_SCAN && !zt_streq(a->format, "json")) {
        printf("scan %s (worker pid %s)\n", get_s(resp, "scan", "?"),
               get_s(resp, "worker_pid", "?"));
    } else {
        print_json(resp);
    }
    return EXIT_SUCCESS;
}

/* The result: offline from --input, else the service's latest. */
static int latest_result(const struct ctl_args *a, struct json_object **doc)
{
    _cleanup_json_ struct json_object *resp = NULL;
    struct zt_control_request req = {.cmd = ZT_CONTROL_SHOW};
    uint64_t timeout = a->timeout_usec ? a->timeout_usec : CALL_TIMEOUT_USEC;
    struct json_object *v;

    if (a->input ? read_json(a->input, doc) < 0 : call(a->socket, &req, timeout, &resp) < 0) {
        return -EIO;
    }
    if (!a->input) {
        *doc = json_object_object_get_ex(resp, "result", &v) ? json_object_get(v) : NULL;
    }
    return 0;
}

/* The result and its history for the report: offline from files, else from the service. */
static int report_sources(const struct ctl_args *a, struct json_object **doc, struct zt_history *h)
{
    _cleanup_json_ struct json_object *resp = NULL;
    struct zt_control_request req = {.cmd = ZT_CONTROL_HISTORY};
    uint64_t timeout = a->timeout_usec ? a->timeout_usec : CALL_TIMEOUT_USEC;
    struct json_object *v;
    char err[1024];

    if (latest_result(a, doc) < 0) {
        return -EIO;
    }
    if (a->history && zt_history_refresh(h, a->history, err, sizeof(err)) < 0) {
        fprintf(stderr, "ztmmctl: %s\n", err);
        return -EIO;
    }
    if (a->history || a->input) {
        return 0;
    }
    if (call(a->socket, &req, timeout, &resp) < 0) {
        return -EIO;
    }
    if (zt_history_from_json(zt_json_array(resp, "history"), h, err, sizeof(err)) < 0) {
        fprintf(stderr, "ztmmctl: ztmmd: %s\n", err);
        return -EIO;
    }
    if (json_object_object_get_ex(resp, "skipped", &v) && json_object_get_int64(v) > 0) {
        h->skipped += (size_t)json_object_get_int64(v); /* files the service could not read */
    }
    return 0;
}

/* Write text to path atomically (a half-written report never replaces a good one); "-": stdout. */
static int write_report(const char *path, const char *text, size_t len)
{
    if (zt_streq(path, "-")) {
        return fwrite(text, 1, len, stdout) == len && fflush(stdout) == 0 ? 0 : -EIO;
    }
    const char *slash = strrchr(path, '/');
    _cleanup_free_ char *dir = slash ? zt_xstrndup(path, (size_t)(slash - path + 1)) : NULL;
    _cleanup_close_ int dfd = open(dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        return -errno;
    }
    return zt_write_atomic(dfd, slash ? slash + 1 : path, text, len);
}

static int cmd_report(const struct ctl_args *a)
{
    _cleanup_json_ struct json_object *doc = NULL;
    _cleanup_free_ char *html = NULL;
    struct zt_history h = {0};
    size_t len = 0;
    char err[1024];

    if (!a->html) {
        fprintf(stderr, "ztmmctl: report needs --html FILE\n");
        return EXIT_USAGE;
    }
    int r = report_sources(a, &doc, &h);
    if (r == 0 && (r = zt_report_html_doc(doc, &h, &html, &len, err, sizeof(err))) < 0) {
        fprintf(stderr, "ztmmctl: %s: %s\n", a->input ? a->input : "latest result", err);
    }
    zt_history_clear(&h);
    if (r < 0) {
        return EXIT_FAILURE;
    }
    if ((r = write_report(a->html, html, len)) < 0) {
        fprintf(stderr, "ztmmctl: cannot write %s: %s\n", a->html, strerror(-r));
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}

/* The way up of the latest result, or of --input. */
static int cmd_plan(const struct ctl_args *a)
{
    _cleanup_json_ struct json_object *doc = NULL, *next = NULL;
    char err[256];

    if (latest_result(a, &doc) < 0) {
        return EXIT_FAILURE;
    }
    if (!zt_streq(a->format, "json")) {
        return zt_result_print_plan(doc, true, stdout) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
    }
    if (zt_plan_of_result(doc, &next, err, sizeof(err)) < 0) {
        fprintf(stderr, "ztmmctl: %s: %s\n", a->input ? a->input : "latest result", err);
        return EXIT_FAILURE;
    }
    print_json(next);
    return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"rules", required_argument, NULL, 'r'},
        {"format", required_argument, NULL, 'f'},
        {"socket", required_argument, NULL, 's'},
        {"wait", no_argument, NULL, 'w'},
        {"timeout", required_argument, NULL, 't'},
        {"html", required_argument, NULL, 'H'},
        {"input", required_argument, NULL, 'i'},
        {"history", required_argument, NULL, 'y'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *rules = ZT_DATADIR "/ztmmd/rules/ztmm-v2.json";
    struct ctl_args a = {.socket = DEFAULT_SOCKET};
    uint64_t ms;
    int c;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            rules = optarg;
            break;
        case 'f':
            a.format = optarg;
            break;
        case 's':
            a.socket = optarg;
            break;
        case 'w':
            a.wait = true;
            break;
        case 't':
            if (zt_parse_duration_ms(optarg, &ms) < 0 || ms == 0) {
                fprintf(stderr, "ztmmctl: --timeout needs a duration such as 90 or 10min\n");
                return EXIT_USAGE;
            }
            a.timeout_usec = ms * 1000u;
            break;
        case 'H':
            a.html = optarg;
            break;
        case 'i':
            a.input = optarg;
            break;
        case 'y':
            a.history = optarg;
            break;
        case 'h':
            usage(stdout);
            return EXIT_SUCCESS;
        case 'V':
            printf("ztmmctl %s\n", ZT_VERSION);
            return EXIT_SUCCESS;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (a.format && !zt_streq(a.format, "json") && !zt_streq(a.format, "table")) {
        fprintf(stderr, "ztmmctl: --format must be json or table\n");
        return EXIT_USAGE;
    }
    const char *cmd = optind < argc ? argv[optind] : NULL;
    bool one = optind + 1 == argc;
    if (zt_streq(cmd, "evaluate") && optind + 2 == argc) {
        return cmd_evaluate(argv[optind + 1], rules, a.format ? a.format : "json");
    }
    if (zt_streq(cmd, "options") && one) {
        return cmd_options();
    }
    if (zt_streq(cmd, "catalog") && one) {
        return cmd_catalog(rules, a.format ? a.format : "table");
    }
    if ((a.html || a.history) && !zt_streq(cmd, "report")) {
        fprintf(stderr, "ztmmctl: --html and --history only apply to report\n");
        return EXIT_USAGE;
    }
    if (a.input && !zt_streq(cmd, "report") && !zt_streq(cmd, "plan")) {
        fprintf(stderr, "ztmmctl: --input only applies to report and plan\n");
        return EXIT_USAGE;
    }
    if (zt_streq(cmd, "plan") && one) {
        return cmd_plan(&a);
    }
    if (a.wait && !zt_streq(cmd, "scan")) {
        fprintf(stderr, "ztmmctl: --wait only applies to scan\n");
        return EXIT_USAGE;
    }
    for (int i = 0; i < _ZT_CONTROL_CMD_MAX && one; i++) {
        if (zt_streq(cmd, zt_control_cmd_to_string((enum zt_control_cmd)i))) {
            return cmd_daemon((enum zt_control_cmd)i, &a);
        }
    }
    if (zt_streq(cmd, "report") && one) {
        return cmd_report(&a);
    }
    usage(stderr);
    return EXIT_USAGE;
}
