/* ms_auth.h - what the Microsoft collectors (intune, defender, entra) share: the
 * tenant/app/credential options, the OAuth2 session built from them, platform names and the
 * ISO 8601 timestamps of Graph and Defender for Endpoint. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector.h"

#define ZT_MS_LOGIN_URL   "https://login.microsoftonline.com"
#define ZT_MS_URL_MAX     2048u /* a base URL plus path and query we build */
#define ZT_MS_TENANT_MAX  256u  /* a tenant id (GUID) or domain name */
#define ZT_MS_DETAIL_MAX  50u   /* names listed in one evidence detail array */
#define ZT_MS_SECONDS_DAY 86400
#define ZT_MS_IMDS_URL    "http://169.254.169.254/metadata/identity/oauth2/token"
#define ZT_MS_ARC_KEY_DIR "/var/opt/azcmagent/tokens" /* where the Arc agent writes its keys */

/* The shared options, embedded in a collector's state and bound by ZT_MS_AUTH_OPTIONS(). The core
 * owns and frees the strings. At most one of client_secret_file, credential, certificate_file,
 * federated_token_file; none = workload identity when AZURE_FEDERATED_TOKEN_FILE is set, else
 * managed identity (App Service when IDENTITY_ENDPOINT and IDENTITY_HEADER are set, else the
 * instance metadata endpoint). */
struct zt_ms_auth {
    char *tenant_id;
    char *client_id;
    char *client_secret_file;   /* file holding the client secret (mode 0600) */
    char *credential;           /* systemd credential (LoadCredential=) holding the secret */
    char *certificate_file;     /* PEM certificate registered on the app: private_key_jwt */
    char *private_key_file;     /* its RSA key; NULL = in certificate_file */
    char *federated_token_file; /* workload identity: assertion file, read per token request */
    char *managed_identity_url; /* instance metadata endpoint, default ZT_MS_IMDS_URL */
    char *login_url;            /* token endpoint base, default ZT_MS_LOGIN_URL */
    char *ca_file;              /* extra trust anchor for login and API (tests, TLS inspection) */
};

/* Option rows for a struct zt_ms_auth named member inside the collector state type. Put them in
 * the collector's options table before its own rows. */
#define ZT_MS_AUTH_OPTIONS(type, member)                                                           \
    {"tenant_id", ZT_OPT_STRING,                                                                   \
     NULL,        offsetof(type, member.tenant_id),                                                \
     0,           "directory (tenant) id or verified domain (default: AZURE_TENANT_ID)"},          \
        {"client_id",                                                                              \
         ZT_OPT_STRING,                                                                            \
         NULL,                                                                                     \
         offsetof(type, member.client_id),                                                         \
         0,                                                                                        \
         "application (client) id, or the user-assigned managed identity's (AZURE_CLIENT_ID)"},    \
        {"federated_token_file",                                                                   \
         ZT_OPT_PATH,                                                                              \
         NULL,                                                                                     \
         offsetof(type, member.federated_token_file),                                              \
         0,                                                                                        \
         "workload identity: file of the federated token (default AZURE_FEDERATED_TOKEN_FILE)"},   \
        {"managed_identity_url",                                                                   \
         ZT_OPT_STRING,                                                                            \
         ZT_MS_IMDS_URL,                                                                           \
         offsetof(type, member.managed_identity_url),                                              \
         0,                                                                                        \
         "instance metadata identity endpoint (http:// to 169.254.169.254 or loopback only)"},     \
        {"client_secret_file",                                                                     \
         ZT_OPT_PATH,                                                                              \
         NULL,                                                                                     \
         offsetof(type, member.client_secret_file),                                                \
         ZT_OPT_SECRET,                                                                            \
         "file holding the client secret (owner root or ztmmd, mode 0600)"},                       \
        {"credential",                                                                             \
         ZT_OPT_STRING,                                                                            \
         NULL,                                                                                     \
         offsetof(type, member.credential),                                                        \
         0,                                                                                        \
         "systemd credential (LoadCredential=) holding the client secret"},                        \
        {"certificate_file",                                                                       \
         ZT_OPT_PATH,                                                                              \
         NULL,                                                                                     \
         offsetof(type, member.certificate_file),                                                  \
         ZT_OPT_SECRET,                                                                            \
         "PEM certificate of the app: authenticate with a signed client assertion"},               \
        {"private_key_file",                                                                       \
         ZT_OPT_PATH,                                                                              \
         NULL,                                                                                     \
         offsetof(type, member.private_key_file),                                                  \
         ZT_OPT_SECRET,                                                                            \
         "RSA private key of certificate_file (default: in certificate_file)"},                    \
        {"login_url",                                                                              \
         ZT_OPT_URL,                                                                               \
         ZT_MS_LOGIN_URL,                                                                          \
         offsetof(type, member.login_url),                                                         \
         0,                                                                                        \
         "Microsoft identity platform base URL (sovereign clouds, tests)"},                        \
    {                                                                                              \
        "ca_file", ZT_OPT_PATH, NULL, offsetof(type, member.ca_file), 0,                           \
            "PEM trust anchor replacing the system store for these requests"                       \
    }

