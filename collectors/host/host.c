/* host.c - the `host` collector: posture evidence about the local Linux host, read from files
 * and /proc under `root` (a fake tree in tests). Each probe is fetch -> parse -> derive; a probe
 * that cannot read what it needs records a problem and emits nothing rather than guess. */
#include "host.h"

#include <stddef.h>

struct host_state {
    char *root;
};

static const struct zt_option host_options[] = {
    {"root", ZT_OPT_PATH, "/", offsetof(struct host_state, root), 0,
     "read host files and /proc, /sys under this directory (a fake tree in tests)"},
    {.key = NULL},
};

typedef int (*probe_fn)(struct zt_host *h);

static const probe_fn probes[] = {
    zt_host_probe_sshd,     zt_host_probe_pam,      zt_host_probe_sudo,   zt_host_probe_edr,
    zt_host_probe_disk,     zt_host_probe_boot,     zt_host_probe_mac,    zt_host_probe_updates,
    zt_host_probe_firewall, zt_host_probe_net,      zt_host_probe_crypto, zt_host_probe_audit,
    zt_host_probe_logging,  zt_host_probe_identity, zt_host_probe_fim,    zt_host_probe_backup,
};

/* Releases what h holds: the root (host_fs.c) and the process list (host_proc.c). Here, above
 * both, so neither of them names the other's. */
void zt_host_done(struct zt_host *h)
{
    zt_host_procs_clear(&h->procs);
    zt_closep(&h->root_fd);
    h->root_fd = -1;
}

static int host_collect(void *state, struct zt_ctx *ctx)
{
    struct host_state *s = state;
    _cleanup_(zt_host_done) struct zt_host h = {.root_fd = -1};
    int r = zt_host_init(&h, s->root, ctx);

    if (r < 0) {
        return r;
    }
    /* One /proc scan serves every probe that asks whether something runs. */
    (void)zt_host_procs_scan(&h);
    for (size_t i = 0; i < ZT_ELEMENTSOF(probes); i++) {
        if (zt_ctx_cancelled(ctx)) {
            return zt_ctx_error(ctx, -ETIMEDOUT, "host collection timed out");
        }
        /* A failed probe has recorded its problem; the others still run. */
        (void)probes[i](&h);
    }
    return 0;
}

const struct zt_collector zt_collector_host = {
    .name = "host",
    .summary =
        "local Linux host: sshd, PAM, sudo, EDR agents, disk encryption, Secure Boot, "
        "MAC, updates, firewall, listeners, crypto policy, audit and log forwarding, identity "
        "store, file integrity monitoring, backups",
    .options = host_options,
    .state_size = sizeof(struct host_state),
    .flags = ZT_COLLECTOR_READS_HOST,
    .collect = host_collect,
};
