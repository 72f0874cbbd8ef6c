#!/usr/bin/env python3
"""test_aws_creds.py - end to end: `ztmmd --once` with the aws collector and no configured key,
so the standard credential chain gives the credentials, against the HTTPS fixture server on the
aws_strong scenario (which checks the Signature V4 of every request with the fixture's keys).
Loopback servers in this test play the credential sources as AWS documents them: the EC2
instance metadata service with IMDSv2 only (PUT for a session token with its TTL header, then
the role's credentials; a GET without the token is 401), the ECS/EKS container endpoint (an
Authorization token from a file), and STS over HTTPS (AssumeRoleWithWebIdentity unsigned,
AssumeRole SigV4-verified; XML answers; AccessDenied and ExpiredToken errors). Checks which
source the log names, that temporary credentials about to expire are fetched again, that no
secret or token is printed, and that plain http is refused to any other host.

Usage: test_aws_creds.py ZTMMD SOURCE_DIR
"""
import http.server
import json
import os
import ssl
import sys
import threading
import time
import unittest
import urllib.parse

import fixture

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
import sigv4  # noqa: E402

ZTMMD, SRC = sys.argv[1:3]
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")
AKID = "ASIAZTMMDFIXTURE0001"  # what aws_strong accepts
SECRET = "zt/fixture+Secret/Key0123456789abcdefGHIJ"
TOKEN = "FwoGZXIvYXdzEXAMPLEzt//fixture+session/token=="
BASE = {"access_key_id": "ASIABASECHAIN0000001", "secret_access_key": "base/Secret+Chain0123",
        "session_token": "base//session+token=="}  # the chain's own, before AssumeRole
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJl"
IMDS_TOKEN = "AQAEAimds-session-token=="
ECS_TOKEN = "ecs-authorization-token-0123"
ROLE = "arn:aws:iam::123456789012:role/zt-reader"


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def creds_xml(op, c, expires):
    return (f'<{op}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><{op}Result>'
            f"<Credentials><AccessKeyId>{c['access_key_id']}</AccessKeyId>"
            f"<SecretAccessKey>{c['secret_access_key']}</SecretAccessKey>"
            f"<SessionToken>{c['session_token']}</SessionToken>"
            f"<Expiration>{iso(expires)}</Expiration></Credentials>"
            f"<AssumedRoleUser><Arn>{ROLE}/ztmmd</Arn></AssumedRoleUser></{op}Result>"
            f"<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></{op}Response>")


def error_xml(code, message):
    return (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}"
            f"</Message></Error><RequestId>r</RequestId></ErrorResponse>")


