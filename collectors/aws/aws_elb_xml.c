/* aws_elb_xml.c - ELBv2 listeners from the Query XML answers: the load balancers of a
 * DescribeLoadBalancers page (ARN, internet-facing or not), a DescribeListeners page read
 * listener by listener, and what a listener shows of encryption (its protocol, a default
 * redirect to HTTPS, its security policy's lowest TLS version). Pure functions over a body. */
#include "aws_xml.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct elb_lbs {
    zt_aws_lb_fn fn;
    void *data;
    char arn[ZT_AWS_ARN_MAX], scheme[32];
};

static int on_lb(void *data, const struct zt_aws_xml_path *p, const char *text)
{
    struct elb_lbs *a = data;
    if (p->depth == 1 && !text) {
        return zt_streq(p->names[0], "DescribeLoadBalancersResponse") ? 0 : -EMEDIUMTYPE;
    }
    if (zt_aws_xml_path_is(p, "*", "*", "LoadBalancers", "member", NULL)) {
        if (!text) {
            a->arn[0] = a->scheme[0] = '\0';
            return 0;
        }
        return a->arn[0] ? a->fn(a->data, a->arn, zt_streq(a->scheme, "internet-facing")) : 0;
    }
    if (text &&
        zt_aws_xml_path_is(p, "*", "*", "LoadBalancers", "member", "LoadBalancerArn", NULL)) {
        snprintf(a->arn, sizeof(a->arn), "%s", text);
    } else if (text && zt_aws_xml_path_is(p, "*", "*", "LoadBalancers", "member", "Scheme", NULL)) {
        snprintf(a->scheme, sizeof(a->scheme), "%s", text);
    }
    return 0;
}

int zt_aws_elb_lbs(const char *body, size_t len, zt_aws_lb_fn fn, void *data)
{
    struct elb_lbs a = {.fn = fn, .data = data};
    char err[128];
    int r = zt_aws_xml_walk(body, len, on_lb, &a, err, sizeof(err));
    return r == -EMEDIUMTYPE || r == -EBADMSG ? -EBADMSG : r;
}

struct elb_listeners {
    zt_aws_listener_fn fn;
    void *data;
    struct zt_aws_listener l;
    char action[32], redirect[32]; /* the default action being read */
    char next[1024];
};

#define LISTENER "*", "*", "Listeners", "member"

static int listener_field(struct elb_listeners *s, const char *name, const char *text)
{
    struct zt_aws_listener *l = &s->l;
    if (zt_streq(name, "ListenerArn")) {
        snprintf(l->arn, sizeof(l->arn), "%s", text);
    } else if (zt_streq(name, "Protocol")) {
        snprintf(l->protocol, sizeof(l->protocol), "%s", text);
    } else if (zt_streq(name, "SslPolicy")) {
        snprintf(l->ssl_policy, sizeof(l->ssl_policy), "%s", text);
    } else if (zt_streq(name, "Port")) {
        l->port = strtol(text, NULL, 10);
    }
    return 0;
}

static int on_listener(void *data, const struct zt_aws_xml_path *p, const char *text)
{
    struct elb_listeners *s = data;
    if (p->depth == 1 && !text) {
        return zt_streq(p->names[0], "DescribeListenersResponse") ? 0 : -EMEDIUMTYPE;
    }
    if (zt_aws_xml_path_is(p, LISTENER, NULL)) {
        if (!text) {
            s->l = (struct zt_aws_listener){0};
            return 0;
        }
        return s->fn(s->data, &s->l);
    }
    if (zt_aws_xml_path_is(p, LISTENER, "DefaultActions", "member", NULL)) {
        if (!text) {
            s->action[0] = s->redirect[0] = '\0';
        } else if (zt_streq(s->action, "redirect") && zt_streq(s->redirect, "HTTPS")) {
            s->l.redirects_https = true;
        }
        return 0;
    }
    if (!text) {
        return 0;
    }
    if (zt_aws_xml_path_is(p, LISTENER, "DefaultActions", "member", "Type", NULL)) {
        snprintf(s->action, sizeof(s->action), "%s", text);
    } else if (zt_aws_xml_path_is(p, LISTENER, "DefaultActions", "member", "RedirectConfig",
                                  "Protocol", NULL)) {
        snprintf(s->redirect, sizeof(s->redirect), "%s", text);
    } else if (p->depth == 5 && zt_aws_xml_path_is(p, LISTENER, "*", NULL)) {
        return listener_field(s, p->names[4], text);
    } else if (zt_aws_xml_path_is(p, "*", "*", "NextMarker", NULL)) {
        if (strlen(text) >= sizeof(s->next)) {
            return -EDOM;
        }
        snprintf(s->next, sizeof(s->next), "%s", text);
    }
    return 0;
}

int zt_aws_elb_listeners(const char *body, size_t len, zt_aws_listener_fn fn, void *data,
                         char *next, size_t next_len, char *err, size_t errlen)
{
    struct elb_listeners s = {.fn = fn, .data = data};
    int r = zt_aws_xml_walk(body, len, on_listener, &s, err, errlen);
    if (r == -EMEDIUMTYPE || r == -EDOM) {
        snprintf(err, errlen, "expected a <DescribeListenersResponse> document");
        return -EBADMSG;
    }
    if (r == 0) {
        snprintf(next, next_len, "%s", s.next);
    }
    return r;
}

bool zt_aws_listener_tls(const struct zt_aws_listener *l)
{
    return zt_streq(l->protocol, "HTTPS") || zt_streq(l->protocol, "TLS");
}

bool zt_aws_listener_encrypts(const struct zt_aws_listener *l)
{
    return zt_aws_listener_tls(l) || (zt_streq(l->protocol, "HTTP") && l->redirects_https);
}

bool zt_aws_tls_policy_modern(const char *policy)
{
    /* the predefined policies name their lowest TLS version: TLS13-1-2-*, TLS13-1-3-*,
     * TLS-1-2-*, FS-1-2-* accept TLS 1.2 and up; TLS13-1-0/1-1, TLS-1-0/1-1, FS-2018-06,
     * FS-1-1, 2016-08 and 2015-05 still accept TLS 1.0 or 1.1 */
    static const char *const modern[] = {
        "ELBSecurityPolicy-TLS13-1-2-",
        "ELBSecurityPolicy-TLS13-1-3-",
        "ELBSecurityPolicy-TLS-1-2-",
        "ELBSecurityPolicy-FS-1-2-",
    };
    for (size_t i = 0; policy && i < ZT_ELEMENTSOF(modern); i++) {
        if (zt_startswith(policy, modern[i])) {
            return true;
        }
    }
    return false;
}
