/* aws_xml.c - a bounded streaming walk over AWS XML answers (libxml2's SAX2 parser: no tree, no
 * network, no DTD, no entities) and the readers of the documents the aws collector asks for. */
#include "aws_xml.h"

#include <errno.h>
#include <json-c/json.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws_xml_load.h"
#include "util.h"

struct walk {
    xmlParserCtxtPtr ctxt;
    zt_aws_xml_fn fn;
    void *data;
    struct zt_aws_xml_path path;
    char text[ZT_AWS_XML_TEXT];
    size_t text_len;
    bool text_overflow;
    int r;           /* first error of ours (callback, bounds); stops the parse */
    char why[256];   /* its reason */
    char error[256]; /* libxml2's first error */
};

/* Stop the parse with error r (first one wins). */
_printf_(3, 4) static void walk_stop(struct walk *w, int r, const char *fmt, ...)
{
    va_list ap;
    if (w->r == 0) {
        w->r = r;
        if (fmt) {
            va_start(ap, fmt);
            vsnprintf(w->why, sizeof(w->why), fmt, ap);
            va_end(ap);
        }
    }
    xmlStopParser(w->ctxt);
}

/* libxml2 reports some problems (input encoding) through its per-thread generic handler, which
 * prints to stderr: the structured handler below already has them. */
static void xml_quiet(void *data, const char *fmt, ...)
{
}

static void on_xml_error(void *data, xmlErrorPtr e)
{
    struct walk *w = data;
    if (!w->error[0] && e && e->message) {
        snprintf(w->error, sizeof(w->error), "line %d: %s", e->line, e->message);
        zt_strstrip(w->error);
    }
}

static void on_start(void *data, const xmlChar *localname, const xmlChar *prefix,
                     const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
                     int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
    struct walk *w = data;

    if (w->r) {
        return;
    }
    if (w->path.depth == ZT_AWS_XML_DEPTH) {
        walk_stop(w, -EBADMSG, "elements nested deeper than %u", ZT_AWS_XML_DEPTH);
        return;
    }
    /* Names come from the parser's dictionary: valid until the parse ends. */
    w->path.names[w->path.depth++] = (const char *)localname;
    w->text_len = 0;
    w->text[0] = '\0';
    w->text_overflow = false;
    int r = w->fn(w->data, &w->path, NULL);
    if (r < 0) {
        walk_stop(w, r, NULL);
    }
}

static void on_end(void *data, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    struct walk *w = data;

    if (w->r || w->path.depth == 0) {
        return;
    }
    if (w->text_overflow) {
        walk_stop(w, -EBADMSG, "element <%s> holds more than %u bytes of text",
                  w->path.names[w->path.depth - 1], ZT_AWS_XML_TEXT);
        return;
    }
    int r = w->fn(w->data, &w->path, zt_strstrip(w->text));
    w->path.depth--;
    w->text_len = 0;
    w->text[0] = '\0';
    if (r < 0) {
        walk_stop(w, r, NULL);
    }
}

static void on_chars(void *data, const xmlChar *ch, int len)
{
    struct walk *w = data;
    size_t n = len > 0 ? (size_t)len : 0;

    if (w->r || w->path.depth == 0 || w->text_overflow) {
        return;
    }
    if (w->text_len + n >= sizeof(w->text)) {
        w->text_overflow = true;
        return;
    }
    memcpy(w->text + w->text_len, ch, n);
    w->text_len += n;
    w->text[w->text_len] = '\0';
}

static void on_dtd(void *data, const xmlChar *name, const xmlChar *external_id,
                   const xmlChar *system_id)
{
    walk_stop(data, -EBADMSG, "document type declarations and entities are not accepted");
}

static xmlEntityPtr on_entity(void *data, const xmlChar *name)
{
    walk_stop(data, -EBADMSG, "document type declarations and entities are not accepted");
    return NULL;
}

