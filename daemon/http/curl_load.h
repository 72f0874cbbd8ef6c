/* curl_load.h - libcurl loaded at run time, on first use: the daemon and host-only scans never
 * map curl's dependency tree (GnuTLS, Kerberos, LDAP, SSH...), which was most of their memory. */
#pragma once

#define CURL_DISABLE_TYPECHECK 1 /* the calls below go through function pointers */
#include <curl/curl.h>

/* The libcurl functions ztmmd uses. */
struct zt_curl_api {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
    CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
    void (*easy_cleanup)(CURL *curl);
    const char *(*easy_strerror)(CURLcode code);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_setopt)(CURLM *multi, CURLMoption option, ...);
    CURLMcode (*multi_add_handle)(CURLM *multi, CURL *curl);
    CURLMcode (*multi_remove_handle)(CURLM *multi, CURL *curl);
    CURLMcode (*multi_perform)(CURLM *multi, int *running);
    CURLMcode (*multi_poll)(CURLM *multi, struct curl_waitfd extra[], unsigned n, int timeout_ms,
                            int *numfds);
    CURLMcode (*multi_wakeup)(CURLM *multi);
    CURLMcode (*multi_cleanup)(CURLM *multi);
    CURLMsg *(*multi_info_read)(CURLM *multi, int *left);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *s);
    void (*slist_free_all)(struct curl_slist *list);
};

/* Load libcurl.so.4 and call curl_global_init() once per process (thread safe). Returns 0, or a
 * negative errno with the reason in err (missing library or symbol). */
int zt_curl_load(char *err, size_t errlen);
/* The loaded functions; only valid after zt_curl_load() returned 0. */
const struct zt_curl_api *zt_curl_api(void);

/* Let http_engine.c keep calling libcurl by its own names (curl.h defines these three as
 * pass-through macros when type checking is off). */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#undef curl_multi_setopt
#define curl_global_init         (zt_curl_api()->global_init)
#define curl_easy_init           (zt_curl_api()->easy_init)
#define curl_easy_setopt         (zt_curl_api()->easy_setopt)
#define curl_easy_getinfo        (zt_curl_api()->easy_getinfo)
#define curl_easy_cleanup        (zt_curl_api()->easy_cleanup)
#define curl_easy_strerror       (zt_curl_api()->easy_strerror)
#define curl_multi_init          (zt_curl_api()->multi_init)
#define curl_multi_setopt        (zt_curl_api()->multi_setopt)
#define curl_multi_add_handle    (zt_curl_api()->multi_add_handle)
#define curl_multi_remove_handle (zt_curl_api()->multi_remove_handle)
#define curl_multi_perform       (zt_curl_api()->multi_perform)
#define curl_multi_poll          (zt_curl_api()->multi_poll)
#define curl_multi_wakeup        (zt_curl_api()->multi_wakeup)
#define curl_multi_cleanup       (zt_curl_api()->multi_cleanup)
#define curl_multi_info_read     (zt_curl_api()->multi_info_read)
#define curl_slist_append        (zt_curl_api()->slist_append)
#define curl_slist_free_all      (zt_curl_api()->slist_free_all)
