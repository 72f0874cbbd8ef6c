/* crypto_load.h - OpenSSL (libssl.so.3 and its libcrypto.so.3) loaded at run time, on first
 * use: a host-only scan never maps them (1.7 MiB of the process). Include this instead of the
 * OpenSSL headers: the OpenSSL names below then call through the loaded table. A function not
 * used before goes into ZT_CRYPTO_FUNCS and the #define list (else: a link error). */
#pragma once

#define OPENSSL_SUPPRESS_DEPRECATED 1 /* HMAC() and SHA256(): still in OpenSSL 3 */
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* Every OpenSSL function ztmmd calls. */
#define ZT_CRYPTO_FUNCS(X)                                                                         \
    X(BIO_free)                                                                                    \
    X(BIO_new_mem_buf)                                                                             \
    X(BIO_number_written)                                                                          \
    X(ERR_clear_error)                                                                             \
    X(ERR_error_string_n)                                                                          \
    X(ERR_peek_last_error)                                                                         \
    X(ERR_reason_error_string)                                                                     \
    X(EVP_DecodeBlock)                                                                             \
    X(EVP_DecodeFinal)                                                                             \
    X(EVP_DecodeInit)                                                                              \
    X(EVP_DecodeUpdate)                                                                            \
    X(EVP_Digest)                                                                                  \
    X(EVP_DigestSign)                                                                              \
    X(EVP_DigestSignInit)                                                                          \
    X(EVP_ENCODE_CTX_free)                                                                         \
    X(EVP_ENCODE_CTX_new)                                                                          \
    X(EVP_EncodeBlock)                                                                             \
    X(EVP_MD_CTX_free)                                                                             \
    X(EVP_MD_CTX_new)                                                                              \
    X(EVP_PKEY_free)                                                                               \
    X(EVP_PKEY_get_base_id)                                                                        \
    X(EVP_sha1)                                                                                    \
    X(EVP_sha256)                                                                                  \
    X(HMAC)                                                                                        \
    X(PEM_read_bio_PrivateKey)                                                                     \
    X(PEM_read_bio_X509)                                                                           \
    X(SHA256)                                                                                      \
    X(X509_VERIFY_PARAM_set1_ip_asc)                                                               \
    X(X509_digest)                                                                                 \
    X(X509_free)                                                                                   \
    X(X509_verify_cert_error_string)                                                               \
    X(SSL_CTX_check_private_key)                                                                   \
    X(SSL_CTX_ctrl)                                                                                \
    X(SSL_CTX_free)                                                                                \
    X(SSL_CTX_load_verify_locations)                                                               \
    X(SSL_CTX_new)                                                                                 \
    X(SSL_CTX_set_default_verify_paths)                                                            \
    X(SSL_CTX_set_options)                                                                         \
    X(SSL_CTX_set_verify)                                                                          \
    X(SSL_CTX_use_PrivateKey)                                                                      \
    X(SSL_CTX_use_certificate_chain_file)                                                          \
    X(SSL_connect)                                                                                 \
    X(SSL_ctrl)                                                                                    \
    X(SSL_free)                                                                                    \
    X(SSL_get0_param)                                                                              \
    X(SSL_get_error)                                                                               \
    X(SSL_get_verify_result)                                                                       \
    X(SSL_get_wbio)                                                                                \
    X(SSL_new)                                                                                     \
    X(SSL_read_ex)                                                                                 \
    X(SSL_set1_host)                                                                               \
    X(SSL_set_fd)                                                                                  \
    X(SSL_set_hostflags)                                                                           \
    X(SSL_shutdown)                                                                                \
    X(SSL_version)                                                                                 \
    X(SSL_write_ex)                                                                                \
    X(TLS_client_method)

#define ZT_CRYPTO_PTR(f) __typeof__(f) *f;
struct zt_crypto_api {
    ZT_CRYPTO_FUNCS(ZT_CRYPTO_PTR)
};
#undef ZT_CRYPTO_PTR

/* Load OpenSSL the first time (thread safe). Returns 0, or a negative errno with the reason in
 * err. A component that can report an error calls this before its first OpenSSL call. */
int zt_crypto_load(char *err, size_t errlen);
/* The loaded functions, loading them first if needed; when OpenSSL cannot be loaded (a broken
 * installation: the package depends on it) the process exits with the reason on stderr. */
const struct zt_crypto_api *zt_crypto(void);

