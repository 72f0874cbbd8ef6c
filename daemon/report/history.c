/* history.c - the trend summary: one point (time, scan id, overall and pillar stages) per kept
 * result document, read from the history directory or from the control socket. */
#include "history.h"

#include <dirent.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "options.h"
#include "rootfs.h"
#include "util.h"

static void point_free(struct zt_history_point *p)
{
    for (size_t i = 0; i < p->n_pillars; i++) {
        free(p->pillars[i].id);
    }
    free(p->pillars);
    free(p->file);
    free(p->scan_id);
    free(p->finished_at);
}

void zt_history_clear(struct zt_history *h)
{
    for (size_t i = 0; i < h->n; i++) {
        point_free(&h->v[i]);
    }
    free(h->v);
    zt_strv_clear(&h->bad);
    *h = (struct zt_history){0};
}

static int point_cmp(const void *a, const void *b)
{
    const struct zt_history_point *x = a, *y = b;
    if (x->finished_usec != y->finished_usec) {
        return x->finished_usec < y->finished_usec ? -1 : 1;
    }
    return strcmp(x->scan_id, y->scan_id);
}

static void sort_points(struct zt_history *h)
{
    if (h->n > 1) { /* qsort() of a NULL array, even of 0 entries, is undefined */
        qsort(h->v, h->n, sizeof(*h->v), point_cmp);
    }
}

static struct zt_history_point *push(struct zt_history *h)
{
    h->v = zt_xrealloc(h->v, (h->n + 1) * sizeof(*h->v));
    h->v[h->n] = (struct zt_history_point){0};
    return &h->v[h->n++];
}

static void point_from_model(struct zt_history_point *p, const struct zt_model *m)
{
    p->scan_id = zt_xstrdup(m->scan_id);
    p->finished_at = zt_xstrdup(m->finished_at);
    p->finished_usec = m->finished_usec;
    p->overall = m->overall;
    p->pillars = zt_xcalloc(m->n_pillars ? m->n_pillars : 1, sizeof(*p->pillars));
    for (size_t i = 0; i < m->n_pillars; i++) {
        p->pillars[p->n_pillars++] = (struct zt_history_pillar){
            .id = zt_xstrdup(m->pillars[i].id),
            .stage = m->pillars[i].stage,
        };
    }
}

void zt_history_add(struct zt_history *h, const struct zt_model *m)
{
    for (size_t i = 0; i < h->n; i++) {
        if (zt_streq(h->v[i].scan_id, m->scan_id)) {
            return;
        }
    }
    point_from_model(push(h), m);
    sort_points(h);
}

/* Read dir/name as a result document and add its point; false when it is not one. */
static bool add_file(struct zt_history *h, int dir_fd, const char *name)
{
    _cleanup_free_ char *text = NULL;
    _cleanup_json_ struct json_object *doc = NULL;
    _cleanup_(zt_model_freep) struct zt_model *m = NULL;
    size_t len = 0;
    char err[256];

    /* The one reader of untrusted files: a FIFO or device named *.json neither blocks nor is
     * opened, and the size is checked before reading. */
    if (zt_rootfs_read(dir_fd, name, ZT_RESULT_FILE_MAX, 0, &text, &len) < 0 ||
        !(doc = zt_model_parse_doc(text, len)) ||
        zt_model_from_result(doc, &m, err, sizeof(err)) < 0) {
        return false;
    }
    struct zt_history_point *p = push(h);
    point_from_model(p, m);
    p->file = zt_xstrdup(name);
    return true;
}

/* The state directory names a result TIME-SCANID.json (the scan id cut at 36 characters): a point
 * added from a model already at hand takes the file of its scan instead of reading it again. */
static bool adopt(struct zt_history *h, const char *name)
{
    for (size_t i = 0; i < h->n; i++) {
        _cleanup_free_ char *tail = NULL;
        if (!h->v[i].file && (tail = zt_xasprintf("-%.36s.json", h->v[i].scan_id)) &&
            zt_endswith(name, tail)) {
            h->v[i].file = zt_xstrdup(name);
            return true;
        }
    }
    return false;
}

