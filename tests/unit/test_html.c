/* test_html.c - the HTML report: the one escaping function, the page's structure (CSP, heat map,
 * findings order and filters, trend), and that text from a document never becomes markup. */
#include <openssl/evp.h>
#include <string.h>

#include "buf.h"
#include "catalog.h"
#include "history.h"
#include "html.h"
#include "model.h"
#include "result.h"
#include "scan.h"
#include "zt_test.h"

#define HOSTILE "<script>alert(1)</script>"

static char *escaped(const char *s)
{
    struct zt_buf b = {0};
    char *out = NULL;
    zt_html_escape(&b, s);
    assert_int_equal(zt_buf_take(&b, &out, NULL), 0);
    return out;
}

static void test_html_escape_markup_and_quotes(void **state)
{
    _cleanup_free_ char *a = escaped(HOSTILE);
    assert_string_equal(a, "&lt;script&gt;alert(1)&lt;/script&gt;");
    _cleanup_free_ char *b = escaped("a&b \"q\" 'x' <img src=x onerror=alert(1)>");
    assert_string_equal(b, "a&amp;b &quot;q&quot; &#39;x&#39; &lt;img src=x onerror=alert(1)&gt;");
    /* An entity in the input is text, not an entity: its ampersand is escaped again. */
    _cleanup_free_ char *c = escaped("&lt;");
    assert_string_equal(c, "&amp;lt;");
}

/* Control characters become U+FFFD; valid UTF-8 passes unchanged. Invalid UTF-8 is not covered
 * here: the escaper does not check it (that belongs where text enters the program). */
static void test_html_escape_control_characters_keeps_valid_utf8(void **state)
{
    _cleanup_free_ char *a = escaped("tab\tlf\ncr\r bell\a esc\x1b del\x7f");
    assert_string_equal(a, "tab\tlf\ncr\r bell&#xFFFD; esc&#xFFFD; del&#xFFFD;");
    _cleanup_free_ char *b =
        escaped("Zugriffsrichtlinie f\xc3\xbcr Administratoren \xe2\x80\x94 ok");
    assert_string_equal(b, "Zugriffsrichtlinie f\xc3\xbcr Administratoren \xe2\x80\x94 ok");
    _cleanup_free_ char *c = escaped("");
    assert_string_equal(c, "");
    _cleanup_free_ char *d = escaped(NULL);
    assert_string_equal(d, "");
}

/* A result of the real catalog with hostile text where an attacker can put it: an evidence
 * detail (a policy name), a collector error, the host name, a finding title. */
static struct json_object *hostile_result(void)
{
    struct zt_catalog *cat = NULL;
    char err[512];
    if (zt_catalog_load(ZT_SOURCE_DIR "/conf/rules/ztmm-v2.json", &cat, err, sizeof(err)) < 0) {
        fail_msg("%s", err);
    }
    struct zt_scan *scan = zt_xcalloc(1, sizeof(*scan));
    snprintf(scan->scan_id, sizeof(scan->scan_id), "00000000-0000-4000-8000-000000000001");
    scan->host = zt_xstrdup("web1 <img src=x onerror=alert(1)>");
    scan->started_usec = 1700000000000000ULL;
    scan->finished_usec = 1700000000250000ULL;
    zt_evidence_set_init(&scan->evidence);
    zt_evidence_add(&scan->evidence, "host.sshd.installed", json_object_new_boolean(1), "host",
                    scan->started_usec, NULL);
    zt_evidence_add(&scan->evidence, "host.sshd.password_login", json_object_new_boolean(1), "host",
                    scan->started_usec,
                    json_tokener_parse("{\"policy\":\"" HOSTILE "\",\"line\":3}"));
    zt_evidence_add(&scan->evidence, "host.sshd.permit_root_login",
                    json_object_new_string("no \"quoted\" & " HOSTILE), "host", scan->started_usec,
                    NULL);
    scan->runs = zt_xcalloc(1, sizeof(*scan->runs));
    scan->runs[0] = (struct zt_run){.name = zt_xstrdup("host"),
                                    .type = zt_xstrdup("host"),
                                    .status = ZT_RUN_PARTIAL,
                                    .error = zt_xstrdup("/etc/x: " HOSTILE),
                                    .evidence = 3};
    scan->n_runs = 1;
    struct json_object *doc = zt_result_build(scan, cat, NULL, 0);
    struct json_object *f = json_object_array_get_idx(zt_json_array(doc, "findings"), 0);
    json_object_object_add(f, "title", json_object_new_string("Title " HOSTILE));
    zt_scan_free(scan);
    zt_catalog_free(cat);
    return doc;
}

