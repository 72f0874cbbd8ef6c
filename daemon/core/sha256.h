/* sha256.h - SHA-256 and base64 for the digests a scan makes (event and change ids, the report's
 * style hash), through OpenSSL loaded on first use (crypto_load.h): a scan that exports nothing
 * and prints JSON never maps it. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define ZT_SHA256_LEN 32

/* The digest of len bytes at data into out. */
void zt_sha256(const void *data, size_t len, uint8_t out[ZT_SHA256_LEN]);
/* Standard base64 (RFC 4648, padded) of len bytes into out, which holds 4 * ((len + 2) / 3) + 1
 * bytes; NUL-terminated. */
void zt_base64(const uint8_t *data, size_t len, char *out);
