#!/usr/bin/env python3
"""synth_server.py - a synthetic Microsoft tenant over HTTPS for tests/bench/tenant_bench.py
(Python 3 standard library only). Reuses the TLS server, token endpoint, token checks and JSONL
request log of tests/fixtures/server.py; only the routes are synthetic. Nothing is written to disk
but the log: every page is generated on request, deterministically, from its index.

    synth_server.py serve --certs DIR --log FILE [--users 100000] [--devices 50000]
        [--machines 20000] [--ca-policies 300] [--latency-ms 20] [--ca-initial-429 2]
        [--ca-min-interval 0.95] [--idle-timeout 120]

Prints the port on stdout (one line). Routes (all GET need a bearer token the server issued):
  POST /{tenant}/oauth2/v2.0/token                      client_secret (or assertion), as server.py
  /v1.0/reports/authenticationMethods/userRegistrationDetails    --users, 1000 per page, nextLink
  /v1.0/deviceManagement/managedDevices?$select=...              --devices, 1000 per page, nextLink
      (both as Graph orders the members: @odata.context, @odata.nextLink, value)
  /v1.0|beta/identity/conditionalAccess/policies                 --ca-policies, --ca-page-size
      (100) per page, nextLink; throttled, see below
  /api/machines?$top=T[&$skip=S]                                 --machines, $top/$skip windows as
      the Defender API (a window past the end is an empty "value")
  security defaults, authentication methods policy, authentication strengths, PIM assignment
  and eligibility instances, Intune compliance policies: the small bodies of the entra_typical
  and devices_typical fixture scenarios.

Latency: every request (token endpoint included) starts its answer --latency-ms after it arrived,
sleeping in its handler thread (the page is built within that time), so concurrent requests
overlap their latency as they would against a remote server.

Conditional Access throttling (Graph: 1 request/s per tenant, 429 *without* Retry-After), two
rules, v1.0 and beta sharing one per-tenant bucket:
  1. the first --ca-initial-429 CA requests are answered 429 (fixed, to exercise the backoff);
  2. afterwards, a CA request arriving less than --ca-min-interval seconds after the previous CA
     request (whatever its answer) is answered 429: a client that does not pace is punished.
The log line of a throttled request carries "throttle": "initial" or "rate".
Log lines also carry "bytes" (body length), "list" (which paged list the request belongs to) and
"conn" (the client's source port: one value per TCP connection, to see connection reuse).
"""

import argparse
import json
import os
import signal
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(os.path.dirname(HERE), "fixtures")
sys.path.insert(0, FIXTURES)
import server as fx  # noqa: E402  (tests/fixtures/server.py: TLS server, tokens, log)

REG = "/v1.0/reports/authenticationMethods/userRegistrationDetails"
DEV = "/v1.0/deviceManagement/managedDevices"
DEV_Q = "$select=id,operatingSystem,complianceState,isEncrypted,jailBroken,lastSyncDateTime"
POL = "/v1.0/deviceManagement/deviceCompliancePolicies"
CA = ("/v1.0/identity/conditionalAccess/policies", "/beta/identity/conditionalAccess/policies")
MDE = "/api/machines"
CLIENT_ID = "6f1e3b8a-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
CLIENT_SECRET = "bench~synthetic.secret"
GRAPH_PAGE = 1000  # Graph's page size for these reports/devices lists (server-driven)


def mix(i):
    """A cheap deterministic hash of an index, 0..99."""
    return ((i * 2654435761) >> 7) % 100


def iso(offset):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset))


# --- item templates (compact JSON) ----------------------------------------------------------
# Attributes depend on the item's position in its page; ids carry the page's marker "@@P@@".
# A page of n items is rendered once per n (see PageCache) and each request only substitutes the
# page number into it: a single str.replace over the page, so the server stays cheap per page.
MARK = "@@P@@"

USER = ('{"id":"' + MARK + '00-%04x-4000-8000-%012x","userPrincipalName":"user' + MARK +
        '_%d@contoso.com","userDisplayName":"User ' + MARK + ' %d","userType":"%s","isAdmin":%s,'
        '"isSsprRegistered":%s,"isSsprEnabled":true,"isSsprCapable":%s,"isMfaRegistered":%s,'
        '"isMfaCapable":%s,"isPasswordlessCapable":%s,"methodsRegistered":[%s],'
        '"isSystemPreferredAuthenticationMethodEnabled":true,'
        '"systemPreferredAuthenticationMethods":[%s],'
        '"userPreferredMethodForSecondaryAuthentication":"%s",'
        '"lastUpdatedDateTime":"2024-06-01T00:00:00Z"}')
