/* aws_creds_profile.c - a profile's static keys from the shared credentials file
 * (~/.aws/credentials or AWS_SHARED_CREDENTIALS_FILE; AWS_PROFILE, else "default"). */
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_creds.h"
#include "secret.h"
#include "util.h"

struct profile_read {
    const char *name;
    bool found;
    char *akid, *secret, *token; /* owned; secret and token wiped */
};

static int on_entry(void *data, const char *section, const char *key, const char *value)
{
    struct profile_read *p = data;
    char **dst = NULL;

    if (strcmp(section, p->name) != 0) {
        return 1;
    }
    p->found = true;
    if (strcmp(key, "aws_access_key_id") == 0) {
        dst = &p->akid;
    } else if (strcmp(key, "aws_secret_access_key") == 0) {
        dst = &p->secret;
    } else if (strcmp(key, "aws_session_token") == 0) {
        dst = &p->token;
    }
    if (dst) {
        zt_secret_free(*dst);
        *dst = zt_xstrdup(value);
    }
    return 1;
}

int zt_aws_profile_parse(const char *text, const char *profile, struct zt_aws_creds *c, char *err,
                         size_t errlen)
{
    struct profile_read p = {.name = profile};
    int line = ini_parse_string(text, on_entry, &p);
    int r = 0;

    if (line != 0) {
        snprintf(err, errlen, "line %d does not parse", line);
        r = -EBADMSG;
    } else if (!p.found) {
        snprintf(err, errlen, "no profile [%.64s]", profile);
        r = -ENOENT;
    } else if (!p.akid || !p.akid[0] || !p.secret || !p.secret[0]) {
        snprintf(err, errlen, "profile [%.64s] has no aws_access_key_id and aws_secret_access_key",
                 profile);
        r = -ENOENT;
    } else {
        zt_aws_creds_clear(c);
        c->access_key_id = p.akid;
        c->secret = p.secret;
        c->token = p.token && p.token[0] ? p.token : NULL;
        p.akid = p.secret = NULL;
        if (c->token) {
            p.token = NULL;
        }
    }
    free(p.akid);
    zt_secret_free(p.secret);
    zt_secret_free(p.token);
    return r;
}

int zt_aws_profile_load(zt_aws_env_fn env, struct zt_aws_creds *c, char *err, size_t errlen)
{
    const char *file = env("AWS_SHARED_CREDENTIALS_FILE"), *home = env("HOME");
    const char *name = env("AWS_PROFILE");
    bool named = name && name[0];
    _cleanup_free_ char *path = file && file[0]   ? zt_xstrdup(file)
                                : home && home[0] ? zt_path_join(home, ".aws/credentials")
                                                  : NULL;
    _cleanup_(zt_secret_freep) char *text = NULL;
    char why[512];

    if (!path) {
        snprintf(err, errlen, "no shared credentials file (HOME unset)");
        return named ? -ENOENT : -ENOKEY;
    }
    int r = zt_secret_read_file(path, ZT_SECRET_MAX, &text, why, sizeof(why));
    if (r == -ENOENT && !named) {
        return -ENOKEY; /* no file: the chain goes on */
    }
    if (r < 0) {
        snprintf(err, errlen, "%s", why);
        return r;
    }
    r = zt_aws_profile_parse(text, named ? name : "default", c, why, sizeof(why));
    if (r == -ENOENT && !named) {
        return -ENOKEY; /* no usable default profile: the chain goes on */
    }
    if (r < 0) {
        snprintf(err, errlen, "%s: %s", path, why);
        return r;
    }
    snprintf(c->detail, sizeof(c->detail), "profile %.64s of %.160s", named ? name : "default",
             path);
    return 0;
}
