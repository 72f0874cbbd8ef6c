/* export_bench.c - throughput and footprint of the export core (not a test: figures only).
 *
 * Usage: export_bench DIR [EVENTS]   (DIR: an empty scratch directory on the disk to measure)
 *
 * 1. outbox append: EVENTS realistic events (~600 bytes, the native JSON of a finding) in
 *    scan-sized batches of 500, each batch synced, against a baseline in the same run: the same
 *    bytes written with write() + fdatasync() per batch to a plain file.
 * 2. file sink: the same events published and delivered through the export core to a file sink
 *    (read from the outbox, parsed, rendered, written and synced per batch), against the
 *    baseline of writing the same lines with one fdatasync() per batch.
 * 3. outbox bytes per event, and peak RSS of a process that opens an outbox holding a backlog
 *    of EVENTS for a sink that does not deliver (the reader must not load it into memory).
 * 4. syslog sink (mode `syslog URL CA|-`): the same scan delivered through the export core to a
 *    syslog receiver (tests/bench/syslog_bench.py starts a real rsyslogd and passes its url);
 *    delivery ends when the receiver's TCP has acknowledged every batch (UDP: sent). Prints the
 *    wall clock of the publish, so the driver can time the receipt by rsyslog's output file.
 *    $SYSLOG_BENCH_KEYS adds keys to the sink.
 * 5. syslog sink alone (mode `syslog-alone URL CA|-`): the stored events handed straight to the
 *    sink's deliver() in batches, without the core (outbox read, parse, render): what the sink
 *    itself costs.
 * Prints one line per figure. */
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "event.h"
#include "export.h"
#include "model.h"
#include "outbox.h"
#include "registry.h"
#include "sinks.h"
#include "util.h"

#define BATCH 500

static double now_s(void)
{
    return (double)zt_now_mono_usec() / 1e6;
}

/* CPU seconds (user + system) of the whole process so far: during a flush the main thread
 * sleeps, so a difference is the delivery thread's own cost, whatever else runs on the machine. */
static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Peak RSS of this process image: VmHWM belongs to the address space, so unlike getrusage()'s
 * ru_maxrss it starts afresh at exec (the backlog-open process). */
static long rss_kib(void)
{
    char line[256];
    long kib = -1;
    FILE *f = fopen("/proc/self/status", "re");

    while (f && fgets(line, sizeof(line), f)) {
        if (sscanf(line, "VmHWM: %ld kB", &kib) == 1) {
            break;
        }
    }
    if (f) {
        fclose(f);
    }
    return kib;
}

/* A finding event as ztmmd stores it, distinct per i. */
static char *event_line(size_t i)
{
    char id[ZT_EVENT_ID_LEN + 1];
    _cleanup_free_ char *rule = zt_xasprintf("host.bench.rule_%zu", i);
    zt_event_id("bench-scan", ZT_EVENT_FINDING, rule, id);
    return zt_xasprintf(
        "{\"schema\":\"ztmmd.event/1\",\"id\":\"%s\",\"kind\":\"finding\",\"time\":\"2026-12-03T"
        "12:00:00.000Z\",\"scan_id\":\"5c0d6b1e-2f4a-4c8e-9a1b-3d2e1f0a9b8c\",\"host\":\"web1."
        "example.org\",\"rule\":\"%s\",\"function\":\"identity.authentication\",\"pillar\":"
        "\"identity\",\"stage\":\"initial\",\"status\":\"fail\",\"title\":\"SSH does not accept "
        "a password alone (PasswordAuthentication, or keyboard-interactive through PAM)\","
        "\"remediation\":\"Set 'PasswordAuthentication no' and 'KbdInteractiveAuthentication no'"
        " in /etc/ssh/sshd_config, then reload sshd.\",\"evidence\":[{\"key\":\"host.sshd."
        "password_login\",\"value\":true}]}",
        id, rule);
}