/* Where the token comes from, as zt_ms_auth_source() resolves it from the options and the
 * environment (AZURE_FEDERATED_TOKEN_FILE, IDENTITY_ENDPOINT + IDENTITY_HEADER). */
enum zt_ms_source {
    ZT_MS_SOURCE_SECRET,      /* client_secret_file or credential */
    ZT_MS_SOURCE_CERTIFICATE, /* certificate_file: private_key_jwt */
    ZT_MS_SOURCE_FEDERATED,   /* workload identity federation */
    ZT_MS_SOURCE_APP_SERVICE, /* managed identity of App Service / Functions */
    ZT_MS_SOURCE_IMDS,        /* managed identity of the VM (instance metadata) */
    ZT_MS_SOURCE_ARC,         /* managed identity of an Azure Arc-enabled server */
};
enum zt_ms_source zt_ms_auth_source(const struct zt_ms_auth *a);
/* "client secret", "certificate", "workload identity", "managed identity (App Service)",
 * "managed identity (instance metadata)", "managed identity (Azure Arc)": for the log, never a
 * value. */
const char *zt_ms_source_to_string(enum zt_ms_source s);
/* The tenant: tenant_id, else AZURE_TENANT_ID, else NULL. */
const char *zt_ms_tenant(const struct zt_ms_auth *a);
/* The client id: client_id, else AZURE_CLIENT_ID, else NULL (system-assigned identity). */
const char *zt_ms_client_id(const struct zt_ms_auth *a);

/* Validate the combination: at most one credential source, a private key only with a certificate,
 * a tenant id usable in a URL path. Returns 0 or -EINVAL with a message naming the option. */
int zt_ms_auth_check(const struct zt_ms_auth *a, char *err, size_t errlen);
/* How many of client_secret_file, credential, certificate_file and federated_token_file are set
 * (valid: 0, a secretless source, or 1). */
int zt_ms_auth_sources(const struct zt_ms_auth *a);
/* Whether tenant is non-empty and only letters, digits, '.' and '-' (safe in the token URL path;
 * no length limit: zt_ms_auth_check adds ZT_MS_TENANT_MAX). */
bool zt_ms_tenant_valid(const char *tenant);

/* The OAuth2 client-credentials configuration of one collect() for one resource: the secret is
 * loaded (and wiped on close); oauth points into the session and the options (borrowed: the
 * options must outlive the session). */
struct zt_ms_session {
    struct zt_oauth_config oauth;
    enum zt_ms_source source;
    char *token_url;
    char *scope;
    char *secret; /* the client secret, or App Service's IDENTITY_HEADER */
};

/* Load the secret (if any) and build the token URL <login_url>/<tenant>/oauth2/v2.0/token for
 * scope ("https://graph.microsoft.com/.default"). Returns 0, or -errno with a message (naming the
 * file, never the secret) in err; s is cleared on failure. */
int zt_ms_session_open(struct zt_ms_session *s, const struct zt_ms_auth *a, const char *scope,
                       char *err, size_t errlen);
/* Log (info) which source gives the session's tokens: never a value. */
void zt_ms_session_log(struct zt_ctx *ctx, const struct zt_ms_session *s);
/* Wipe and free what the session holds. Safe on a zeroed or closed session. */
void zt_ms_session_close(struct zt_ms_session *s);

/* base (trailing slashes dropped) + path, newly allocated; NULL if longer than ZT_MS_URL_MAX. */
char *zt_ms_url(const char *base, const char *path);
/* "<origin of url>/.default": the scope of a resource whose API lives at url (Graph clouds).
 * Newly allocated; NULL if url has no origin. */
char *zt_ms_scope_of(const char *url);

/* Device platforms, as one vocabulary for Intune, Defender and compliance policies. */
enum zt_ms_platform {
    ZT_MS_WINDOWS,
    ZT_MS_IOS,
    ZT_MS_MACOS,
    ZT_MS_ANDROID,
    ZT_MS_LINUX,
    ZT_MS_OTHER,
    _ZT_MS_PLATFORM_MAX,
};
/* "windows", "ios", "macos", "android", "linux", "other". */
const char *zt_ms_platform_to_string(enum zt_ms_platform p);
/* From Intune operatingSystem ("Windows", "iOS", "iPadOS", "macOS", "Android...") or Defender
 * osPlatform ("Windows10", "WindowsServer2019", "Linux", "macOS", "iOS", "Android"),
 * case-insensitive; NULL or anything else is ZT_MS_OTHER. */
enum zt_ms_platform zt_ms_platform_from_os(const char *os);

/* A timestamp as Graph and MDE send it ("2024-05-01T10:00:00Z", fractions of any length, "+02:00"
 * offsets, no zone = UTC): zt_parse_time() with ZT_TIME_LENIENT, in Unix seconds (floor).
 * Returns 0 or -EINVAL. */
int zt_ms_parse_time(const char *s, int64_t *ret_sec);

/* share = part / whole for evidence; callers never emit it when whole is 0. */
double zt_ms_share(uint64_t part, uint64_t whole);
/* Emit key = count with an optional detail (stolen). */
int zt_ms_emit_count(struct zt_ctx *ctx, const char *key, uint64_t count,
                     struct json_object *detail);
