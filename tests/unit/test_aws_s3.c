/* test_aws_s3.c - the readers of S3's bucket answers on strings (ListBuckets with and without
 * BucketRegion and ContinuationToken, SSE-KMS vs SSE-S3, versioning Enabled/Suspended/never,
 * Object Lock, policy status, replication), S3's "not configured" codes, and malformed input. */
#include "zt_test.h"

#include "aws/aws_call.h"

#define NS "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\""

struct seen {
    char names[4][64], regions[4][33];
    int n;
};

static int on_bucket(void *data, const char *name, const char *region)
{
    struct seen *s = data;
    snprintf(s->names[s->n], 64, "%s", name);
    snprintf(s->regions[s->n++], 33, "%s", region);
    return 0;
}

static void test_aws_s3_list(void **state)
{
    const char *page = "<?xml version=\"1.0\"?><ListAllMyBucketsResult " NS "><Owner><ID>o</ID>"
                       "</Owner><Buckets><Bucket><Name>a</Name><BucketRegion>eu-west-1"
                       "</BucketRegion></Bucket><Bucket><Name>b.c</Name><CreationDate>x"
                       "</CreationDate></Bucket></Buckets><ContinuationToken>t/2=</Continuation"
                       "Token></ListAllMyBucketsResult>";
    struct seen s = {0};
    char next[64], err[256];

    assert_int_equal(zt_aws_s3_buckets(page, strlen(page), on_bucket, &s, next, 64, err, 256), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.names[0], "a");
    assert_string_equal(s.regions[0], "eu-west-1");
    assert_string_equal(s.names[1], "b.c");
    assert_string_equal(s.regions[1], ""); /* absent: the caller's first region */
    assert_string_equal(next, "t/2=");
    const char *last = "<ListAllMyBucketsResult><Buckets/></ListAllMyBucketsResult>";
    s.n = 0;
    assert_int_equal(zt_aws_s3_buckets(last, strlen(last), on_bucket, &s, next, 64, err, 256), 0);
    assert_int_equal(s.n, 0);
    assert_string_equal(next, "");
    const char *nameless = "<ListAllMyBucketsResult><Buckets><Bucket><CreationDate>x"
                           "</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>";
    assert_int_equal(
        zt_aws_s3_buckets(nameless, strlen(nameless), on_bucket, &s, next, 64, err, 256), -EBADMSG);
    const char *other = "<Error><Code>AccessDenied</Code></Error>";
    assert_int_equal(zt_aws_s3_buckets(other, strlen(other), on_bucket, &s, next, 64, err, 256),
                     -EBADMSG);
}

static enum zt_aws_sse sse_of(const char *alg)
{
    char doc[512], err[256];
    enum zt_aws_sse sse = (enum zt_aws_sse) - 1;
    snprintf(doc, sizeof(doc),
             "<ServerSideEncryptionConfiguration " NS "><Rule><ApplyServerSideEncryptionByDefault>"
             "<SSEAlgorithm>%s</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule>"
             "</ServerSideEncryptionConfiguration>",
             alg);
    assert_int_equal(zt_aws_s3_encryption(doc, strlen(doc), &sse, err, sizeof(err)), 0);
    return sse;
}

