/* utf8.h - the one UTF-8 check. Text from outside is made valid once, where it enters: evidence
 * and problems when a collector emits them, documents when they are read back. Everything
 * downstream (events, the report, the metrics file) relies on it and repairs nothing. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct json_object;

/* Length of the well-formed UTF-8 sequence at s (1 to 4 bytes, at most n), or 0 when the bytes
 * there are not one: stray continuation bytes, overlong forms, surrogates, code points above
 * U+10FFFF, a sequence cut short. */
size_t zt_utf8_seq(const char *s, size_t n);
/* Whether the n bytes at s are well-formed UTF-8 (NUL bytes included). */
bool zt_utf8_valid(const char *s, size_t n);
/* A copy of the n bytes at s (newly allocated, NUL-terminated) with every byte that starts no
 * well-formed sequence replaced by U+FFFD. */
char *zt_utf8_repair(const char *s, size_t n);
/* Repair every string of o in place, object member names included (o may be NULL). Returns the
 * number of strings that needed it. */
size_t zt_utf8_repair_json(struct json_object *o);
