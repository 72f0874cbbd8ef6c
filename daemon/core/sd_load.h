/* sd_load.h - libsystemd loaded at run time, on first use: the service's event loop, readiness
 * and journal; a one-shot scan that logs to stderr never maps it (with libgcrypt, liblzma,
 * libzstd and the rest it pulls in, 1 MiB of the process). Include this instead of the
 * <systemd/...> headers: the sd_* names below then call through the loaded table. */
#pragma once

#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>

/* Every libsystemd function ztmmd calls. */
#define ZT_SD_FUNCS(X)                                                                             \
    X(sd_event_add_child)                                                                          \
    X(sd_event_add_io)                                                                             \
    X(sd_event_add_signal)                                                                         \
    X(sd_event_add_time)                                                                           \
    X(sd_event_add_time_relative)                                                                  \
    X(sd_event_exit)                                                                               \
    X(sd_event_loop)                                                                               \
    X(sd_event_new)                                                                                \
    X(sd_event_ref)                                                                                \
    X(sd_event_set_watchdog)                                                                       \
    X(sd_event_source_disable_unref)                                                               \
    X(sd_event_source_set_child_process_own)                                                       \
    X(sd_event_source_set_enabled)                                                                 \
    X(sd_event_source_set_io_events)                                                               \
    X(sd_event_unref)                                                                              \
    X(sd_id128_get_machine_app_specific)                                                           \
    X(sd_id128_to_uuid_string)                                                                     \
    X(sd_journal_send_with_location)                                                               \
    X(sd_journal_sendv_with_location)                                                              \
    X(sd_notify)                                                                                   \
    X(sd_notifyf)

#define ZT_SD_PTR(f) __typeof__(f) *f;
struct zt_sd_api {
    ZT_SD_FUNCS(ZT_SD_PTR)
};
#undef ZT_SD_PTR

/* The loaded functions, loading libsystemd.so.0 the first time (thread safe); when it cannot be
 * loaded (a broken installation: the package depends on it) the process exits with the reason
 * on stderr. */
const struct zt_sd_api *zt_sd(void);

#ifndef ZT_SD_NO_REDIRECT /* dl_libs.c needs the names */
#define sd_event_add_child                    (zt_sd()->sd_event_add_child)
#define sd_event_add_io                       (zt_sd()->sd_event_add_io)
#define sd_event_add_signal                   (zt_sd()->sd_event_add_signal)
#define sd_event_add_time                     (zt_sd()->sd_event_add_time)
#define sd_event_add_time_relative            (zt_sd()->sd_event_add_time_relative)
#define sd_event_exit                         (zt_sd()->sd_event_exit)
#define sd_event_loop                         (zt_sd()->sd_event_loop)
#define sd_event_new                          (zt_sd()->sd_event_new)
#define sd_event_ref                          (zt_sd()->sd_event_ref)
#define sd_event_set_watchdog                 (zt_sd()->sd_event_set_watchdog)
#define sd_event_source_disable_unref         (zt_sd()->sd_event_source_disable_unref)
#define sd_event_source_set_child_process_own (zt_sd()->sd_event_source_set_child_process_own)
#define sd_event_source_set_enabled           (zt_sd()->sd_event_source_set_enabled)
#define sd_event_source_set_io_events         (zt_sd()->sd_event_source_set_io_events)
#define sd_event_unref                        (zt_sd()->sd_event_unref)
#define sd_id128_get_machine_app_specific     (zt_sd()->sd_id128_get_machine_app_specific)
#define sd_id128_to_uuid_string               (zt_sd()->sd_id128_to_uuid_string)
#define sd_journal_send_with_location         (zt_sd()->sd_journal_send_with_location)
#define sd_journal_sendv_with_location        (zt_sd()->sd_journal_sendv_with_location)
#define sd_notify                             (zt_sd()->sd_notify)
#define sd_notifyf                            (zt_sd()->sd_notifyf)
#endif
