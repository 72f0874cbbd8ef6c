/* azure_nsg.c - network security groups: which administrative ports the Internet can reach,
 * evaluating inbound rules (custom and default) as Azure does, in priority order, first match
 * wins, so a Deny with a lower priority number shadows a later Allow covering the same traffic. */
#include <json-c/json.h>
#include <stdlib.h>
#include <strings.h>

#include "azure.h"

/* SSH, Telnet, FTP, RDP, WinRM, VNC, SMB/NetBIOS/MSRPC, databases (MySQL, PostgreSQL, MS SQL,
 * Oracle, MongoDB, Redis, Elasticsearch, CouchDB, memcached), container and cluster control
 * planes (Docker, Kubernetes API and kubelet, etcd). 80/443 are not administrative. */
const int zt_azure_admin_ports[] = {
    20,   21,   22,   23,   135,  139,  445,  1433, 1434, 1521, 2375,  2376,  2379,  2380, 3306,
    3389, 5432, 5900, 5984, 5985, 5986, 6379, 6443, 9200, 9300, 10250, 11211, 27017, 0,
};

size_t zt_azure_admin_ports_count(void)
{
    return ZT_ELEMENTSOF(zt_azure_admin_ports) - 1;
}

#define RULE_DEST_MAX 32u
#define RULES_MAX     (ZT_AZURE_NSG_RULES_MAX + 16u)

struct nsg_rule {
    const char *name;
    long priority;
    size_t index; /* position in the document: a stable order for equal priorities */
    bool allow;
    bool tcp;       /* protocol `*` or Tcp */
    bool world;     /* a source covering the whole Internet */
    bool dest_all;  /* destination `*` (or absent on an Allow) */
    bool all_ports; /* every port 1-65535 */
    const char *port_one;
    struct json_object *port_list;
    size_t ndest;
    const char *dest[RULE_DEST_MAX];
};

/* Parse "22", "20-25" or "*" into [lo, hi]. */
static bool port_spec(const char *s, long *lo, long *hi)
{
    char *end = NULL;

    if (!s || !s[0]) {
        return false;
    }
    if (zt_streq(s, "*")) {
        *lo = 0;
        *hi = 65535;
        return true;
    }
    if (s[0] < '0' || s[0] > '9') {
        return false;
    }
    *lo = strtol(s, &end, 10);
    if (*end == '-' && end[1] >= '0' && end[1] <= '9') {
        *hi = strtol(end + 1, &end, 10);
    } else {
        *hi = *lo;
    }
    return *end == '\0' && *lo >= 0 && *hi <= 65535 && *lo <= *hi;
}

bool zt_azure_port_spec_covers(const char *spec, int port)
{
    long lo, hi;
    return port_spec(spec, &lo, &hi) && lo <= port && port <= hi;
}

static bool is_world(const char *s)
{
    return s && (zt_streq(s, "*") || strcasecmp(s, "Internet") == 0 || strcasecmp(s, "Any") == 0 ||
                 zt_streq(s, "0.0.0.0/0") || zt_streq(s, "::/0"));
}

static bool is_all_dest(const char *s)
{
    return s && (zt_streq(s, "*") || strcasecmp(s, "Any") == 0 || zt_streq(s, "0.0.0.0/0") ||
                 zt_streq(s, "::/0"));
}

/* The string member key of o, or NULL; "" counts as absent. */
static const char *str_member(struct json_object *o, const char *key)
{
    const char *s = zt_json_str(o, key);
    return s && s[0] ? s : NULL;
}

static bool rule_world(struct json_object *p)
{
    struct json_object *list = zt_json_array(p, "sourceAddressPrefixes");

    if (is_world(str_member(p, "sourceAddressPrefix"))) {
        return true;
    }
    for (size_t i = 0; list && i < json_object_array_length(list); i++) {
        if (is_world(json_object_get_string(json_object_array_get_idx(list, i)))) {
            return true;
        }
    }
    return false;
}

static void dest_add(struct nsg_rule *r, const char *s, bool *overflow)
{
    if (!s || !s[0]) {
        return;
    }
    if (is_all_dest(s)) {
        r->dest_all = true;
    } else if (r->ndest < RULE_DEST_MAX) {
        r->dest[r->ndest++] = s;
    } else {
        *overflow = true;
    }
}

