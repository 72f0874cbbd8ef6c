/* host_edr.c - endpoint detection and response agents: installed (their well-known files) and
 * running (a live process of theirs in the shared process list). */
#include "host.h"

#include <json-c/json.h>
#include <string.h>

static const struct {
    const char *id; /* evidence key segment */
    const char *files[2];
    const char *procs[3];
} agents[] = {
    {"crowdstrike", {"/opt/CrowdStrike/falconctl"}, {"falcon-sensor", "falcon-sensor-bpf"}},
    {"mdatp", {"/opt/microsoft/mdatp"}, {"wdavdaemon"}},
    {"sentinelone", {"/opt/sentinelone"}, {"s1-agent", "sentinelone-agent"}},
    {"wazuh", {"/var/ossec/bin/wazuh-agentd"}, {"wazuh-agentd"}},
    {"osquery", {"/usr/bin/osqueryd", "/opt/osquery"}, {"osqueryd"}},
    {"elastic", {"/opt/Elastic/Agent"}, {"elastic-agent"}},
};

#define N_AGENTS ZT_ELEMENTSOF(agents)

static int installed(struct zt_host *h, size_t a, const char **found)
{
    for (size_t i = 0; i < ZT_ELEMENTSOF(agents[a].files) && agents[a].files[i]; i++) {
        int r = zt_host_exists(h, agents[a].files[i]);
        if (r != 0) {
            *found = agents[a].files[i];
            return r;
        }
    }
    return 0;
}

static int running(const struct zt_host *h, size_t a, const char **name)
{
    for (size_t i = 0; i < ZT_ELEMENTSOF(agents[a].procs) && agents[a].procs[i]; i++) {
        int pid = zt_host_procs_find(&h->procs, agents[a].procs[i]);
        if (pid > 0) {
            *name = agents[a].procs[i];
            return pid;
        }
    }
    return 0;
}

static void emit_agent(struct zt_host *h, size_t a, bool inst, const char *file)
{
    _cleanup_free_ char *key = zt_xasprintf("host.edr.%s.installed", agents[a].id);
    struct json_object *d = NULL;

    if (inst) {
        d = json_object_new_object();
        json_object_object_add(d, "path", json_object_new_string(file));
    }
    zt_host_emit_bool(h, key, inst, d);
}

int zt_host_probe_edr(struct zt_host *h)
{
    bool inst[N_AGENTS];
    const char *file[N_AGENTS] = {0};
    _cleanup_(zt_strv_clear) struct zt_strv installed_ids = {0}, running_ids = {0};

    /* Every file first: one that cannot be checked leaves the whole probe unreported. */
    for (size_t a = 0; a < N_AGENTS; a++) {
        int r = installed(h, a, &file[a]);
        if (r < 0) {
            return r;
        }
        inst[a] = r > 0;
        if (inst[a]) {
            zt_strv_push(&installed_ids, agents[a].id);
        }
    }
    for (size_t a = 0; a < N_AGENTS; a++) {
        emit_agent(h, a, inst[a], file[a]);
        if (!h->procs_known) {
            continue;
        }
        const char *name = NULL;
        int pid = running(h, a, &name);
        _cleanup_free_ char *key = zt_xasprintf("host.edr.%s.running", agents[a].id);
        struct json_object *d = NULL;
        if (pid > 0) {
            d = json_object_new_object();
            json_object_object_add(d, "pid", json_object_new_int(pid));
            json_object_object_add(d, "process", json_object_new_string(name));
            zt_strv_push(&running_ids, agents[a].id);
        }
        zt_host_emit_bool(h, key, pid > 0, d);
    }
    zt_emit(h->ctx, "host.edr.installed_agents", zt_host_strv_json(&installed_ids), NULL);
    if (h->procs_known) {
        zt_emit(h->ctx, "host.edr.running_agents", zt_host_strv_json(&running_ids), NULL);
        zt_host_emit_bool(h, "host.edr.any_running", running_ids.n > 0, NULL);
    }
    return 0;
}
