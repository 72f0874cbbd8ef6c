"""chromium.py - a real headless Chromium driven over chromedriver's W3C HTTP API, Python stdlib only.

Used by test_report.py and tests/bench/report_bench.py. One browser session serves many pages:
open() navigates, then returns every network request the page made (from the DevTools
performance log) and every console message (the browser log); js() runs a script in the page;
screenshot() returns PNG bytes and png_stats() decodes them (zlib, all five PNG filters) into
figures a test can check for "not blank".

Chromium runs as root in CI, so it gets --no-sandbox, a private --user-data-dir in a temporary
directory (removed at close) and --disable-dev-shm-usage (containers have a small /dev/shm).
"""
import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import zlib


class BrowserError(Exception):
    pass


def find_programs():
    """The chromium and chromedriver programs, or a BrowserError saying what to install."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not browser or not driver:
        raise BrowserError("chromium and chromedriver are needed: apt-get install chromium "
                           "chromium-driver (tests/install-deps.sh does)")
    return browser, driver


class Browser:
    def __init__(self, width=1280, height=1000):
        browser, driver = find_programs()
        self.tmp = tempfile.mkdtemp(prefix="ztmmd-chromium-")
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.log = open(os.path.join(self.tmp, "chromedriver.log"), "w")
        self.proc = subprocess.Popen([driver, f"--port={self.port}"], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.session = None
        try:
            self._wait_ready()
            caps = {"browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": browser,
                        "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                                 "--disable-dev-shm-usage", "--no-first-run",
                                 "--disable-background-networking", "--disable-component-update",
                                 "--disable-sync", "--disable-extensions",
                                 f"--user-data-dir={os.path.join(self.tmp, 'profile')}",
                                 f"--window-size={width},{height}"]},
                    "goog:loggingPrefs": {"browser": "ALL", "performance": "ALL"}}
            value = self._call("POST", "/session", {"capabilities": {"alwaysMatch": caps}})
            self.session = value["sessionId"]
        except Exception:
            self.close()
            raise

    def _call(self, method, path, body=None, timeout=120):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", method=method,
                                     data=data, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return json.load(r)["value"]
        except urllib.error.HTTPError as e:
            raise BrowserError(f"{method} {path}: {e.code} {e.read()[:500]!r}") from None

    def _wait_ready(self):
        for _ in range(200):
            try:
                self._call("GET", "/status", timeout=2)
                return
            except (OSError, BrowserError):
                time.sleep(0.05)
        raise BrowserError("chromedriver did not start")

    def _s(self, path):
        return f"/session/{self.session}{path}"

    def logs(self, kind):
        """Entries of the browser ("browser": console) or DevTools ("performance") log since the
        last call."""
        return self._call("POST", self._s("/se/log"), {"type": kind})

    def requests(self):
        """URLs of the network requests in the performance log since the last call."""
        urls = []
        for e in self.logs("performance"):
            m = json.loads(e["message"])["message"]
            if m["method"] == "Network.requestWillBeSent":
                urls.append(m["params"]["request"]["url"])
        return urls

    def open(self, path):
        """Load a local file; returns (requests, console entries, seconds to load) of that load
        alone."""
        self._call("POST", self._s("/url"), {"url": "about:blank"})
        self.logs("performance")
        self.logs("browser")
        url = "file://" + os.path.abspath(path)
        t = time.monotonic()
        self._call("POST", self._s("/url"), {"url": url})
        seconds = time.monotonic() - t
        return url, self.requests(), self.logs("browser"), seconds

    def js(self, script, *args):
        return self._call("POST", self._s("/execute/sync"), {"script": script, "args": list(args)})

    def cdp(self, cmd, params):
        return self._call("POST", self._s("/goog/cdp/execute"), {"cmd": cmd, "params": params})

    def click(self, css):
        el = self._call("POST", self._s("/element"), {"using": "css selector", "value": css})
        ref = next(iter(el.values()))
        self._call("POST", self._s(f"/element/{ref}/click"), {})

    def set_size(self, width, height):
        """Resize the window and wait until the page lays out at the new width: the renderer
        applies a resize asynchronously, and on a loaded machine a script run at once can still
        see the old width and its media queries."""
        self._call("POST", self._s("/window/rect"), {"width": width, "height": height})
        deadline = time.monotonic() + 30
        while self.js("return window.innerWidth") != width and time.monotonic() < deadline:
            time.sleep(0.05)

    def screenshot(self):
        return base64.b64decode(self._call("GET", self._s("/screenshot")))

    def close(self):
        if self.session:
            try:
                self._call("DELETE", self._s(""), timeout=30)
            except (OSError, BrowserError):
                pass
            self.session = None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def png_stats(png):
    """(width, height, distinct colours, luminance variance) of an 8-bit RGB or RGBA PNG."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, ihdr = 8, b"", None
    while pos < len(png):
        n, kind = struct.unpack(">I4s", png[pos:pos + 8])
        body = png[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError(f"unsupported PNG: depth {depth} colour type {ctype}")
    bpp = 3 if ctype == 2 else 4
    raw, stride = zlib.decompress(idat), w * bpp
    prev, colours, total, total_sq = bytearray(stride), set(), 0, 0
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        for x in range(0, stride, bpp * 4):  # every fourth pixel is plenty for the figures
            r, g, bl = line[x], line[x + 1], line[x + 2]
            colours.add((r, g, bl))
            lum = (299 * r + 587 * g + 114 * bl) // 1000
            total += lum
            total_sq += lum * lum
        prev = line
    n = h * len(range(0, stride, bpp * 4))
    mean = total / n
    return w, h, len(colours), total_sq / n - mean * mean
