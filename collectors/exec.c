/* exec.c - the exec collector: runs a configured program, bounded in time and output, and takes
 * evidence from the JSON document it prints (format: docs/exec.md). */
#include <limits.h>
#include <math.h>
#include <syslog.h>

#include "collector.h"
#include "evidence.h"
#include "exec.h"
#include "proc.h"
#include "registry.h"

#define EXEC_SCHEMA         "ztmmd.exec/1"
#define EXEC_JSON_DEPTH     16                    /* nesting limit of the output document */
#define EXEC_MAX_OUTPUT_MAX (64ULL * 1024 * 1024) /* upper bound of the max_output option */
#define EXEC_ENV_PATH       "PATH=/usr/sbin:/usr/bin:/sbin:/bin"
#define EXEC_ENV_LANG       "LANG=C.UTF-8"

/* ---- parsing its output ------------------------------------------------------------------- */

static void tokener_freep(struct json_tokener **tok)
{
    if (*tok) {
        json_tokener_free(*tok);
    }
}

/* JSON has no NaN or Infinity, but json-c accepts them (and turns 1e999 into Infinity). */
static bool json_finite(struct json_object *o)
{
    switch (json_object_get_type(o)) {
    case json_type_double:
        return isfinite(json_object_get_double(o));
    case json_type_array:
        for (size_t i = 0; i < json_object_array_length(o); i++) {
            if (!json_finite(json_object_array_get_idx(o, i))) {
                return false;
            }
        }
        return true;
    case json_type_object: {
        json_object_object_foreach(o, k, v)
        {
            (void)k;
            if (!json_finite(v)) {
                return false;
            }
        }
        return true;
    }
    default:
        return true;
    }
}

