/* registry.h - the table of every collector type built into ztmmd. */
#pragma once

#include "collector.h"

/* NULL-terminated; the config binds [collector:NAME] sections against it. */
extern const struct zt_collector *const zt_collectors[];
extern const struct zt_collector zt_collector_exec;
extern const struct zt_collector zt_collector_host;
extern const struct zt_collector zt_collector_intune;
extern const struct zt_collector zt_collector_defender;
extern const struct zt_collector zt_collector_entra;
extern const struct zt_collector zt_collector_kubernetes;
extern const struct zt_collector zt_collector_okta;
extern const struct zt_collector zt_collector_azure;
extern const struct zt_collector zt_collector_aws;
extern const struct zt_collector zt_collector_crowdstrike;
extern const struct zt_collector zt_collector_github;