static char *render(struct json_object *doc, struct zt_history *h)
{
    char *html = NULL, err[256] = "";
    size_t len = 0;
    int r = zt_report_html_doc(doc, h, &html, &len, err, sizeof(err));
    if (r < 0) {
        fail_msg("render: %s", err);
    }
    assert_int_equal(strlen(html), len);
    return html;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle)) {
        n++;
    }
    return n;
}

/* An event handler attribute (onerror=, onclick=...) inside any tag of the markup. Text is
 * escaped, so a tag can only come from the renderer's own markup. */
static bool has_event_handler(const char *html)
{
    for (const char *t = html; (t = strchr(t, '<')); t++) {
        const char *end = strchr(t, '>');
        for (const char *p = t; end && (p = strstr(p, " on")) && p < end; p++) {
            const char *q = p + 3;
            while (*q >= 'a' && *q <= 'z') {
                q++;
            }
            if (q > p + 3 && *q == '=') {
                return true;
            }
        }
    }
    return false;
}

static void test_html_hostile_text_stays_text(void **state)
{
    _cleanup_json_ struct json_object *doc = hostile_result();
    _cleanup_free_ char *html = render(doc, NULL);

    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "<img"));
    assert_true(has_event_handler("<img src=x onerror=alert(1)>"));
    assert_null(strstr(html, "\"" HOSTILE));
    /* Each place shows it escaped: title, detail, value, error, host. */
    assert_true(count(html, "&lt;script&gt;alert(1)&lt;/script&gt;") >= 4);
    assert_non_null(strstr(html, "Title &lt;script&gt;"));
    assert_non_null(strstr(html, "web1 &lt;img src=x onerror=alert(1)&gt;"));
    assert_non_null(strstr(html, "/etc/x: &lt;script&gt;"));
    assert_non_null(strstr(html, "&quot;no \\&quot;quoted\\&quot; &amp; &lt;script&gt;"));
}

/* Invalid UTF-8 in a document read back (a 0xFF byte) reaches the page as U+FFFD, never raw:
 * the model repairs it where the document enters. */
static void test_html_invalid_utf8_never_reaches_the_page(void **state)
{
    _cleanup_json_ struct json_object *doc = hostile_result();
    struct json_object *f = json_object_array_get_idx(zt_json_array(doc, "findings"), 0);
    json_object_object_add(f, "title", json_object_new_string("Policy \xff\xfe name"));
    _cleanup_free_ char *html = render(doc, NULL);
    assert_null(strchr(html, '\xff'));
    assert_null(strchr(html, '\xfe'));
    assert_non_null(strstr(html, "Policy \xef\xbf\xbd\xef\xbf\xbd name"));
}

