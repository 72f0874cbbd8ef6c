/* curl_load.c - load libcurl at run time, once, on the first HTTP engine (see curl_load.h). */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include "curl_load.h"
#include "util.h"

#define LIBCURL "libcurl.so.4"

static struct zt_curl_api api; /* written once under pthread_once, read-only afterwards */
static int load_result;
static char load_error[256];
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

/* dlsym() into a function pointer: POSIX guarantees the conversion works. */
#define SYM(field, name)                                                                           \
    do {                                                                                           \
        *(void **)&api.field = dlsym(h, name);                                                     \
        if (!api.field) {                                                                          \
            snprintf(load_error, sizeof(load_error), "%s: missing symbol %s", LIBCURL, name);      \
            load_result = -ELIBBAD;                                                                \
            return;                                                                                \
        }                                                                                          \
    } while (0)

static void load(void)
{
    /* Never unloaded: curl keeps global state (and threads may still use it at exit). */
    void *h = dlopen(LIBCURL, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(load_error, sizeof(load_error), "cannot load %s: %s", LIBCURL, dlerror());
        load_result = -ELIBACC;
        return;
    }
    SYM(global_init, "curl_global_init");
    SYM(easy_init, "curl_easy_init");
    SYM(easy_setopt, "curl_easy_setopt");
    SYM(easy_getinfo, "curl_easy_getinfo");
    SYM(easy_cleanup, "curl_easy_cleanup");
    SYM(easy_strerror, "curl_easy_strerror");
    SYM(multi_init, "curl_multi_init");
    SYM(multi_setopt, "curl_multi_setopt");
    SYM(multi_add_handle, "curl_multi_add_handle");
    SYM(multi_remove_handle, "curl_multi_remove_handle");
    SYM(multi_perform, "curl_multi_perform");
    SYM(multi_poll, "curl_multi_poll");
    SYM(multi_wakeup, "curl_multi_wakeup");
    SYM(multi_cleanup, "curl_multi_cleanup");
    SYM(multi_info_read, "curl_multi_info_read");
    SYM(slist_append, "curl_slist_append");
    SYM(slist_free_all, "curl_slist_free_all");
    if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(load_error, sizeof(load_error), "curl_global_init() failed");
        load_result = -EIO;
    }
}

int zt_curl_load(char *err, size_t errlen)
{
    pthread_once(&load_once, load);
    if (load_result < 0) {
        snprintf(err, errlen, "%s", load_error);
    }
    return load_result;
}

const struct zt_curl_api *zt_curl_api(void)
{
    return &api;
}