int zt_history_refresh(struct zt_history *h, const char *dir, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    struct zt_strv names = {0};

    if (!d) {
        int r = -errno;
        snprintf(err, errlen, "cannot read the history directory %s: %s", dir, strerror(-r));
        return r;
    }
    for (struct dirent *de; (de = readdir(d));) {
        if (de->d_name[0] != '.' && zt_endswith(de->d_name, ".json")) {
            zt_strv_push(&names, de->d_name);
        }
    }
    /* Keep what is still there (and points that never came from a file). */
    size_t kept = 0;
    for (size_t i = 0; i < h->n; i++) {
        if (!h->v[i].file || zt_strv_contains(&names, h->v[i].file)) {
            h->v[kept++] = h->v[i];
        } else {
            point_free(&h->v[i]);
        }
    }
    h->n = kept;
    struct zt_strv bad = {0};
    for (size_t i = 0; i < names.n; i++) {
        bool known = zt_strv_contains(&h->bad, names.v[i]);
        if (known) {
            zt_strv_push(&bad, names.v[i]);
        }
        for (size_t j = 0; j < h->n && !known; j++) {
            known = zt_streq(h->v[j].file, names.v[i]);
        }
        if (!known && !adopt(h, names.v[i]) && !add_file(h, dirfd(d), names.v[i])) {
            zt_strv_push(&bad, names.v[i]);
        }
    }
    closedir(d);
    zt_strv_clear(&h->bad);
    h->bad = bad;
    h->skipped = bad.n;
    zt_strv_clear(&names);
    sort_points(h);
    return 0;
}

struct json_object *zt_history_to_json(const struct zt_history *h)
{
    struct json_object *arr = json_object_new_array();

    for (size_t i = 0; i < h->n; i++) {
        const struct zt_history_point *p = &h->v[i];
        struct json_object *o = json_object_new_object(), *pl = json_object_new_object();
        json_object_object_add(o, "scan_id", json_object_new_string(p->scan_id));
        json_object_object_add(o, "finished_at", json_object_new_string(p->finished_at));
        json_object_object_add(o, "overall",
                               json_object_new_string(zt_stage_to_string(p->overall)));
        for (size_t k = 0; k < p->n_pillars; k++) {
            json_object_object_add(pl, p->pillars[k].id,
                                   json_object_new_string(zt_stage_to_string(p->pillars[k].stage)));
        }
        json_object_object_add(o, "pillars", pl);
        json_object_array_add(arr, o);
    }
    return arr;
}

/* One entry of a summary; false when it lacks what a point needs. */
static bool point_from_json(struct zt_history_point *p, struct json_object *e)
{
    const char *id = zt_json_str(e, "scan_id"), *at = zt_json_str(e, "finished_at");
    const char *overall = zt_json_str(e, "overall");
    struct json_object *pl = NULL;
    uint64_t usec;

    if (!id || !at || zt_parse_rfc3339(at, &usec) < 0 || !overall ||
        zt_stage_from_string(overall) < 0) {
        return false;
    }
    *p = (struct zt_history_point){.scan_id = zt_xstrdup(id),
                                   .finished_at = zt_xstrdup(at),
                                   .finished_usec = usec,
                                   .overall = (enum zt_stage)zt_stage_from_string(overall)};
    if (json_object_object_get_ex(e, "pillars", &pl) && json_object_is_type(pl, json_type_object)) {
        p->pillars = zt_xcalloc((size_t)json_object_object_length(pl) + 1, sizeof(*p->pillars));
        json_object_object_foreach(pl, key, val)
        {
            int st = json_object_is_type(val, json_type_string)
                         ? zt_stage_from_string(json_object_get_string(val))
                         : -EINVAL;
            if (st >= 0) {
                p->pillars[p->n_pillars++] =
                    (struct zt_history_pillar){.id = zt_xstrdup(key), .stage = (enum zt_stage)st};
            }
        }
    }
    return true;
}

int zt_history_from_json(struct json_object *arr, struct zt_history *h, char *err, size_t errlen)
{
    zt_history_clear(h);
    if (!json_object_is_type(arr, json_type_array) ||
        json_object_array_length(arr) > ZT_HISTORY_POINTS_MAX) {
        snprintf(err, errlen, "the history summary is not an array of at most %u entries",
                 ZT_HISTORY_POINTS_MAX);
        return -EBADMSG;
    }
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        struct zt_history_point p;
        if (point_from_json(&p, json_object_array_get_idx(arr, i))) {
            *push(h) = p;
        } else {
            h->skipped++;
        }
    }
    sort_points(h);
    return 0;
}
