/* aws_sg.c - EC2 DescribeSecurityGroups pages folded into counters: which groups let the whole
 * Internet (0.0.0.0/0, ::/0) reach an administrative port or every port. Groups are not kept. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_xml.h"
#include "util.h"

/* SSH, Telnet, FTP, RDP, WinRM, VNC, SMB/NetBIOS/MSRPC, databases (MySQL, PostgreSQL, MS SQL,
 * Oracle, MongoDB, Redis, Elasticsearch, CouchDB, memcached), container and cluster control
 * planes (Docker, Kubernetes API and kubelet, etcd). 443/80 are not administrative. */
const int zt_aws_admin_ports[] = {
    20,   21,   22,   23,   135,  139,  445,  1433, 1434, 1521, 2375,  2376,  2379,  2380, 3306,
    3389, 5432, 5900, 5984, 5985, 5986, 6379, 6443, 9200, 9300, 10250, 11211, 27017, 0,
};

void zt_aws_sg_scan_init(struct zt_aws_sg_scan *s)
{
    memset(s, 0, sizeof(*s));
    s->group_port = -1;
}

bool zt_aws_cidr_is_world(const char *cidr)
{
    const char *slash = cidr ? strrchr(cidr, '/') : NULL;
    char *end = NULL;

    if (!slash || slash == cidr || !slash[1]) {
        return false;
    }
    long bits = strtol(slash + 1, &end, 10);
    return *end == '\0' && bits == 0;
}

static int parse_port(const char *s, long *ret)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!s[0] || *end || v < -1 || v > 65535) {
        return -EDOM;
    }
    *ret = v;
    return 0;
}

/* A finished ingress permission: is it world-open, and on what? */
static void permission_end(struct zt_aws_sg_scan *s)
{
    bool tcp = zt_streq(s->proto, "tcp") || zt_streq(s->proto, "6");
    bool all_proto = zt_streq(s->proto, "-1");

    if (!s->world || (!tcp && !all_proto)) {
        return;
    }
    long from = s->has_from ? s->from : 0, to = s->has_to ? s->to : 65535;
    if (all_proto || from == -1 || (from <= 1 && to >= 65535)) {
        s->group_all = true;
        s->group_port = 0;
        return;
    }
    for (const int *p = zt_aws_admin_ports; *p && s->group_port < 0; p++) {
        if (*p >= from && *p <= to) {
            s->group_port = *p;
        }
    }
}

static void group_end(struct zt_aws_sg_scan *s)
{
    s->groups++;
    s->iac += s->group_iac;
    if (s->group_all) {
        s->open_all++;
    }
    if (s->group_port >= 0) {
        s->open_admin++;
        if (s->n_offenders < ZT_AWS_DETAIL_MAX) {
            char *o = s->offenders[s->n_offenders++];
            const char *id = s->group_id[0] ? s->group_id : "?";
            if (s->group_all) {
                snprintf(o, ZT_AWS_ID_MAX, "%.64s all ports", id);
            } else {
                snprintf(o, ZT_AWS_ID_MAX, "%.64s tcp/%d", id, s->group_port);
            }
        }
    }
    s->group_id[0] = '\0';
    s->group_port = -1;
    s->group_all = false;
    s->group_iac = false;
}

/* The element paths read, root first (namespaces ignored):
 *   DescribeSecurityGroupsResponse/nextToken                                      depth 2
 *   .../securityGroupInfo/item                        (a group)                  depth 3
 *   .../securityGroupInfo/item/groupId                                           depth 4
 *   .../item/ipPermissions/item                       (an ingress permission)   depth 5
 *   .../ipPermissions/item/{ipProtocol,fromPort,toPort}                          depth 6
 *   .../ipPermissions/item/ipRanges/item/cidrIp, .../ipv6Ranges/item/cidrIpv6    depth 8
 * Dispatch is by depth first: a page holds ~100 elements per group, so each end costs one or
 * two name comparisons (the callbacks run on the thread that waits for every region). */
