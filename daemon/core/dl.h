/* dl.h - a shared library loaded at run time, once, on first use: what only some collectors or
 * sinks need (libcurl, libxml2 and what they pull in) is never mapped by a scan that does not
 * use it. */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

/* One function to resolve: its symbol, and where its pointer lives in the caller's table. */
struct zt_dl_sym {
    const char *name;
    size_t offset; /* offsetof() the function pointer in the table */
};

/* A library and its table of function pointers; define one statically per library with
 * ZT_DL_INIT. */
struct zt_dl {
    const char *lib; /* "libcurl.so.4" */
    const struct zt_dl_sym *syms;
    size_t n_syms;
    void *table;                           /* the caller's struct of function pointers */
    int (*init)(char *err, size_t errlen); /* run once after loading; may be NULL */
    pthread_mutex_t lock;
    bool tried;
    atomic_bool ready; /* loaded: zt_dl_require()'s fast path */
    int result;
    char error[256];
};

#define ZT_DL_INIT(file, sym_table, api_table, init_fn)                                            \
    {                                                                                              \
        .lib = (file), .syms = (sym_table), .n_syms = sizeof(sym_table) / sizeof((sym_table)[0]),  \
        .table = (api_table), .init = (init_fn), .lock = PTHREAD_MUTEX_INITIALIZER                 \
    }

/* Load d->lib and resolve every symbol into d->table the first time it is called (thread
 * safe; never unloaded), then run d->init. Returns 0, or -ELIBACC (the library cannot be
 * loaded), -ELIBBAD (a symbol is missing) or init's error, with the reason in err; a failure is
 * remembered, not retried. */
int zt_dl_load(struct zt_dl *d, char *err, size_t errlen);
/* d->table, loading it first if needed (zt_dl_load()); for a library the package depends on,
 * whose absence is a broken installation: the process then exits with the reason on stderr. */
void *zt_dl_require(struct zt_dl *d);