METHODS = [('"microsoftAuthenticatorPush"', "push"),
           ('"fido2","microsoftAuthenticatorPush"', "push"),
           ('"mobilePhone"', "sms"),
           ('"softwareOneTimePasscode","email"', "oath"),
           ("", "none")]


def user(i):
    h = mix(i)
    m = 1 if h < 10 else 0 if h < 80 else 2 if h < 88 else 3 if h < 92 else 4
    methods, pref = METHODS[m]
    mfa = "true" if m != 4 else "false"
    return USER % (i, i, i, i, "guest" if h % 17 == 0 else "member",
                   "true" if i % 1000 == 7 else "false", mfa, mfa, mfa, mfa,
                   "true" if m == 1 else "false", methods, methods.split(",")[0], pref)


DEVICE = ('{"id":"' + MARK + '00-%04x-4000-8000-%012x","operatingSystem":"%s",'
          '"complianceState":"%s","isEncrypted":%s,"jailBroken":"%s","lastSyncDateTime":"%s"}')
OSES = ["Windows", "Windows", "Windows", "iOS", "Android", "macOS"]


def device(i, recent, stale):
    h = mix(i)
    return DEVICE % (i, i * 31, OSES[i % len(OSES)],
                     "compliant" if h < 88 else "noncompliant" if h < 97 else "inGracePeriod",
                     "true" if h < 75 else "false", "True" if h == 99 else "False",
                     recent if h < 93 else stale)


MACHINE = ('{"id":"' + MARK + '%034x","computerDnsName":"host' + MARK + '-%d.contoso.com",'
           '"firstSeen":"2023-11-02T08:14:51.315Z","lastSeen":"%s","osPlatform":"%s",'
           '"version":"23H2","osBuild":22631,"osProcessor":"x64","lastIpAddress":"10.%d.%d.%d",'
           '"lastExternalIpAddress":"203.0.113.7","healthStatus":"%s","onboardingStatus":"%s",'
           '"deviceValue":"Normal","rbacGroupId":"0","rbacGroupName":null,"riskScore":"%s",'
           '"exposureLevel":"%s","isAadJoined":true,"aadDeviceId":"' + MARK +
           '00-97ba-d25e-ed06-%012x","machineTags":[],"osArchitecture":"64-bit",'
           '"ipAddresses":[{"ipAddress":"10.%d.%d.%d","macAddress":"00155D0A1B2C",'
           '"type":"Ethernet","operationalStatus":"Up"}]}')
LEVELS = ["None", "Low", "Low", "Medium", "Medium", "High"]


