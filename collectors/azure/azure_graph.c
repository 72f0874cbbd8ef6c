/* azure_graph.c - the Resource Graph queries of the azure collector and the fold of their rows
 * into estate-wide counts: network entry points and their zones, load balancer probes, DDoS
 * protection, WAF and firewall policies, private endpoints, flow logs (one query over Resources),
 * and the Azure Policy compliance states summarised by state, effect and assignment scope
 * (PolicyResources). Vaults, protected items and automation are in azure_graph_data.c. */
#include <ctype.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "azure_graph.h"

/* ---- helpers shared with azure_graph_data.c ------------------------------------------------- */

const char *zt_azure_str_at(struct json_object *o, const char *path)
{
    struct json_object *v = zt_http_json_path(o, path);
    return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

bool zt_azure_str_is(struct json_object *o, const char *path, const char *value)
{
    const char *s = zt_azure_str_at(o, path);
    return s && strcasecmp(s, value) == 0;
}

int zt_azure_bool_at(struct json_object *o, const char *path)
{
    struct json_object *v = zt_http_json_path(o, path);
    if (json_object_is_type(v, json_type_boolean)) {
        return json_object_get_boolean(v);
    }
    if (json_object_is_type(v, json_type_string)) { /* KQL tostring() and some RPs */
        const char *s = json_object_get_string(v);
        return strcasecmp(s, "true") == 0 ? 1 : strcasecmp(s, "false") == 0 ? 0 : -1;
    }
    return -1;
}

size_t zt_azure_len_at(struct json_object *o, const char *path)
{
    struct json_object *v = zt_http_json_path(o, path);
    return json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 0;
}

bool zt_azure_id_at(struct json_object *o, const char *path)
{
    const char *s = zt_azure_str_at(o, path);
    return s && s[0];
}

/* The row's type and properties object; false for a row that is not a resource. */
bool zt_azure_row(struct json_object *row, const char **type, struct json_object **props)
{
    *type = zt_json_str(row, "type");
    *props = zt_http_json_path(row, "properties");
    return *type && json_object_is_type(*props, json_type_object);
}

void zt_azure_ids_add(struct zt_strv *ids, const char *s, size_t max)
{
    for (size_t i = 0; i < ids->n; i++) {
        if (strcasecmp(ids->v[i], s) == 0) {
            return;
        }
    }
    if (ids->n < max) {
        zt_strv_push(ids, s);
    }
}

int zt_azure_emit_share(struct zt_ctx *ctx, const char *key, uint64_t part, uint64_t whole)
{
    if (!whole) {
        return 0; /* no denominator: the share is not observed */
    }
    return zt_emit_double(ctx, key, zt_ms_share(part > whole ? whole : part, whole));
}

/* ---- network -------------------------------------------------------------------------------- */

static void entry_point(struct zt_azure_net *n, struct json_object *zoned)
{
    n->entry_points++;
    n->zone_redundant += zt_azure_len_at(zoned, "zones") >= 2;
}

static void net_lb(struct zt_azure_net *n, struct json_object *p)
{
    struct json_object *fes = zt_json_array(p, "frontendIPConfigurations");
    struct json_object *rules = zt_json_array(p, "loadBalancingRules");

    n->lbs++;
    for (size_t i = 0; fes && i < json_object_array_length(fes); i++) {
        struct json_object *fe = json_object_array_get_idx(fes, i);
        /* An internal frontend carries its own zones; a public one takes its public IP's,
         * counted with the public IPs. */
        if (!zt_azure_id_at(fe, "properties.publicIPAddress.id")) {
            entry_point(n, fe);
        }
    }
    for (size_t i = 0; rules && i < json_object_array_length(rules); i++) {
        n->lb_rules++;
        n->lb_rules_unprobed +=
            !zt_azure_id_at(json_object_array_get_idx(rules, i), "properties.probe.id");
    }
}

/* A WAF policy of Application Gateway (custom rules in an array, settings.state) or of Front
 * Door (custom rules under "rules", settings.enabledState). */
static void net_waf(struct zt_azure_net *n, struct json_object *p, bool front_door)
{
    struct json_object *custom = front_door ? zt_http_json_path(p, "customRules.rules")
                                            : zt_http_json_path(p, "customRules");
    bool rate = false;

    for (size_t i = 0;
         json_object_is_type(custom, json_type_array) && i < json_object_array_length(custom);
         i++) {
        rate |= zt_azure_str_is(json_object_array_get_idx(custom, i), "ruleType", "RateLimitRule");
    }
    n->waf_policies++;
    n->waf_prevention +=
        zt_azure_str_is(p, front_door ? "policySettings.enabledState" : "policySettings.state",
                        "Enabled") &&
        zt_azure_str_is(p, "policySettings.mode", "Prevention");
    n->waf_managed += zt_azure_len_at(p, "managedRules.managedRuleSets") > 0;
    n->waf_rate_limit += rate;
}

/* Keep a lowercased copy of id (ARM ids compare without case). */
static void id_keep(struct zt_azure_net *n, struct zt_strv *ids, const char *id)
{
    char buf[512];
    size_t len = id ? strlen(id) : 0;

    if (len == 0 || len >= sizeof(buf)) {
        return;
    }
    if (ids->n >= ZT_AZURE_IDS_MAX) {
        n->ids_overflow = true;
        return;
    }
    for (size_t i = 0; i <= len; i++) {
        buf[i] = (char)tolower((unsigned char)id[i]);
    }
    zt_strv_push(ids, buf);
}

static void net_flow_log(struct zt_azure_net *n, struct json_object *p)
{
    bool on = zt_azure_bool_at(p, "enabled") == 1;
    bool ta = on && zt_azure_bool_at(p, "flowAnalyticsConfiguration."
                                        "networkWatcherFlowAnalyticsConfiguration.enabled") == 1;
    const char *target = zt_azure_str_at(p, "targetResourceId");

    n->flow_logs++;
    n->flow_logs_enabled += on;
    n->flow_logs_analytics += ta;
    if (on) {
        id_keep(n, &n->flow_targets, target);
    }
    if (ta) {
        id_keep(n, &n->flow_ta_targets, target);
    }
}

void zt_azure_net_row(struct zt_azure_graph *acc, struct json_object *row)
{
    struct zt_azure_net *n = &acc->net;
    const char *t;
    struct json_object *p;

    if (!zt_azure_row(row, &t, &p)) {
        n->malformed++;
    } else if (strcasecmp(t, "microsoft.network/loadbalancers") == 0) {
        net_lb(n, p);
    } else if (strcasecmp(t, "microsoft.network/publicipaddresses") == 0) {
        entry_point(n, row);
    } else if (strcasecmp(t, "microsoft.network/applicationgateways") == 0) {
        entry_point(n, row);
        n->app_gateways++;
        n->app_gateways_waf +=
            zt_azure_id_at(p, "firewallPolicy.id") ||
            zt_azure_bool_at(p, "webApplicationFirewallConfiguration.enabled") == 1;
    } else if (strcasecmp(t, "microsoft.network/azurefirewalls") == 0) {
        entry_point(n, row);
        n->firewalls++;
    } else if (strcasecmp(
                   t, "microsoft.network/applicationgatewaywebapplicationfirewallpolicies") == 0) {
        net_waf(n, p, false);
    } else if (strcasecmp(t, "microsoft.network/frontdoorwebapplicationfirewallpolicies") == 0) {
        net_waf(n, p, true);
    } else if (strcasecmp(t, "microsoft.network/firewallpolicies") == 0) {
        n->firewall_policies++;
        n->fwp_rules += zt_azure_len_at(p, "ruleCollectionGroups") > 0;
        n->fwp_ti_deny += zt_azure_str_is(p, "threatIntelMode", "Deny");
        n->fwp_idps_deny += zt_azure_str_is(p, "intrusionDetection.mode", "Deny");
        n->fwp_child += zt_azure_id_at(p, "basePolicy.id");
    } else if (strcasecmp(t, "microsoft.network/virtualnetworks") == 0) {
        n->vnets++;
        n->vnets_ddos += zt_azure_bool_at(p, "enableDdosProtection") == 1;
        id_keep(n, &n->vnet_ids, zt_json_str(row, "id"));
    } else if (strcasecmp(t, "microsoft.network/ddosprotectionplans") == 0) {
        n->ddos_plans++;
    } else if (strcasecmp(t, "microsoft.network/privateendpoints") == 0) {
        n->private_endpoints++;
    } else if (strcasecmp(t, "microsoft.network/networkwatchers/flowlogs") == 0) {
        net_flow_log(n, p);
    } else {
        n->malformed++; /* a type the query did not ask for */
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* How many of the virtual networks are the target of one of the flow logs. */
static uint64_t vnets_covered(const struct zt_azure_net *n, const struct zt_strv *targets)
{
    _cleanup_free_ char **sorted = zt_xcalloc(targets->n + 1, sizeof(char *));
    uint64_t covered = 0;

    if (targets->n > 0) { /* an empty list has no array to copy (v is NULL) */
        memcpy(sorted, targets->v, targets->n * sizeof(char *));
        qsort(sorted, targets->n, sizeof(char *), cmp_str);
    }
    for (size_t i = 0; i < n->vnet_ids.n; i++) {
        covered += bsearch(&n->vnet_ids.v[i], sorted, targets->n, sizeof(char *), cmp_str) != NULL;
    }
    return covered;
}

static int net_emit_edge(struct zt_ctx *ctx, const struct zt_azure_net *n)
{
    int r = 0;

    r |= zt_ms_emit_count(ctx, "azure.waf.app_gateway_count", n->app_gateways, NULL);
    r |= zt_ms_emit_count(ctx, "azure.waf.app_gateway_with_waf_count", n->app_gateways_waf, NULL);
    r |= zt_azure_emit_share(ctx, "azure.waf.app_gateway_coverage_share", n->app_gateways_waf,
                             n->app_gateways);
    r |= zt_ms_emit_count(ctx, "azure.waf.policy_count", n->waf_policies, NULL);
    r |= zt_azure_emit_share(ctx, "azure.waf.prevention_share", n->waf_prevention, n->waf_policies);
    r |= zt_azure_emit_share(ctx, "azure.waf.managed_rules_share", n->waf_managed, n->waf_policies);
    r |= zt_ms_emit_count(ctx, "azure.waf.rate_limit_policy_count", n->waf_rate_limit, NULL);
    r |= zt_ms_emit_count(ctx, "azure.firewall.count", n->firewalls, NULL);
    r |= zt_ms_emit_count(ctx, "azure.firewall.policy_count", n->firewall_policies, NULL);
    r |= zt_ms_emit_count(ctx, "azure.firewall.policies_with_rules_count", n->fwp_rules, NULL);
    r |= zt_azure_emit_share(ctx, "azure.firewall.threat_intel_deny_share", n->fwp_ti_deny,
                             n->firewall_policies);
    r |= zt_azure_emit_share(ctx, "azure.firewall.idps_deny_share", n->fwp_idps_deny,
                             n->firewall_policies);
    r |= zt_ms_emit_count(ctx, "azure.firewall.child_policy_count", n->fwp_child, NULL);
    return r;
}

int zt_azure_net_emit(struct zt_ctx *ctx, const struct zt_azure_graph *acc)
{
    const struct zt_azure_net *n = &acc->net;
    struct json_object *d = json_object_new_object();
    int r = 0;

    json_object_object_add(d, "malformed_rows", json_object_new_int64((int64_t)n->malformed));
    r |= zt_ms_emit_count(ctx, "azure.network.entry_point_count", n->entry_points, d);
    r |= zt_ms_emit_count(ctx, "azure.network.zone_redundant_count", n->zone_redundant, NULL);
    r |= zt_azure_emit_share(ctx, "azure.network.zone_redundant_share", n->zone_redundant,
                             n->entry_points);
    d = json_object_new_object();
    json_object_object_add(d, "rules", json_object_new_int64((int64_t)n->lb_rules));
    r |= zt_ms_emit_count(ctx, "azure.lb.count", n->lbs, d);
    r |= zt_ms_emit_count(ctx, "azure.lb.rules_without_probe_count", n->lb_rules_unprobed, NULL);
    r |= zt_ms_emit_count(ctx, "azure.vnet.count", n->vnets, NULL);
    r |= zt_azure_emit_share(ctx, "azure.vnet.ddos_protected_share", n->vnets_ddos, n->vnets);
    r |= zt_ms_emit_count(ctx, "azure.ddos.plan_count", n->ddos_plans, NULL);
    r |= zt_ms_emit_count(ctx, "azure.private_endpoint.count", n->private_endpoints, NULL);
    r |= zt_ms_emit_count(ctx, "azure.flow_log.count", n->flow_logs, NULL);
    r |= zt_ms_emit_count(ctx, "azure.flow_log.enabled_count", n->flow_logs_enabled, NULL);
    r |= zt_ms_emit_count(ctx, "azure.flow_log.traffic_analytics_count", n->flow_logs_analytics,
                          NULL);
    if (!n->ids_overflow && n->vnet_ids.n == n->vnets) {
        r |= zt_azure_emit_share(ctx, "azure.vnet.flow_log_share",
                                 vnets_covered(n, &n->flow_targets), n->vnets);
        r |= zt_azure_emit_share(ctx, "azure.vnet.traffic_analytics_share",
                                 vnets_covered(n, &n->flow_ta_targets), n->vnets);
    }
    r |= net_emit_edge(ctx, n);
    return r < 0 ? -EINVAL : 0;
}

/* ---- Azure Policy compliance states --------------------------------------------------------- */

static bool action_in(const char *action, const char *const *set)
{
    for (size_t i = 0; action && set[i]; i++) {
        if (strcasecmp(action, set[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* Fold n states of one (compliance state, effect, scope) into t. A state whose assignment is
 * DoNotEnforce is counted as a state, never as enforcing: its effect does not act. */
static void tally_add(struct zt_azure_policy_tally *t, const char *state, const char *action,
                      bool mg, bool dne, uint64_t n)
{
    static const char *const enforcing[] = {"deny",   "denyaction", "deployifnotexists",
                                            "modify", "append",     NULL};
    static const char *const remediating[] = {"deployifnotexists", "modify", NULL};
    bool compliant = strcasecmp(state, "compliant") == 0;
    bool noncompliant = strcasecmp(state, "noncompliant") == 0;

    t->states += n;
    t->compliant += compliant ? n : 0;
    t->noncompliant += noncompliant ? n : 0;
    if (dne) {
        return;
    }
    t->deny += action && (strcasecmp(action, "deny") == 0 || strcasecmp(action, "denyaction") == 0)
                   ? n
                   : 0;
    if (action_in(action, enforcing)) {
        t->enforcing += n;
        t->mg_enforcing += mg ? n : 0;
    }
    if (action_in(action, remediating)) {
        t->remediating += n;
        t->remediating_compliant += compliant ? n : 0;
        t->remediating_evaluated += compliant || noncompliant ? n : 0;
    }
}

void zt_azure_policy_row(struct zt_azure_graph *acc, struct json_object *row)
{
    struct zt_azure_policy *p = &acc->policy;
    struct json_object *nv = zt_http_json_path(row, "n");
    const char *state = zt_json_str(row, "state"), *action = zt_json_str(row, "action");
    bool mg = zt_azure_bool_at(row, "mg") == 1, dne = zt_azure_bool_at(row, "dne") == 1;

    if (!json_object_is_type(nv, json_type_int) || json_object_get_int64(nv) < 0 || !state) {
        p->malformed++;
        return;
    }
    uint64_t n = (uint64_t)json_object_get_int64(nv);
    p->not_enforced += dne ? n : 0;
    tally_add(&p->all, state, action, mg, dne, n);
    if (zt_azure_bool_at(row, "data") == 1) {
        tally_add(&p->data, state, action, mg, dne, n);
    }
    if (zt_azure_bool_at(row, "net") == 1) {
        tally_add(&p->net, state, action, mg, dne, n);
    }
}

int zt_azure_policy_emit(struct zt_ctx *ctx, const struct zt_azure_graph *acc)
{
    const struct zt_azure_policy_tally *p = &acc->policy.all, *d = &acc->policy.data;
    struct json_object *det = json_object_new_object();
    int r = 0;

    json_object_object_add(det, "compliant", json_object_new_int64((int64_t)p->compliant));
    json_object_object_add(det, "noncompliant", json_object_new_int64((int64_t)p->noncompliant));
    json_object_object_add(det, "malformed_rows",
                           json_object_new_int64((int64_t)acc->policy.malformed));
    json_object_object_add(det, "not_enforced",
                           json_object_new_int64((int64_t)acc->policy.not_enforced));
    r |= zt_ms_emit_count(ctx, "azure.policy.state_count", p->states, det);
    r |= zt_azure_emit_share(ctx, "azure.policy.compliant_share", p->compliant,
                             p->compliant + p->noncompliant);
    r |= zt_ms_emit_count(ctx, "azure.policy.enforcing_state_count", p->enforcing, NULL);
    r |= zt_ms_emit_count(ctx, "azure.policy.remediating_state_count", p->remediating, NULL);
    r |= zt_azure_emit_share(ctx, "azure.policy.remediating_compliant_share",
                             p->remediating_compliant, p->remediating_evaluated);
    r |= zt_ms_emit_count(ctx, "azure.policy.management_group_enforcing_count", p->mg_enforcing,
                          NULL);
    r |= zt_ms_emit_count(ctx, "azure.policy.data_state_count", d->states, NULL);
    r |= zt_azure_emit_share(ctx, "azure.policy.data_compliant_share", d->compliant,
                             d->compliant + d->noncompliant);
    r |= zt_ms_emit_count(ctx, "azure.policy.data_remediating_state_count", d->remediating, NULL);
    r |= zt_azure_emit_share(ctx, "azure.policy.data_remediating_compliant_share",
                             d->remediating_compliant, d->remediating_evaluated);
    r |= zt_ms_emit_count(ctx, "azure.policy.data_management_group_enforcing_count",
                          d->mg_enforcing, NULL);
    r |= zt_ms_emit_count(ctx, "azure.policy.deny_state_count", p->deny, NULL);
    r |= zt_ms_emit_count(ctx, "azure.policy.network_state_count", acc->policy.net.states, NULL);
    r |= zt_ms_emit_count(ctx, "azure.policy.network_enforcing_count", acc->policy.net.enforcing,
                          NULL);
    r |= zt_ms_emit_count(ctx, "azure.policy.network_management_group_enforcing_count",
                          acc->policy.net.mg_enforcing, NULL);
    r |= zt_azure_emit_share(ctx, "azure.policy.network_compliant_share", acc->policy.net.compliant,
                             acc->policy.net.compliant + acc->policy.net.noncompliant);
    return r < 0 ? -EINVAL : 0;
}

/* ---- Azure Policy assignments and the subscriptions Resource Graph sees ---------------------- */

/* A row of the assignments summary: {"mode": "default" | "donotenforce" | "", "mg": bool,
 * "n": count}. An absent enforcementMode is Default, the documented default. */
void zt_azure_assignments_row(struct zt_azure_graph *acc, struct json_object *row)
{
    struct zt_azure_assignments *a = &acc->assignments;
    struct json_object *nv = zt_http_json_path(row, "n");
    const char *mode = zt_json_str(row, "mode");
    bool mg = zt_azure_bool_at(row, "mg") == 1;

    if (!json_object_is_type(nv, json_type_int) || json_object_get_int64(nv) < 0) {
        a->malformed++;
        return;
    }
    uint64_t n = (uint64_t)json_object_get_int64(nv);
    bool dne = mode && strcasecmp(mode, "DoNotEnforce") == 0;
    a->total += n;
    a->do_not_enforce += dne ? n : 0;
    a->mg += mg ? n : 0;
    a->mg_enforced += mg && !dne ? n : 0;
}

int zt_azure_assignments_emit(struct zt_ctx *ctx, const struct zt_azure_graph *acc)
{
    const struct zt_azure_assignments *a = &acc->assignments;
    struct json_object *d = json_object_new_object();
    int r = 0;

    json_object_object_add(d, "management_group", json_object_new_int64((int64_t)a->mg));
    json_object_object_add(d, "malformed_rows", json_object_new_int64((int64_t)a->malformed));
    r |= zt_ms_emit_count(ctx, "azure.policy.assignment_count", a->total, d);
    r |= zt_ms_emit_count(ctx, "azure.policy.do_not_enforce_count", a->do_not_enforce, NULL);
    r |= zt_ms_emit_count(ctx, "azure.policy.management_group_assignment_count", a->mg_enforced,
                          NULL);
    return r < 0 ? -EINVAL : 0;
}

void zt_azure_subscriptions_row(struct zt_azure_graph *acc, struct json_object *row)
{
    const char *id = zt_json_str(row, "subscriptionId");

    if (id && id[0]) {
        zt_azure_ids_add(&acc->visible_subs, id, 2000);
    }
}

int zt_azure_subscriptions_emit(struct zt_ctx *ctx, const struct zt_azure_graph *acc)
{
    return zt_ms_emit_count(ctx, "azure.graph.subscription_count", acc->visible_subs.n, NULL);
}
