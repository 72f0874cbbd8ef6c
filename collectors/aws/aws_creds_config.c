/* aws_creds_config.c - a profile of the shared config and credentials files resolved as the AWS
 * SDKs (botocore's AssumeRoleProvider) do: static keys, or role_arn assumed with the credentials
 * of source_profile (followed profile to profile) or of credential_source (Environment,
 * Ec2InstanceMetadata, EcsContainer). Pure: text in, a plan out; the calls are aws_creds.c's. */
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_creds.h"
#include "secret.h"
#include "util.h"

#define PROFILES_MAX 256u

enum pkey {
    K_AKID,
    K_SECRET,
    K_TOKEN,
    K_ROLE_ARN,
    K_SOURCE_PROFILE,
    K_CREDENTIAL_SOURCE,
    K_EXTERNAL_ID,
    K_SESSION_NAME,
    K_REGION,
    _K_MAX,
};
static const char *const pkey_names[_K_MAX] = {
    "aws_access_key_id", "aws_secret_access_key", "aws_session_token", "role_arn", "source_profile",
    "credential_source", "external_id",           "role_session_name", "region",
};

struct profile {
    char name[ZT_AWS_PROFILE_NAME_MAX];
    char *v[_K_MAX]; /* owned; the secrets wiped */
};

struct profiles {
    struct profile p[PROFILES_MAX];
    size_t n;
    bool config; /* parsing the config file: "[profile NAME]" sections */
    bool full;
};

static void profiles_free(struct profiles *ps)
{
    for (size_t i = 0; i < ps->n; i++) {
        for (int k = 0; k < _K_MAX; k++) {
            zt_secret_free(ps->p[i].v[k]);
        }
    }
    ps->n = 0;
}

static struct profile *find(struct profiles *ps, const char *name)
{
    for (size_t i = 0; i < ps->n; i++) {
        if (strcmp(ps->p[i].name, name) == 0) {
            return &ps->p[i];
        }
    }
    return NULL;
}

/* The profile a section names: the config file's "profile NAME" and "default"; every section
 * of the credentials file. NULL for other sections (sso-session, services). */
static const char *section_profile(const struct profiles *ps, const char *section)
{
    if (!ps->config) {
        return section;
    }
    if (strcmp(section, "default") == 0) {
        return section;
    }
    if (strncmp(section, "profile ", 8) == 0) {
        const char *n = section + 8;
        return n + strspn(n, " \t");
    }
    return NULL;
}

static int on_entry(void *data, const char *section, const char *key, const char *value)
{
    struct profiles *ps = data;
    const char *name = section_profile(ps, section);
    if (!name || !name[0] || strlen(name) >= ZT_AWS_PROFILE_NAME_MAX) {
        return 1;
    }
    struct profile *p = find(ps, name);
    if (!p && ps->n == PROFILES_MAX) {
        ps->full = true;
        return 1;
    }
    if (!p) {
        p = &ps->p[ps->n++];
        *p = (struct profile){0};
        snprintf(p->name, sizeof(p->name), "%s", name);
    }
    for (int k = 0; k < _K_MAX; k++) {
        /* the credentials file is read last: its values win, as in the SDKs */
        if (strcmp(key, pkey_names[k]) == 0) {
            zt_secret_free(p->v[k]);
            p->v[k] = zt_xstrdup(value);
        }
    }
    return 1;
}

static bool has_static(const struct profile *p)
{
    return p->v[K_AKID] && p->v[K_AKID][0] && p->v[K_SECRET] && p->v[K_SECRET][0];
}

void zt_aws_profile_plan_clear(struct zt_aws_profile_plan *plan)
{
    zt_aws_creds_clear(&plan->keys);
    for (size_t i = 0; i < plan->n_roles; i++) {
        free(plan->roles[i].arn);
        zt_secret_free(plan->roles[i].external_id);
        free(plan->roles[i].session_name);
    }
    *plan = (struct zt_aws_profile_plan){0};
}

static const char *const sources[] = {"Environment", "Ec2InstanceMetadata", "EcsContainer"};
static const enum zt_aws_source source_of[] = {ZT_AWS_SRC_ENV, ZT_AWS_SRC_IMDS,
                                               ZT_AWS_SRC_CONTAINER};

/* p's role as the next step of the plan, and where its source credentials come from: the
 * credential_source (*next NULL), or the profile to read next (*next). */
