/* entra.c - the `entra` collector: Microsoft Entra ID posture through Microsoft Graph. Options,
 * their checks and the collector declaration; collect() lives in entra_fetch.c. */
#include <ctype.h>
#include <stddef.h>

#include "collector.h"
#include "entra.h"
#include "registry.h"

#define OPT(k, t, d, f, fl, doc)                                                                   \
    {                                                                                              \
        k, t, d, offsetof(struct entra_state, f), fl, doc                                          \
    }
static const struct zt_option entra_options[] = {
    ZT_MS_AUTH_OPTIONS(struct entra_state, auth),
    OPT("graph_url", ZT_OPT_URL, "https://graph.microsoft.com", graph_url, 0,
        "Microsoft Graph base URL (sovereign clouds, tests)"),
    OPT("emergency_accounts", ZT_OPT_STRLIST, NULL, emergency_accounts, 0,
        "object ids of break-glass users or groups: the only exclusions 'all users' tolerates"),
    OPT("ca_pace", ZT_OPT_DURATION, "1s", ca_pace_ms, 0,
        "minimum interval between Conditional Access requests (Graph allows 1/s per tenant)"),
    OPT("beta", ZT_OPT_BOOL, "yes", beta, 0,
        "read fields that exist only in Graph beta (continuous access evaluation)"),
    {.key = NULL},
};

static bool guid_like(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return n == 36;
}

static int entra_check(const void *state, char *err, size_t errlen)
{
    const struct entra_state *s = state;
    int r = zt_ms_auth_check(&s->auth, err, errlen);

    if (r < 0) {
        return r;
    }
    for (size_t i = 0; i < s->emergency_accounts.n; i++) {
        if (!guid_like(s->emergency_accounts.v[i])) {
            snprintf(err, errlen, "'emergency_accounts': '%s' is not an object id (GUID)",
                     s->emergency_accounts.v[i]);
            return -EINVAL;
        }
    }
    return 0;
}

const struct zt_collector zt_collector_entra = {
    .name = "entra",
    .summary = "Microsoft Entra ID (Graph): Conditional Access, security defaults, "
               "authentication methods and strengths, MFA registration, PIM roles, directory sync, "
               "app and service principal credentials, consent, cross-tenant defaults, access "
               "reviews, lifecycle workflows, access packages",
    .options = entra_options,
    .state_size = sizeof(struct entra_state),
    .flags = ZT_COLLECTOR_USES_HTTP,
    .check = entra_check,
    .collect = entra_collect,
};
