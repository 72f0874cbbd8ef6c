/* aws_svc_elb.c - ELBv2 in every region: load balancers (DescribeLoadBalancers, zones and
 * scheme) and each one's listeners (DescribeListeners with its LoadBalancerArn, both paged with
 * Marker): which listeners of internet-facing load balancers encrypt, and which HTTPS and TLS
 * listeners accept nothing below TLS 1.2; their evidence, summed over the regions. */
#include "aws_call.h"

#define ELB_VERSION "2015-12-01"
#define ELB_PAGE    "&PageSize=400" /* the largest page both calls accept */

int zt_aws_elb_lbs_page(struct zt_aws_run *run, struct zt_aws_region *rg, const char *token,
                        unsigned page)
{
    _cleanup_free_ char *enc = token ? zt_http_urlencode(token) : NULL;
    _cleanup_free_ char *body =
        zt_xasprintf("Action=DescribeLoadBalancers&Version=" ELB_VERSION ELB_PAGE "%s%s",
                     enc ? "&Marker=" : "", enc ? enc : "");
    return zt_aws_svc_call(run, rg, ZT_AWS_ELB_LBS, &zt_aws_rsvc(run, rg)->elb, "/", body, NULL,
                           token, page, 0);
}

int zt_aws_elb_listeners_page(struct zt_aws_run *run, struct zt_aws_region *rg, const char *lb,
                              bool internet, const char *token, unsigned page)
{
    _cleanup_free_ char *arn = zt_http_urlencode(lb);
    _cleanup_free_ char *enc = token ? zt_http_urlencode(token) : NULL;
    _cleanup_free_ char *body = zt_xasprintf("Action=DescribeListeners&Version=" ELB_VERSION
                                             "&LoadBalancerArn=%s" ELB_PAGE "%s%s",
                                             arn, enc ? "&Marker=" : "", enc ? enc : "");
    return zt_aws_svc_call(run, rg, ZT_AWS_ELB_LISTENERS, &zt_aws_rsvc(run, rg)->listeners, "/",
                           body, lb, token, page, internet);
}

/* A load balancer of a DescribeLoadBalancers page: its listeners asked. */
static int on_lb(void *data, const char *arn, bool internet)
{
    struct zt_aws_call *c = data;
    return zt_aws_elb_listeners_page(c->run, c->region, arn, internet, NULL, 0);
}

/* "arn what" added to *arr (made on first use), at most ZT_AWS_DETAIL_MAX entries. */
static void detail_add(struct json_object **arr, const char *a, const char *b)
{
    *arr = *arr ? *arr : json_object_new_array();
    if (json_object_array_length(*arr) < ZT_AWS_DETAIL_MAX) {
        _cleanup_free_ char *s = zt_xasprintf("%s %s", a, b);
        json_object_array_add(*arr, json_object_new_string(s));
    }
}

struct listeners_of {
    struct zt_aws_rsvc *r;
    bool internet; /* the load balancer is internet-facing */
};

static int on_listener(void *data, const struct zt_aws_listener *l)
{
    struct listeners_of *o = data;
    struct zt_aws_rsvc *r = o->r;
    char port[24];
    snprintf(port, sizeof(port), "%s:%ld", l->protocol, l->port);
    if (o->internet) {
        r->lst_internet++;
        if (zt_aws_listener_encrypts(l)) {
            r->lst_internet_enc++;
        } else {
            detail_add(&r->lst_plain, l->arn, port);
        }
    }
    if (zt_aws_listener_tls(l)) {
        r->lst_tls++;
        if (zt_aws_tls_policy_modern(l->ssl_policy)) {
            r->lst_tls_modern++;
        } else {
            detail_add(&r->lst_legacy, l->arn, l->ssl_policy[0] ? l->ssl_policy : "(none)");
        }
    }
    return 0;
}

int zt_aws_elb_answer(struct zt_aws_call *c, const char *body, size_t len, char *next, size_t nl,
                      char *err, size_t el)
{
    struct zt_aws_rsvc *s = zt_aws_rsvc(c->run, c->region);
    if (c->api == ZT_AWS_ELB_LISTENERS) {
        struct listeners_of o = {.r = s, .internet = c->tag != 0};
        return zt_aws_elb_listeners(body, len, on_listener, &o, next, nl, err, el);
    }
    struct zt_aws_elb_page e;
    int r = zt_aws_elb_read(body, len, &e, err, el);
    if (r == 0) {
        s->albs = s->albs ? s->albs : json_object_new_array();
        r = zt_aws_elb_internet_albs(body, len, s->albs);
    }
    if (r == 0) {
        s->listeners.started = true; /* known once every load balancer's are (none: none) */
        r = zt_aws_elb_lbs(body, len, on_lb, c);
    }
    if (r == 0) {
        s->lbs += e.lbs;
        s->lbs_multi_az += e.multi_az;
        s->lbs_internet += e.internet_facing;
        snprintf(next, nl, "%s", e.next);
    }
    return r;
}

static double share(uint64_t n, uint64_t of)
{
    return of ? (double)n / (double)of : 1.0;
}

/* The detail lists of every region, at most ZT_AWS_DETAIL_MAX entries. */
static struct json_object *details(const struct zt_aws_run *run, size_t off)
{
    struct json_object *all = json_object_new_array();
    for (size_t i = 0; i < run->n_regions; i++) {
        struct json_object *a =
            *(struct json_object *const *)((const char *)&run->acct.regions[i] + off);
        for (size_t k = 0; a && k < json_object_array_length(a); k++) {
            if (json_object_array_length(all) < ZT_AWS_DETAIL_MAX) {
                json_object_array_add(all, json_object_get(json_object_array_get_idx(a, k)));
            }
        }
    }
    return all;
}

int zt_aws_elb_emit(struct zt_aws_run *run)
{
    uint64_t sum[4] = {0};
    for (size_t i = 0; i < run->n_regions; i++) {
        const struct zt_aws_rsvc *r = &run->acct.regions[i];
        if (!ZT_AWS_TRACK_DONE(r->elb) || !ZT_AWS_TRACK_DONE(r->listeners)) {
            return 0; /* a region's load balancers or listeners unknown: all unknown */
        }
        sum[0] += r->lst_internet;
        sum[1] += r->lst_internet_enc;
        sum[2] += r->lst_tls;
        sum[3] += r->lst_tls_modern;
    }
    if (run->n_regions == 0) {
        return 0;
    }
    struct json_object *plain = json_object_new_object(), *legacy = json_object_new_object();
    json_object_object_add(plain, "plaintext",
                           details(run, offsetof(struct zt_aws_rsvc, lst_plain)));
    json_object_object_add(legacy, "legacy_policy",
                           details(run, offsetof(struct zt_aws_rsvc, lst_legacy)));
    int n = zt_emit_int(run->ctx, "aws.elb.internet_listeners", (int64_t)sum[0]) == 0;
    n += zt_emit_int(run->ctx, "aws.elb.internet_listeners_encrypted", (int64_t)sum[1]) == 0;
    n += zt_emit(run->ctx, "aws.elb.internet_listener_encryption_share",
                 json_object_new_double(share(sum[1], sum[0])), plain) == 0;
    n += zt_emit_int(run->ctx, "aws.elb.tls_listeners", (int64_t)sum[2]) == 0;
    n += zt_emit_int(run->ctx, "aws.elb.tls_listeners_modern", (int64_t)sum[3]) == 0;
    n += zt_emit(run->ctx, "aws.elb.tls_modern_policy_share",
                 json_object_new_double(share(sum[3], sum[2])), legacy) == 0;
    return n;
}