#ifndef ZT_CRYPTO_NO_REDIRECT /* dl_libs.c needs the names */
#define BIO_free                           (zt_crypto()->BIO_free)
#define BIO_new_mem_buf                    (zt_crypto()->BIO_new_mem_buf)
#define BIO_number_written                 (zt_crypto()->BIO_number_written)
#define ERR_clear_error                    (zt_crypto()->ERR_clear_error)
#define ERR_error_string_n                 (zt_crypto()->ERR_error_string_n)
#define ERR_peek_last_error                (zt_crypto()->ERR_peek_last_error)
#define ERR_reason_error_string            (zt_crypto()->ERR_reason_error_string)
#define EVP_DecodeBlock                    (zt_crypto()->EVP_DecodeBlock)
#define EVP_DecodeFinal                    (zt_crypto()->EVP_DecodeFinal)
#define EVP_DecodeInit                     (zt_crypto()->EVP_DecodeInit)
#define EVP_DecodeUpdate                   (zt_crypto()->EVP_DecodeUpdate)
#define EVP_Digest                         (zt_crypto()->EVP_Digest)
#define EVP_DigestSign                     (zt_crypto()->EVP_DigestSign)
#define EVP_DigestSignInit                 (zt_crypto()->EVP_DigestSignInit)
#define EVP_ENCODE_CTX_free                (zt_crypto()->EVP_ENCODE_CTX_free)
#define EVP_ENCODE_CTX_new                 (zt_crypto()->EVP_ENCODE_CTX_new)
#define EVP_EncodeBlock                    (zt_crypto()->EVP_EncodeBlock)
#define EVP_MD_CTX_free                    (zt_crypto()->EVP_MD_CTX_free)
#define EVP_MD_CTX_new                     (zt_crypto()->EVP_MD_CTX_new)
#define EVP_PKEY_free                      (zt_crypto()->EVP_PKEY_free)
#define EVP_PKEY_get_base_id               (zt_crypto()->EVP_PKEY_get_base_id)
#define EVP_sha1                           (zt_crypto()->EVP_sha1)
#define EVP_sha256                         (zt_crypto()->EVP_sha256)
#define HMAC                               (zt_crypto()->HMAC)
#define PEM_read_bio_PrivateKey            (zt_crypto()->PEM_read_bio_PrivateKey)
#define PEM_read_bio_X509                  (zt_crypto()->PEM_read_bio_X509)
#define SHA256                             (zt_crypto()->SHA256)
#define X509_VERIFY_PARAM_set1_ip_asc      (zt_crypto()->X509_VERIFY_PARAM_set1_ip_asc)
#define X509_digest                        (zt_crypto()->X509_digest)
#define X509_free                          (zt_crypto()->X509_free)
#define X509_verify_cert_error_string      (zt_crypto()->X509_verify_cert_error_string)
#define SSL_CTX_check_private_key          (zt_crypto()->SSL_CTX_check_private_key)
#define SSL_CTX_ctrl                       (zt_crypto()->SSL_CTX_ctrl)
#define SSL_CTX_free                       (zt_crypto()->SSL_CTX_free)
#define SSL_CTX_load_verify_locations      (zt_crypto()->SSL_CTX_load_verify_locations)
#define SSL_CTX_new                        (zt_crypto()->SSL_CTX_new)
#define SSL_CTX_set_default_verify_paths   (zt_crypto()->SSL_CTX_set_default_verify_paths)
#define SSL_CTX_set_options                (zt_crypto()->SSL_CTX_set_options)
#define SSL_CTX_set_verify                 (zt_crypto()->SSL_CTX_set_verify)
#define SSL_CTX_use_PrivateKey             (zt_crypto()->SSL_CTX_use_PrivateKey)
#define SSL_CTX_use_certificate_chain_file (zt_crypto()->SSL_CTX_use_certificate_chain_file)
#define SSL_connect                        (zt_crypto()->SSL_connect)
#define SSL_ctrl                           (zt_crypto()->SSL_ctrl)
#define SSL_free                           (zt_crypto()->SSL_free)
#define SSL_get0_param                     (zt_crypto()->SSL_get0_param)
#define SSL_get_error                      (zt_crypto()->SSL_get_error)
#define SSL_get_verify_result              (zt_crypto()->SSL_get_verify_result)
#define SSL_get_wbio                       (zt_crypto()->SSL_get_wbio)
#define SSL_new                            (zt_crypto()->SSL_new)
#define SSL_read_ex                        (zt_crypto()->SSL_read_ex)
#define SSL_set1_host                      (zt_crypto()->SSL_set1_host)
#define SSL_set_fd                         (zt_crypto()->SSL_set_fd)
#define SSL_set_hostflags                  (zt_crypto()->SSL_set_hostflags)
#define SSL_shutdown                       (zt_crypto()->SSL_shutdown)
#define SSL_version                        (zt_crypto()->SSL_version)
#define SSL_write_ex                       (zt_crypto()->SSL_write_ex)
#define TLS_client_method                  (zt_crypto()->TLS_client_method)
#endif
