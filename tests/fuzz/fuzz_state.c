/* fuzz_state.c - libFuzzer harness for a result document read back from the state directory
 * (latest.json: whatever a crash, a full disk or a hand edit left there), as the service uses it:
 * the loader (bounded read, schema check, corrupt files set aside), drift against the new result
 * in both directions, and the per-collector lookup of `ztmmctl status`. Checks: a document
 * compared with itself has no change, and every change event is well formed. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drift.h"
#include "result.h"
#include "state.h"
#include "util.h"

#define BASE ZT_SOURCE_DIR "/tests/fuzz/corpus/fuzz_state/hardened-compact.json"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* tmpfs: the loader syncs the directory after setting a corrupt file aside. */
static char dir[] = "/dev/shm/zt-fuzz-state-XXXXXX";

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path) < 0 ? -1 : 0;
}

static void remove_dir(void)
{
    (void)nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void check_changes(struct json_object *changes, bool want_none)
{
    size_t n = json_object_array_length(changes);

    if (want_none && n > 0) {
        fprintf(stderr, "a document differs from itself: %s\n",
                json_object_to_json_string(changes));
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        struct json_object *ev = json_object_array_get_idx(changes, i);
        const char *id = zt_json_str(ev, "id"), *kind = zt_json_str(ev, "kind");
        if (!id || strlen(id) != ZT_CHANGE_ID_LEN || !zt_json_str(ev, "subject") ||
            !(zt_streq(kind, "stage_changed") || zt_streq(kind, "finding_changed"))) {
            abort();
        }
    }
    json_object_put(changes);
}

/* The changes of cur against prev as the service computes them: each read into its model once
 * (a previous document that is no result is no baseline; a new one that is none has no changes). */
static struct json_object *drift(struct json_object *prev, struct json_object *cur)
{
    struct zt_model *p = NULL, *c = NULL;
    char err[256];

    if (zt_model_from_result(cur, &c, err, sizeof(err)) < 0) {
        return json_object_new_array();
    }
    if (zt_model_from_result(prev, &p, err, sizeof(err)) < 0) {
        p = NULL;
    }
    zt_drift_compare(c, p);
    struct json_object *changes = zt_drift_to_json(c);
    zt_model_free(p);
    zt_model_free(c);
    return changes;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct zt_state *st;
    static struct json_object *base;
    char path[64], err[512];

    if (!st) {
        char *text = NULL;
        size_t len = 0;
        if (!mkdtemp(dir) || zt_state_open(dir, 3, &st) < 0 ||
            zt_read_file(BASE, 1 << 24, &text, &len) < 0 || !(base = json_tokener_parse(text))) {
            fprintf(stderr, "fuzz_state: cannot set up %s with %s\n", dir, BASE);
            abort();
        }
        free(text);
        atexit(remove_dir);
    }
    snprintf(path, sizeof(path), "%s/latest.json", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
        abort();
    }
    close(fd);
    struct json_object *doc = NULL;
    int r = zt_state_load_latest(st, &doc, err, sizeof(err));
    if (r == 1) {
        check_changes(drift(doc, doc), true);
        check_changes(drift(doc, base), false);
        check_changes(drift(base, doc), false);
        (void)zt_result_collector(doc, "host");
        json_object_put(doc);
    } else if (r != -EBADMSG || doc || !strstr(err, "renamed to")) {
        abort(); /* not a result: set aside, said so, nothing handed out */
    }
    return 0;
}
