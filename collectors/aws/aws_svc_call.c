/* aws_svc_call.c - how the aws collector's services make their calls: the per-region service
 * state, JSON request bodies, one tracked call, and a JSON-protocol list page. The service
 * dispatcher (aws_svc.c) and the answer readers (aws_svc_apps.c, aws_svc_org.c) build on these. */
#include <stdlib.h>

#include "aws_call.h"

struct zt_aws_rsvc *zt_aws_rsvc(struct zt_aws_run *run, const struct zt_aws_region *rg)
{
    return &run->acct.regions[rg - run->regions];
}

/* A JSON body: pairs of key and string value (NULL values left out), then "Limit"-style
 * numbers given as "#Key", value as a decimal string. */
char *zt_aws_json_body(const char *const *kv)
{
    struct json_object *o = json_object_new_object();
    for (size_t i = 0; kv && kv[i]; i += 2) {
        if (!kv[i + 1]) {
            continue;
        }
        if (kv[i][0] == '#') {
            json_object_object_add(o, kv[i] + 1, json_object_new_int(atoi(kv[i + 1])));
        } else if (kv[i][0] == '[') { /* a one-string array */
            struct json_object *a = json_object_new_array();
            json_object_array_add(a, json_object_new_string(kv[i + 1]));
            json_object_object_add(o, kv[i] + 1, a);
        } else {
            json_object_object_add(o, kv[i], json_object_new_string(kv[i + 1]));
        }
    }
    char *s = zt_xstrdup(
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    return s;
}

/* One call of api in region rg (NULL: Organizations, signed for us-east-1). */
int zt_aws_svc_call(struct zt_aws_run *run, struct zt_aws_region *rg, enum zt_aws_api api,
                    struct zt_aws_track *t, const char *path, const char *body, const char *id,
                    const char *token, unsigned page, unsigned tag)
{
    struct zt_aws_spec s = {.api = api,
                            .region = rg,
                            .scope = rg ? rg->name : "us-east-1",
                            .path = path ? path : "/",
                            .body = body,
                            .arg = token,
                            .id = id,
                            .track = t,
                            .tag = tag,
                            .page = page};
    t->started = true;
    return zt_aws_call_add(run, &s);
}

/* A JSON-protocol list call: body {"NextToken": token} plus the fixed pairs. */
int zt_aws_json_list(struct zt_aws_run *run, struct zt_aws_region *rg, enum zt_aws_api api,
                     struct zt_aws_track *t, const char *k, const char *v, const char *token,
                     unsigned page, unsigned tag)
{
    const char *kv[] = {"NextToken", token, k, v, NULL};
    _cleanup_free_ char *body = zt_aws_json_body(kv);
    return zt_aws_svc_call(run, rg, api, t, "/", body, v, token, page, tag);
}
