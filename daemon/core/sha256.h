/* sha256.h - SHA-256 (FIPS 180-4) and base64 for the few digests every scan makes (event and
 * change ids, the report's style hash): without them, any sink or the HTML report loaded OpenSSL
 * (3.5 MiB of the process once initialised) for one hash. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define ZT_SHA256_LEN 32

/* The digest of len bytes at data into out. */
void zt_sha256(const void *data, size_t len, uint8_t out[ZT_SHA256_LEN]);
/* Standard base64 (RFC 4648, padded) of len bytes into out, which holds 4 * ((len + 2) / 3) + 1
 * bytes; NUL-terminated. */
void zt_base64(const uint8_t *data, size_t len, char *out);
