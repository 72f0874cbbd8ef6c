/* okta_risk.c - per element reductions of the okta collector's second round: the users assigned to
 * a target app (directly or through a group) and the rules of the Identity Threat Protection entity
 * risk policy; and how a failed call tells that the org lacks a feature. */
#include <strings.h>

#include "okta.h"

int zt_okta_app_user(struct json_object *e, bool *direct)
{
    if (!json_object_is_type(e, json_type_object)) {
        return -EBADMSG;
    }
    const char *scope = zt_json_str(e, "scope");
    if (scope && strcasecmp(scope, "USER") == 0) {
        *direct = true;
    }
    return 0;
}

int zt_okta_itp_rule(struct zt_okta_stores *s, struct json_object *rule)
{
    if (!json_object_is_type(rule, json_type_object)) {
        return -EBADMSG;
    }
    const char *status = zt_json_str(rule, "status");
    struct json_object *acts = zt_http_json_path(rule, "actions.entityRisk.actions");
    if (status && strcasecmp(status, "ACTIVE") == 0 && json_object_is_type(acts, json_type_array) &&
        json_object_array_length(acts) > 0) {
        s->itp_response = true; /* terminates sessions or runs a workflow without a person */
    }
    return 0;
}

bool zt_okta_feature_missing(const char *message)
{
    /* the engine's message quotes the start of the error body: {"errorCode":"E0000015",... */
    return message && strstr(message, "\"E0000015\"") != NULL;
}