static bool in_group(const struct zt_aws_xml_path *p)
{
    return zt_streq(p->names[1], "securityGroupInfo") && zt_streq(p->names[2], "item");
}

static bool in_permission(const struct zt_aws_xml_path *p)
{
    return in_group(p) && zt_streq(p->names[3], "ipPermissions") && zt_streq(p->names[4], "item");
}

static int on_start(struct zt_aws_sg_scan *s, const struct zt_aws_xml_path *p)
{
    if (p->depth == 1 && !zt_streq(p->names[0], "DescribeSecurityGroupsResponse")) {
        return -EMEDIUMTYPE;
    }
    if (p->depth == 5 && in_permission(p)) {
        s->proto[0] = '\0';
        s->has_from = s->has_to = s->world = false;
    }
    return 0;
}

static int on_leaf(struct zt_aws_sg_scan *s, const struct zt_aws_xml_path *p, const char *name,
                   const char *text)
{
    if (zt_streq(name, "ipProtocol")) {
        snprintf(s->proto, sizeof(s->proto), "%s", text);
    } else if (zt_streq(name, "fromPort")) {
        s->has_from = true;
        return parse_port(text, &s->from);
    } else if (zt_streq(name, "toPort")) {
        s->has_to = true;
        return parse_port(text, &s->to);
    }
    return 0;
}

static int on_text(struct zt_aws_sg_scan *s, const struct zt_aws_xml_path *p, const char *text)
{
    const char *name = p->names[p->depth - 1];

    switch (p->depth) {
    case 2:
        if (zt_streq(name, "nextToken")) {
            snprintf(s->next_token, sizeof(s->next_token), "%s", text);
        }
        return 0;
    case 3:
        if (in_group(p)) {
            group_end(s);
        }
        return 0;
    case 4:
        if (zt_streq(name, "groupId") && in_group(p)) {
            snprintf(s->group_id, sizeof(s->group_id), "%s", text);
        }
        return 0;
    case 5:
        if (in_permission(p)) {
            permission_end(s);
        }
        return 0;
    case 6:
        if (in_group(p) && zt_streq(name, "key") && zt_streq(p->names[3], "tagSet") &&
            zt_aws_iac_tag(text)) {
            s->group_iac = true;
        }
        return in_permission(p) ? on_leaf(s, p, name, text) : 0;
    case 8:
        if (zt_streq(p->names[6], "item") && in_permission(p) &&
            ((zt_streq(name, "cidrIp") && zt_streq(p->names[5], "ipRanges")) ||
             (zt_streq(name, "cidrIpv6") && zt_streq(p->names[5], "ipv6Ranges")))) {
            s->world = s->world || zt_aws_cidr_is_world(text);
        }
        return 0;
    default:
        return 0;
    }
}

static int on_sg(void *data, const struct zt_aws_xml_path *p, const char *text)
{
    return text ? on_text(data, p, text) : on_start(data, p);
}

int zt_aws_sg_page(struct zt_aws_sg_scan *s, const char *body, size_t len, char *err, size_t errlen)
{
    s->next_token[0] = '\0';
    s->group_id[0] = '\0';
    s->group_port = -1;
    s->group_all = false;
    s->group_iac = false;
    int r = zt_aws_xml_walk(body, len, on_sg, s, err, errlen);
    if (r == -EMEDIUMTYPE) {
        snprintf(err, errlen, "expected a <DescribeSecurityGroupsResponse> document");
        r = -EBADMSG;
    } else if (r == -EDOM) {
        snprintf(err, errlen, "a fromPort/toPort is not a port number");
        r = -EBADMSG;
    }
    if (r == 0) {
        s->pages++;
    }
    return r;
}

bool zt_aws_iac_tag(const char *key)
{
    /* CloudFormation stamps every resource of a stack; Terraform and CDK users are told to
     * tag theirs the same way through default tags, which this does not guess at. */
    return zt_streq(key, "aws:cloudformation:stack-id");
}
