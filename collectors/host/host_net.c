/* host_net.c - listening sockets from /proc/net/{tcp,tcp6,udp,udp6}: which ports are open on all
 * interfaces, and which plaintext protocols (telnet, ftp, r-services, tftp, pop3, imap, ldap,
 * http) are reachable from the network, by port or by daemon process. */
#include "host.h"

#include <json-c/json.h>
#include <netinet/in.h>
#include <string.h>

static const struct {
    bool tcp;
    uint16_t port;
    const char *service;
} plaintext_ports[] = {
    {true, 21, "ftp"},     {true, 23, "telnet"}, {true, 110, "pop3"},
    {true, 143, "imap"},   {true, 389, "ldap"},  {true, 512, "rexec"},
    {true, 513, "rlogin"}, {true, 514, "rsh"}, /* udp/514 is syslog */
    {false, 69, "tftp"},
};

static const struct {
    const char *process;
    const char *service;
} plaintext_procs[] = {
    {"in.telnetd", "telnet"}, {"telnetd", "telnet"}, {"in.ftpd", "ftp"},
    {"ftpd", "ftp"},          {"vsftpd", "ftp"},     {"proftpd", "ftp"},
    {"pure-ftpd", "ftp"},     {"in.rshd", "rsh"},    {"rshd", "rsh"},
    {"in.rlogind", "rlogin"}, {"rlogind", "rlogin"}, {"in.rexecd", "rexec"},
    {"in.tftpd", "tftp"},     {"tftpd", "tftp"},
};

/* Parse 8 hex digits into the 32-bit word the kernel printed in host byte order. */
static bool hex32(const char *s, uint32_t *ret)
{
    char buf[9];
    char *end = NULL;

    memcpy(buf, s, 8);
    buf[8] = '\0';
    *ret = (uint32_t)strtoul(buf, &end, 16);
    return end == buf + 8;
}

/* "0100007F:0016": the address words as the kernel wrote them (host order), then the port. */
static int parse_addr(const char *s, bool ipv6, struct zt_host_socket *ret)
{
    size_t hexlen = ipv6 ? 32 : 8;
    unsigned char addr[16];
    uint32_t w, port;

    if (strlen(s) != hexlen + 5 || s[hexlen] != ':') {
        return -EINVAL;
    }
    for (size_t i = 0; i < hexlen / 8; i++) {
        if (!hex32(s + i * 8, &w)) {
            return -EINVAL;
        }
        memcpy(addr + i * 4, &w, 4); /* host order in memory = network byte order */
    }
    char *end = NULL;
    port = (uint32_t)strtoul(s + hexlen + 1, &end, 16);
    if (*end || port > 65535) {
        return -EINVAL;
    }
    static const unsigned char zero[16], v4mapped[12] = {[10] = 0xff, [11] = 0xff};
    ret->port = (uint16_t)port;
    ret->wildcard = memcmp(addr, zero, hexlen / 2) == 0;
    ret->loopback = ipv6 ? memcmp(addr, &in6addr_loopback, 16) == 0 ||
                               (memcmp(addr, v4mapped, 12) == 0 && addr[12] == 127)
                         : addr[0] == 127;
    return 0;
}

int zt_host_net_parse(const char *text, bool tcp, bool ipv6, struct zt_host_sockets *ret)
{
    _cleanup_free_ char *copy = zt_xstrdup(text);
    char *cursor = copy, *line;
    bool header = true;

    while ((line = zt_host_next_line(&cursor))) {
        char *c = line, *sl = zt_host_next_word(&c), *local = zt_host_next_word(&c);
        char *remote = zt_host_next_word(&c), *st = zt_host_next_word(&c);
        if (header || !sl) {
            header = false;
            continue;
        }
        struct zt_host_socket s = {.tcp = tcp};
        if (!st || parse_addr(local, ipv6, &s) < 0) {
            return -EINVAL;
        }
        /* TCP: LISTEN (0A). UDP: unconnected sockets show state 07 (TCP_CLOSE). */
        if (!zt_streq(st, tcp ? "0A" : "07") || !remote) {
            continue;
        }
        ret->v = zt_xrealloc(ret->v, (ret->n + 1) * sizeof(*ret->v));
        ret->v[ret->n++] = s;
    }
    return 0;
}

void zt_host_sockets_clear(struct zt_host_sockets *s)
{
    free(s->v);
    *s = (struct zt_host_sockets){0};
}

static int cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

