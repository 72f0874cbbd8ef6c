/* dl_libs.c - the libraries every build uses but a host-only scan does not need, loaded on first
 * use: OpenSSL (crypto_load.h) and libsystemd (sd_load.h). */
#define ZT_CRYPTO_NO_REDIRECT 1
#define ZT_SD_NO_REDIRECT     1
#include <stddef.h>

#include "crypto_load.h"
#include "dl.h"
#include "sd_load.h"

static struct zt_crypto_api crypto_api; /* written once by zt_dl_load(), read-only afterwards */
static struct zt_sd_api sd_api;

#define CRYPTO_SYM(f) {#f, offsetof(struct zt_crypto_api, f)},
static const struct zt_dl_sym crypto_syms[] = {ZT_CRYPTO_FUNCS(CRYPTO_SYM)};
#define SD_SYM(f) {#f, offsetof(struct zt_sd_api, f)},
static const struct zt_dl_sym sd_syms[] = {ZT_SD_FUNCS(SD_SYM)};

/* libssl.so.3 needs libcrypto.so.3: dlsym() on it finds the functions of both. */
static struct zt_dl crypto = ZT_DL_INIT("libssl.so.3", crypto_syms, &crypto_api, NULL);
static struct zt_dl sd = ZT_DL_INIT("libsystemd.so.0", sd_syms, &sd_api, NULL);

int zt_crypto_load(char *err, size_t errlen)
{
    return zt_dl_load(&crypto, err, errlen);
}

const struct zt_crypto_api *zt_crypto(void)
{
    return zt_dl_require(&crypto);
}

const struct zt_sd_api *zt_sd(void)
{
    return zt_dl_require(&sd);
}
