#!/usr/bin/env python3
"""test_kubernetes.py - end to end: the built `ztmmd --once` with the kubernetes collector against
the HTTPS fixture server (tests/fixtures/server.py) on the k8s_* scenarios, in each connection
mode: explicit server + token_file, a kubeconfig with base64 certificate data (mutual TLS), and
the in-cluster service account under a fake root.

Usage: test_kubernetes.py ZTMMD SOURCE_DIR
Checks stages of the functions the kubernetes rules judge (catalog reduced to kubernetes.* rules),
evidence values, limit/continue paging in the server's request log, a 429 honoured, a 401 wrong
token (collector error), a 403 on one list (partial, that evidence missing), a 410 expired
continue token (the list read again, or a clear failure when it keeps expiring).
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import unittest

import fixture

ZTMMD, SRC = sys.argv[1:3]
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")
FUNCS = ["networks.segmentation", "identity.access_management", "applications.threat_protections",
         "applications.governance", "applications.automation_orchestration"]
NS = "/api/v1/namespaces"
NP = "/apis/networking.k8s.io/v1/networkpolicies"
CRB = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"
PODS = "/api/v1/pods"
VAPB = "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings"
KY = "/apis/kyverno.io/v1/clusterpolicies"
GKT = "/apis/templates.gatekeeper.sh/v1/constrainttemplates"
GKC = "/apis/constraints.gatekeeper.sh/v1beta1/k8srequiredlabels"
ARGO = "/apis/argoproj.io/v1alpha1/applications"
FLUX = "/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations"
SIG = "/apis/policy.sigstore.dev/v1beta1/clusterimagepolicies"
LISTS = [NS, NP, CRB, PODS, VAPB, KY, GKT, ARGO, FLUX, SIG]


class Kubernetes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        fixture.make_pki(cls, SRC, "weak-token")
        with open(RULES) as f:
            cat = json.load(f)
        cat["rules"] = [r for r in cat["rules"] if r["id"].startswith("kubernetes.")]
        assert cat["rules"]
        cls.rules = os.path.join(cls.tmp.name, "k8s-rules.json")
        with open(cls.rules, "w") as f:
            json.dump(cat, f)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def write(self, name, text, mode=0o600):
        path = os.path.join(self.tmp.name, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def scan(self, scenario, section, env=None):
        log = os.path.join(self.tmp.name, f"log-{scenario}-{self._testMethodName}")
        base = fixture.serve(self, SRC, os.path.join(scenario), log)
        conf = self.write("ztmmd.conf", "[collector:k8s]\ntype = kubernetes\n" + section(base))
        e = dict(os.environ)
        e.pop("KUBERNETES_SERVICE_HOST", None)
        e.update(env(base) if env else {})
        p = subprocess.run([ZTMMD, "--once", "--config", conf, "--rules", self.rules],
                           capture_output=True, text=True, timeout=120, env=e)
        for secret in ("weak-token", "sa-token", "PRIVATE KEY"):
            self.assertNotIn(secret, p.stdout + p.stderr)
        with open(log) as f:
            entries = [json.loads(line) for line in f]
        return p, json.loads(p.stdout), entries

    def explicit(self, token="weak-token", extra=""):
        tok = self.write("token", token + "\n")
        return lambda base: (f"server = {base}\ntoken_file = {tok}\n"
                             f"ca_file = {self.certs}/ca.pem\n{extra}")

    def stages(self, doc):
        return {f["id"]: (f["stage"], f["bound"]) for f in doc["functions"] if f["id"] in FUNCS}

    def evidence(self, doc):
        return {e["key"]: e["value"] for e in doc["evidence"]}

    def findings(self, doc):
        return {fd["rule"]: fd["status"] for fd in doc["findings"]}

    def detail(self, doc, key):
        return next(e["detail"] for e in doc["evidence"] if e["key"] == key)

    def collector(self, doc):
        (c,) = doc["collectors"]
        return c

    def test_weak_token(self):
        p, doc, log = self.scan("k8s_weak", self.explicit())
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.collector(doc)["status"], "ok")
        ev = self.evidence(doc)
        self.assertEqual(ev["kubernetes.namespaces.count"], 3)  # kube-system excluded
        self.assertEqual(ev["kubernetes.netpol.policy_count"], 4)
        self.assertEqual(ev["kubernetes.netpol.default_deny_count"], 0)
        self.assertEqual(ev["kubernetes.netpol.default_deny_share"], 0)
        self.assertEqual(ev["kubernetes.netpol.default_deny_ingress_count"], 0)  # ingress: [{}]
        self.assertEqual(ev["kubernetes.netpol.default_deny_egress_count"], 1)
        self.assertAlmostEqual(ev["kubernetes.pss.enforce_baseline_share"], 1 / 3)
        self.assertEqual(ev["kubernetes.pss.enforce_restricted_count"], 0)
        self.assertEqual(ev["kubernetes.rbac.cluster_admin_bindings"], 4)
        self.assertEqual(ev["kubernetes.rbac.cluster_admin_non_system_subjects"], 3)
        self.assertEqual(ev["kubernetes.rbac.cluster_admin_broad_subjects"], 1)
        subjects = self.detail(doc, "kubernetes.rbac.cluster_admin_non_system_subjects")["subjects"]
        self.assertEqual([s["name"] for s in subjects], ["ops", "alice@example.com",
                                                          "system:anonymous"])
        self.assertEqual(self.detail(doc, "kubernetes.netpol.default_deny_share")
                         ["without_default_deny"], ["default", "payments", "shop"])
        # Pods: default unhardened, shop may escalate, payments lacks a CPU limit.
        self.assertEqual(ev["kubernetes.pods.count"], 3)
        self.assertAlmostEqual(ev["kubernetes.pods.restricted_share"], 1 / 3)
        self.assertAlmostEqual(ev["kubernetes.pods.limits_share"], 1 / 3)
        # Admission in audit only; engines not installed are facts.
        self.assertEqual((ev["kubernetes.admission.vap_available"],
                          ev["kubernetes.admission.vap_bindings_count"],
                          ev["kubernetes.admission.vap_deny_bindings_count"]), (True, 1, 0))
        self.assertEqual((ev["kubernetes.kyverno.installed"], ev["kubernetes.kyverno.enforce_count"],
                          ev["kubernetes.kyverno.audit_count"]), (True, 0, 1))
        self.assertIs(ev["kubernetes.gatekeeper.installed"], False)
        self.assertNotIn("kubernetes.gatekeeper.templates_count", ev)
        self.assertIs(ev["kubernetes.sigstore.installed"], False)  # no policy-controller
        self.assertNotIn("kubernetes.sigstore.enforce_count", ev)
        self.assertEqual(ev["kubernetes.kyverno.generate_netpol_count"], 0)
        self.assertEqual(self.findings(doc)["kubernetes.kyverno.netpol_generated"], "fail")
        self.assertEqual(self.findings(doc)["kubernetes.kyverno.verify_images_enforced"], "fail")
        self.assertEqual(ev["kubernetes.admission.enforcing_count"], 0)
        # GitOps: Argo CD reconciles default (automated, no selfHeal) and shop (manual).
        self.assertIs(ev["kubernetes.gitops.flux_installed"], False)
        self.assertEqual((ev["kubernetes.gitops.argocd_applications_count"],
                          ev["kubernetes.gitops.argocd_automated_count"],
                          ev["kubernetes.gitops.argocd_self_heal_count"]), (2, 1, 0))
        self.assertAlmostEqual(ev["kubernetes.gitops.reconciled_share"], 2 / 3)
        self.assertEqual(ev["kubernetes.gitops.self_heal_share"], 0)
        self.assertEqual(self.stages(doc), {
            "networks.segmentation": ("traditional", "exact"),
            "identity.access_management": ("traditional", "exact"),
            "applications.threat_protections": ("initial", "exact"),
            "applications.governance": ("initial", "exact"),
            "applications.automation_orchestration": ("initial", "exact")})
        self.assertEqual(self.collector(doc)["status"], "ok")  # a 404 CRD is no problem
        for e in log:  # every request carried the token, one page each
            self.assertEqual((e["token"], e["query"]), ("static-1", "limit=500"))
            self.assertEqual(e["status"], 404 if e["path"] in (GKT, FLUX, SIG) else 200)
        self.assertEqual(sorted(e["path"] for e in log), sorted(LISTS))

    def test_token_from_credential(self):
        creds = os.path.join(self.tmp.name, "creds")
        os.makedirs(creds, exist_ok=True)
        self.write("creds/k8s-token", "weak-token\n")
        p, doc, log = self.scan(
            "k8s_weak", lambda base: f"server = {base}\ncredential = k8s-token\n"
                                     f"ca_file = {self.certs}/ca.pem\n",
            env=lambda base: {"CREDENTIALS_DIRECTORY": creds})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.evidence(doc)["kubernetes.namespaces.count"], 3)
        self.assertTrue(log and all(e["token"] == "static-1" for e in log))

    def test_wrong_token_is_an_error(self):
        p, doc, log = self.scan("k8s_weak", self.explicit("not-the-token"))
        self.assertNotEqual(p.returncode, 0)
        c = self.collector(doc)
        self.assertEqual(c["status"], "error")
        self.assertIn("HTTP 401", c["error"])
        self.assertIn("/api/v1/namespaces", c["error"] + p.stderr)
        self.assertFalse([e for e in doc["evidence"] if e["key"].startswith("kubernetes.")])
        self.assertEqual(len(log), len(LISTS))  # no retry on a static token's 401
        self.assertTrue(all(e["status"] == 401 for e in log))

    def kubeconfig(self, context="audit"):
        def b64(name):
            with open(os.path.join(self.certs, name), "rb") as f:
                return base64.b64encode(f.read()).decode()

        def section(base):
            kc = self.write("kube/config", f"""apiVersion: v1