/* Sorted, deduplicated wildcard ports of one protocol, as a JSON array; count via *n. */
static struct json_object *wildcard_ports(const struct zt_host_sockets *s, bool tcp, size_t *n)
{
    _cleanup_free_ int *ports = zt_xcalloc(s->n + 1, sizeof(int));
    struct json_object *a = json_object_new_array();
    size_t k = 0;

    for (size_t i = 0; i < s->n; i++) {
        if (s->v[i].tcp == tcp && s->v[i].wildcard) {
            ports[k++] = s->v[i].port;
        }
    }
    qsort(ports, k, sizeof(int), cmp_int);
    *n = 0;
    for (size_t i = 0; i < k; i++) {
        if (i == 0 || ports[i] != ports[i - 1]) {
            json_object_array_add(a, json_object_new_int(ports[i]));
            (*n)++;
        }
    }
    return a;
}

static void plaintext(const struct zt_host *h, const struct zt_host_sockets *s,
                      struct zt_strv *services, struct json_object *why, bool *http)
{
    *http = false;
    for (size_t i = 0; i < s->n; i++) {
        const struct zt_host_socket *k = &s->v[i];
        if (k->loopback) {
            continue;
        }
        *http = *http || (k->tcp && k->port == 80);
        for (size_t j = 0; j < ZT_ELEMENTSOF(plaintext_ports); j++) {
            if (k->tcp == plaintext_ports[j].tcp && k->port == plaintext_ports[j].port) {
                _cleanup_free_ char *w = zt_xasprintf("%s/%u", k->tcp ? "tcp" : "udp", k->port);
                zt_host_strv_add_unique(services, plaintext_ports[j].service);
                json_object_array_add(why, json_object_new_string(w));
            }
        }
    }
    for (size_t j = 0; h->procs_known && j < ZT_ELEMENTSOF(plaintext_procs); j++) {
        if (zt_host_procs_find(&h->procs, plaintext_procs[j].process) > 0) {
            _cleanup_free_ char *w = zt_xasprintf("process %s", plaintext_procs[j].process);
            zt_host_strv_add_unique(services, plaintext_procs[j].service);
            json_object_array_add(why, json_object_new_string(w));
        }
    }
    zt_host_strv_sort(services);
}

static int read_sockets(struct zt_host *h, struct zt_host_sockets *s)
{
    static const struct {
        const char *path;
        bool tcp, ipv6;
    } files[] = {{"/proc/net/tcp", true, false},
                 {"/proc/net/tcp6", true, true},
                 {"/proc/net/udp", false, false},
                 {"/proc/net/udp6", false, true}};

    for (size_t i = 0; i < ZT_ELEMENTSOF(files); i++) {
        _cleanup_free_ char *text = NULL;
        /* A missing file is a missing protocol (IPv6 disabled). */
        int r = zt_host_read(h, files[i].path, ZT_HOST_NETFILE_MAX, &text);
        if (r < 0) {
            return r;
        }
        if (r > 0 && zt_host_net_parse(text, files[i].tcp, files[i].ipv6, s) < 0) {
            return zt_ctx_error(h->ctx, -EINVAL, "cannot parse %s", files[i].path);
        }
    }
    return 0;
}

int zt_host_probe_net(struct zt_host *h)
{
    _cleanup_(zt_host_sockets_clear) struct zt_host_sockets s = {0};
    _cleanup_(zt_strv_clear) struct zt_strv services = {0};
    size_t ntcp, nudp;
    bool http;
    int r = read_sockets(h, &s);

    if (r < 0) {
        return r;
    }
    struct json_object *tcp = wildcard_ports(&s, true, &ntcp);
    struct json_object *udp = wildcard_ports(&s, false, &nudp);
    zt_emit(h->ctx, "host.net.wildcard_listeners", json_object_new_int64((int64_t)(ntcp + nudp)),
            NULL);
    zt_emit(h->ctx, "host.net.wildcard_tcp_ports", tcp, NULL);
    zt_emit(h->ctx, "host.net.wildcard_udp_ports", udp, NULL);

    struct json_object *why = json_object_new_array();
    plaintext(h, &s, &services, why, &http);
    struct json_object *d = json_object_new_object();
    json_object_object_add(d, "found", why);
    if (!h->procs_known) {
        json_object_object_add(d, "processes", json_object_new_string("unknown"));
    }
    zt_emit(h->ctx, "host.net.plaintext_services", zt_host_strv_json(&services), d);
    zt_host_emit_bool(h, "host.net.plaintext_service_present", services.n > 0, NULL);
    zt_host_emit_bool(h, "host.net.http_listener", http, NULL);
    return 0;
}