static int bench_append(const char *dir, char **lines, size_t *lens, size_t n)
{
    struct zt_outbox *ob = NULL;
    static const struct zt_outbox_sink sink = {"bench", 0};
    char err[512];
    _cleanup_free_ char *obdir = zt_xasprintf("%s/append", dir);

    if (zt_outbox_open(obdir, 0, &sink, 1, &ob, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    double t0 = now_s();
    for (size_t i = 0; i < n; i += BATCH) {
        size_t k = n - i < BATCH ? n - i : BATCH;
        if (zt_outbox_append(ob, (const char *const *)lines + i, lens + i, NULL, k, NULL, err,
                             sizeof(err)) < 0) {
            fprintf(stderr, "%s\n", err);
            return -1;
        }
    }
    double t1 = now_s();
    uint64_t bytes = zt_outbox_bytes(ob);
    zt_outbox_free(ob);

    /* baseline: the same payload bytes, one write + fdatasync per batch */
    _cleanup_free_ char *plain = zt_xasprintf("%s/plain.bin", dir);
    int fd = open(plain, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
    double b0 = now_s();
    for (size_t i = 0; i < n; i += BATCH) {
        size_t k = n - i < BATCH ? n - i : BATCH, sz = 0;
        for (size_t j = i; j < i + k; j++) {
            sz += lens[j];
        }
        char *buf = zt_xmalloc(sz);
        for (size_t j = i, off = 0; j < i + k; off += lens[j], j++) {
            memcpy(buf + off, lines[j], lens[j]);
        }
        zt_write_all(fd, buf, sz);
        fdatasync(fd);
        free(buf);
    }
    double b1 = now_s();
    close(fd);
    printf("outbox_append events=%zu seconds=%.3f events_per_s=%.0f baseline_events_per_s=%.0f "
           "ratio_to_baseline=%.2f bytes_per_event=%.1f payload_bytes_per_event=%.1f\n",
           n, t1 - t0, n / (t1 - t0), n / (b1 - b0), (t1 - t0) / (b1 - b0), (double)bytes / n,
           (double)(bytes - n * ZT_OUTBOX_HEADER) / n);
    return 0;
}

/* A result document whose findings make n finding events. */
static struct json_object *result_doc(size_t n)
{
    struct json_object *d = json_object_new_object(), *f = json_object_new_array();
    json_object_object_add(d, "scan_id", json_object_new_string("bench-scan"));
    json_object_object_add(d, "finished_at", json_object_new_string("2026-12-03T12:00:00.000Z"));
    json_object_object_add(d, "host", json_object_new_string("web1.example.org"));
    json_object_object_add(d, "overall", json_tokener_parse("{\"stage\":\"initial\"}"));
    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_new_object();
        _cleanup_free_ char *rule = zt_xasprintf("host.bench.rule_%zu", i);
        json_object_object_add(e, "rule", json_object_new_string(rule));
        json_object_object_add(e, "function", json_object_new_string("identity.authentication"));
        json_object_object_add(e, "stage", json_object_new_string("initial"));
        json_object_object_add(e, "status", json_object_new_string("fail"));
        json_object_object_add(
            e, "title",
            json_object_new_string("SSH does not accept a password alone (PasswordAuthentication,"
                                   " or keyboard-interactive through PAM)"));
        json_object_object_add(
            e, "remediation",
            json_object_new_string("Set 'PasswordAuthentication no' and "
                                   "'KbdInteractiveAuthentication no' in /etc/ssh/sshd_config, "
                                   "then reload sshd."));
        json_object_array_add(f, e);
    }
    json_object_object_add(d, "findings", f);
    return d;
}

static struct zt_config *config(const char *dir, const char *sinks)
{
    _cleanup_free_ char *text =
        zt_xasprintf("[daemon]\nstate_dir = %s\noutbox_max = 0\n%s", dir, sinks);
    struct zt_config *cfg = NULL;
    char err[512];
    if (zt_config_load_string("/etc/ztmmd/ztmmd.conf", text, zt_collectors, &cfg, err,
                              sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }
    return cfg;
}

/* One scan of n findings through the export core with sinks: publish (append + sync), then
 * deliver, timed from the publish; the CPU of the delivery, and the first sink's status. */
struct run {
    int events;
    double wall, publish_s, delivery_s, cpu_s;
    long long dropped, attempts;
};

static int run_export(const char *state, const char *sinks, size_t n, struct run *r)
{
    struct zt_config *cfg = config(state, sinks);
    struct zt_export *x = NULL;
    char err[512];

    if (zt_export_new(cfg, &x, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    struct json_object *doc = result_doc(n);
    r->wall = (double)zt_now_real_usec() / 1e6;
    double t0 = now_s();
    struct zt_model *m = NULL; /* built within the timed publish, as once per scan */
    r->events = zt_model_from_result(doc, &m, err, sizeof(err)) < 0
                    ? -EBADMSG
                    : zt_export_publish(x, m, err, sizeof(err));
    zt_model_free(m);
    double tp = now_s(), c0 = cpu_s();
    uint64_t left = zt_export_flush(x, 600000);
    r->cpu_s = cpu_s() - c0;
    r->publish_s = tp - t0;
    r->delivery_s = now_s() - tp;
    _cleanup_json_ struct json_object *st = zt_export_status(x);
    struct json_object *row = json_object_array_get_idx(st, 0), *v = NULL;
    json_object_object_get_ex(row, "dropped", &v);
    r->dropped = json_object_get_int64(v);
    json_object_object_get_ex(row, "attempts", &v);
    r->attempts = json_object_get_int64(v);
    json_object_put(doc);
    zt_export_free(x);
    zt_config_free(cfg);
    if (r->events < 0 || left) {
        fprintf(stderr, "%s%llu event(s) left\n", r->events < 0 ? err : "",
                (unsigned long long)left);
        return -1;
    }
    return 0;
}

static int bench_file_sink(const char *dir, char **lines, size_t *lens, size_t n, const char *fmt)
{
    _cleanup_free_ char *state = zt_xasprintf("%s/state-%s", dir, fmt);
    _cleanup_free_ char *out = zt_xasprintf("%s/events.%s", dir, fmt);
    _cleanup_free_ char *sinks = zt_xasprintf(
        "[sink:f]\ntype = file\npath = %s\nformat = %s\nfindings = all\nmax_size = 0\n", out, fmt);
    struct run r;

    if (run_export(state, sinks, n, &r) < 0) {
        return -1;
    }
    /* baseline: the same lines, one fdatasync per batch of 500 */
    _cleanup_free_ char *plain = zt_xasprintf("%s/plain-%s.jsonl", dir, fmt);
    int fd = open(plain, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
    double b0 = now_s();
    for (size_t i = 0; i < n; i += BATCH) {
        size_t m = n - i < BATCH ? n - i : BATCH;
        for (size_t j = i; j < i + m; j++) {
            zt_write_all(fd, lines[j], lens[j]);
            zt_write_all(fd, "\n", 1);
        }
        fdatasync(fd);
    }
    double b1 = now_s();
    close(fd);
    printf("file_sink format=%s events=%d publish_s=%.3f publish_events_per_s=%.0f delivery_s=%.3f "
           "delivery_events_per_s=%.0f baseline_events_per_s=%.0f delivery_ratio_to_baseline=%.2f "
           "delivery_cpu_s=%.3f cpu_events_per_s=%.0f\n",
           fmt, r.events, r.publish_s, r.events / r.publish_s, r.delivery_s,
           r.events / r.delivery_s, n / (b1 - b0), r.delivery_s / (b1 - b0), r.cpu_s,
           r.events / r.cpu_s);
    return 0;
}

static int bench_syslog(const char *dir, size_t n, const char *url, const char *ca)
{
    _cleanup_free_ char *state =
        zt_xasprintf("%s/state-syslog-%llu", dir, (unsigned long long)zt_now_mono_usec());
    /* $SYSLOG_BENCH_KEYS: more keys of the sink, for experiments ("batch = 2000\n"). */
    const char *more = getenv("SYSLOG_BENCH_KEYS");
    _cleanup_free_ char *sinks =
        zt_xasprintf("[sink:s]\ntype = syslog\nurl = %s\nfindings = all\n%s%s%s%s", url,
                     ca ? "ca_file = " : "", ca ? ca : "", ca ? "\n" : "", more ? more : "");
    struct run r;

    if (run_export(state, sinks, n, &r) < 0) {
        return -1;
    }
    printf("syslog_sink url=%s events=%d publish_s=%.3f delivery_s=%.3f delivery_events_per_s=%.0f "
           "batches=%lld dropped=%lld publish_wall=%.6f peak_rss_kib=%ld delivery_cpu_s=%.3f "
           "cpu_events_per_s=%.0f\n",
           url, r.events, r.publish_s, r.delivery_s, r.events / r.delivery_s, r.attempts, r.dropped,
           r.wall, rss_kib(), r.cpu_s, r.events / r.cpu_s);
    return 0;
}

static bool never(void *data)
{
    (void)data;
    return false;
}

/* The syslog sink alone, without the core: the n stored events handed to its deliver() in
 * batches of BATCH, as the delivery thread would, to see what the sink itself costs. */
static int bench_syslog_sink(char **lines, size_t *lens, size_t n, const char *url, const char *ca)
{
    const struct zt_sink *t = &zt_sink_syslog;
    void *st = zt_xcalloc(1, t->state_size);
    const struct zt_sink_env env = {.name = "s",
                                    .type = t->name,
                                    .format = ZT_FORMAT_JSON,
                                    .batch = BATCH,
                                    .timeout_ms = 60000,
                                    .hostname = "bench",
                                    .cancelled = never};
    struct zt_sink_event *ev = zt_xcalloc(n, sizeof(*ev));
    char err[512];

    zt_options_defaults(t->options, st, err, sizeof(err));
    zt_option_set(zt_options_find(t->options, "url"), st, url, err, sizeof(err));
    if (ca) {
        zt_option_set(zt_options_find(t->options, "ca_file"), st, ca, err, sizeof(err));
    }
    if (t->open(st, &env, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        ev[i] = (struct zt_sink_event){.id = "0123456789abcdef0123456789abcdef",
                                       .kind = "finding",
                                       .function = "identity.authentication",
                                       .stage = "initial",
                                       .host = "web1.example.org",
                                       .time_usec = zt_now_real_usec(),
                                       .severity = 4,
                                       .text = lines[i],
                                       .len = lens[i]};
    }
    double t0 = now_s(), c0 = cpu_s();
    for (size_t i = 0; i < n; i += BATCH) {
        struct zt_sink_batch b = {.ev = ev + i, .n = n - i < BATCH ? n - i : BATCH};
        struct zt_sink_outcome out = {0};
        if (t->deliver(st, &b, &out) != ZT_SINK_OK) {
            fprintf(stderr, "%s\n", out.message);
            return -1;
        }
    }
    double t1 = now_s(), cpu = cpu_s() - c0;
    printf("syslog_sink_alone url=%s events=%zu seconds=%.3f events_per_s=%.0f cpu_s=%.3f "
           "cpu_events_per_s=%.0f\n",
           url, n, t1 - t0, n / (t1 - t0), cpu, n / cpu);
    t->close(st);
    zt_options_free(t->options, st);
    free(st);
    free(ev);
    return 0;
}

/* A backlog of n events for a sink that never delivers (its file cannot rotate): written here,
 * then opened by a fresh process (this program, mode backlog-open), so that the peak RSS
 * reported is that of opening it and reading the first batch, which must not grow with n, and
 * not that of the n events this process generated. */
static int bench_backlog(const char *self, const char *dir, char **lines, size_t *lens, size_t n)
{
    _cleanup_free_ char *state = zt_xasprintf("%s/state-backlog", dir);
    _cleanup_free_ char *b1 = zt_xasprintf("%s/stuck.jsonl.1", dir);
    _cleanup_free_ char *blocker = zt_xasprintf("%s/stuck.jsonl.1/x", dir);
    char err[512], count[32];
    static const struct zt_outbox_sink sink = {"stuck", 0};
    struct zt_outbox *ob = NULL;

    mkdir(state, 0700);
    mkdir(b1, 0700);
    mkdir(blocker, 0700);
    /* Register the sink first so the backlog is its own. */
    if (zt_outbox_open(state, 0, &sink, 1, &ob, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    for (size_t i = 0; i < n; i += BATCH) {
        size_t k = n - i < BATCH ? n - i : BATCH;
        if (zt_outbox_append(ob, (const char *const *)lines + i, lens + i, NULL, k, NULL, err,
                             sizeof(err)) < 0) {
            fprintf(stderr, "%s\n", err);
            return -1;
        }
    }
    printf("backlog events=%zu outbox_bytes=%llu\n", n, (unsigned long long)zt_outbox_bytes(ob));
    fflush(stdout);
    zt_outbox_free(ob);
    snprintf(count, sizeof(count), "%zu", n);
    pid_t pid = fork();
    if (pid == 0) {
        execl(self, self, dir, count, "backlog-open", (char *)NULL);
        _exit(127);
    }
    int status = 0;
    return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
                   WEXITSTATUS(status) == 0
               ? 0
               : -1;
}

static int bench_backlog_open(const char *dir)
{
    _cleanup_free_ char *state = zt_xasprintf("%s/state-backlog", dir);
    _cleanup_free_ char *out = zt_xasprintf("%s/stuck.jsonl", dir);
    _cleanup_free_ char *sinks = zt_xasprintf(
        "[sink:stuck]\ntype = file\npath = %s\nfindings = all\nmax_size = 1\nkeep = 1\n", out);
    char err[512];
    struct zt_config *cfg = config(state, sinks);
    struct zt_export *x = NULL;
    long before = rss_kib();
    double t0 = now_s();

    if (zt_export_new(cfg, &x, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    double t1 = now_s();
    zt_export_flush(x, 1500); /* let it read a batch and fail on it */
    _cleanup_json_ struct json_object *st = zt_export_status(x);
    struct json_object *v = NULL;
    json_object_object_get_ex(json_object_array_get_idx(st, 0), "pending", &v);
    printf("backlog-open open_s=%.3f pending=%lld peak_rss_kib=%ld rss_before_open_kib=%ld "
           "growth_kib=%ld\n",
           t1 - t0, (long long)json_object_get_int64(v), rss_kib(), before, rss_kib() - before);
    zt_export_free(x);
    zt_config_free(cfg);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(
            stderr,
            "usage: export_bench DIR [EVENTS] [append|file|backlog|syslog[-alone] URL CA|-]...\n");
        return 2;
    }
    size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 200000;
    if (argc > 3 && zt_streq(argv[3], "backlog-open")) {
        return bench_backlog_open(argv[1]) < 0;
    }
    char **lines = zt_xcalloc(n, sizeof(*lines));
    size_t *lens = zt_xcalloc(n, sizeof(*lens));
    for (size_t i = 0; i < n; i++) {
        lines[i] = event_line(i);
        lens[i] = strlen(lines[i]);
    }
    bool all = argc <= 3;
    for (int a = 3; a <= argc; a++) {
        const char *what = a < argc ? argv[a] : NULL;
        if ((all || zt_streq(what, "append")) && bench_append(argv[1], lines, lens, n) < 0) {
            return 1;
        }
        if ((all || zt_streq(what, "file")) &&
            (bench_file_sink(argv[1], lines, lens, n, "json") < 0 ||
             bench_file_sink(argv[1], lines, lens, n, "cef") < 0)) {
            return 1;
        }
        if (!all && zt_streq(what, "backlog") &&
            bench_backlog("/proc/self/exe", argv[1], lines, lens, n) < 0) {
            return 1;
        }
        if (!all && (zt_streq(what, "syslog") || zt_streq(what, "syslog-alone"))) {
            if (a + 2 >= argc) {
                fprintf(stderr, "%s needs URL and CA (or -)\n", what);
                return 2;
            }
            const char *ca = zt_streq(argv[a + 2], "-") ? NULL : argv[a + 2];
            if (zt_streq(what, "syslog") ? bench_syslog(argv[1], n, argv[a + 1], ca) < 0
                                         : bench_syslog_sink(lines, lens, n, argv[a + 1], ca) < 0) {
                return 1;
            }
            a += 2;
        }
        if (all) {
            break;
        }
    }
    return 0;
}
