/* curl_load.c - load libcurl at run time, once, on the first HTTP engine (see curl_load.h). */
#include <stddef.h>
#include <stdio.h>

#include "curl_load.h"
#include "dl.h"
#include "util.h"

static struct zt_curl_api api; /* written once by zt_dl_load(), read-only afterwards */

static const struct zt_dl_sym syms[] = {
    {"curl_global_init", offsetof(struct zt_curl_api, global_init)},
    {"curl_easy_init", offsetof(struct zt_curl_api, easy_init)},
    {"curl_easy_setopt", offsetof(struct zt_curl_api, easy_setopt)},
    {"curl_easy_getinfo", offsetof(struct zt_curl_api, easy_getinfo)},
    {"curl_easy_cleanup", offsetof(struct zt_curl_api, easy_cleanup)},
    {"curl_easy_strerror", offsetof(struct zt_curl_api, easy_strerror)},
    {"curl_multi_init", offsetof(struct zt_curl_api, multi_init)},
    {"curl_multi_setopt", offsetof(struct zt_curl_api, multi_setopt)},
    {"curl_multi_add_handle", offsetof(struct zt_curl_api, multi_add_handle)},
    {"curl_multi_remove_handle", offsetof(struct zt_curl_api, multi_remove_handle)},
    {"curl_multi_perform", offsetof(struct zt_curl_api, multi_perform)},
    {"curl_multi_poll", offsetof(struct zt_curl_api, multi_poll)},
    {"curl_multi_wakeup", offsetof(struct zt_curl_api, multi_wakeup)},
    {"curl_multi_cleanup", offsetof(struct zt_curl_api, multi_cleanup)},
    {"curl_multi_info_read", offsetof(struct zt_curl_api, multi_info_read)},
    {"curl_slist_append", offsetof(struct zt_curl_api, slist_append)},
    {"curl_slist_free_all", offsetof(struct zt_curl_api, slist_free_all)},
};

static int global_init(char *err, size_t errlen)
{
    if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "curl_global_init() failed");
        return -EIO;
    }
    return 0;
}

static struct zt_dl curl = ZT_DL_INIT("libcurl.so.4", syms, &api, global_init);

int zt_curl_load(char *err, size_t errlen)
{
    return zt_dl_load(&curl, err, errlen);
}

const struct zt_curl_api *zt_curl_api(void)
{
    return &api;
}