int zt_aws_xml_walk(const char *body, size_t len, zt_aws_xml_fn fn, void *data, char *err,
                    size_t errlen)
{
    _cleanup_free_ struct walk *w = zt_xcalloc(1, sizeof(*w));
    xmlSAXHandler sax;

    int r = zt_aws_xml_load(err, errlen);
    if (r < 0) {
        return r;
    }
    if (len > INT32_MAX) {
        snprintf(err, errlen, "document too large");
        return -EBADMSG;
    }
    xmlSetGenericErrorFunc(NULL, xml_quiet);
    memset(&sax, 0, sizeof(sax));
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = on_start;
    sax.endElementNs = on_end;
    sax.characters = on_chars;
    sax.cdataBlock = on_chars;
    sax.internalSubset = on_dtd;
    sax.externalSubset = on_dtd;
    sax.getEntity = on_entity;
    sax.serror = on_xml_error;
    w->fn = fn;
    w->data = data;
    w->ctxt = xmlCreatePushParserCtxt(&sax, w, NULL, 0, NULL);
    if (!w->ctxt) {
        snprintf(err, errlen, "cannot create an XML parser");
        return -ENOMEM;
    }
    xmlCtxtUseOptions(w->ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    int rc = xmlParseChunk(w->ctxt, body, (int)len, 1);
    bool well_formed = w->ctxt->wellFormed;
    xmlFreeParserCtxt(w->ctxt);
    if (w->r) {
        if (w->why[0]) {
            snprintf(err, errlen, "%s", w->why);
        }
        return w->r;
    }
    if (rc != 0 || !well_formed || w->error[0] || w->path.depth || len == 0) {
        snprintf(err, errlen, "malformed XML: %s",
                 w->error[0] ? w->error : "the document ends inside an element");
        return -EBADMSG;
    }
    return 0;
}

bool zt_aws_xml_path_is(const struct zt_aws_xml_path *p, ...)
{
    va_list ap;
    unsigned i = 0;
    bool ok = true;

    va_start(ap, p);
    for (const char *n; ok && (n = va_arg(ap, const char *)); i++) {
        ok = i < p->depth && (zt_streq(n, "*") || zt_streq(n, p->names[i]));
    }
    va_end(ap);
    return ok && i == p->depth;
}

/* ---- errors ----------------------------------------------------------------------------- */

static int on_error_xml(void *data, const struct zt_aws_xml_path *p, const char *text)
{
    struct zt_aws_error *e = data;
    if (!text || p->depth < 2 || !zt_streq(p->names[p->depth - 2], "Error")) {
        return 0;
    }
    if (zt_streq(p->names[p->depth - 1], "Code") && !e->code[0]) {
        snprintf(e->code, sizeof(e->code), "%s", text);
    } else if (zt_streq(p->names[p->depth - 1], "Message") && !e->message[0]) {
        snprintf(e->message, sizeof(e->message), "%s", text);
    }
    return 0;
}

static void error_json(const char *body, size_t len, struct zt_aws_error *e)
{
    _cleanup_json_ struct json_object *o = NULL;
    char why[128];

    if (zt_json_parse(body, len, 8, &o, why, sizeof(why)) < 0) {
        return;
    }
    const char *code = zt_json_str(o, "__type");
    const char *msg = zt_json_str(o, "message");
    code = code ? code : zt_json_str(o, "code");
    code = code ? code : zt_json_str(o, "Code"); /* Security Hub, Organizations' REST errors */
    msg = msg ? msg : zt_json_str(o, "Message");
    if (code) {
        const char *hash = strrchr(code, '#');
        snprintf(e->code, sizeof(e->code), "%s", hash ? hash + 1 : code);
        /* REST-JSON services may append ":http://internal.amazon.com/..." */
        e->code[strcspn(e->code, ":")] = '\0';
    }
    if (msg) {
        snprintf(e->message, sizeof(e->message), "%s", msg);
    }
}

int zt_aws_error_parse(const char *body, size_t len, struct zt_aws_error *e)
{
    char err[160];
    size_t skip = 0;

    *e = (struct zt_aws_error){0};
    while (skip < len &&
           (body[skip] == ' ' || body[skip] == '\n' || body[skip] == '\r' || body[skip] == '\t')) {
        skip++;
    }
    if (skip < len && body[skip] == '{') {
        error_json(body, len, e);
    } else if (skip < len && body[skip] == '<') {
        zt_aws_xml_walk(body, len, on_error_xml, e, err, sizeof(err));
    }
    return e->code[0] ? 0 : -ENOENT;
}

static bool code_in(const char *code, const char *const *list)
{
    for (; code && *list; list++) {
        if (strcmp(code, *list) == 0) {
            return true;
        }
    }
    return false;
}

bool zt_aws_error_is_throttling(const char *code)
{
    static const char *const codes[] = {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
        "TooManyRequestsException",
        "PriorRequestNotComplete",
        "BandwidthLimitExceeded",
        "EC2ThrottledException",
        NULL,
    };
    return code_in(code, codes);
}

bool zt_aws_error_is_denied(const char *code)
{
    static const char *const codes[] = {
        "UnauthorizedOperation",
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedAccess",
        "Forbidden",
        "AuthorizationError",
        NULL,
    };
    return code_in(code, codes);
}

bool zt_aws_error_is_credentials(const char *code)
{
    static const char *const codes[] = {
        "ExpiredToken",          "ExpiredTokenException",       "RequestExpired",
        "InvalidClientTokenId",  "UnrecognizedClientException", "AuthFailure",
        "SignatureDoesNotMatch", "InvalidSignatureException",   "IncompleteSignature",
        "InvalidAccessKeyId",    "MissingAuthenticationToken",  NULL,
    };
    return code_in(code, codes);
}

/* ---- small documents --------------------------------------------------------------------- */

static int parse_bool(const char *s, bool *ret)
{
    if (strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0) {
        *ret = true;
    } else if (strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0) {
        *ret = false;
    } else {
        return -EBADMSG;
    }
    return 0;
}

/* Check that the document's root is `root`, once, at its start. */
static int expect_root(const struct zt_aws_xml_path *p, const char *text, const char *root)
{
    return p->depth == 1 && !text && !zt_streq(p->names[0], root) ? -EMEDIUMTYPE : 0;
}

/* Map the walk's result: -EMEDIUMTYPE (another document) and a bad value become -EBADMSG. */
static int walk_doc(const char *body, size_t len, zt_aws_xml_fn fn, void *data, const char *root,
                    char *err, size_t errlen)
{
    int r = zt_aws_xml_walk(body, len, fn, data, err, errlen);
    if (r == -EMEDIUMTYPE) {
        snprintf(err, errlen, "expected a <%s> document", root);
        return -EBADMSG;
    }
    if (r == -EDOM) {
        snprintf(err, errlen, "<%s> holds an unexpected value", root);
        return -EBADMSG;
    }
    return r;
}

struct iam_summary {
    char key[64];
    int mfa, keys;
};

static int on_iam(void *data, const struct zt_aws_xml_path *p, const char *text)
{
    struct iam_summary *s = data;
    bool b = false;

    int r = expect_root(p, text, "GetAccountSummaryResponse");
    if (r < 0 || !text) {
        return r;
    }
    if (zt_aws_xml_path_is(p, "*", "GetAccountSummaryResult", "SummaryMap", "entry", "key", NULL)) {
        snprintf(s->key, sizeof(s->key), "%s", text);
    } else if (zt_aws_xml_path_is(p, "*", "GetAccountSummaryResult", "SummaryMap", "entry", "value",
                                  NULL)) {
        bool mfa = zt_streq(s->key, "AccountMFAEnabled");
        if ((mfa || zt_streq(s->key, "AccountAccessKeysPresent")) && parse_bool(text, &b) < 0) {
            return -EDOM;
        }
        if (mfa) {
            s->mfa = b;
        } else if (zt_streq(s->key, "AccountAccessKeysPresent")) {
            s->keys = b;
        }
        s->key[0] = '\0';
    }
    return 0;
}

int zt_aws_iam_summary(const char *body, size_t len, bool *mfa, int *root_keys, char *err,
                       size_t errlen)
{
    struct iam_summary s = {.mfa = -1, .keys = -1};
    int r = walk_doc(body, len, on_iam, &s, "GetAccountSummaryResponse", err, errlen);
    if (r < 0) {
        return r;
    }
    if (s.mfa < 0) {
        snprintf(err, errlen, "the summary has no AccountMFAEnabled entry");
        return -ENOENT;
    }
    *mfa = s.mfa;
    *root_keys = s.keys;
    return 0;
}

struct leaf {
    const char *root, *parent, *name; /* parent NULL: directly under root */
    char value[ZT_AWS_ID_MAX];
    bool found;
};

static int on_leaf(void *data, const struct zt_aws_xml_path *p, const char *text)
{
    struct leaf *l = data;
    int r = expect_root(p, text, l->root);
    if (r < 0 || !text || l->found) {
        return r;
    }
    if (l->parent ? zt_aws_xml_path_is(p, "*", l->parent, l->name, NULL)
                  : zt_aws_xml_path_is(p, "*", l->name, NULL)) {
        snprintf(l->value, sizeof(l->value), "%s", text);
        l->found = true;
    }
    return 0;
}

static int leaf_get(const char *body, size_t len, struct leaf *l, char *err, size_t errlen)
{
    int r = walk_doc(body, len, on_leaf, l, l->root, err, errlen);
    if (r == 0 && !l->found) {
        snprintf(err, errlen, "<%s> has no <%s>", l->root, l->name);
        return -ENOENT;
    }
    return r;
}

int zt_aws_sts_account(const char *body, size_t len, char *account, size_t alen, char *err,
                       size_t errlen)
{
    struct leaf l = {.root = "GetCallerIdentityResponse",
                     .parent = "GetCallerIdentityResult",
                     .name = "Account"};
    int r = leaf_get(body, len, &l, err, errlen);
    if (r < 0) {
        return r;
    }
    if (strlen(l.value) != 12 || strspn(l.value, "0123456789") != 12 || alen < 13) {
        snprintf(err, errlen, "the account id is not 12 digits");
        return -EBADMSG;
    }
    snprintf(account, alen, "%s", l.value);
    return 0;
}

int zt_aws_ebs_default(const char *body, size_t len, bool *enabled, char *err, size_t errlen)
{
    struct leaf l = {.root = "GetEbsEncryptionByDefaultResponse", .name = "ebsEncryptionByDefault"};
    int r = leaf_get(body, len, &l, err, errlen);
    if (r == 0 && parse_bool(l.value, enabled) < 0) {
        snprintf(err, errlen, "ebsEncryptionByDefault is not a boolean");
        return -EBADMSG;
    }
    return r;
}

const char *const zt_aws_s3_pab_names[4] = {"BlockPublicAcls", "IgnorePublicAcls",
                                            "BlockPublicPolicy", "RestrictPublicBuckets"};

struct pab {
    bool *flags;
};

static int on_pab(void *data, const struct zt_aws_xml_path *p, const char *text)
{
    struct pab *s = data;
    int r = expect_root(p, text, "PublicAccessBlockConfiguration");
    if (r < 0 || !text || p->depth != 2) {
        return r;
    }
    for (int i = 0; i < 4; i++) {
        if (zt_streq(p->names[1], zt_aws_s3_pab_names[i]) && parse_bool(text, &s->flags[i]) < 0) {
            return -EDOM;
        }
    }
    return 0;
}

int zt_aws_s3_pab(const char *body, size_t len, bool flags[4], char *err, size_t errlen)
{
    struct pab s = {flags};

    /* The output's payload is the configuration itself (botocore: payload
     * PublicAccessBlockConfiguration). */
    memset(flags, 0, 4 * sizeof(bool));
    return walk_doc(body, len, on_pab, &s, "PublicAccessBlockConfiguration", err, errlen);
}
