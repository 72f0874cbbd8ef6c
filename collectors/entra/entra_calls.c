/* entra_calls.c - the Graph calls of the entra collector: endpoint, permission named on a 403,
 * licence named on a "not licensed" answer, paging, and the handler that reduces each page. */
#include "entra_run.h"

static int append_items(struct json_object *to, struct json_object *page)
{
    struct json_object *value = entra_get(page, "value");

    if (!value || !json_object_is_type(value, json_type_array)) {
        return -EBADMSG;
    }
    for (size_t i = 0; i < json_object_array_length(value); i++) {
        if (json_object_array_length(to) >= ENTRA_CA_MAX) {
            return -E2BIG;
        }
        json_object_array_add(to, json_object_get(json_object_array_get_idx(value, i)));
    }
    return 0;
}

static int keep_doc(struct json_object **slot, struct json_object *page)
{
    if (!json_object_is_type(page, json_type_object)) {
        return -EBADMSG;
    }
    json_object_put(*slot);
    *slot = json_object_get(page);
    return 0;
}

static int page_ca(struct entra_run *r, struct json_object *p)
{
    return append_items(r->ca, p);
}
static int page_ca_beta(struct entra_run *r, struct json_object *p)
{
    return append_items(r->ca_beta, p);
}
static int page_secdef(struct entra_run *r, struct json_object *p)
{
    return keep_doc(&r->secdef, p);
}
static int page_methods(struct entra_run *r, struct json_object *p)
{
    return keep_doc(&r->methods, p);
}
static int page_strengths(struct entra_run *r, struct json_object *p)
{
    return entra_strengths_page(r->strengths, p);
}
static int item_reg(struct entra_run *r, struct json_object *user)
{
    return entra_reg_item(&r->reg, user);
}
static int page_pim_active(struct entra_run *r, struct json_object *p)
{
    return entra_pim_page(&r->pim, p, false);
}
static int page_pim_eligible(struct entra_run *r, struct json_object *p)
{
    return entra_pim_page(&r->pim, p, true);
}
static int page_org(struct entra_run *r, struct json_object *p)
{
    return keep_doc(&r->org, p);
}
static int page_domains(struct entra_run *r, struct json_object *p)
{
    return entra_domains_page(&r->domains, p);
}
static int item_app(struct entra_run *r, struct json_object *app)
{
    return entra_apps_item(&r->apps, app, r->now_usec);
}
static int page_authz(struct entra_run *r, struct json_object *p)
{
    return keep_doc(&r->authz, p);
}
static int page_admin_consent(struct entra_run *r, struct json_object *p)
{
    return keep_doc(&r->admin_consent, p);
}
static int page_reviews(struct entra_run *r, struct json_object *p)
{
    return entra_reviews_page(&r->reviews, p);
}
static int item_sp(struct entra_run *r, struct json_object *sp)
{
    return entra_sps_item(&r->sps, sp, r->now_usec);
}
static int page_fic_apps(struct entra_run *r, struct json_object *p)
{
    return entra_ids_page(&r->fic_apps, p);
}
static int page_xtap(struct entra_run *r, struct json_object *p)
{
    return keep_doc(&r->xtap, p);
}
static int page_lcw(struct entra_run *r, struct json_object *p)
{
    return entra_lcw_page(&r->gov, p);
}
static int page_em(struct entra_run *r, struct json_object *p)
{
    return entra_em_page(&r->gov, p);
}

