/* test_sha256.c - the core's SHA-256 and base64 (sha256.c): the FIPS 180-4 example vectors and
 * RFC 4648's base64 vectors, through OpenSSL loaded on first use. */
#include "zt_test.h"

#include "sha256.h"

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
        for (size_t j = 0; j < ZT_SHA256_LEN; j++) {
            snprintf(h + 2 * j, 3, "%02x", md[j]);
        }
        assert_string_equal(h, v[i].digest);
    }
}

static void test_base64_vectors(void **state)
{
    static const char *const v[][2] = {{"", ""},
                                       {"f", "Zg=="},
                                       {"fo", "Zm8="},
                                       {"foo", "Zm9v"},
                                       {"foob", "Zm9vYg=="},
                                       {"fooba", "Zm9vYmE="},
                                       {"foobar", "Zm9vYmFy"}};
    char out[16];

    for (size_t i = 0; i < ZT_ELEMENTSOF(v); i++) {
        zt_base64((const uint8_t *)v[i][0], strlen(v[i][0]), out);
        assert_string_equal(out, v[i][1]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fips_vectors),
        cmocka_unit_test(test_base64_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