kind: Config
current-context: other
clusters:
- name: fixture
  cluster:
    server: {base}
    certificate-authority-data: {b64("ca.pem")}
contexts:
- name: other
  context: {{cluster: missing, user: nobody}}
- name: audit
  context:
    cluster: fixture
    user: auditor
users:
- name: auditor
  user:
    client-certificate-data: {b64("user.pem")}
    client-key-data: {b64("user.key")}
""")
            return f"kubeconfig = {kc}\ncontext = {context}\npage_size = 2\n"
        return section

    def test_strong_kubeconfig_client_certificate_paged(self):
        p, doc, log = self.scan("k8s_strong", self.kubeconfig())
        self.assertEqual(p.returncode, 0, p.stderr)
        ev = self.evidence(doc)
        self.assertEqual(ev["kubernetes.namespaces.count"], 3)
        self.assertEqual(ev["kubernetes.netpol.policy_count"], 5)
        self.assertEqual(ev["kubernetes.netpol.default_deny_share"], 1)
        self.assertEqual(ev["kubernetes.pss.enforce_restricted_share"], 1)
        self.assertEqual(ev["kubernetes.rbac.cluster_admin_bindings"], 2)
        self.assertEqual(ev["kubernetes.rbac.cluster_admin_non_system_subjects"], 0)
        # Pods: kube-system and the Succeeded pod left out; pod-level defaults count.
        self.assertEqual(ev["kubernetes.pods.count"], 3)
        self.assertEqual(ev["kubernetes.pods.restricted_share"], 1)
        self.assertEqual(ev["kubernetes.pods.limits_share"], 1)
        self.assertEqual(ev["kubernetes.admission.vap_deny_bindings_count"], 1)
        self.assertEqual((ev["kubernetes.kyverno.policies_count"],
                          ev["kubernetes.kyverno.enforce_count"],
                          ev["kubernetes.kyverno.verify_images_enforce_count"]), (3, 3, 1))
        self.assertEqual((ev["kubernetes.gatekeeper.templates_count"],
                          ev["kubernetes.gatekeeper.constraints_count"],
                          ev["kubernetes.gatekeeper.deny_constraints_count"]), (1, 2, 1))
        self.assertEqual(ev["kubernetes.admission.enforcing_count"], 5)
        # Image signatures: one ClusterImagePolicy enforces (keyless), one only warns; the three
        # in-scope namespaces opted in. Kyverno's disallow-latest also generates a default-deny
        # NetworkPolicy per namespace.
        self.assertEqual((ev["kubernetes.sigstore.installed"],
                          ev["kubernetes.sigstore.policies_count"],
                          ev["kubernetes.sigstore.enforce_count"],
                          ev["kubernetes.sigstore.included_namespaces_count"],
                          ev["kubernetes.sigstore.included_namespaces_share"]), (True, 2, 1, 3, 1))
        self.assertEqual(ev["kubernetes.kyverno.generate_netpol_count"], 1)
        self.assertEqual(self.findings(doc)["kubernetes.kyverno.netpol_generated"], "pass")
        self.assertEqual(self.findings(doc)["kubernetes.kyverno.verify_images_enforced"], "pass")
        self.assertEqual(self.detail(doc, "kubernetes.admission.enforcing_count"), {
            "vap_deny_bindings": 1, "kyverno_enforce": 3, "gatekeeper_deny": 1})
        # a and b by in-cluster Argo CD apps with selfHeal, c by Flux; the remote app not.
        self.assertEqual(ev["kubernetes.gitops.argocd_self_heal_count"], 3)
        self.assertEqual(ev["kubernetes.gitops.reconciled_share"], 1)
        self.assertEqual(ev["kubernetes.gitops.self_heal_share"], 1)
        st = self.stages(doc)
        self.assertEqual(st["networks.segmentation"], ("optimal", "exact"))
        self.assertEqual(st["applications.threat_protections"], ("optimal", "exact"))
        self.assertEqual(st["applications.governance"], ("optimal", "exact"))
        self.assertEqual(st["applications.automation_orchestration"], ("optimal", "exact"))
        self.assertEqual(st["identity.access_management"][0], "advanced")
        # networks.governance has no Kubernetes rule at optimal: advanced is as far as it shows.
        gov = next(f for f in doc["functions"] if f["id"] == "networks.governance")
        self.assertEqual((gov["stage"], gov["bound"]), ("advanced", "at_least"))
        # Every request authenticated by the client certificate; each list followed its
        # continue tokens in order with the same limit.
        self.assertTrue(all(e["token"] == "cert:ztmmd-test-user" and e["status"] == 200
                            for e in log))
        queries = {path: [e["query"] for e in log if e["path"] == path]
                   for path in (NS, NP, CRB, PODS, KY, GKC, ARGO)}
        self.assertEqual(queries, {
            NS: ["limit=2", "limit=2&continue=ns-p2"],
            NP: ["limit=2", "limit=2&continue=np-p2", "limit=2&continue=np-p3"],
            CRB: ["limit=2", "limit=2&continue=crb-p2"],
            PODS: ["limit=2", "limit=2&continue=pod-p2", "limit=2&continue=pod-p3"],
            KY: ["limit=2", "limit=2&continue=ky-p2"],
            GKC: ["limit=2"],
            ARGO: ["limit=2", "limit=2&continue=arg-p2"]})
        # The constraints of a kind are read after the template that names it.
        self.assertLess(max(i for i, e in enumerate(log) if e["path"] == GKT),
                        min(i for i, e in enumerate(log) if e["path"] == GKC))

    def test_missing_context_names_the_file(self):
        p, doc, log = self.scan("k8s_strong", self.kubeconfig("staging"))
        self.assertNotEqual(p.returncode, 0)
        err = self.collector(doc)["error"]
        self.assertIn("kubeconfig " + os.path.join(self.tmp.name, "kube/config"), err)
        self.assertIn("context 'staging' not found (contexts: other, audit)", err)
        self.assertEqual(log, [])

    def in_cluster(self, base):
        root = os.path.join(self.tmp.name, "root")
        sa = os.path.join(root, "var/run/secrets/kubernetes.io/serviceaccount")
        os.makedirs(sa, exist_ok=True)
        with open(os.path.join(sa, "token"), "w") as f:
            f.write("sa-token")
        shutil.copy(os.path.join(self.certs, "ca.pem"), os.path.join(sa, "ca.crt"))
        return f"root = {root}\n"

    def test_faults_in_cluster_partial(self):
        port = lambda base: {"KUBERNETES_SERVICE_HOST": "127.0.0.1",
                             "KUBERNETES_SERVICE_PORT": base.rsplit(":", 1)[1]}
        p, doc, log = self.scan("k8s_faults", self.in_cluster, env=port)
        self.assertNotEqual(p.returncode, 0)
        c = self.collector(doc)
        self.assertEqual(c["status"], "partial")
        self.assertIn("cannot list clusterrolebindings", c["error"])
        self.assertIn("HTTP 403", c["error"])
        self.assertIn(CRB, c["error"])
        ev = self.evidence(doc)
        self.assertFalse([k for k in ev if k.startswith("kubernetes.rbac.")])
        # The Kyverno list denied: its keys and the admission total unknown, the problem named.
        self.assertIn("cannot list Kyverno clusterpolicies", c["error"] + p.stderr)
        self.assertFalse([k for k in ev if k.startswith("kubernetes.kyverno.")])
        self.assertNotIn("kubernetes.admission.enforcing_count", ev)
        # Rules reading what was denied are unknown, never pass or fail; initial passes on
        # Pod Security alone, advanced fails on its share (2 of 3) whatever the engines say.
        findings = {f["rule"]: f["status"] for f in doc["findings"]}
        self.assertEqual(findings["kubernetes.kyverno.verify_images_enforced"], "unknown")
        self.assertEqual(findings["kubernetes.admission.engine_active"], "pass")
        self.assertEqual(findings["kubernetes.admission.enforce_most"], "fail")
        self.assertEqual(findings["kubernetes.pods.hardened_most"], "unknown")  # no pods
        self.assertEqual(self.stages(doc)["applications.governance"], ("initial", "exact"))
        # Engines not installed (404) are facts; no pods means no share.
        self.assertIs(ev["kubernetes.admission.vap_available"], False)
        self.assertIs(ev["kubernetes.gitops.flux_installed"], False)
        self.assertEqual(ev["kubernetes.pods.count"], 0)
        self.assertNotIn("kubernetes.pods.restricted_share", ev)
        # Gatekeeper: a kind whose constraint CRD is not created yet has none; warn is no deny.
        self.assertEqual((ev["kubernetes.gatekeeper.templates_count"],
                          ev["kubernetes.gatekeeper.constraints_count"],
                          ev["kubernetes.gatekeeper.deny_constraints_count"]), (2, 1, 0))
        self.assertEqual(sorted((e["path"].rsplit("/", 1)[1], e["status"]) for e in log
                                if "constraints.gatekeeper" in e["path"]),
                         [("k8sallowedrepos", 200), ("k8sblocknodeport", 404)])
        # Argo CD: the list restarted after 410; the first pass is forgotten, not added.
        self.assertEqual([(e["query"], e["status"]) for e in log if e["path"] == ARGO], [
            ("limit=500", 200), ("limit=500&continue=argo-exp", 410), ("limit=500", 200),
            ("limit=500&continue=argo-ok", 200)])
        self.assertEqual((ev["kubernetes.gitops.argocd_applications_count"],
                          ev["kubernetes.gitops.argocd_self_heal_count"]), (3, 2))
        self.assertEqual(ev["kubernetes.gitops.reconciled_count"], 3)
        self.assertEqual(ev["kubernetes.gitops.self_heal_count"], 2)
        self.assertEqual(ev["kubernetes.namespaces.count"], 3)
        self.assertAlmostEqual(ev["kubernetes.pss.enforce_baseline_share"], 2 / 3)
        # The expired list was read again from the start: counted once, not twice.
        self.assertEqual(ev["kubernetes.netpol.policy_count"], 3)
        self.assertAlmostEqual(ev["kubernetes.netpol.default_deny_share"], 2 / 3)
        self.assertEqual(ev["kubernetes.netpol.default_deny_ingress_count"], 3)
        self.assertEqual([(e["query"], e["status"]) for e in log if e["path"] == NP], [
            ("limit=500", 200), ("limit=500&continue=exp-1", 410), ("limit=500", 200),
            ("limit=500&continue=ok-2", 200)])
        ns = [e for e in log if e["path"] == NS]
        self.assertEqual([e["status"] for e in ns], [429, 200])
        self.assertGreaterEqual(ns[1]["t"] - ns[0]["end"], 0.9)  # Retry-After: 1 honoured
        self.assertTrue(all(e["token"] == "static-1" for e in log))
        self.assertEqual(self.stages(doc)["identity.access_management"][0], "unknown")

    def test_continue_keeps_expiring(self):
        p, doc, log = self.scan("k8s_expired", self.explicit())
        self.assertNotEqual(p.returncode, 0)
        c = self.collector(doc)
        self.assertEqual(c["status"], "partial")
        self.assertIn("continue token expired 3 times (HTTP 410 Gone)", c["error"])
        ev = self.evidence(doc)
        self.assertFalse([k for k in ev if k.startswith("kubernetes.netpol.")])
        self.assertEqual(ev["kubernetes.pss.enforce_baseline_share"], 1)
        self.assertEqual(ev["kubernetes.rbac.cluster_admin_non_system_subjects"], 0)
        self.assertEqual([e["status"] for e in log if e["path"] == NP], [200, 410] * 3)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