static void rule_dests(struct nsg_rule *r, struct json_object *p)
{
    struct json_object *list = zt_json_array(p, "destinationAddressPrefixes");
    struct json_object *asgs = zt_json_array(p, "destinationApplicationSecurityGroups");
    bool overflow = false;

    dest_add(r, str_member(p, "destinationAddressPrefix"), &overflow);
    for (size_t i = 0; list && i < json_object_array_length(list); i++) {
        struct json_object *v = json_object_array_get_idx(list, i);
        dest_add(r, json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL,
                 &overflow);
    }
    for (size_t i = 0; asgs && i < json_object_array_length(asgs); i++) {
        dest_add(r, zt_json_str(json_object_array_get_idx(asgs, i), "id"), &overflow);
    }
    /* An Allow whose destinations we cannot list in full (or that names none) is taken to reach
     * everything, so that no Deny is wrongly credited with covering it. */
    if (r->allow && (overflow || (r->ndest == 0 && !r->dest_all))) {
        r->dest_all = true;
    }
}

/* Check the port specs of a rule (singular and plural); false if none or one is malformed. */
static bool rule_ports(struct nsg_rule *r, struct json_object *p)
{
    long lo, hi;
    size_t n = 0;

    r->port_one = str_member(p, "destinationPortRange");
    r->port_list = zt_json_array(p, "destinationPortRanges");
    if (r->port_one) {
        if (!port_spec(r->port_one, &lo, &hi)) {
            return false;
        }
        r->all_ports |= lo <= 1 && hi == 65535;
        n++;
    }
    for (size_t i = 0; r->port_list && i < json_object_array_length(r->port_list); i++) {
        struct json_object *v = json_object_array_get_idx(r->port_list, i);
        if (!json_object_is_type(v, json_type_string) ||
            !port_spec(json_object_get_string(v), &lo, &hi)) {
            return false;
        }
        r->all_ports |= lo <= 1 && hi == 65535;
        n++;
    }
    return n > 0;
}

static bool rule_covers(const struct nsg_rule *r, int port)
{
    if (r->all_ports || (r->port_one && zt_azure_port_spec_covers(r->port_one, port))) {
        return true;
    }
    for (size_t i = 0; r->port_list && i < json_object_array_length(r->port_list); i++) {
        if (zt_azure_port_spec_covers(
                json_object_get_string(json_object_array_get_idx(r->port_list, i)), port)) {
            return true;
        }
    }
    return false;
}

/* 1 parsed (inbound), 0 ignored (outbound), -EBADMSG malformed. */
static int rule_parse(struct json_object *rule, size_t index, struct nsg_rule *r)
{
    struct json_object *p = NULL, *prio = NULL;

    if (!json_object_is_type(rule, json_type_object)) {
        return -EBADMSG;
    }
    /* ARM nests the fields under "properties"; flattened exports (az CLI) do not. */
    if (!json_object_object_get_ex(rule, "properties", &p) ||
        !json_object_is_type(p, json_type_object)) {
        p = rule;
    }
    const char *dir = zt_json_str(p, "direction");
    if (dir && strcasecmp(dir, "Outbound") == 0) {
        return 0;
    }
    const char *access = zt_json_str(p, "access");
    const char *proto = zt_json_str(p, "protocol");
    *r = (struct nsg_rule){.name = zt_json_str(rule, "name"), .index = index};
    if (!dir || strcasecmp(dir, "Inbound") != 0 || !access || !proto ||
        !json_object_object_get_ex(p, "priority", &prio) ||
        !json_object_is_type(prio, json_type_int)) {
        return -EBADMSG;
    }
    r->priority = (long)json_object_get_int64(prio);
    if (r->priority < 1 || r->priority > 65535) {
        return -EBADMSG;
    }
    if (strcasecmp(access, "Allow") == 0) {
        r->allow = true;
    } else if (strcasecmp(access, "Deny") != 0) {
        return -EBADMSG;
    }
    r->tcp = zt_streq(proto, "*") || strcasecmp(proto, "Tcp") == 0;
    r->world = rule_world(p);
    rule_dests(r, p);
    return rule_ports(r, p) ? 1 : -EBADMSG;
}

