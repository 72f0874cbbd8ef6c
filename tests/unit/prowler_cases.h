/* prowler_cases.h - what ztmmd's collectors decide on one Prowler test case (prowler_run.c), for
 * test_prowler_cases.c. */
#pragma once

#include <stdbool.h>

#include "zt_test.h"

struct ours {
    bool rule_pass;                /* the estate rule the case maps to (AWS, Azure) */
    struct json_object *open;      /* group or NSG id -> "all ports" | "tcp/N[,M...]" (owned) */
    struct json_object *nsg_ports; /* NSG id -> array of its open admin ports (owned, Azure) */
    struct json_object *value;     /* the Entra key's value (owned) */
};

/* input: the case's "input" member. Each fills o, failing the test when the collector refuses
 * the document. */
void prowler_run_aws(struct json_object *input, struct ours *o);
void prowler_run_azure(struct json_object *input, struct ours *o);
void prowler_run_entra(struct json_object *input, const char *key, struct ours *o);
void prowler_ours_free(struct ours *o);