/* A finding names the instances whose part failed or could not tell, as text. */
static void test_html_finding_names_its_instances(void **state)
{
    _cleanup_json_ struct json_object *doc = hostile_result();
    struct json_object *f = json_object_array_get_idx(zt_json_array(doc, "findings"), 0);

    /* The judge named the host whose sshd accepts passwords. */
    assert_string_equal(zt_json_str(f, "status"), "fail");
    assert_string_equal(
        json_object_get_string(json_object_array_get_idx(zt_json_array(f, "failed_by"), 0)),
        "host");
    json_object_object_add(f, "unknown_in", json_tokener_parse("[\"okta-" HOSTILE "\"]"));
    _cleanup_free_ char *html = render(doc, NULL);
    assert_non_null(strstr(html, "<strong>Not met in:</strong> <code>host</code>"));
    assert_non_null(
        strstr(html, "<strong>Could not tell:</strong> <code>okta-&lt;script&gt;alert(1)"));
    assert_null(strstr(html, "<script"));
}

/* The CSP allows exactly the page's one style sheet, by its SHA-256, and nothing else. */
static void test_html_csp_matches_the_style_sheet(void **state)
{
    _cleanup_json_ struct json_object *doc = hostile_result();
    _cleanup_free_ char *html = render(doc, NULL);
    const char *csp = strstr(html, "<meta http-equiv=\"Content-Security-Policy\" content=\"");
    assert_non_null(csp);
    assert_non_null(strstr(csp, "default-src 'none'; style-src 'sha256-"));
    assert_null(strstr(html, "unsafe-inline"));
    assert_null(strstr(html, " style=\""));
    assert_int_equal(count(html, "<style>"), 1);

    const char *css = strstr(html, "<style>") + strlen("<style>"), *end = strstr(css, "</style>");
    unsigned char md[EVP_MAX_MD_SIZE], b64[64];
    unsigned int md_len = 0;
    EVP_Digest(css, (size_t)(end - css), md, &md_len, EVP_sha256(), NULL);
    EVP_EncodeBlock(b64, md, (int)md_len);
    char want[96];
    snprintf(want, sizeof(want), "style-src 'sha256-%s';", (const char *)b64);
    assert_non_null(strstr(csp, want));
    assert_true(csp < strstr(html, "<style>")); /* the policy comes first */
    /* Print and phone layouts. */
    assert_non_null(strstr(css, "@media print{"));
    assert_non_null(strstr(css, "@media (max-width:40rem){"));
}

static void test_html_heatmap_has_every_function_with_bound_and_coverage(void **state)
{
    _cleanup_json_ struct json_object *doc = hostile_result();
    _cleanup_free_ char *html = render(doc, NULL);
    _cleanup_(zt_model_freep) struct zt_model *m = NULL;
    char err[128];

    assert_int_equal(zt_model_from_result(doc, &m, err, sizeof(err)), 0);
    assert_int_equal(m->n_functions, 40);
    assert_int_equal(count(html, "<div class=\"cell "), 40);
    for (size_t i = 0; i < m->n_functions; i++) {
        char want[160];
        snprintf(want, sizeof(want), "data-function=\"%s\"", m->functions[i].id);
        assert_int_equal(count(html, want), 1);
    }
    /* Stage and coverage as text, not colour alone: unknown functions say so. */
    assert_int_equal(count(html, "<span>Unknown</span><span>coverage 0%</span>"),
                     count(html, "<div class=\"cell st-unknown"));
    /* identity.authentication failed an initial rule: traditional, exact, with its coverage. */
    const char *auth = strstr(html, "data-function=\"identity.authentication\"");
    assert_non_null(auth);
    assert_non_null(strstr(auth, "<span>Traditional</span><span>coverage "));
}

static void test_html_bound_shows_at_least(void **state)
{
    _cleanup_json_ struct json_object *doc = hostile_result();
    struct json_object *f = json_object_array_get_idx(zt_json_array(doc, "functions"), 0);
    json_object_object_add(f, "stage", json_object_new_string("initial"));
    json_object_object_add(f, "bound", json_object_new_string("at_least"));
    json_object_object_add(f, "coverage", json_object_new_double(0.75));
    _cleanup_free_ char *html = render(doc, NULL);

    const char *cell = strstr(html, "<div class=\"cell st-initial bound-at_least\"");
    assert_non_null(cell);
    assert_non_null(strstr(cell, "<span>&gt;= Initial</span><span>coverage 75%</span>"));
}