#define POLICY_AM  "Policy.Read.AuthenticationMethod (or Policy.Read.All)"
#define PIM_P2     "; PIM needs a Microsoft Entra ID P2 licence"
#define GOVERNANCE "Microsoft Entra ID P2 or Microsoft Entra ID Governance"
const struct entra_endpoint entra_endpoints[_E_MAX] = {
    [E_CA] = {.version = "v1.0",
              .path = "/identity/conditionalAccess/policies",
              .permission = "Policy.Read.All",
              .note = "",
              .paced = true,
              .paged = true,
              .max_pages = 50,
              .on_page = page_ca},
    /* beta: sessionControls.continuousAccessEvaluation exists only there. */
    [E_CA_BETA] = {.version = "beta",
                   .path = "/identity/conditionalAccess/policies",
                   .permission = "Policy.Read.All",
                   .note = "",
                   .paced = true,
                   .paged = true,
                   .max_pages = 50,
                   .on_page = page_ca_beta},
    [E_SECDEF] = {.version = "v1.0",
                  .path = "/policies/identitySecurityDefaultsEnforcementPolicy",
                  .permission = "Policy.Read.All",
                  .note = "",
                  .max_pages = 1,
                  .on_page = page_secdef},
    [E_METHODS] = {.version = "v1.0",
                   .path = "/policies/authenticationMethodsPolicy",
                   .permission = POLICY_AM,
                   .note = "",
                   .max_pages = 1,
                   .on_page = page_methods},
    /* v1.0 location; /identity/conditionalAccess/authenticationStrength/policies is beta. */
    [E_STRENGTHS] = {.version = "v1.0",
                     .path = "/policies/authenticationStrengthPolicies",
                     .permission = POLICY_AM,
                     .note = "",
                     .paged = true,
                     .max_pages = 20,
                     .on_page = page_strengths},
    /* Only $filter/$orderBy are supported: Graph picks the page size; 20000 pages bound it. */
    [E_REG] = {.version = "v1.0",
               .path = "/reports/authenticationMethods/userRegistrationDetails",
               .permission = "AuditLog.Read.All",
               .note = "; the report needs a Microsoft Entra ID P1 or P2 licence",
               .paged = true,
               .max_pages = 20000,
               .on_item = item_reg},
    [E_PIM_ACTIVE] = {.version = "v1.0",
                      .path = "/roleManagement/directory/roleAssignmentScheduleInstances"
                              "?$expand=principal",
                      .permission = "RoleAssignmentSchedule.Read.Directory (or "
                                    "RoleManagement.Read.Directory)",
                      .note = PIM_P2,
                      .paged = true,
                      .max_pages = 1000,
                      .on_page = page_pim_active},
    [E_PIM_ELIGIBLE] = {.version = "v1.0",
                        .path = "/roleManagement/directory/roleEligibilityScheduleInstances"
                                "?$expand=principal",
                        .permission = "RoleEligibilitySchedule.Read.Directory (or "
                                      "RoleManagement.Read.Directory)",
                        .note = PIM_P2,
                        .paged = true,
                        .max_pages = 1000,
                        .on_page = page_pim_eligible},
    [E_ORG] = {.version = "v1.0",
               .path = "/organization?$select=id,onPremisesSyncEnabled,onPremisesLastSyncDateTime",
               .permission = "Organization.Read.All",
               .note = "",
               .max_pages = 1,
               .on_page = page_org},
    [E_DOMAINS] = {.version = "v1.0",
                   .path = "/domains?$select=id,authenticationType",
                   .permission = "Domain.Read.All",
                   .note = "",
                   .paged = true,
                   .max_pages = 100,
                   .on_page = page_domains},
    /* owners expanded to ids: one $expand is the most Graph takes on directory objects. */
    [E_APPS] = {.version = "v1.0",
                .path = "/applications?$select=id,displayName,signInAudience,passwordCredentials,"
                        "keyCredentials,servicePrincipalLockConfiguration"
                        "&$expand=owners($select=id)&$top=999",
                .permission = "Application.Read.All",
                .note = "",
                .paged = true,
                .max_pages = 5000,
                .on_item = item_app},
    [E_AUTHZ] = {.version = "v1.0",
                 .path = "/policies/authorizationPolicy",
                 .permission = "Policy.Read.All",
                 .note = "",
                 .max_pages = 1,
                 .on_page = page_authz},
    [E_ADMIN_CONSENT] = {.version = "v1.0",
                         .path = "/policies/adminConsentRequestPolicy",
                         .permission = "Policy.Read.All",
                         .note = "",
                         .max_pages = 1,
                         .on_page = page_admin_consent},
    [E_REVIEWS] = {.version = "v1.0",
                   .path = "/identityGovernance/accessReviews/definitions",
                   .permission = "AccessReview.Read.All",
                   .note = "; access reviews need a " GOVERNANCE " licence",
                   .licence = GOVERNANCE,
                   .paged = true,
                   .max_pages = 500,
                   .on_page = page_reviews},
    /* Enterprise apps and other service principals: large tenants hold 10^4..10^5 of them. */
    [E_SPS] = {.version = "v1.0",
               .path = "/servicePrincipals?$select=id,displayName,servicePrincipalType,"
                       "preferredSingleSignOnMode,appRoleAssignmentRequired,passwordCredentials,"
                       "keyCredentials&$top=999",
               .permission = "Application.Read.All",
               .note = "",
               .paged = true,
               .max_pages = 5000,
               .on_item = item_sp},
    /* A $count filter on a relationship is an advanced query: ConsistencyLevel and $count. */
    [E_FIC_APPS] = {.version = "v1.0",
                    .path = "/applications?$filter=federatedIdentityCredentials/$count%20ne%200"
                            "&$count=true&$select=id&$top=999",
                    .permission = "Application.Read.All",
                    .note = "",
                    .header = "ConsistencyLevel: eventual",
                    .paged = true,
                    .max_pages = 5000,
                    .on_page = page_fic_apps},
    [E_XTAP] = {.version = "v1.0",
                .path = "/policies/crossTenantAccessPolicy/default",
                .permission = "Policy.Read.All",
                .note = "",
                .max_pages = 1,
                .on_page = page_xtap},
    [E_LCW] = {.version = "v1.0",
               .path = "/identityGovernance/lifecycleWorkflows/workflows",
               .permission = "LifecycleWorkflows.Read.All",
               .note = "; lifecycle workflows need a Microsoft Entra ID Governance licence",
               .licence = "Microsoft Entra ID Governance",
               .paged = true,
               .max_pages = 100,
               .on_page = page_lcw},
    [E_EM] = {.version = "v1.0",
              .path = "/identityGovernance/entitlementManagement/assignmentPolicies",
              .permission = "EntitlementManagement.Read.All",
              .note = "; entitlement management needs a " GOVERNANCE " licence",
              .licence = GOVERNANCE,
              .paged = true,
              .max_pages = 500,
              .on_page = page_em},
};
