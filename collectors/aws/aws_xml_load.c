/* aws_xml_load.c - load libxml2 at run time, once, on the first AWS answer (see aws_xml_load.h). */
#include "aws_xml_load.h"

#include <stddef.h>

#include "dl.h"

static struct zt_aws_xml_api api; /* written once by zt_dl_load(), read-only afterwards */

static const struct zt_dl_sym syms[] = {
    {"xmlInitParser", offsetof(struct zt_aws_xml_api, init_parser)},
    {"xmlStopParser", offsetof(struct zt_aws_xml_api, stop_parser)},
    {"xmlSetGenericErrorFunc", offsetof(struct zt_aws_xml_api, set_generic_error_func)},
    {"xmlCreatePushParserCtxt", offsetof(struct zt_aws_xml_api, create_push_parser_ctxt)},
    {"xmlCtxtUseOptions", offsetof(struct zt_aws_xml_api, ctxt_use_options)},
    {"xmlParseChunk", offsetof(struct zt_aws_xml_api, parse_chunk)},
    {"xmlFreeParserCtxt", offsetof(struct zt_aws_xml_api, free_parser_ctxt)},
};

/* libxml2 keeps global state once initialised. */
static int init_parser(char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    api.init_parser();
    return 0;
}

static struct zt_dl xml2 = ZT_DL_INIT("libxml2.so.2", syms, &api, init_parser);

int zt_aws_xml_load(char *err, size_t errlen)
{
    return zt_dl_load(&xml2, err, errlen);
}

const struct zt_aws_xml_api *zt_aws_xml_api(void)
{
    return &api;
}
