/* aws_xml_load.c - load libxml2 at run time, once, on the first AWS answer (see aws_xml_load.h). */
#include "aws_xml_load.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#define LIBXML2 "libxml2.so.2"

static struct zt_aws_xml_api api; /* written once under pthread_once, read-only afterwards */
static int load_result;
static char load_error[256];
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

/* dlsym() into a function pointer: POSIX guarantees the conversion works. */
#define SYM(field, name)                                                                           \
    do {                                                                                           \
        *(void **)&api.field = dlsym(h, name);                                                     \
        if (!api.field) {                                                                          \
            snprintf(load_error, sizeof(load_error), "%s: missing symbol %s", LIBXML2, name);      \
            load_result = -ELIBBAD;                                                                \
            return;                                                                                \
        }                                                                                          \
    } while (0)

static void load(void)
{
    /* Never unloaded: libxml2 keeps global state once initialised. */
    void *h = dlopen(LIBXML2, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(load_error, sizeof(load_error), "cannot load %s: %s", LIBXML2, dlerror());
        load_result = -ELIBACC;
        return;
    }
    SYM(init_parser, "xmlInitParser");
    SYM(stop_parser, "xmlStopParser");
    SYM(set_generic_error_func, "xmlSetGenericErrorFunc");
    SYM(create_push_parser_ctxt, "xmlCreatePushParserCtxt");
    SYM(ctxt_use_options, "xmlCtxtUseOptions");
    SYM(parse_chunk, "xmlParseChunk");
    SYM(free_parser_ctxt, "xmlFreeParserCtxt");
    api.init_parser();
}

int zt_aws_xml_load(char *err, size_t errlen)
{
    pthread_once(&load_once, load);
    if (load_result < 0) {
        snprintf(err, errlen, "%s", load_error);
    }
    return load_result;
}

const struct zt_aws_xml_api *zt_aws_xml_api(void)
{
    return &api;
}
