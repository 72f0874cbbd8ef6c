/* registry.c - the table of every collector type built into ztmmd: add a new one here. */
#include "registry.h"

const struct zt_collector *const zt_collectors[] = {
    &zt_collector_exec,     &zt_collector_host,        &zt_collector_entra,  &zt_collector_intune,
    &zt_collector_defender, &zt_collector_kubernetes,  &zt_collector_okta,   &zt_collector_azure,
    &zt_collector_aws,      &zt_collector_crowdstrike, &zt_collector_github, NULL,
};
