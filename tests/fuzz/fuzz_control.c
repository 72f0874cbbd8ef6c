/* fuzz_control.c - libFuzzer harness for the control protocol's request parser: the bytes any
 * local client may send the daemon's socket. Checks: a refusal is -EINVAL or -E2BIG with a
 * message and leaves the request untouched; an accepted request names a known command, and its
 * canonical line (what ztmmctl sends) parses back to the same request. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct zt_control_request req = {.cmd = _ZT_CONTROL_CMD_MAX, .wait = true}, again;
    char err[256] = "";
    int r = zt_control_parse_request((const char *)data, size, &req, err, sizeof(err));

    if (r < 0) {
        if ((r != -EINVAL && r != -E2BIG) || !err[0] || req.cmd != _ZT_CONTROL_CMD_MAX ||
            !req.wait) {
            abort();
        }
        return 0;
    }
    if (r != 0 || !zt_control_cmd_to_string(req.cmd)) {
        abort();
    }
    char *line = zt_control_format_request(&req);
    if (zt_control_parse_request(line, strlen(line), &again, err, sizeof(err)) != 0 ||
        again.cmd != req.cmd || again.wait != req.wait) {
        abort();
    }
    free(line);
    return 0;
}
