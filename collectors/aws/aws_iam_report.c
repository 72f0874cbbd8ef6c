/* aws_iam_report.c - the IAM credential report: GetCredentialReport's base64 Content and the
 * CSV it decodes to (one row per IAM user, the root account's first), read into counts. */

#include "aws.h"
#include "crypto_load.h"

int zt_aws_credential_report_content(const char *body, size_t len, char **csv, size_t *csv_len)
{
    /* The report outgrows the XML walk's element bound: its one text is found directly. The
     * base64 alphabet has no '<', so the first </Content> ends it. */
    _cleanup_free_ char *doc = zt_xstrndup(body, len);
    const char *root = strstr(doc, "<GetCredentialReportResponse");
    const char *a = root ? strstr(root, "<Content>") : NULL;
    const char *b = a ? strstr(a, "</Content>") : NULL;
    if (!a || !b) {
        return -EBADMSG;
    }
    a += strlen("<Content>");
    _cleanup_free_ char *b64 = zt_xmalloc((size_t)(b - a) + 1);
    size_t n = 0;
    for (const char *s = a; s < b; s++) { /* the XML may wrap the text */
        if (!strchr(" \t\r\n", *s)) {
            b64[n++] = *s;
        }
    }
    if (n % 4 != 0 || n > INT32_MAX) {
        return -EBADMSG;
    }
    unsigned char *out = zt_xmalloc(n / 4 * 3 + 1);
    int dec = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)n);
    if (dec < 0) {
        free(out);
        return -EBADMSG;
    }
    size_t pad = (n && b64[n - 1] == '=') + (n > 1 && b64[n - 2] == '=');
    *csv_len = (size_t)dec - pad;
    out[*csv_len] = '\0';
    *csv = (char *)out;
    return 0;
}

/* Field i of a CSV line (the report quotes nothing: ARNs and dates have no commas). */
static bool field(const char *line, size_t len, int i, const char **f, size_t *flen)
{
    const char *s = line, *end = line + len;
    for (int k = 0; k < i; k++) {
        const char *c = memchr(s, ',', (size_t)(end - s));
        if (!c) {
            return false;
        }
        s = c + 1;
    }
    const char *c = memchr(s, ',', (size_t)(end - s));
    *f = s;
    *flen = (size_t)((c ? c : end) - s);
    return true;
}

static bool field_is(const char *line, size_t len, int i, const char *want)
{
    const char *f = NULL;
    size_t n = 0;
    return i >= 0 && field(line, len, i, &f, &n) && n == strlen(want) && !memcmp(f, want, n);
}

static int column(const char *line, size_t len, const char *name)
{
    for (int i = 0; i < 64; i++) {
        if (field_is(line, len, i, name)) {
            return i;
        }
    }
    return -1;
}

int zt_aws_credential_report(const char *csv, size_t len, uint64_t *users, uint64_t *console)
{
    const char *s = csv, *end = csv + len;
    int user = -1, password = -1;

    *users = *console = 0;
    for (bool header = true; s < end; header = false) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t n = (size_t)((nl ? nl : end) - s);
        if (n && s[n - 1] == '\r') {
            n--;
        }
        if (header) {
            user = column(s, n, "user");
            password = column(s, n, "password_enabled");
            if (user < 0 || password < 0) {
                return -EBADMSG;
            }
        } else if (n && !field_is(s, n, user, "<root_account>")) {
            const char *f = NULL;
            size_t fl = 0;
            if (!field(s, n, password, &f, &fl)) {
                return -EBADMSG; /* a row shorter than its header */
            }
            (*users)++;
            *console += field_is(s, n, password, "true");
        }
        s = nl ? nl + 1 : end;
    }
    return user < 0 ? -EBADMSG : 0;
}