/* Parse text as exactly one JSON value: strict, valid UTF-8, bounded depth, nothing after it. */
static int parse_json(const char *text, size_t len, struct json_object **ret, char *err,
                      size_t errlen)
{
    _cleanup_(tokener_freep) struct json_tokener *tok = NULL;
    const char *nul = memchr(text, '\0', len);
    struct json_object *doc;

    if (nul) {
        snprintf(err, errlen, "output is not valid JSON: NUL byte at offset %zu",
                 (size_t)(nul - text));
        return -EBADMSG;
    }
    size_t blank = 0; /* not strspn(): text need not be NUL-terminated (fuzz_exec found it) */
    while (blank < len && memchr(" \t\r\n", text[blank], 4)) {
        blank++;
    }
    if (blank == len) {
        snprintf(err, errlen, "printed no output (expected a JSON object)");
        return -EBADMSG;
    }
    tok = json_tokener_new_ex(EXEC_JSON_DEPTH);
    if (!tok || len > INT_MAX) {
        return -ENOMEM;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    doc = json_tokener_parse_ex(tok, text, (int)len);
    if (!doc && json_tokener_get_error(tok) == json_tokener_continue) {
        doc = json_tokener_parse_ex(tok, " ", 1); /* end of input: completes a bare number */
        if (!doc) {
            snprintf(err, errlen,
                     "output is not valid JSON: unexpected end of output at offset %zu", len);
            return -EBADMSG;
        }
    } else if (!doc) {
        snprintf(err, errlen, "output is not valid JSON: %s at offset %zu",
                 json_tokener_error_desc(json_tokener_get_error(tok)),
                 json_tokener_get_parse_end(tok));
        return -EBADMSG;
    } else if (json_tokener_get_parse_end(tok) < len) {
        json_object_put(doc);
        snprintf(err, errlen, "output is not valid JSON: trailing data at offset %zu",
                 json_tokener_get_parse_end(tok));
        return -EBADMSG;
    }
    if (!json_finite(doc)) {
        json_object_put(doc);
        snprintf(err, errlen, "output is not valid JSON: NaN, Infinity or an out-of-range number");
        return -EBADMSG;
    }
    *ret = doc;
    return 0;
}

/* A member name or key from the program, quoted safely in a message. */
static char *quote(char *buf, size_t len, const char *s)
{
    return zt_proc_snippet(buf, len, s, strlen(s));
}

/* Check the document's shape and hand out its evidence array (borrowed). */
static int check_document(struct json_object *doc, struct json_object **ret, char *err,
                          size_t errlen)
{
    struct json_object *schema = NULL, *evidence = NULL;
    char q[ZT_PROC_SNIPPET_MAX + 4];

    if (!json_object_is_type(doc, json_type_object)) {
        snprintf(err, errlen, "output is a JSON %s, expected an object",
                 json_type_to_name(json_object_get_type(doc)));
        return -EBADMSG;
    }
    json_object_object_foreach(doc, k, v)
    {
        (void)v;
        if (!zt_streq(k, "schema") && !zt_streq(k, "evidence")) {
            snprintf(err, errlen, "unexpected member \"%s\" in the output object",
                     quote(q, sizeof(q), k));
            return -EBADMSG;
        }
    }
    if (!json_object_object_get_ex(doc, "schema", &schema) ||
        !json_object_is_type(schema, json_type_string) ||
        !zt_streq(json_object_get_string(schema), EXEC_SCHEMA)) {
        snprintf(err, errlen, "unsupported schema %s (expected \"" EXEC_SCHEMA "\")",
                 schema
                     ? quote(q, sizeof(q),
                             json_object_to_json_string_ext(
                                 schema, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE))
                     : "(missing)");
        return -EBADMSG;
    }
    if (!json_object_object_get_ex(doc, "evidence", &evidence) ||
        !json_object_is_type(evidence, json_type_array)) {
        snprintf(err, errlen, "\"evidence\" is %s, expected an array",
                 evidence ? json_type_to_name(json_object_get_type(evidence)) : "missing");
        return -EBADMSG;
    }
    *ret = evidence;
    return 0;
}

/* One evidence entry: {"key": "...", "value": ..., "detail": {...}}. Hands out borrowed parts. */
static int check_entry(struct json_object *e, const char **key, struct json_object **value,
                       struct json_object **detail, char *err, size_t errlen)
{
    struct json_object *k = NULL;
    char q[ZT_PROC_SNIPPET_MAX + 4];

    if (!json_object_is_type(e, json_type_object)) {
        snprintf(err, errlen, "is a JSON %s, expected an object",
                 json_type_to_name(json_object_get_type(e)));
        return -EINVAL;
    }
    json_object_object_foreach(e, name, v)
    {
        (void)v;
        if (!zt_streq(name, "key") && !zt_streq(name, "value") && !zt_streq(name, "detail")) {
            snprintf(err, errlen, "unexpected member \"%s\"", quote(q, sizeof(q), name));
            return -EINVAL;
        }
    }
    if (!json_object_object_get_ex(e, "key", &k) || !json_object_is_type(k, json_type_string)) {
        snprintf(err, errlen, "\"key\" is missing or not a string");
        return -EINVAL;
    }
    *key = json_object_get_string(k);
    if (!zt_evidence_key_valid(*key)) {
        snprintf(err, errlen,
                 "malformed key \"%s\" (expected lowercase [a-z0-9_] segments separated by dots, "
                 "at least two, at most 128 characters)",
                 quote(q, sizeof(q), *key));
        return -EINVAL;
    }
    if (!json_object_object_get_ex(e, "value", value)) {
        snprintf(err, errlen, "%s: \"value\" is missing", *key);
        return -EINVAL;
    }
    if (!zt_evidence_value_valid(*value)) {
        snprintf(err, errlen, "%s: \"value\" must be a boolean, number, string or array of those",
                 *key);
        return -EINVAL;
    }
    if (json_object_object_get_ex(e, "detail", detail) && *detail &&
        !json_object_is_type(*detail, json_type_object)) {
        snprintf(err, errlen, "%s: \"detail\" must be an object", *key);
        return -EINVAL;
    }
    return 0;
}

/* Whether text is one whole ztmmd.exec/1 document (its entries may still be malformed). */
static bool complete_document(const char *text, size_t len)
{
    _cleanup_json_ struct json_object *doc = NULL;
    struct json_object *entries = NULL;
    char msg[512];

    return parse_json(text, len, &doc, msg, sizeof(msg)) == 0 &&
           check_document(doc, &entries, msg, sizeof(msg)) == 0;
}

int zt_exec_parse(struct zt_ctx *ctx, const char *program, const char *text, size_t len)
{
    _cleanup_json_ struct json_object *doc = NULL;
    struct json_object *entries = NULL;
    char msg[512];
    size_t bad = 0;
    int r = parse_json(text, len, &doc, msg, sizeof(msg));

    if (r >= 0) {
        r = check_document(doc, &entries, msg, sizeof(msg));
    }
    if (r < 0) {
        return zt_ctx_error(ctx, r, "%s: %s", program, msg);
    }
    for (size_t i = 0; i < json_object_array_length(entries); i++) {
        struct json_object *value = NULL, *detail = NULL;
        const char *key = NULL;

        r = check_entry(json_object_array_get_idx(entries, i), &key, &value, &detail, msg,
                        sizeof(msg));
        if (r < 0) {
            if (++bad <= ZT_EXEC_MAX_PROBLEMS) {
                zt_ctx_error(ctx, r, "%s: evidence[%zu] skipped: %s", program, i, msg);
            }
            continue;
        }
        zt_emit(ctx, key, json_object_get(value), detail ? json_object_get(detail) : NULL);
    }
    if (bad > ZT_EXEC_MAX_PROBLEMS) {
        zt_ctx_error(ctx, -EINVAL, "%s: %zu more malformed evidence entries skipped", program,
                     bad - ZT_EXEC_MAX_PROBLEMS);
    }
    return 0;
}

/* ---- the collector ------------------------------------------------------------------------ */

#define OFF(f) offsetof(struct zt_exec_state, f)
static const struct zt_option exec_options[] = {
    {"command", ZT_OPT_PATH, NULL, OFF(command), ZT_OPT_REQUIRED,
     "absolute path of the program to run (it prints ztmmd.exec/1 JSON, see docs/exec.md)"},
    {"args", ZT_OPT_STRLIST, NULL, OFF(args), 0,
     "arguments passed to the program (separated by whitespace or commas)"},
    {"program_timeout", ZT_OPT_DURATION, "60s", OFF(program_timeout_ms), 0,
     "the program is killed (with its process group) when it runs longer", 1, ZT_MS_PER_DAY},
    {"max_output", ZT_OPT_SIZE, "1M", OFF(max_output), 0,
     "largest output accepted from the program", 1, EXEC_MAX_OUTPUT_MAX},
    {"working_directory", ZT_OPT_PATH, NULL, OFF(working_directory), 0,
     "directory the program runs in (default: the daemon's)"},
    {.key = NULL},
};
#undef OFF

static int exec_check(const void *state, char *err, size_t errlen)
{
    const struct zt_exec_state *s = state;

    if (!s->command) {
        snprintf(err, errlen, "missing required key 'command'");
        return -EINVAL;
    }
    return 0;
}

/* The run's deadline: program_timeout, but ending (grace period included) before the
 * collector's own deadline. */
static int exec_deadline(struct zt_proc_spec *spec, const struct zt_exec_state *s,
                         struct zt_ctx *ctx)
{
    uint64_t now = zt_now_mono_usec(), limit = zt_ctx_deadline_usec(ctx);
    uint64_t usec = zt_ms_to_usec(s->program_timeout_ms);

    usec = usec < UINT64_MAX - now ? usec : UINT64_MAX - now;
    spec->deadline_usec = now + usec;
    spec->timeout_ms = s->program_timeout_ms;
    if (limit == 0) {
        return 0;
    }
    if (limit <= now + ZT_PROC_GRACE_USEC) {
        return zt_ctx_error(ctx, -ETIMEDOUT, "%s not started: the collector's time limit is up",
                            s->command);
    }
    if (limit - ZT_PROC_GRACE_USEC >= spec->deadline_usec) {
        return 0;
    }
    spec->deadline_usec = limit - ZT_PROC_GRACE_USEC;
    spec->timeout_ms = zt_usec_to_ms(spec->deadline_usec - now);
    spec->timeout_note = " (the collector's time limit)";
    return 0;
}

/* zt_proc_run() polls this: the scan's cancellation stops the program. */
static bool exec_cancelled(void *ctx)
{
    return zt_ctx_cancelled(ctx);
}

static int exec_collect(void *state, struct zt_ctx *ctx)
{
    const struct zt_exec_state *s = state;
    _cleanup_free_ char **argv = zt_xcalloc(s->args.n + 2, sizeof(char *));
    _cleanup_free_ char *env_name = zt_xasprintf("ZTMMD_COLLECTOR=%s", zt_ctx_name(ctx));
    char *envp[] = {EXEC_ENV_PATH, EXEC_ENV_LANG, env_name, NULL};
    _cleanup_(zt_proc_result_done) struct zt_proc_result res = {0};
    struct zt_proc_spec spec = {.path = s->command,
                                .argv = argv,
                                .envp = envp,
                                .cwd = s->working_directory,
                                .max_output = s->max_output,
                                .cancelled = exec_cancelled,
                                .cancel_data = ctx};
    char msg[1024], line[ZT_PROC_SNIPPET_MAX + 4];
    int r;

    argv[0] = s->command;
    for (size_t i = 0; i < s->args.n; i++) {
        argv[i + 1] = s->args.v[i];
    }
    if (zt_ctx_cancelled(ctx)) {
        return zt_ctx_error(ctx, -ECANCELED, "%s not started: scan cancelled", s->command);
    }
    if ((r = exec_deadline(&spec, s, ctx)) < 0) {
        return r;
    }
    zt_ctx_count_request(ctx);
    r = zt_proc_run(&spec, &res, msg, sizeof(msg));
    if (r < 0 && res.timed_out && !res.overflow && complete_document(res.out, res.out_len)) {
        /* It printed its whole answer, then hung (a lock, a slow cleanup): the document stands
         * on its own, so its evidence is kept and the run is partial. A document cut short is
         * not kept: the observations missing from it could be the ones that fail a rule. */
        zt_ctx_error(ctx, r, "%s; the complete document it printed before is used", msg);
        (void)zt_exec_parse(ctx, s->command, res.out, res.out_len);
        return r;
    }
    if (r < 0) {
        return zt_ctx_error(ctx, r, "%s", msg);
    }
    if (res.err_len > 0) {
        zt_ctx_log(ctx, LOG_INFO, "%s wrote to stderr: %s", s->command,
                   zt_proc_snippet(line, sizeof(line), res.err, res.err_len));
    }
    if (res.leftovers) {
        zt_ctx_log(ctx, LOG_NOTICE, "%s exited but left processes holding its output; killed them",
                   s->command);
    }
    return zt_exec_parse(ctx, s->command, res.out, res.out_len);
}

const struct zt_collector zt_collector_exec = {
    .name = "exec",
    .summary = "runs a program and takes evidence from the ztmmd.exec/1 JSON it prints",
    .options = exec_options,
    .state_size = sizeof(struct zt_exec_state),
    .check = exec_check,
    .collect = exec_collect,
};
