/* sinks.c - the table of every sink type built into ztmmd, made from ZT_SINK_TYPES (sinks.h). */
#include "sinks.h"

#define ZT_SINK_ENTRY(name) &zt_sink_##name,
const struct zt_sink *const zt_sinks[] = {ZT_SINK_TYPES(ZT_SINK_ENTRY) NULL};

const struct zt_sink *zt_sink_find(const char *name)
{
    for (size_t i = 0; zt_sinks[i]; i++) {
        if (zt_streq(zt_sinks[i]->name, name)) {
            return zt_sinks[i];
        }
    }
    return NULL;
}

const char *zt_format_to_string(enum zt_format f)
{
    static const char *const names[_ZT_FORMAT_MAX] = {
        [ZT_FORMAT_JSON] = "json",
        [ZT_FORMAT_OCSF] = "ocsf",
        [ZT_FORMAT_CEF] = "cef",
    };
    return f >= 0 && f < _ZT_FORMAT_MAX ? names[f] : NULL;
}

int zt_format_from_string(const char *s)
{
    for (int f = 0; f < _ZT_FORMAT_MAX; f++) {
        if (zt_streq(s, zt_format_to_string((enum zt_format)f))) {
            return f;
        }
    }
    return -EINVAL;
}
