/* crowdstrike_run.h - one collection of the crowdstrike collector, shared by its options and
 * collect() (crowdstrike.c) and its calls (crowdstrike_fetch.c). Not used by tests. */
#pragma once

#include "crowdstrike.h"

/* Device detail calls in flight at once: each holds one response of up to page_size hosts (about
 * 2.2 KiB each) as text, so this bounds the collection's memory whatever the estate's size. Four
 * of 2500 (the default page_size) keep the server busy while the previous answers are parsed: in
 * tests/bench/crowdstrike_bench.py that halved the time of two of 5000 at about the same peak. */
#define CS_DETAILS_IN_FLIGHT 4u

struct cs_state {
    char *base_url;
    char *client_id;
    char *client_secret_file;
    char *credential;
    char *ca_file;
    bool follow_region;
    struct zt_strv region_urls;
    uint64_t stale_days;
    uint64_t page_size;
    bool zta;
    uint64_t zta_min_score;
};

enum cs_call_kind {
    CS_CALL_SCROLL,
    CS_CALL_DETAILS,
    CS_CALL_ZTA,       /* a count of the score query */
    CS_CALL_ZTA_AUDIT, /* the CID's audit (average score) */
    _CS_CALL_KIND_MAX,
};

struct cs_run;

/* One call of the collection; its result must outlive the group, so calls are kept in a list
 * freed at the end (one per scroll page and per details batch: a few hundred bytes each). */
struct cs_call {
    struct cs_call *next;
    struct cs_run *run;
    enum cs_call_kind kind;
    uint64_t threshold; /* CS_CALL_ZTA: the score filter */
    char why[192];      /* what on_page found wrong in a 2xx answer */
    struct zt_http_result res;
};

/* The ids of one scroll page as the body of a details request: {"ids":["a","b",...]}. */
struct cs_ids {
    char *buf;
    size_t len, cap, n;
};

struct cs_run {
    const struct cs_state *s;
    struct zt_ctx *ctx;
    struct zt_oauth_config oauth;
    char *secret;
    char *token_url;
    char *api; /* base of the API calls: base_url, or the region X-CS-Region named */
    char region[ZT_CS_REGION_MAX];
    char pace_key[300];
    uint64_t pace_ms;
    struct zt_http_group *g;
    struct cs_call *calls;
    /* The host pipeline: scroll page -> details batch, at most CS_DETAILS_IN_FLIGHT of them. */
    struct zt_cs_hosts hosts;
    char *scroll_url;  /* first page of the scroll */
    char *next_offset; /* token of the next scroll page, while the scroll waits for a slot */
    char *pending;     /* a details body waiting for a slot */
    unsigned in_flight;
    bool scroll_done; /* the last scroll page was read */
    struct cs_ids ids;
    struct zt_cs_zta zta;
};

/* Issue the host scroll (with its details batches) and, if enabled, the ZTA score list on one
 * group, and wait for all of them. Returns 0 or -errno when the group could not start. */
int zt_cs_fetch(struct cs_run *r);
/* After zt_cs_fetch(): record the problem of every failed call (with the scope a 403 needs) and
 * say what is incomplete: the host list, the ZTA counts, the ZTA audit. *first_err gets the first
 * failure's error (0 if none). */
struct cs_failed {
    bool hosts, zta, audit;
    int first_err;
};
void zt_cs_problems(struct cs_run *r, struct cs_failed *f);
/* Free the calls and buffers of the pipeline. */
void zt_cs_fetch_close(struct cs_run *r);
