/* fuzz_aws_sigv4.c - libFuzzer harness for the SigV4 canonical-request builder. The input is
 * "METHOD\nPATH\nQUERY\nName:value\n...\n\nBODY". Checks: no overflow of any buffer size, the
 * result does not depend on the buffer (a small buffer gives the same text or -ENOBUFS), the
 * SignedHeaders list is sorted, lowercase and unique, and the whole chain signs. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws_sigv4.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *line(char **p)
{
    char *s = *p, *nl = s ? strchr(s, '\n') : NULL;
    if (!s) {
        return NULL;
    }
    if (nl) {
        *nl = '\0';
        *p = nl + 1;
    } else {
        *p = NULL;
    }
    return s;
}

static void check_signed_headers(const char *sh)
{
    const char *prev = NULL;
    size_t prev_len = 0;
    for (const char *p = sh; *p;) {
        size_t n = strcspn(p, ";");
        for (size_t i = 0; i < n; i++) {
            if (isupper((unsigned char)p[i])) {
                abort();
            }
        }
        if (prev) {
            size_t m = n < prev_len ? n : prev_len;
            int c = memcmp(prev, p, m);
            if (c > 0 || (c == 0 && prev_len >= n)) {
                abort(); /* not sorted, or a duplicate */
            }
        }
        prev = p;
        prev_len = n;
        p += n + (p[n] == ';');
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct zt_sigv4_header h[ZT_SIGV4_MAX_HEADERS + 1];
    static char big[32768], small[256], sh[2048], sh_small[64], authz[2048];
    char payload[ZT_SIGV4_HEX_LEN + 1];
    size_t n = 0;

    if (size > 8192) {
        return 0;
    }
    _cleanup_free_ char *text = zt_xstrndup((const char *)data, size);
    char *p = text;
    const char *method = line(&p), *path = line(&p), *query = line(&p);
    h[n++] = (struct zt_sigv4_header){"Host", "example.amazonaws.com"};
    h[n++] = (struct zt_sigv4_header){"X-Amz-Date", "20150830T123600Z"};
    for (char *l; p && n <= ZT_SIGV4_MAX_HEADERS && (l = line(&p)) && l[0];) {
        char *colon = strchr(l, ':');
        if (colon) {
            *colon = '\0';
            h[n++] = (struct zt_sigv4_header){l, colon + 1};
        }
    }
    const char *body = p ? p : "";
    zt_sigv4_sha256_hex(body, strlen(body), payload);
    struct zt_sigv4_request req = {method ? method : "GET", path, query, h, n, payload,
                                   size > 0 && data[0] & 1};
    int r = zt_sigv4_canonical_request(&req, big, sizeof(big), sh, sizeof(sh));
    if (r == 0) {
        if (strlen(big) >= sizeof(big) || strncmp(big, req.method, strlen(req.method)) != 0) {
            abort();
        }
        check_signed_headers(sh);
        int r2 = zt_sigv4_canonical_request(&req, small, sizeof(small), sh_small, sizeof(sh_small));
        if (r2 == 0 && (strcmp(small, big) != 0 || strcmp(sh_small, sh) != 0)) {
            abort();
        }
        if (r2 != 0 && r2 != -ENOBUFS) {
            abort();
        }
        struct zt_sigv4_credentials cred = {"AKIDEXAMPLE", "secret"};
        int r3 = zt_sigv4_authorization(&req, &cred, "us-east-1", "service", authz, sizeof(authz));
        if (r3 < 0 && r3 != -ENOBUFS) {
            abort();
        }
    } else if (r != -EINVAL && r != -ENOBUFS) {
        abort();
    }
    return 0;
}
