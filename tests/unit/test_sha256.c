/* test_sha256.c - the core's SHA-256 and base64 (sha256.c): FIPS 180-4's example vectors, and
 * OpenSSL's answers for every length across the padding boundaries. */
#include "zt_test.h"

#include <openssl/evp.h>

#include "sha256.h"

static void hex(const uint8_t *md, char *out)
{
    for (size_t i = 0; i < ZT_SHA256_LEN; i++) {
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    }
}

static void test_fips_vectors(void **state)
{
    static const struct {
        const char *in, *digest;
    } v[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    uint8_t md[ZT_SHA256_LEN];
    char h[2 * ZT_SHA256_LEN + 1];

    for (size_t i = 0; i < ZT_ELEMENTSOF(v); i++) {
        zt_sha256(v[i].in, strlen(v[i].in), md);
        hex(md, h);
        assert_string_equal(h, v[i].digest);
    }
}

static void test_same_as_openssl_at_every_length(void **state)
{
    uint8_t data[300], md[ZT_SHA256_LEN], want[EVP_MAX_MD_SIZE];
    unsigned char b64_want[4 * ((sizeof(data) + 2) / 3) + 1];
    char b64[sizeof(b64_want)];
    unsigned want_len = 0;

    for (size_t i = 0; i < sizeof(data); i++) {
        data[i] = (uint8_t)(i * 131u + 7u);
    }
    for (size_t len = 0; len <= sizeof(data); len++) {
        zt_sha256(data, len, md);
        assert_int_equal(EVP_Digest(data, len, want, &want_len, EVP_sha256(), NULL), 1);
        assert_int_equal(want_len, ZT_SHA256_LEN);
        assert_memory_equal(md, want, ZT_SHA256_LEN);
        zt_base64(data, len, b64);
        EVP_EncodeBlock(b64_want, data, (int)len);
        assert_string_equal(b64, (const char *)b64_want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fips_vectors),
        cmocka_unit_test(test_same_as_openssl_at_every_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
