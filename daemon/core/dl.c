/* dl.c - load a shared library at run time, once, on first use (see dl.h). */
#include "dl.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

static void load(struct zt_dl *d)
{
    void *h = dlopen(d->lib, RTLD_NOW | RTLD_LOCAL);

    if (!h) {
        snprintf(d->error, sizeof(d->error), "cannot load %s: %s", d->lib, dlerror());
        d->result = -ELIBACC;
        return;
    }
    for (size_t i = 0; i < d->n_syms; i++) {
        /* dlsym() into a function pointer: POSIX guarantees the conversion works. */
        void *f = dlsym(h, d->syms[i].name);
        if (!f) {
            snprintf(d->error, sizeof(d->error), "%s: missing symbol %s", d->lib, d->syms[i].name);
            d->result = -ELIBBAD;
            return;
        }
        *(void **)((char *)d->table + d->syms[i].offset) = f;
    }
    d->result = d->init ? d->init(d->error, sizeof(d->error)) : 0;
}

int zt_dl_load(struct zt_dl *d, char *err, size_t errlen)
{
    pthread_mutex_lock(&d->lock);
    if (!d->tried) {
        d->tried = true;
        load(d);
    }
    int r = d->result;
    pthread_mutex_unlock(&d->lock);
    if (r < 0 && err && errlen) {
        snprintf(err, errlen, "%s", d->error);
    }
    return r;
}

void *zt_dl_require(struct zt_dl *d)
{
    char err[256];

    if (!atomic_load_explicit(&d->ready, memory_order_acquire)) {
        if (zt_dl_load(d, err, sizeof(err)) < 0) {
            fprintf(stderr, "ztmmd: %s is needed here: %s\n", d->lib, err);
            _exit(1);
        }
        atomic_store_explicit(&d->ready, true, memory_order_release);
    }
    return d->table;
}