static void test_aws_s3_settings(void **state)
{
    char err[256];
    bool on = true;

    assert_int_equal(sse_of("aws:kms"), ZT_AWS_SSE_KMS);
    assert_int_equal(sse_of("aws:kms:dsse"), ZT_AWS_SSE_KMS);
    assert_int_equal(sse_of("AES256"), ZT_AWS_SSE_S3);
    assert_int_equal(sse_of("rot13"), ZT_AWS_SSE_NONE);
#define FLAG(fn, doc, want)                                                                        \
    do {                                                                                           \
        on = !(want);                                                                              \
        assert_int_equal(fn(doc, strlen(doc), &on, err, sizeof(err)), 0);                          \
        assert_int_equal(on, want);                                                                \
    } while (0)
    FLAG(zt_aws_s3_versioning,
         "<VersioningConfiguration><Status>Enabled</Status>"
         "</VersioningConfiguration>",
         true);
    FLAG(zt_aws_s3_versioning,
         "<VersioningConfiguration><Status>Suspended</Status>"
         "</VersioningConfiguration>",
         false);
    FLAG(zt_aws_s3_versioning, "<VersioningConfiguration " NS "/>", false); /* never enabled */
    FLAG(zt_aws_s3_object_lock,
         "<ObjectLockConfiguration><ObjectLockEnabled>Enabled"
         "</ObjectLockEnabled></ObjectLockConfiguration>",
         true);
    FLAG(zt_aws_s3_policy_public, "<PolicyStatus><IsPublic>true</IsPublic></PolicyStatus>", true);
    FLAG(zt_aws_s3_policy_public, "<PolicyStatus><IsPublic>false</IsPublic></PolicyStatus>", false);
    FLAG(zt_aws_s3_replication,
         "<ReplicationConfiguration><Role>r</Role><Rule><Status>Disabled"
         "</Status></Rule><Rule><Status>Enabled</Status></Rule>"
         "</ReplicationConfiguration>",
         true);
    FLAG(zt_aws_s3_replication,
         "<ReplicationConfiguration><Rule><Status>Disabled</Status></Rule>"
         "</ReplicationConfiguration>",
         false);
    /* another document where versioning was asked: refused, not read as "off" */
    const char *other = "<PolicyStatus><IsPublic>true</IsPublic></PolicyStatus>";
    assert_int_equal(zt_aws_s3_versioning(other, strlen(other), &on, err, sizeof(err)), -EBADMSG);
    assert_int_equal(zt_aws_s3_versioning("<Vers", 5, &on, err, sizeof(err)), -EBADMSG);
}

static void test_aws_s3_not_configured(void **state)
{
    struct zt_aws_error e;
    const char *body = "<?xml version=\"1.0\"?><Error><Code>NoSuchBucketPolicy</Code><Message>The "
                       "bucket policy does not exist</Message><BucketName>b</BucketName></Error>";
    assert_int_equal(zt_aws_error_parse(body, strlen(body), &e), 0);
    assert_true(zt_aws_api_unset(ZT_AWS_S3_POLICY_STATUS, e.code));
    /* the same code answered to another call is not "unset" */
    assert_false(zt_aws_api_unset(ZT_AWS_S3_REPLICATION, e.code));
    assert_true(
        zt_aws_api_unset(ZT_AWS_S3_ENCRYPTION, "ServerSideEncryptionConfigurationNotFoundError"));
    assert_true(zt_aws_api_unset(ZT_AWS_S3_BUCKET_PAB, "NoSuchPublicAccessBlockConfiguration"));
    assert_true(zt_aws_api_unset(ZT_AWS_S3_REPLICATION, "ReplicationConfigurationNotFoundError"));
    assert_true(zt_aws_api_unset(ZT_AWS_S3_OBJECT_LOCK, "ObjectLockConfigurationNotFoundError"));
    assert_false(zt_aws_api_unset(ZT_AWS_S3_OBJECT_LOCK, "AccessDenied"));
    assert_false(zt_aws_api_unset(ZT_AWS_S3_OBJECT_LOCK, NULL));
    assert_true(zt_aws_error_is_throttling("SlowDown"));
}

static void test_aws_s3_share(void **state)
{
    struct zt_aws_s3_scan s = {.n = 4, .listed = true};
    s.answered[ZT_AWS_S3M_VERSIONED] = 4;
    s.count[ZT_AWS_S3M_VERSIONED] = 3;
    assert_true(zt_aws_s3_known(&s, ZT_AWS_S3M_VERSIONED));
    assert_true(zt_aws_s3_share(&s, ZT_AWS_S3M_VERSIONED) == 0.75);
    s.answered[ZT_AWS_S3M_LOCKED] = 3; /* one bucket not answered: unknown */
    assert_false(zt_aws_s3_known(&s, ZT_AWS_S3M_LOCKED));
    s.failed[ZT_AWS_S3M_VERSIONED] = true;
    assert_false(zt_aws_s3_known(&s, ZT_AWS_S3M_VERSIONED));
    struct zt_aws_s3_scan empty = {.listed = true};
    assert_true(zt_aws_s3_known(&empty, ZT_AWS_S3M_KMS));
    assert_true(zt_aws_s3_share(&empty, ZT_AWS_S3M_KMS) == 1.0); /* no bucket: vacuously all */
    empty.listed = false;
    assert_false(zt_aws_s3_known(&empty, ZT_AWS_S3M_KMS));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aws_s3_list),
        cmocka_unit_test(test_aws_s3_settings),
        cmocka_unit_test(test_aws_s3_not_configured),
        cmocka_unit_test(test_aws_s3_share),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
