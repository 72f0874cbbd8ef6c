/* fuzz_aws_xml.c - libFuzzer harness for the aws collector's XML readers (libxml2 streaming
 * walk): DescribeSecurityGroups pages, error bodies (XML and JSON) and the small documents.
 * Checks the invariants of the security-group counters on every input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws_xml.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
    return 0;
}