static void test_html_findings_failing_first_with_filters(void **state)
{
    _cleanup_json_ struct json_object *doc = hostile_result();
    _cleanup_free_ char *html = render(doc, NULL);
    const char *fail = strstr(html, "<section class=\"grp g-fail\">");
    const char *unknown = strstr(html, "<section class=\"grp g-unknown\">");
    const char *pass = strstr(html, "<section class=\"grp g-pass\">");
    const char *na = strstr(html, "<section class=\"grp g-not_applicable\">");

    assert_true(fail && unknown && pass && na);
    assert_true(fail < unknown && unknown < pass && pass < na);
    /* Every finding is there, each in its own status group. */
    size_t n = json_object_array_length(zt_json_array(doc, "findings"));
    assert_int_equal(count(html, "<article class=\"finding "), n);
    assert_true(count(fail, "<article class=\"finding st-fail") >= 2);
    assert_null(strstr(unknown, "<article class=\"finding st-fail"));
    /* Failing findings show their evidence and remediation. */
    const char *first = strstr(fail, "<article");
    assert_non_null(strstr(first, "<dt><code>"));
    assert_true(strstr(first, "<strong>Remediation:</strong>") < strstr(first, "</article>"));
    /* Filters are radio buttons with CSS rules; there is no script anywhere. */
    assert_non_null(strstr(html, "id=\"s-fail\""));
    assert_non_null(strstr(html, "#s-fail:checked~.flist .grp:not(.g-fail)"));
    assert_non_null(strstr(html, "#p-0:checked~.flist .finding:not(.p-0)"));
    assert_null(strstr(html, "<script"));
    assert_false(has_event_handler(html));
}

static void test_html_trend_draws_each_point(void **state)
{
    _cleanup_json_ struct json_object *doc = hostile_result();
    _cleanup_json_ struct json_object *arr = json_tokener_parse(
        "[{\"scan_id\":\"a\",\"finished_at\":\"2023-11-01T00:00:00Z\",\"overall\":\"initial\","
        "\"pillars\":{\"identity\":\"initial\",\"devices\":\"advanced\"}},"
        "{\"scan_id\":\"b "
        "<b>\",\"finished_at\":\"2023-11-02T00:00:00Z\",\"overall\":\"traditional\","
        "\"pillars\":{\"identity\":\"traditional\"}}]");
    struct zt_history h = {0};
    char err[128];

    assert_int_equal(zt_history_from_json(arr, &h, err, sizeof(err)), 0);
    _cleanup_free_ char *html = render(doc, &h);
    assert_int_equal(h.n, 3); /* the report's own result was added */
    const char *trend = strstr(html, "<section id=\"trend\">");
    assert_non_null(trend);
    /* Overall and 6 pillars, 3 points each, with a step line through them. */
    assert_int_equal(count(trend, "<svg "), 7);
    assert_int_equal(count(trend, "<circle "), 21);
    assert_non_null(strstr(trend, "<b>Overall</b>: Initial &rarr; Traditional over 3 scans"));
    assert_non_null(strstr(trend, "<code>b &lt;b&gt;</code>"));
    assert_non_null(strstr(trend, "<title>2023-11-01T00:00:00Z: Advanced</title>"));
    zt_history_clear(&h);
}

static void test_html_refuses_a_non_result(void **state)
{
    _cleanup_json_ struct json_object *doc = json_tokener_parse("{\"schema\":\"x\"}");
    char *html = NULL, err[256] = "";
    size_t len = 0;
    assert_int_equal(zt_report_html_doc(doc, NULL, &html, &len, err, sizeof(err)), -EBADMSG);
    assert_null(html);
    assert_non_null(strstr(err, "scan_id"));
}