def machine(i, recent, stale):
    h = mix(i)
    a, b, c = (i >> 16) & 255, (i >> 8) & 255, i & 255
    return MACHINE % (i * 7919, i, recent if h < 95 else stale,
                      "Windows11" if h < 70 else "Windows10" if h < 90 else "Linux", a, b, c,
                      "Active" if h < 85 else "Inactive" if h < 95 else "NoSensorData",
                      "onboarded" if h < 92 else "CanBeOnboarded", LEVELS[h % 6],
                      LEVELS[(h // 6) % 6], i, a, b, c)


class PageCache:
    """The joined items of a page of n items (positions 0..n-1), rendered once per n."""

    def __init__(self, item):
        self.item = item
        self.pages = {}
        self.lock = threading.Lock()

    def get(self, n, marker):
        with self.lock:
            text = self.pages.get(n)
            if text is None:
                text = self.pages[n] = ",".join(self.item(i) for i in range(n))
        return text.replace(MARK, marker)


class Tenant:
    """Sizes, the fixed small bodies and the CA throttle state."""

    def __init__(self, a):
        self.users, self.devices, self.machines = a.users, a.devices, a.machines
        self.ca_policies, self.ca_page = a.ca_policies, a.ca_page_size
        self.initial_429 = a.ca_initial_429
        self.min_interval = a.ca_min_interval
        self.ca_last = None
        self.ca_seen = 0
        self.lock = threading.Lock()
        scen = os.path.join(FIXTURES, "scenarios")
        self.entra = self.routes(os.path.join(scen, "entra_typical", "scenario.json"))
        self.devs = self.routes(os.path.join(scen, "devices_typical", "scenario.json"))
        dev_recent, dev_stale = iso(-7200), iso(-86400 * 45)  # relative to the server's start
        mde_recent, mde_stale = iso(-3600), iso(-86400 * 30)
        self.user_pages = PageCache(user)
        self.device_pages = PageCache(lambda i: device(i, dev_recent, dev_stale))
        self.machine_pages = PageCache(lambda i: machine(i, mde_recent, mde_stale))

    @staticmethod
    def routes(path):
        with open(path) as f:
            spec = json.load(f)
        out = {}
        for r in spec["routes"]:
            body = r["responses"][-1].get("json")
            if body is not None:
                out[(r["path"], r.get("query", ""))] = body
        return out

    def ca_admit(self):
        """None when a CA request may be answered, else why it is throttled."""
        now = time.time()
        with self.lock:
            self.ca_seen += 1
            last, self.ca_last = self.ca_last, now
            if self.ca_seen <= self.initial_429:
                return "initial"
            if last is not None and now - last < self.min_interval:
                return "rate"
        return None

    def ca_policy_list(self, beta):
        base = self.entra[(CA[1 if beta else 0], "")]["value"]
        out = []
        for i in range(self.ca_policies):
            p = dict(base[i % len(base)])
            p["id"] = "22222222-0000-4000-8000-%012x" % i
            p["displayName"] = f"{p['displayName']} #{i}"
            if i >= len(base):  # copies beyond the real ones are report-only: same verdicts
                p["state"] = "enabledForReportingButNotEnforced"
            out.append(p)
        return out


def page_links(base, path, query, index, more):
    if not more:
        return ""
    q = (query + "&" if query else "") + "$skiptoken=" + "RFNwdAIAAQAAAC%06d" % (index + 1)
    return ',"@odata.nextLink":"%s%s?%s"' % (base, path, q)


def skip_index(query):
    for part in query.split("&"):
        if part.startswith("$skiptoken="):
            return int(part[-6:])
    return 0


class SynthHandler(fx.Handler):
    server_version = "ztsynth/1"

    def dispatch(self):
        self.t0 = time.time()
        self.server.touch()
        url = urllib.parse.urlsplit(self.path)
        self.entry = {"t": self.t0, "method": self.command, "path": url.path,
                      "query": url.query, "token": None, "conn": self.client_address[1]}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.command == "POST" and fx.TOKEN_PATH.match(url.path):
            time.sleep(self.server.latency)
            self.entry["list"] = "token"
            return self.token_endpoint(body)
        tid, problem = self.server.scenario.check_token(self.headers.get("Authorization"))
        self.entry["token"] = tid
        if problem:
            time.sleep(self.server.latency)
            return self.reply({"status": 401, "json": {"error": {
                "code": "InvalidAuthenticationToken", "message": problem}}})
        status, data = self.route(url.path, url.query)
        # The latency is the time to the first byte, and building the page is part of it (as a
        # real service's own work is part of its latency): built after the wait, a big page's
        # few milliseconds of Python were billed to every page of the client's chain.
        time.sleep(max(0.0, self.t0 + self.server.latency - time.time()))
        self.entry["status"] = status
        self.entry["bytes"] = len(data)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (ConnectionError, OSError):
            pass
        finally:
            self.entry["end"] = time.time()
            self.server.log(self.entry)

    def route(self, path, query):
        t = self.server.tenant
        base = self.server.base
        if path == REG and (not query or query.startswith("$skiptoken=")):
            self.entry["list"] = "registration"
            return 200, self.graph_page(path, query, t.users, t.user_pages,
                                        "userRegistrationDetails")
        if path == DEV and query.startswith(DEV_Q):
            self.entry["list"] = "devices"
            return 200, self.graph_page(path, query, t.devices, t.device_pages, "managedDevices",
                                        keep=DEV_Q)
        if path in CA:
            self.entry["list"] = "ca"
            why = t.ca_admit()
            if why:
                self.entry["throttle"] = why
                return 429, json.dumps({"error": {"code": "TooManyRequests", "message":
                                       "Too many requests", "innerError": {
                                           "date": iso(0), "request-id": "synthetic"}}}).encode()
            beta = path == CA[1]
            items = self.server.ca_lists[beta]
            k = skip_index(query)
            chunk = items[k * t.ca_page:(k + 1) * t.ca_page]
            more = (k + 1) * t.ca_page < len(items)
            return 200, ('{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#'
                         'identity/conditionalAccess/policies","value":%s%s}' % (
                             json.dumps(chunk), page_links(base, path, "", k, more))).encode()
        if path == MDE:
            self.entry["list"] = "machines"
            q = urllib.parse.parse_qs(query)
            top = int((q.get("$top") or ["10000"])[0])
            skip = int((q.get("$skip") or ["0"])[0])
            n = max(0, min(skip + top, t.machines) - skip)
            items = t.machine_pages.get(n, "%06x" % skip) if n else ""
            return 200, ('{"@odata.context":"https://api.securitycenter.microsoft.com/api/'
                         '$metadata#Machines","value":[%s]}' % items).encode()
        for table in (t.entra, t.devs):
            body = table.get((path, query)) or table.get((path, ""))
            if body is not None:
                self.entry["list"] = path.rsplit("/", 1)[-1]
                return 200, fx.expand(json.dumps(body), base).encode()
        self.entry["list"] = "unknown"
        return 404, b'{"error":{"code":"Request_ResourceNotFound","message":"no such route"}}'

    def graph_page(self, path, query, total, cache, ctx, keep=""):
        """A Graph list page, members in Graph's order: @odata.context, @odata.nextLink (on all
        but the last page), then value (the paging guide's and Graph Explorer's responses)."""
        k = skip_index(query)
        lo, hi = k * GRAPH_PAGE, min((k + 1) * GRAPH_PAGE, total)
        items = cache.get(hi - lo, "%06x" % k) if hi > lo else ""
        links = page_links(self.server.base, path, keep, k, hi < total)
        return ('{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#%s"%s,'
                '"value":[%s]}' % (ctx, links, items)).encode()


class SynthScenario(fx.Scenario):
    """fx.Scenario without a scenario directory: only the oauth part is used."""

    def __init__(self, certs):
        self.dir = None
        self.certs = certs
        self.spec = {}
        self.oauth = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
        self.api_token, self.bearer, self.client_certs, self.falcon = None, [], False, None
        self.routes, self.counters = [], []
        self.tokens, self.issued = {}, 0
        self.lock = threading.Lock()
        self.base = ""
        self.client_der = None


class SynthServer(fx.Server):
    request_queue_size = 64

    def __init__(self, a):
        super().__init__(SynthScenario(a.certs), a.certs, a.log, a.idle_timeout)
        self.RequestHandlerClass = SynthHandler
        self.latency = a.latency_ms / 1000.0
        self.tenant = Tenant(a)
        self.ca_lists = {False: self.tenant.ca_policy_list(False),
                         True: self.tenant.ca_policy_list(True)}
        # Render the page templates before the first request, so no request pays for it.
        self.tenant.user_pages.get(GRAPH_PAGE, "0")
        self.tenant.device_pages.get(GRAPH_PAGE, "0")
        self.tenant.machine_pages.get(a.warm_top, "0")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--certs", required=True)
    s.add_argument("--log", required=True)
    s.add_argument("--users", type=int, default=100000)
    s.add_argument("--devices", type=int, default=50000)
    s.add_argument("--machines", type=int, default=20000)
    s.add_argument("--ca-policies", type=int, default=300)
    s.add_argument("--ca-page-size", type=int, default=100)
    s.add_argument("--ca-initial-429", type=int, default=2)
    s.add_argument("--ca-min-interval", type=float, default=0.95)
    s.add_argument("--latency-ms", type=float, default=20)
    s.add_argument("--idle-timeout", type=float, default=120)
    s.add_argument("--warm-top", type=int, default=10000,
                   help="Defender $top whose page template is rendered at start")
    a = p.parse_args()
    server = SynthServer(a)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    threading.Thread(target=fx.watchdog, args=(server, os.getppid()), daemon=True).start()
    print(server.port, flush=True)
    server.serve_forever(poll_interval=0.1)


if __name__ == "__main__":
    sys.exit(main())
