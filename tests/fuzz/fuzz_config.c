/* fuzz_config.c - libFuzzer harness for the config parser (INI text from the administrator).
 * Against a small fake registry; or, when the text starts with the comment line "#real", against
 * every built-in collector type and sink (their option tables and checks, which only validate). */
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "registry.h"

struct fake_state {
    char *path;
    struct zt_strv list;
    uint64_t n;
    bool b;
};

static int fake_collect(void *state, struct zt_ctx *ctx)
{
    return 0;
}

static const struct zt_option fake_options[] = {
    {"root", ZT_OPT_PATH, "/", offsetof(struct fake_state, path), 0, "p"},
    {"list", ZT_OPT_STRLIST, "a b", offsetof(struct fake_state, list), 0, "l"},
    {"n", ZT_OPT_DURATION, "1s", offsetof(struct fake_state, n), 0, "n"},
    {"b", ZT_OPT_BOOL, "no", offsetof(struct fake_state, b), 0, "b"},
    {.key = NULL},
};

static const struct zt_collector fake = {
    .name = "host",
    .options = fake_options,
    .state_size = sizeof(struct fake_state),
    .collect = fake_collect,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct zt_collector *const registry[] = {&fake, NULL};
    char *text = zt_xstrndup((const char *)data, size);
    struct zt_config *cfg = NULL;
    char err[ZT_CONFIG_ERR_MAX];

    bool real = size >= 6 && memcmp(data, "#real\n", 6) == 0;

    if (zt_config_load_string("fuzz.conf", text, real ? zt_collectors : registry, &cfg, err,
                              sizeof(err)) == 0) {
        zt_config_free(cfg);
    }
    free(text);
    return 0;
}
