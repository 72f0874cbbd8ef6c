/* aws_sigv4.h - AWS Signature Version 4 (AWS4-HMAC-SHA256) as pure functions: canonical request,
 * string to sign, signing key and Authorization header. No I/O, no clock: the caller passes the
 * X-Amz-Date header, so the functions are testable against the published vectors and fuzzable. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define ZT_SIGV4_MAX_HEADERS  32u
#define ZT_SIGV4_HEX_LEN      64u /* hex SHA-256 / signature, without NUL */
#define ZT_SIGV4_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* One header as it is sent. Every header given to the signer is signed; duplicates are joined
 * with ',' in the order given. Both strings are borrowed. */
struct zt_sigv4_header {
    const char *name;
    const char *value;
};

/* A request to sign. path and query are as sent on the wire (already percent-encoded or raw
 * UTF-8: both are canonicalised). headers must include Host and X-Amz-Date
 * ("YYYYMMDDTHHMMSSZ"). */
struct zt_sigv4_request {
    const char *method; /* "GET", "POST" */
    const char *path;   /* "/" when empty */
    const char *query;  /* without '?'; NULL or "" for none */
    const struct zt_sigv4_header *headers;
    size_t n_headers;
    const char *payload_hash; /* hex SHA-256 of the body, or "UNSIGNED-PAYLOAD" */
    bool s3;                  /* S3 rules: no path normalisation, no second encoding */
};

/* Credentials and scope. Strings are borrowed; the secret is never copied beyond the stack key
 * material, which is wiped. */
struct zt_sigv4_credentials {
    const char *access_key_id;
    const char *secret_access_key;
};

/* hex(SHA-256(data)) into out (ZT_SIGV4_HEX_LEN + 1 bytes). */
void zt_sigv4_sha256_hex(const void *data, size_t len, char *out);

/* Build the canonical request of req into buf (len bytes) and its SignedHeaders list into
 * signed_headers (sh_len bytes). Returns 0, -EINVAL (missing Host/X-Amz-Date, too many headers,
 * bad method) or -ENOBUFS when a buffer is too small. */
int zt_sigv4_canonical_request(const struct zt_sigv4_request *req, char *buf, size_t len,
                               char *signed_headers, size_t sh_len);

/* "AWS4-HMAC-SHA256\n<amz_date>\n<date>/<region>/<service>/aws4_request\n<hex sha256(creq)>" into
 * buf. Returns 0, -EINVAL (amz_date not YYYYMMDDTHHMMSSZ) or -ENOBUFS. */
int zt_sigv4_string_to_sign(const char *amz_date, const char *region, const char *service,
                            const char *canonical_request, char *buf, size_t len);

/* hex(HMAC(kSigning, string_to_sign)) into out (ZT_SIGV4_HEX_LEN + 1 bytes), with kSigning
 * derived from secret, the date part of amz_date, region and service. Returns 0 or -EINVAL. */
int zt_sigv4_signature(const char *secret, const char *amz_date, const char *region,
                       const char *service, const char *string_to_sign, char *out);

/* The whole chain: the value of the Authorization header for req ("AWS4-HMAC-SHA256
 * Credential=AKID/date/region/service/aws4_request, SignedHeaders=..., Signature=...") into buf.
 * Returns 0 or a negative errno as above. */
int zt_sigv4_authorization(const struct zt_sigv4_request *req,
                           const struct zt_sigv4_credentials *cred, const char *region,
                           const char *service, char *buf, size_t len);

/* Percent-encode src (RFC 3986: A-Z a-z 0-9 - _ . ~ stay; keep_slash keeps '/') into buf.
 * Returns the length, or -ENOBUFS. */
int zt_sigv4_uri_encode(const char *src, size_t n, bool keep_slash, char *buf, size_t len);
