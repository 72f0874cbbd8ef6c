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
    OPT("tenant_id", ZT_OPT_STRING, NULL, tenant_id, ZT_OPT_REQUIRED,
        "directory (tenant) id or verified domain"),
    OPT("client_id", ZT_OPT_STRING, NULL, client_id, ZT_OPT_REQUIRED,
        "application (client) id of the app registration"),
    OPT("client_secret_file", ZT_OPT_PATH, NULL, client_secret_file, 0,
        "file holding the client secret (mode 0600)"),
    OPT("credential", ZT_OPT_STRING, NULL, credential, 0,
        "systemd credential (LoadCredential=) holding the client secret"),
    OPT("certificate_file", ZT_OPT_PATH, NULL, certificate_file, 0,
        "PEM certificate registered on the app (certificate authentication)"),
    OPT("private_key_file", ZT_OPT_PATH, NULL, private_key_file, 0,
        "PEM private key of certificate_file (default: inside certificate_file)"),
    OPT("login_url", ZT_OPT_URL, "https://login.microsoftonline.com", login_url, 0,
        "Microsoft identity platform base URL (sovereign clouds, tests)"),
    OPT("graph_url", ZT_OPT_URL, "https://graph.microsoft.com", graph_url, 0,
        "Microsoft Graph base URL (sovereign clouds, tests)"),
    OPT("ca_file", ZT_OPT_PATH, NULL, ca_file, 0,
        "PEM trust anchor replacing the system store for these URLs"),
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
    int methods = !!s->client_secret_file + !!s->credential + !!s->certificate_file;

    /* The tenant goes into the token URL path: a GUID or a domain name, nothing else. */
    if (!s->tenant_id[0] || strspn(s->tenant_id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"
                                                 "VWXYZ0123456789.-") != strlen(s->tenant_id)) {
        snprintf(err, errlen, "'tenant_id' must be a tenant GUID or domain name");
        return -EINVAL;
    }
    if (methods != 1) {
        snprintf(err, errlen,
                 "set exactly one authentication method: 'client_secret_file', 'credential' "
                 "or 'certificate_file' (with 'private_key_file'); %d given",
                 methods);
        return -EINVAL;
    }
    if (s->private_key_file && !s->certificate_file) {
        snprintf(err, errlen, "'private_key_file' needs 'certificate_file'");
        return -EINVAL;
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
               "authentication methods and strengths, MFA registration, PIM roles",
    .options = entra_options,
    .state_size = sizeof(struct entra_state),
    .flags = ZT_COLLECTOR_USES_HTTP,
    .check = entra_check,
    .collect = entra_collect,
};
