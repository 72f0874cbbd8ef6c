/* sha256.c - SHA-256 and base64 through OpenSSL, loaded on first use (see sha256.h). */
#include "sha256.h"

#include "crypto_load.h"

void zt_sha256(const void *data, size_t len, uint8_t out[ZT_SHA256_LEN])
{
    SHA256(data, len, out);
}

void zt_base64(const uint8_t *data, size_t len, char *out)
{
    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
}
