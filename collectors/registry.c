/* registry.c - the table of every collector type built into ztmmd: add a new one here. */
#include "registry.h"

const struct zt_collector *const zt_collectors[] = {
    &zt_collector_exec,
    &zt_collector_host,
    NULL,
};
