/* test_http_collector.c - the collector-facing HTTP calls when no engine can start: libcurl that
 * cannot be loaded (dlopen wrapped at link time to fail) gives the collector the real reason and
 * error, once per context, never a made-up -ENOMEM. */
#include <dlfcn.h>
#include <string.h>

#include "collector.h"
#include "ctx.h"
#include "zt_test.h"

static unsigned dlopen_calls;

void *__wrap_dlopen(const char *file, int mode);
void *__wrap_dlopen(const char *file, int mode)
{
    (void)file;
    (void)mode;
    dlopen_calls++;
    return NULL;
}

char *__wrap_dlerror(void);
char *__wrap_dlerror(void)
{
    return "libcurl.so.4: cannot open shared object file: No such file or directory";
}

static void test_missing_libcurl_is_reported_with_its_reason(void **state)
{
    (void)state;
    struct zt_ctx *ctx = zt_ctx_new("acme", 0);
    struct zt_http_request req = {.method = ZT_HTTP_GET, .url = "https://127.0.0.1:1/x"};
    struct zt_http_result res = {0};

    int r = zt_ctx_http(ctx, &req, &res);
    assert_int_equal(r, -ELIBACC);
    assert_int_equal(res.error, -ELIBACC);
    assert_non_null(strstr(zt_ctx_first_error(ctx), "cannot load libcurl.so.4"));
    assert_non_null(strstr(zt_ctx_first_error(ctx), "No such file"));
    /* The library was looked for once; a second call does not try again, and says the same. */
    assert_int_equal(dlopen_calls, 1);
    unsigned tried = dlopen_calls;
    assert_int_equal(zt_ctx_http(ctx, &req, &res), -ELIBACC);
    assert_null(zt_ctx_http_engine(ctx));
    assert_int_equal(dlopen_calls, tried);
    zt_ctx_free(ctx);
    /* Another collector's context asks the loader, which remembers the failure: no new dlopen. */
    struct zt_ctx *other = zt_ctx_new("other", 0);
    assert_int_equal(zt_ctx_http(other, &req, &res), -ELIBACC);
    assert_non_null(strstr(zt_ctx_first_error(other), "cannot load libcurl.so.4"));
    assert_int_equal(dlopen_calls, 1);
    zt_ctx_free(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_missing_libcurl_is_reported_with_its_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
