/* http.c - the HTTP room's front door: zt_http_engine_new() is the bare engine (http_engine.c)
 * with OAuth installed as its token source (oauth.c). The top of the room: it names the layers
 * below it so that they need not name each other upwards (http_internal.h has the order). */
#include "http_internal.h"

int zt_http_engine_new(const struct zt_http_limits *limits, struct zt_http_engine **ret, char *err,
                       size_t errlen)
{
    int r = zt_http_engine_create(limits, ret, err, errlen);
    if (r < 0) {
        return r;
    }
    zt_oauth_attach(*ret);
    return 0;
}
