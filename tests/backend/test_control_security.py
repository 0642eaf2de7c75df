"""The control routes (/_backend/*) answer the app and local tools, not other web pages.

A page on another origin must not read the demo credentials or the request
log, nor inject faults; a DNS-rebound name must not reach them at all; and a
cross-site "simple" POST (form or text/plain, no preflight) must not either.
The DynamoDB route keeps answering CORS to any origin, as AWS does.
Run: python3 -m unittest discover -s tests/backend
"""

import json
import os
import sys
import tempfile
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_server import BackendProcess, free_port  # noqa: E402

EVIL = "http://evil.example"


class ControlSecurityTest(BackendProcess, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # The app's origins: the static server the backend runs, and one more given by flag
        # (written with a trailing slash, which the backend normalises).
        cls.static_dir = tempfile.TemporaryDirectory()
        cls.static_port = free_port()
        cls.app = f"http://127.0.0.1:{cls.static_port}"
        cls.dev_app = "http://127.0.0.1:8080"
        cls.ARGS = ["--static", cls.static_dir.name, "--static-port", str(cls.static_port),
                    "--app-origin", cls.dev_app + "/"]
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.static_dir.cleanup()

    def tearDown(self):
        self.control("/_backend/faults/clear", {})

    def fetch(self, method, path, body=None, headers=None):
        req = urllib.request.Request(self.url + path, data=body, headers=headers or {}, method=method)
        try:
            with urllib.request.urlopen(req) as r:
                return r.status, dict(r.headers), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read().decode()

    def post_fault(self, headers):
        body = json.dumps({"kind": "error500", "count": 1}).encode()
        return self.fetch("POST", "/_backend/faults", body, headers)

    def assertNoFault(self):
        status, _, body = self.call({"Limit": 1})
        self.assertEqual(status, 200, f"a refused fault was applied: {body}")

    def assertRefused(self, result, status=403):
        got, headers, body = result
        self.assertEqual(got, status, body)
        self.assertNotIn("Access-Control-Allow-Origin", headers)
        self.assertNotIn("SecretAccessKey", body)
        self.assertNotIn("SessionToken", body)
        self.assertIn("message", json.loads(body))

    def test_another_origin_cannot_read_the_credentials(self):
        self.assertRefused(self.fetch("GET", "/_backend/demo-credentials", headers={"Origin": EVIL}))
        self.assertRefused(self.fetch("GET", "/_backend/requests", headers={"Origin": EVIL}))
        self.assertRefused(self.fetch("GET", "/_backend/demo-credentials", headers={"Origin": "null"}))
        # An allowed origin's port on another host, or another port on loopback, is another origin.
        self.assertRefused(self.fetch("GET", "/_backend/demo-credentials",
                                      headers={"Origin": f"http://evil.example:{self.static_port}"}))
        self.assertRefused(self.fetch("GET", "/_backend/demo-credentials", headers={"Origin": "http://127.0.0.1:1"}))

    def test_a_cross_site_tag_without_origin_is_refused(self):
        # <img src=http://127.0.0.1:8765/_backend/demo-credentials> on another site sends no Origin.
        self.assertRefused(self.fetch("GET", "/_backend/demo-credentials", headers={"Sec-Fetch-Site": "cross-site"}))
        status, _, body = self.fetch("GET", "/_backend/health", headers={"Sec-Fetch-Site": "same-site"})
        self.assertEqual(status, 200, body)

    def test_another_origin_cannot_inject_faults(self):
        self.assertRefused(self.post_fault({"Origin": EVIL, "Content-Type": "application/json"}))
        self.assertNoFault()

    def test_the_app_origins_are_answered_and_echoed(self):
        for origin in (self.app, f"http://localhost:{self.static_port}", self.dev_app):
            status, headers, body = self.fetch("GET", "/_backend/demo-credentials", headers={"Origin": origin})
            self.assertEqual(status, 200, body)
            self.assertEqual(headers["Access-Control-Allow-Origin"], origin)
            self.assertEqual(headers["Vary"], "Origin")
            self.assertTrue(json.loads(body)["SecretAccessKey"])
        status, headers, body = self.post_fault({"Origin": self.dev_app, "Content-Type": "application/json"})
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["Access-Control-Allow-Origin"], self.dev_app)
        self.assertEqual(self.call({"Limit": 1})[0], 500, "the app origin's fault applies")

    def test_tools_without_an_origin_are_answered_without_cors(self):
        status, headers, body = self.fetch("GET", "/_backend/demo-credentials")
        self.assertEqual(status, 200, body)
        self.assertNotIn("Access-Control-Allow-Origin", headers)
        self.assertEqual(headers["Vary"], "Origin")

    def test_a_rebound_host_is_refused(self):
        for host in ("evil.example", f"evil.example:{self.port}", "127.0.0.1.nip.io", f"127.0.0.1:{self.port + 1}"):
            self.assertRefused(self.fetch("GET", "/_backend/demo-credentials", headers={"Host": host}))
            self.assertRefused(self.fetch("GET", "/_backend/demo-credentials", headers={"Host": host, "Origin": self.app}))
            self.assertRefused(self.post_fault({"Host": host, "Content-Type": "application/json"}))
        self.assertNoFault()
        for host in (f"localhost:{self.port}", f"[::1]:{self.port}", f"LOCALHOST:{self.port}"):
            status, _, body = self.fetch("GET", "/_backend/health", headers={"Host": host})
            self.assertEqual(status, 200, f"{host}: {body}")

    def test_a_post_that_is_not_json_is_refused(self):
        # What a cross-site form or a no-cors fetch can send without a preflight.
        for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
            self.assertRefused(self.post_fault({"Content-Type": content_type}), 415)
            self.assertRefused(self.post_fault({"Content-Type": content_type, "Origin": self.app}), 415)
        self.assertRefused(self.fetch("POST", "/_backend/faults", b'{"kind": "error500", "count": 1}'), 415)
        self.assertNoFault()
        status, _, body = self.post_fault({"Content-Type": "application/json; charset=utf-8"})
        self.assertEqual(status, 200, body)

    def test_a_preflight_for_a_control_route_from_another_origin_is_refused(self):
        ask = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
        self.assertRefused(self.fetch("OPTIONS", "/_backend/faults", headers={"Origin": EVIL, **ask}))
        self.assertRefused(self.fetch("OPTIONS", "/_backend/faults", headers={"Origin": self.app, "Host": "evil.example", **ask}))
        status, headers, _ = self.fetch("OPTIONS", "/_backend/faults", headers={"Origin": self.app, **ask})
        self.assertEqual(status, 200)
        self.assertEqual(headers["Access-Control-Allow-Origin"], self.app)
        self.assertIn("content-type", headers["Access-Control-Allow-Headers"])
        self.assertIn("POST", headers["Access-Control-Allow-Methods"])

    def test_dynamodb_still_answers_any_origin(self):
        status, headers, _ = self.fetch("OPTIONS", "/", headers={
            "Origin": EVIL, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,x-amz-date,x-amz-security-token,x-amz-target"})
        self.assertEqual(status, 200)
        self.assertEqual(headers["Access-Control-Allow-Origin"], EVIL)
        body = json.dumps({"Limit": 2})
        status, headers, text = self.send(body, {**self.signed(body), "Origin": EVIL})
        self.assertEqual(status, 200, text)
        self.assertEqual(len(json.loads(text)["BackupSummaries"]), 2)
        self.assertEqual(headers["Access-Control-Allow-Origin"], EVIL)
        self.assertEqual(headers["Vary"], "Origin")


if __name__ == "__main__":
    unittest.main()
