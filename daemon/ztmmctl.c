/* ztmmctl.c - the ztmmctl program: offline evaluation and catalog listing (daemon control to come).
 */
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "log.h"
#include "result.h"
#include "scan.h"
#include "util.h"

#define EVIDENCE_FILE_MAX   (256u * 1024 * 1024)
#define EVIDENCE_JSON_DEPTH 64

enum { EXIT_USAGE = 2 };

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: ztmmctl COMMAND [OPTIONS]\n\n"
            "Offline:\n"
            "  evaluate EVIDENCE.json [--rules FILE] [--format json|table]\n"
            "                       re-evaluate saved evidence (a result document or an\n"
            "                       evidence array) against a rule catalog\n"
            "  catalog [--rules FILE] [--format json|table]\n"
            "                       list ZTMM functions and the rules that judge them\n\n"
            "Default catalog: %s/ztmmd/rules/ztmm-v2.json\n",
            ZT_DATADIR);
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
    struct json_tokener *tok = json_tokener_new_ex(EVIDENCE_JSON_DEPTH);
    struct json_object *doc = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (!doc || jerr != json_tokener_success) {
        json_object_put(doc);
        fprintf(stderr, "ztmmctl: %s: not valid JSON at byte %zu: %s\n", path, end,
                json_tokener_error_desc(jerr));
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
        }
    }
    return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"rules", required_argument, NULL, 'r'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *rules = ZT_DATADIR "/ztmmd/rules/ztmm-v2.json", *format = NULL;
    int c;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            rules = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 'h':
            usage(stdout);
            return EXIT_SUCCESS;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (format && !zt_streq(format, "json") && !zt_streq(format, "table")) {
        fprintf(stderr, "ztmmctl: --format must be json or table\n");
        return EXIT_USAGE;
    }
    const char *cmd = optind < argc ? argv[optind] : NULL;
    if (zt_streq(cmd, "evaluate") && optind + 2 == argc) {
        return cmd_evaluate(argv[optind + 1], rules, format ? format : "json");
    }
    if (zt_streq(cmd, "catalog") && optind + 1 == argc) {
        return cmd_catalog(rules, format ? format : "table");
    }
    if (zt_streq(cmd, "scan") || zt_streq(cmd, "status") || zt_streq(cmd, "show") ||
        zt_streq(cmd, "report")) {
        fprintf(stderr,
                "ztmmctl: '%s' needs the ztmmd service, which this version does not "
                "provide yet; use 'ztmmd --once'\n",
                cmd);
        return EXIT_USAGE;
    }
    usage(stderr);
    return EXIT_USAGE;
}