class CredServer(http.server.ThreadingHTTPServer):
    """IMDS and the container endpoint on plain http (as AWS serves them), or STS on https."""
    def __init__(self, tls_dir=None):
        super().__init__(("127.0.0.1", 0), Handler)
        self.log = []
        self.fetched = []  # when IMDS handed out credentials
        self.imds_expiry = []  # seconds of validity of each IMDS answer, in order; then 6 h
        self.inner = {"access_key_id": AKID, "secret_access_key": SECRET, "session_token": TOKEN}
        self.imds_creds = dict(self.inner)
        self.roles = {}  # role ARN -> credentials AssumeRole hands out for it (else inner)
        self.denied = set()  # role ARNs whose AssumeRole is denied
        self.role_expiry = {}  # role ARN -> seconds of validity of its answers, in order; then 1 h
        if tls_dir:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(os.path.join(tls_dir, "server.pem"),
                                os.path.join(tls_dir, "server.key"))
            self.socket = ctx.wrap_socket(self.socket, server_side=True)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def url(self, scheme="http"):
        return f"{scheme}://127.0.0.1:{self.server_address[1]}"


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def answer(self, status, body, ctype="application/json"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self):
        self.server.log.append(("PUT", self.path, dict(self.headers)))
        if self.path == "/latest/api/token":
            if not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                return self.answer(400, "", "text/plain")  # IMDS: the TTL header is required
            return self.answer(200, IMDS_TOKEN, "text/plain")
        self.answer(404, "", "text/plain")

    def do_GET(self):
        self.server.log.append(("GET", self.path, dict(self.headers)))
        if self.path.startswith("/latest/"):
            if self.headers.get("X-aws-ec2-metadata-token") != IMDS_TOKEN:
                return self.answer(401, "", "text/plain")  # IMDSv2 only
            if self.path == "/latest/meta-data/iam/security-credentials/":
                return self.answer(200, "zt-scanner", "text/plain")
            if self.path == "/latest/meta-data/iam/security-credentials/zt-scanner":
                left = self.server.imds_expiry.pop(0) if self.server.imds_expiry else 6 * 3600
                self.server.fetched.append(time.time())
                c = self.server.imds_creds
                return self.answer(200, json.dumps({
                    "Code": "Success", "LastUpdated": iso(time.time()), "Type": "AWS-HMAC",
                    "AccessKeyId": c["access_key_id"], "SecretAccessKey": c["secret_access_key"],
                    "Token": c["session_token"], "Expiration": iso(time.time() + left)}))
            return self.answer(404, "", "text/plain")
        if self.path == "/v2/credentials/pod":
            if self.headers.get("Authorization") != ECS_TOKEN:
                return self.answer(403, json.dumps({"code": "AccessDenied",
                                                    "message": "bad token"}))
            return self.answer(200, json.dumps({
                "AccessKeyId": AKID, "SecretAccessKey": SECRET, "Token": TOKEN,
                "AccountId": "123456789012", "Expiration": iso(time.time() + 3600)}))
        self.answer(404, "", "text/plain")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        form = dict(urllib.parse.parse_qsl(body.decode()))
        self.server.log.append(("POST", self.path, dict(self.headers), form))
        action, arn = form.get("Action"), form.get("RoleArn", "")
        if action == "AssumeRoleWithWebIdentity":
            if "Authorization" in self.headers or form.get("WebIdentityToken") != JWT:
                return self.answer(400, error_xml("InvalidIdentityToken", "bad token"), "text/xml")
        elif action == "AssumeRole":
            scope, problem = sigv4.verify(BASE, "POST", self.path, self.headers, body)
            if problem or scope != "us-east-1/sts":
                return self.answer(403, error_xml(*(problem or ("SignatureDoesNotMatch", scope))),
                                   "text/xml")
        else:
            return self.answer(400, error_xml("InvalidAction", "no"), "text/xml")
        if arn.endswith("/denied") or arn in self.server.denied:
            return self.answer(403, error_xml("AccessDenied", "User is not authorized to perform "
                                              "sts:AssumeRole"), "text/xml")
        if arn.endswith("/expired"):
            return self.answer(400, error_xml("ExpiredToken", "The security token included in "
                                              "the request is expired"), "text/xml")
        left = self.server.role_expiry.get(arn, [])
        self.answer(200, creds_xml(action, self.server.roles.get(arn, self.server.inner),
                                   time.time() + (left.pop(0) if left else 3600)), "text/xml")


