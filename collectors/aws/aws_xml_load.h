/* aws_xml_load.h - libxml2 loaded at run time, on the first AWS answer: every other scan (a
 * host-only one above all) never maps libxml2 and what it pulls in (ICU, liblzma, libstdc++),
 * about 2.3 MiB of resident memory for a library it does not use. */
#pragma once

#include <libxml/parser.h>
#include <stddef.h>

/* The libxml2 functions the AWS XML reader uses. */
struct zt_aws_xml_api {
    void (*init_parser)(void);
    void (*stop_parser)(xmlParserCtxtPtr ctxt);
    void (*set_generic_error_func)(void *ctx, xmlGenericErrorFunc handler);
    xmlParserCtxtPtr (*create_push_parser_ctxt)(xmlSAXHandlerPtr sax, void *user_data,
                                                const char *chunk, int size, const char *filename);
    int (*ctxt_use_options)(xmlParserCtxtPtr ctxt, int options);
    int (*parse_chunk)(xmlParserCtxtPtr ctxt, const char *chunk, int size, int terminate);
    void (*free_parser_ctxt)(xmlParserCtxtPtr ctxt);
};

/* Load libxml2.so.2 and call xmlInitParser() once per process (thread safe). Returns 0, or a
 * negative errno with the reason in err (missing library or symbol). */
int zt_aws_xml_load(char *err, size_t errlen);
/* The loaded functions; only valid after zt_aws_xml_load() returned 0. */
const struct zt_aws_xml_api *zt_aws_xml_api(void);

/* Let aws_xml.c keep calling libxml2 by its own names. */
#define xmlStopParser           (zt_aws_xml_api()->stop_parser)
#define xmlSetGenericErrorFunc  (zt_aws_xml_api()->set_generic_error_func)
#define xmlCreatePushParserCtxt (zt_aws_xml_api()->create_push_parser_ctxt)
#define xmlCtxtUseOptions       (zt_aws_xml_api()->ctxt_use_options)
#define xmlParseChunk           (zt_aws_xml_api()->parse_chunk)
#define xmlFreeParserCtxt       (zt_aws_xml_api()->free_parser_ctxt)
