#!/usr/bin/env python3
"""test_service_dirs.py - where the service keeps its state, without systemd.

Usage: test_service_dirs.py ZTMMD ZTMMCTL SOURCE_DIR
The built ztmmd runs as a service (no --once) with the environment systemd gives a unit with
StateDirectory= and RuntimeDirectory=, and with state directories it cannot use.
(tests/integration/systemd_unit_test.sh does the same under a real systemd.)
"""
import json
import os
import shutil
import subprocess
import sys
import unittest

from fixture import daemon_tmp, wait_for

ZTMMD, ZTMMCTL, SRC = sys.argv[1:4]
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")
TREES = os.path.join(SRC, "tests", "fixtures", "host")


class ServiceDirs(unittest.TestCase):
    def setUp(self):
        daemon_tmp(self, "zt-dirs-")

    def conf(self, daemon=""):
        path = os.path.join(self.tmp, "ztmmd.conf")
        with open(path, "w") as f:
            f.write(f"[daemon]\ninterval = 1h\njitter = 0\n{daemon}"
                    f"[collector:host]\nroot = {os.path.join(TREES, 'weak')}\n")
        return path

    def env(self, **extra):
        env = {k: v for k, v in os.environ.items()
               if k not in ("STATE_DIRECTORY", "RUNTIME_DIRECTORY")}
        env.update(extra)
        return env


    def test_systemd_directories_are_used(self):
        state, run = os.path.join(self.tmp, "state"), os.path.join(self.tmp, "run")
        os.mkdir(state, 0o750)
        os.mkdir(run, 0o750)
        err = open(os.path.join(self.tmp, "err"), "w")
        p = subprocess.Popen([ZTMMD, "--config", self.conf(), "--rules", RULES, "--log-level", "info"],
                             stdout=subprocess.DEVNULL, stderr=err,
                             env=self.env(STATE_DIRECTORY=f"{state}:{self.tmp}/second",
                                          RUNTIME_DIRECTORY=run))
        err.close()
        self.procs.append(p)
        latest = os.path.join(state, "latest.json")
        self.assertTrue(wait_for(lambda: os.path.exists(latest)), open(err.name).read())
        self.assertTrue(os.path.exists(os.path.join(run, "control")))
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "second")))
        r = subprocess.run([ZTMMCTL, "--socket", os.path.join(run, "control"), "status",
                            "--format", "json"], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["daemon"]["state_dir"], state)
        with open(latest) as f:
            self.assertEqual(json.load(f)["schema"], "ztmmd.result/1")
        p.terminate()
        self.assertEqual(p.wait(timeout=30), 0)
        self.assertIn(f"state directory {state} (from $STATE_DIRECTORY)", open(err.name).read())

    def test_config_key_wins_over_systemd(self):
        mine, env_dir = os.path.join(self.tmp, "mine"), os.path.join(self.tmp, "env")
        os.mkdir(env_dir)
        p = subprocess.Popen([ZTMMD, "--config", self.conf(f"state_dir = {mine}\n"
                                                           f"runtime_dir = {self.tmp}/run\n"),
                              "--rules", RULES], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env=self.env(STATE_DIRECTORY=env_dir, RUNTIME_DIRECTORY=env_dir))
        self.procs.append(p)
        self.assertTrue(wait_for(lambda: os.path.exists(os.path.join(mine, "latest.json"))))
        self.assertTrue(os.path.exists(os.path.join(self.tmp, "run", "control")))
        self.assertEqual(os.listdir(env_dir), [])

    def unusable(self, state_dir, prefix=()):
        p = subprocess.run(list(prefix) + [ZTMMD, "--config",
                                           self.conf(f"state_dir = {state_dir}\n"
                                                     f"runtime_dir = {self.tmp}/run\n"),
                                           "--rules", RULES],
                           capture_output=True, text=True, timeout=30, env=self.env())
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(f"cannot use the state directory {state_dir}", p.stderr)
        return p.stderr

    def test_unusable_state_dir_is_a_startup_error(self):
        # Cannot be created (a file is in the way) ...
        blocker = os.path.join(self.tmp, "file")
        open(blocker, "w").close()
        self.assertIn("Not a directory", self.unusable(f"{blocker}/state"))
        # ... or exists and cannot be written: another owner (as under a unit whose User= does
        # not own it). Root writes anywhere, so then the daemon runs as nobody.
        ro = os.path.join(self.tmp, "readonly")
        os.makedirs(os.path.join(ro, "history"))
        os.chmod(ro, 0o555)
        os.chmod(self.tmp, 0o755)
        prefix = ()
        if os.geteuid() == 0:
            self.assertTrue(shutil.which("setpriv"), "setpriv (util-linux) is missing")
            prefix = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")
        self.assertIn("Permission denied", self.unusable(ro, prefix))
        self.assertEqual(os.listdir(ro), ["history"])  # the probe left nothing behind
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "run", "control")))


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