static int rule_cmp(const void *a, const void *b)
{
    const struct nsg_rule *x = a, *y = b;
    if (x->priority != y->priority) {
        return x->priority < y->priority ? -1 : 1;
    }
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Does Deny d cover every destination of Allow a? */
static bool dest_covers(const struct nsg_rule *d, const struct nsg_rule *a)
{
    if (d->dest_all) {
        return true;
    }
    if (a->dest_all) {
        return false;
    }
    for (size_t i = 0; i < a->ndest; i++) {
        bool found = false;
        for (size_t j = 0; j < d->ndest && !found; j++) {
            found = strcasecmp(a->dest[i], d->dest[j]) == 0;
        }
        if (!found) {
            return false;
        }
    }
    return true;
}

/* Is Internet TCP traffic to port (0: every port) that Allow rules[ai] matches taken first by a
 * Deny with a lower priority number? */
static bool shadowed(const struct nsg_rule *rules, size_t ai, int port)
{
    const struct nsg_rule *a = &rules[ai];

    for (size_t i = 0; i < ai && rules[i].priority < a->priority; i++) {
        const struct nsg_rule *d = &rules[i];
        if (d->allow || !d->world || !d->tcp || !dest_covers(d, a)) {
            continue;
        }
        if (port ? rule_covers(d, port) : d->all_ports) {
            return true;
        }
    }
    return false;
}

/* Append the rules of member key to rules[*n]. Returns 0 or -EBADMSG (not an array). */
static int collect_rules(struct json_object *props, const char *key, struct nsg_rule *rules,
                         size_t max, size_t *n, struct zt_azure_nsg_verdict *v)
{
    struct json_object *list = NULL;

    if (!json_object_object_get_ex(props, key, &list) ||
        json_object_is_type(list, json_type_null)) {
        return 0; /* no custom rules; absent defaults act as the platform's (none from Internet) */
    }
    if (!json_object_is_type(list, json_type_array)) {
        return -EBADMSG;
    }
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        if (*n >= max) {
            v->skipped++;
            continue;
        }
        int r = rule_parse(json_object_array_get_idx(list, i), *n, &rules[*n]);
        if (r < 0) {
            v->skipped++;
        } else if (r > 0) {
            (*n)++;
        }
    }
    return 0;
}

static void verdict_open(struct zt_azure_nsg_verdict *v, const struct nsg_rule *a)
{
    if (v->open_priority < 0 || a->priority < v->open_priority) {
        v->open_priority = (int)a->priority;
        snprintf(v->open_rule, sizeof(v->open_rule), "%s", a->name ? a->name : "");
    }
}

static void evaluate(const struct nsg_rule *rules, size_t n, struct zt_azure_nsg_verdict *v)
{
    for (size_t p = 0; zt_azure_admin_ports[p]; p++) {
        for (size_t i = 0; i < n; i++) {
            const struct nsg_rule *a = &rules[i];
            if (a->allow && a->world && a->tcp && rule_covers(a, zt_azure_admin_ports[p]) &&
                !shadowed(rules, i, zt_azure_admin_ports[p])) {
                v->open_mask |= UINT64_C(1) << p;
                verdict_open(v, a);
                break;
            }
        }
    }
    for (size_t i = 0; i < n && !v->all_ports; i++) {
        const struct nsg_rule *a = &rules[i];
        if (a->allow && a->world && a->tcp && a->all_ports && !shadowed(rules, i, 0)) {
            v->all_ports = true;
            verdict_open(v, a);
        }
    }
}

static size_t rules_length(struct json_object *props, const char *key)
{
    struct json_object *list = zt_json_array(props, key);
    return list ? json_object_array_length(list) : 0;
}

int zt_azure_nsg_eval(struct json_object *nsg, struct zt_azure_nsg_verdict *ret)
{
    struct json_object *props = NULL;
    size_t n = 0;

    *ret = (struct zt_azure_nsg_verdict){.open_priority = -1};
    if (!json_object_is_type(nsg, json_type_object) ||
        !json_object_object_get_ex(nsg, "properties", &props) ||
        !json_object_is_type(props, json_type_object)) {
        return -EBADMSG;
    }
    size_t max = rules_length(props, "securityRules") + rules_length(props, "defaultSecurityRules");
    max = max > RULES_MAX ? RULES_MAX : max;
    _cleanup_free_ struct nsg_rule *rules = zt_xcalloc(max ? max : 1, sizeof(*rules));
    if (collect_rules(props, "securityRules", rules, max, &n, ret) < 0 ||
        collect_rules(props, "defaultSecurityRules", rules, max, &n, ret) < 0) {
        *ret = (struct zt_azure_nsg_verdict){.open_priority = -1};
        return -EBADMSG;
    }
    qsort(rules, n, sizeof(*rules), rule_cmp);
    ret->inbound = (unsigned)n;
    evaluate(rules, n, ret);
    return 0;
}