class AwsCreds(unittest.TestCase):
    maxDiff = None
    runs = 0

    @classmethod
    def setUpClass(cls):
        fixture.make_pki(cls, SRC, SECRET)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def setUp(self):
        self.plain = CredServer()
        self.sts = CredServer(self.certs)
        for srv in (self.plain, self.sts):
            self.addCleanup(srv.server_close)
            self.addCleanup(srv.shutdown)

    def secret_file(self, name, value):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w") as f:
            f.write(value + "\n")
        os.chmod(path, 0o600)
        return path

    def scan(self, env, extra="", scenario="aws_strong"):
        AwsCreds.runs += 1
        log = os.path.join(self.tmp.name, f"log-{self.id()}-{AwsCreds.runs}.jsonl")
        base = fixture.serve(self, SRC, scenario, log)
        conf = (f"[collector:acct]\ntype = aws\nregions = us-east-1, eu-west-1\n"
                f"endpoint_url = {base}/\nca_file = {self.certs}/ca.pem\n{extra}")
        path = os.path.join(self.tmp.name, f"{self.id()}.conf")
        with open(path, "w") as f:
            f.write(conf)
        full = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        full.update({"AWS_EC2_METADATA_DISABLED": "true", "HOME": self.tmp.name, **env})
        import subprocess
        p = subprocess.run([ZTMMD, "--once", "--config", path, "--rules", RULES,
                            "--format", "json"], capture_output=True, text=True, timeout=120,
                           env=full)
        self.assertNotIn(p.returncode, (-6, -11, 134, 139), p.stderr)
        self.assertNotIn("Sanitizer", p.stderr)
        for s in (SECRET, TOKEN, JWT, IMDS_TOKEN, ECS_TOKEN, BASE["secret_access_key"],
                  BASE["session_token"]):
            self.assertNotIn(s, p.stdout + p.stderr)
        doc = json.loads(p.stdout)
        col = [c for c in doc["collectors"] if c["name"] == "acct"][0]
        ev = {e["key"]: e["value"] for e in doc["evidence"] if e["collector"] == "acct"}
        with open(log) as f:
            requests = [json.loads(line) for line in f]
        return p, col, ev, requests

    def assert_scanned(self, p, col, ev, requests):
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(col["status"], "ok", (col, p.stderr))
        self.assertTrue(ev["aws.iam.root_mfa_enabled"])
        self.assertTrue(requests)
        for r in requests:
            self.assertIsNone(r.get("problem"), r)

    def test_environment(self):
        p, col, ev, requests = self.scan({"AWS_ACCESS_KEY_ID": AKID,
                                          "AWS_SECRET_ACCESS_KEY": SECRET,
                                          "AWS_SESSION_TOKEN": TOKEN,
                                          "AWS_EC2_METADATA_SERVICE_ENDPOINT": self.plain.url()})
        self.assert_scanned(p, col, ev, requests)
        self.assertIn("AWS credentials from environment (AWS_ACCESS_KEY_ID with "
                      "AWS_SESSION_TOKEN)", p.stderr)
        self.assertEqual(self.plain.log, [])  # the first source that is configured wins

    def test_profile(self):
        creds = self.secret_file("credentials", f"[default]\naws_access_key_id = AKIAOTHER\n"
                                 f"aws_secret_access_key = other\n[scanner]\n"
                                 f"aws_access_key_id = {AKID}\naws_secret_access_key = {SECRET}\n"
                                 f"aws_session_token = {TOKEN}\n")
        p, col, ev, requests = self.scan({"AWS_SHARED_CREDENTIALS_FILE": creds,
                                          "AWS_PROFILE": "scanner",
                                          "AWS_EC2_METADATA_DISABLED": "",
                                          "AWS_EC2_METADATA_SERVICE_ENDPOINT": self.plain.url()})
        self.assert_scanned(p, col, ev, requests)
        self.assertIn(f"AWS credentials from profile (profile scanner of {creds})", p.stderr)
        self.assertEqual(self.plain.log, [])  # before IMDS in the chain
        # a named profile that is missing is an error, not a fall through to IMDS
        p, col, ev, requests = self.scan({"AWS_SHARED_CREDENTIALS_FILE": creds,
                                          "AWS_PROFILE": "absent",
                                          "AWS_EC2_METADATA_DISABLED": "",
                                          "AWS_EC2_METADATA_SERVICE_ENDPOINT": self.plain.url()})
        self.assertIn("no profile [absent]", json.dumps(col))
        self.assertEqual((requests, self.plain.log), ([], []))

    def shared_files(self, config):
        """A shared config file (not secret) and a credentials file holding BASE as [base]."""
        path = os.path.join(self.tmp.name, f"config-{self.id()}")
        with open(path, "w") as f:
            f.write(config)
        keys = self.secret_file("credentials-base", f"[base]\naws_access_key_id = "
                                f"{BASE['access_key_id']}\naws_secret_access_key = "
                                f"{BASE['secret_access_key']}\naws_session_token = "
                                f"{BASE['session_token']}\n")
        return {"AWS_CONFIG_FILE": path, "AWS_SHARED_CREDENTIALS_FILE": keys,
                "AWS_ENDPOINT_URL_STS": self.sts.url("https") + "/"}

    def test_profile_role_from_source_profile(self):
        env = self.shared_files(f"[default]\nregion = eu-west-1\n[profile scan]\n"
                                f"role_arn = {ROLE}\nsource_profile = base\n"
                                f"external_id = zt-ext-42\nrole_session_name = zt-prof\n")
        p, col, ev, requests = self.scan({**env, "AWS_PROFILE": "scan"})
        self.assert_scanned(p, col, ev, requests)
        self.assertIn(f"AWS credentials from profile (profile scan: role {ROLE} (with the keys of "
                      "profile base)), temporary", p.stderr)
        posts = [e for e in self.sts.log if e[0] == "POST"]
        self.assertEqual(len(posts), 1)  # SigV4-verified with [base]'s keys (BASE)
        form = posts[0][3]
        self.assertEqual((form["Action"], form["RoleArn"], form["ExternalId"],
                          form["RoleSessionName"]), ("AssumeRole", ROLE, "zt-ext-42", "zt-prof"))
        self.assertEqual(posts[0][2]["X-Amz-Security-Token"], BASE["session_token"])

    def test_profile_role_from_environment(self):
        env = self.shared_files(f"[profile scan]\nrole_arn = {ROLE}\n"
                                f"credential_source = Environment\n")
        env.update({"AWS_PROFILE": "scan", "AWS_ACCESS_KEY_ID": BASE["access_key_id"],
                    "AWS_SECRET_ACCESS_KEY": BASE["secret_access_key"],
                    "AWS_SESSION_TOKEN": BASE["session_token"]})
        # the environment's keys would win the chain: select the profile, as a user would
        p, col, ev, requests = self.scan(env, "credential_source = profile\n")
        self.assert_scanned(p, col, ev, requests)
        self.assertIn(f"profile scan: role {ROLE} (with the credential_source Environment)",
                      p.stderr)
        self.assertEqual([e[3]["RoleArn"] for e in self.sts.log if e[0] == "POST"], [ROLE])

    def test_profile_loop(self):
        env = self.shared_files(f"[profile a]\nrole_arn = {ROLE}\nsource_profile = b\n"
                                f"[profile b]\nrole_arn = {ROLE}\nsource_profile = a\n")
        p, col, ev, requests = self.scan({**env, "AWS_PROFILE": "a"})
        self.assertEqual(col["status"], "error", col)
        self.assertIn("profile b: source_profile a makes a loop", col["error"])
        self.assertEqual((requests, self.sts.log, ev), ([], [], {}))

    def test_imds_expiring_midway(self):
        # every answer expires within the margin: each signed call, also those started from an
        # answer's callback in the middle of the scan, fetches again first; the scan completes
        self.plain.imds_expiry = [120] * 100000
        p, col, ev, requests = self.scan({"AWS_EC2_METADATA_DISABLED": "",
                                          "AWS_EC2_METADATA_SERVICE_ENDPOINT": self.plain.url()})
        self.assert_scanned(p, col, ev, requests)
        # fetched again after AWS had answered calls: in the middle of the scan
        first = min(r["t"] for r in requests)
        later = [t for t in self.plain.fetched if t > first]
        self.assertGreater(len(later), 10)
        self.assertGreater(len(self.plain.fetched), len(later))  # and before the first call

    def test_imds_silent(self):
        # an address that takes the connection and never answers (IMDS off EC2 behind a
        # firewall): the chain gives up within its short IMDS wait, with an error, no scan
        import socket
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        self.addCleanup(silent.close)
        p, col, ev, requests = self.scan({
            "AWS_EC2_METADATA_DISABLED": "",
            "AWS_EC2_METADATA_SERVICE_ENDPOINT": f"http://127.0.0.1:{silent.getsockname()[1]}"})
        self.assertNotEqual(col["status"], "ok")
        self.assertIn("credentials from imds: PUT http://127.0.0.1:", json.dumps(col))
        self.assertEqual(requests, [])

    def test_selected_source(self):
        # credential_source picks one step of the chain: IMDS, though the environment has keys
        env = {"AWS_ACCESS_KEY_ID": "AKIANOTUSED000000000", "AWS_SECRET_ACCESS_KEY": "x",
               "AWS_EC2_METADATA_DISABLED": "",
               "AWS_EC2_METADATA_SERVICE_ENDPOINT": self.plain.url()}
        p, col, ev, requests = self.scan(env, "credential_source = imds\n")
        self.assert_scanned(p, col, ev, requests)
        self.assertIn("AWS credentials from imds", p.stderr)
        # a selected source the environment does not configure is an error, never another one
        p, col, ev, requests = self.scan(env, "credential_source = container\n")
        self.assertIn("credential_source = container, but the environment does not configure it",
                      json.dumps(col))
        self.assertEqual(requests, [])

    def test_web_identity(self):
        jwt = self.secret_file("jwt", JWT)
        p, col, ev, requests = self.scan({"AWS_WEB_IDENTITY_TOKEN_FILE": jwt,
                                          "AWS_ROLE_ARN": ROLE,
                                          "AWS_ENDPOINT_URL_STS": self.sts.url("https") + "/"})
        self.assert_scanned(p, col, ev, requests)
        self.assertIn(f"AWS credentials from web-identity (role {ROLE}), temporary", p.stderr)
        posts = [e for e in self.sts.log if e[0] == "POST"]
        self.assertEqual(len(posts), 1)
        self.assertEqual(posts[0][3]["RoleSessionName"], "ztmmd")
        self.assertEqual(col["credentials"], f"web-identity (role {ROLE})")  # the source only
        self.assertNotIn("Authorization", posts[0][2])  # unsigned, as the API is

    def test_web_identity_denied(self):
        jwt = self.secret_file("jwt", JWT)
        p, col, ev, requests = self.scan({"AWS_WEB_IDENTITY_TOKEN_FILE": jwt,
                                          "AWS_ROLE_ARN": ROLE[:-len("zt-reader")] + "denied",
                                          "AWS_ENDPOINT_URL_STS": self.sts.url("https") + "/"})
        self.assertNotEqual(col["status"], "ok")
        self.assertIn("credentials from web-identity", json.dumps(col))
        self.assertIn("AccessDenied", json.dumps(col))
        self.assertEqual(requests, [])  # nothing is scanned without credentials
        self.assertEqual(ev, {})

    def test_web_identity_expired(self):
        jwt = self.secret_file("jwt", JWT)
        p, col, ev, requests = self.scan({"AWS_WEB_IDENTITY_TOKEN_FILE": jwt,
                                          "AWS_ROLE_ARN": ROLE[:-len("zt-reader")] + "expired",
                                          "AWS_ENDPOINT_URL_STS": self.sts.url("https") + "/"})
        self.assertNotEqual(col["status"], "ok")
        self.assertIn("HTTP 400: ExpiredToken", json.dumps(col))
        self.assertEqual(requests, [])

    def test_container(self):
        tok = self.secret_file("ecs-token", ECS_TOKEN)
        p, col, ev, requests = self.scan({
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": self.plain.url() + "/v2/credentials/pod",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tok,
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "not-this-one"})
        self.assert_scanned(p, col, ev, requests)
        self.assertIn("AWS credentials from container (http://127.0.0.1:", p.stderr)
        self.assertEqual([e[1] for e in self.plain.log], ["/v2/credentials/pod"])

    def test_container_other_host_refused(self):
        p, col, ev, requests = self.scan({
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://192.0.2.1/v2/credentials/pod"})
        self.assertNotEqual(col["status"], "ok")
        self.assertIn("refusing a non-HTTPS URL", json.dumps(col))
        self.assertEqual(requests, [])

    def test_imds(self):
        self.plain.imds_expiry = [120]  # the first answer expires within the refresh margin
        p, col, ev, requests = self.scan({"AWS_EC2_METADATA_DISABLED": "",
                                          "AWS_EC2_METADATA_SERVICE_ENDPOINT": self.plain.url()})
        self.assert_scanned(p, col, ev, requests)
        self.assertIn("AWS credentials from imds (instance profile role zt-scanner), temporary",
                      p.stderr)
        calls = [(e[0], e[1]) for e in self.plain.log]
        role = ("GET", "/latest/meta-data/iam/security-credentials/zt-scanner")
        # IMDSv2: the PUT first, with its TTL header; then the role, then its credentials;
        # fetched again (the whole sequence) because the first ones were about to expire
        once = [("PUT", "/latest/api/token"),
                ("GET", "/latest/meta-data/iam/security-credentials/"), role]
        self.assertEqual(calls, once + once)
        self.assertEqual(self.plain.log[0][2]["X-aws-ec2-metadata-token-ttl-seconds"], "21600")
        self.assertEqual(p.stderr.count("AWS credentials from imds"), 2)

    def assume(self, role, extra=""):
        self.plain.imds_creds = BASE  # the instance's own role, allowed to assume ROLE only
        conf = (f"role_arn = {role}\nexternal_id = zt-ext-42\nrole_session_name = zt-audit\n"
                f"{extra}")
        return self.scan({"AWS_EC2_METADATA_DISABLED": "",
                          "AWS_EC2_METADATA_SERVICE_ENDPOINT": self.plain.url(),
                          "AWS_ENDPOINT_URL_STS": self.sts.url("https") + "/"}, conf)

    def test_assume_role(self):
        p, col, ev, requests = self.assume(ROLE)
        self.assert_scanned(p, col, ev, requests)
        self.assertIn("AWS credentials from imds (instance profile role zt-scanner, then role "
                      f"{ROLE}), temporary", p.stderr)
        posts = [e for e in self.sts.log if e[0] == "POST"]
        self.assertEqual(len(posts), 1)  # SigV4-verified with the IMDS credentials (BASE)
        form = posts[0][3]
        self.assertEqual((form["Action"], form["RoleArn"], form["ExternalId"],
                          form["RoleSessionName"]),
                         ("AssumeRole", ROLE, "zt-ext-42", "zt-audit"))
        self.assertEqual(posts[0][2]["X-Amz-Security-Token"], BASE["session_token"])

    def test_assume_role_denied(self):
        for role, code in (("denied", "HTTP 403: AccessDenied"),
                           ("expired", "HTTP 400: ExpiredToken")):
            with self.subTest(role=role):
                p, col, ev, requests = self.assume(ROLE[:-len("zt-reader")] + role)
                self.assertNotEqual(col["status"], "ok")
                text = json.dumps(col)
                self.assertIn("AssumeRole arn:aws:iam::123456789012:role/" + role, text)
                self.assertIn("with the credentials from imds", text)
                self.assertIn(code, text)
                self.assertEqual(requests, [])
                self.assertEqual(ev, {})


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
