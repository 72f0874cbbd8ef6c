/* fuzz_aws_xml.c - libFuzzer harness for the aws collector's XML readers (libxml2 streaming
 * walk): DescribeSecurityGroups pages, ELBv2 load balancer and listener pages, error bodies (XML
 * and JSON) and the small documents, and the credential answers (STS XML, container/IMDS JSON, a
 * shared credentials file). Checks the invariants of the security-group counters and that accepted
 * credentials are complete. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws_creds.h"
#include "aws/aws_xml.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Accepted credentials have a key id and a secret; a refusal says why. */
static void check_creds(const char *body, size_t size)
{
    struct zt_aws_creds c = {0};
    char *text = zt_xstrndup(body, size);

    for (int i = 0; i < 3; i++) {
        char err[256] = "";
        int r = i == 0   ? zt_aws_creds_sts_xml(body, size, &c, err, sizeof(err))
                : i == 1 ? zt_aws_creds_json(body, size, &c, err, sizeof(err))
                         : zt_aws_profile_parse(text, "default", &c, err, sizeof(err));
        if ((r == 0 && (!c.access_key_id || !c.access_key_id[0] || !c.secret)) ||
            (r < 0 && !err[0])) {
            abort();
        }
        zt_aws_creds_clear(&c);
    }
    free(text);
}

/* Every load balancer has an ARN; every listener's strings are terminated within their fields. */
static int on_lb(void *data, const char *arn, bool internet_facing)
{
    (void)data, (void)internet_facing;
    if (!arn || !arn[0]) {
        abort();
    }
    return 0;
}

static int on_listener(void *data, const struct zt_aws_listener *l)
{
    (void)data;
    if (strnlen(l->arn, sizeof(l->arn)) == sizeof(l->arn) ||
        strnlen(l->protocol, sizeof(l->protocol)) == sizeof(l->protocol) ||
        strnlen(l->ssl_policy, sizeof(l->ssl_policy)) == sizeof(l->ssl_policy)) {
        abort();
    }
    (void)zt_aws_listener_encrypts(l);
    (void)zt_aws_tls_policy_modern(l->ssl_policy);
    return 0;
}

static void check_elb(const char *body, size_t size)
{
    char next[2048], err[256] = "";

    (void)zt_aws_elb_lbs(body, size, on_lb, NULL);
    int r =
        zt_aws_elb_listeners(body, size, on_listener, NULL, next, sizeof(next), err, sizeof(err));
    if ((r == -EBADMSG && !err[0]) || (r == 0 && strnlen(next, sizeof(next)) == sizeof(next))) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct zt_aws_sg_scan s;
    struct zt_aws_error e;
    char err[256], account[16];
    bool b = false, flags[4];
    int keys = 0;
    const char *body = (const char *)data;

    zt_aws_sg_scan_init(&s);
    int r = zt_aws_sg_page(&s, body, size, err, sizeof(err));
    if (r < 0 && (r != -EBADMSG || !err[0])) {
        abort(); /* every refusal says why */
    }
    if (s.open_all > s.open_admin || s.open_admin > s.groups || s.n_offenders > s.open_admin ||
        s.n_offenders > ZT_AWS_DETAIL_MAX || strlen(s.next_token) >= sizeof(s.next_token)) {
        abort();
    }
    if (zt_aws_error_parse(body, size, &e) == 0 && !e.code[0]) {
        abort();
    }
    zt_aws_iam_summary(body, size, &b, &keys, err, sizeof(err));
    if (zt_aws_sts_account(body, size, account, sizeof(account), err, sizeof(err)) == 0 &&
        strlen(account) != 12) {
        abort();
    }
    zt_aws_ebs_default(body, size, &b, err, sizeof(err));
    zt_aws_s3_pab(body, size, flags, err, sizeof(err));
    check_creds(body, size);
    check_elb(body, size);
    return 0;
}