static int role_step(struct profiles *ps, struct profile *p, struct zt_aws_profile_plan *plan,
                     struct profile **next, char *err, size_t errlen)
{
    const char *src = p->v[K_SOURCE_PROFILE], *cs = p->v[K_CREDENTIAL_SOURCE];
    if (plan->n_roles == ZT_AWS_PROFILE_HOPS) {
        snprintf(err, errlen, "profile %s: more than %u roles chained", p->name,
                 ZT_AWS_PROFILE_HOPS);
        return -ELOOP;
    }
    if (!src == !cs) {
        snprintf(err, errlen,
                 "profile %s has role_arn and %s of source_profile and credential_source", p->name,
                 src ? "both" : "neither");
        return -EINVAL;
    }
    struct zt_aws_role_step *s = &plan->roles[plan->n_roles++];
    s->arn = zt_xstrdup(p->v[K_ROLE_ARN]);
    s->external_id = p->v[K_EXTERNAL_ID] ? zt_xstrdup(p->v[K_EXTERNAL_ID]) : NULL;
    s->session_name = p->v[K_SESSION_NAME] ? zt_xstrdup(p->v[K_SESSION_NAME]) : NULL;
    snprintf(s->profile, sizeof(s->profile), "%s", p->name);
    *next = NULL;
    if (cs) {
        for (size_t i = 0; i < ZT_ELEMENTSOF(sources); i++) {
            if (strcmp(cs, sources[i]) == 0) {
                plan->source = source_of[i];
                return 0;
            }
        }
        snprintf(err, errlen,
                 "profile %s: credential_source '%.40s' is none of Environment, "
                 "Ec2InstanceMetadata, EcsContainer",
                 p->name, cs);
        return -EINVAL;
    }
    *next = find(ps, src);
    if (!*next) {
        snprintf(err, errlen, "profile %s: its source_profile %.64s does not exist", p->name, src);
        return -ENOENT;
    }
    return 0;
}

/* The static keys of p as the plan's source. */
static int static_source(struct profile *p, struct zt_aws_profile_plan *plan, char *err,
                         size_t errlen)
{
    if (!has_static(p)) {
        snprintf(err, errlen, "profile %s has no aws_access_key_id and aws_secret_access_key%s",
                 p->name, plan->n_roles ? " (a source_profile must have credentials)" : "");
        return -ENOENT;
    }
    plan->source = ZT_AWS_SRC_PROFILE;
    snprintf(plan->keys_profile, sizeof(plan->keys_profile), "%s", p->name);
    plan->keys.access_key_id = zt_xstrdup(p->v[K_AKID]);
    plan->keys.secret = zt_xstrdup(p->v[K_SECRET]);
    plan->keys.token = p->v[K_TOKEN] && p->v[K_TOKEN][0] ? zt_xstrdup(p->v[K_TOKEN]) : NULL;
    return 0;
}

/* Follow name's role_arn / source_profile links into plan (botocore's order and checks). */
static int resolve(struct profiles *ps, const char *name, struct zt_aws_profile_plan *plan,
                   char *err, size_t errlen)
{
    struct profile *visited[ZT_AWS_PROFILE_HOPS + 1], *p = find(ps, name);
    size_t n = 0;

    if (!p) {
        snprintf(err, errlen, "no profile [%.64s]", name);
        return -ENOKEY;
    }
    if (!p->v[K_ROLE_ARN] && !has_static(p)) {
        snprintf(err, errlen, "profile %s has no aws_access_key_id and aws_secret_access_key",
                 p->name);
        return -ENOKEY;
    }
    snprintf(plan->profile, sizeof(plan->profile), "%s", name);
    snprintf(plan->region, sizeof(plan->region), "%s", p->v[K_REGION] ? p->v[K_REGION] : "");
    visited[n++] = p;
    /* the first profile's role is assumed even when it has keys; a source profile's keys win */
    while (p->v[K_ROLE_ARN] && (n == 1 || !has_static(p))) {
        struct profile *next = NULL;
        int r = role_step(ps, p, plan, &next, err, errlen);
        if (r < 0 || !next) {
            return r;
        }
        for (size_t i = 0; i < n; i++) {
            /* seen before: a loop, unless a profile names itself for its own static keys */
            if (visited[i] == next && (next != p || !has_static(next))) {
                snprintf(err, errlen, "profile %s: source_profile %s makes a loop", p->name,
                         next->name);
                return -ELOOP;
            }
        }
        if (next == p || n > ZT_AWS_PROFILE_HOPS) {
            break;
        }
        visited[n++] = p = next;
    }
    return static_source(p, plan, err, errlen);
}

int zt_aws_profile_resolve(const char *config, const char *credentials, const char *name,
                           struct zt_aws_profile_plan *plan, char *err, size_t errlen)
{
    struct profiles *ps = zt_xcalloc(1, sizeof(*ps));
    int r = 0, line;

    *plan = (struct zt_aws_profile_plan){0};
    for (int f = 0; f < 2 && r == 0; f++) {
        const char *text = f == 0 ? config : credentials;
        ps->config = f == 0;
        if (text && (line = ini_parse_string(text, on_entry, ps)) != 0) {
            snprintf(err, errlen, "the shared %s file: line %d does not parse",
                     f == 0 ? "config" : "credentials", line);
            r = -EBADMSG;
        }
    }
    if (r == 0 && ps->full) {
        snprintf(err, errlen, "more than %u profiles", PROFILES_MAX);
        r = -E2BIG;
    }
    if (r == 0) {
        r = resolve(ps, name, plan, err, errlen);
    }
    if (r < 0) {
        zt_aws_profile_plan_clear(plan);
    }
    profiles_free(ps);
    free(ps);
    return r;
}
