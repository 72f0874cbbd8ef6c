/* aws_run.c - the state of one aws scan: a run set up for the configured regions with every
 * fact unknown, and its end (the one-account scan of aws.c and each account of an organization,
 * aws_org_accounts.c). */
#include "aws.h"
#include "aws_call.h"

void zt_aws_run_close(struct zt_aws_run *run)
{
    for (size_t i = 0; i < run->n_regions; i++) {
        free(run->regions[i].sg);
    }
    zt_aws_s3_free(&run->acct.s3);
    zt_aws_svc_free(run);
    zt_aws_creds_clear(&run->creds);
}

static void s3_unanswered(struct zt_aws_call *c)
{
    zt_aws_s3_not_answered(c, false);
}

void zt_aws_run_init(struct zt_aws_run *run, struct zt_ctx *ctx, const struct zt_aws_options *o,
                     zt_aws_env_fn env)
{
    *run = (struct zt_aws_run){
        .ctx = ctx,
        .opt = o,
        .root_mfa = ZT_AWS_UNKNOWN,
        .root_keys = ZT_AWS_UNKNOWN,
        .pab = ZT_AWS_UNKNOWN,
        .ct_logging = ZT_AWS_UNKNOWN,
        .on_page = zt_aws_on_page,
        .on_unanswered = s3_unanswered,
        .env = env,
    };
    run->n_regions = o->regions.n;
    for (size_t i = 0; i < run->n_regions; i++) {
        run->regions[i] = (struct zt_aws_region){
            .name = o->regions.v[i],
            .sg = zt_xmalloc(sizeof(struct zt_aws_sg_scan)),
            .ebs = ZT_AWS_UNKNOWN,
        };
        zt_aws_sg_scan_init(run->regions[i].sg);
    }
}