static void test_buf_bounded_never_cut(void **state)
{
    struct zt_buf b = {.max = 8};
    char *out = NULL;
    size_t len = 0;

    zt_buf_puts(&b, "1234");
    zt_buf_printf(&b, "%d", 5678);
    assert_int_equal(zt_buf_take(&b, &out, &len), 0);
    assert_string_equal(out, "12345678");
    assert_int_equal(len, 8);
    free(out);
    out = NULL;
    zt_buf_puts(&b, "12345678");
    zt_buf_put(&b, "9", 1); /* one past the maximum: the whole text is refused */
    zt_buf_puts(&b, "");
    assert_true(b.overflow);
    assert_int_equal(zt_buf_take(&b, &out, &len), -E2BIG);
    assert_null(out);
    /* Growth beyond the first allocation keeps every byte. */
    struct zt_buf big = {0};
    for (int i = 0; i < 10000; i++) {
        zt_buf_printf(&big, "%04d", i % 10000);
    }
    assert_int_equal(big.n, 40000);
    assert_memory_equal(big.p + 39996, "9999", 4);
    zt_buf_free(&big);
}

/* Reading straight into the buffer: room is made for a whole chunk, only what was read counts,
 * and passing the maximum refuses the text as a whole. */
static void test_buf_space_and_commit(void **state)
{
    struct zt_buf b = {.max = 10};
    char *out = NULL;

    char *dst = zt_buf_space(&b, 64);
    assert_non_null(dst);
    memcpy(dst, "abcdef", 6);
    assert_true(zt_buf_commit(&b, 6));
    dst = zt_buf_space(&b, 64);
    memcpy(dst, "ghij", 4);
    assert_true(zt_buf_commit(&b, 4)); /* exactly the maximum */
    assert_string_equal(b.p, "abcdefghij");
    dst = zt_buf_space(&b, 64);
    memcpy(dst, "k", 1);
    assert_false(zt_buf_commit(&b, 1)); /* one past it */
    assert_null(zt_buf_space(&b, 1));
    assert_int_equal(zt_buf_take(&b, &out, NULL), -E2BIG);
    assert_null(out);
    /* A count beyond the room made is a caller's error, refused too. */
    struct zt_buf c = {0};
    zt_buf_space(&c, 4);
    assert_false(zt_buf_commit(&c, 1u << 20));
    zt_buf_free(&c);
}

/* Evidence of one account of an organization names the account beside the collector. */
static void test_html_names_the_account(void **state)
{
    struct json_object *doc = hostile_result();
    struct json_object *ev = zt_json_array(doc, "evidence");
    for (size_t i = 0; i < json_object_array_length(ev); i++) {
        json_object_object_add(json_object_array_get_idx(ev, i), "account",
                               json_object_new_string("111111111111<b>"));
    }
    char *html = render(doc, NULL);
    assert_non_null(strstr(html, "from host account 111111111111&lt;b&gt; at "));
    free(html);
    json_object_put(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_escape_markup_and_quotes),
        cmocka_unit_test(test_buf_space_and_commit),
        cmocka_unit_test(test_html_escape_control_characters_keeps_valid_utf8),
        cmocka_unit_test(test_html_hostile_text_stays_text),
        cmocka_unit_test(test_html_names_the_account),
        cmocka_unit_test(test_html_finding_names_its_instances),
        cmocka_unit_test(test_html_invalid_utf8_never_reaches_the_page),
        cmocka_unit_test(test_html_csp_matches_the_style_sheet),
        cmocka_unit_test(test_html_heatmap_has_every_function_with_bound_and_coverage),
        cmocka_unit_test(test_html_bound_shows_at_least),
        cmocka_unit_test(test_html_findings_failing_first_with_filters),
        cmocka_unit_test(test_html_trend_draws_each_point),
        cmocka_unit_test(test_html_refuses_a_non_result),
        cmocka_unit_test(test_buf_bounded_never_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
