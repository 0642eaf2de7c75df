"""The local backend refuses what DynamoDB refuses, in DynamoDB's own shapes.

Requests are signed with botocore (the AWS CLI's signer) and then altered, so
each check proves the backend really verifies that part of the signature.
Run: python3 -m unittest discover -s tests/backend
"""

import json
import os
import socket
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BackendProcess:
    """Starts backend/server.py for a TestCase class; signs and sends requests to it."""
    ARGS = []  # extra command-line arguments

    @classmethod
    def setUpClass(cls):
        cls.port = free_port()
        cls.url = f"http://127.0.0.1:{cls.port}"
        cls.proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "backend/server.py"), "--port", str(cls.port),
                                     "--backups", "300", "--rate-limit", "0", *cls.ARGS],
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while True:
            try:
                if json.load(urllib.request.urlopen(cls.url + "/_backend/health"))["ready"]:
                    break
            except (OSError, ValueError):
                pass
            if time.time() > deadline or cls.proc.poll() is not None:
                raise RuntimeError("backend did not start")
            time.sleep(0.2)
        c = json.load(urllib.request.urlopen(cls.url + "/_backend/demo-credentials"))
        cls.creds = Credentials(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.wait(10)
        cls.proc.stdout.close()

    def signed(self, body, creds=None, region="us-east-1", date=None):
        req = AWSRequest(method="POST", url=self.url + "/", data=body, headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDB_20120810.ListBackups",
        })
        creds = creds or self.creds
        auth = SigV4Auth(creds, "dynamodb", region)
        if date is None:
            auth.add_auth(req)
        else:
            # Sign as if at `date` (what a browser with a wrong clock does).
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(date))
            req.context["timestamp"] = stamp
            req.headers["X-Amz-Date"] = stamp
            req.headers["X-Amz-Security-Token"] = creds.token
            creq = auth.canonical_request(req)
            signature = auth.signature(auth.string_to_sign(req, creq), req)
            signed_headers = auth.signed_headers(auth.headers_to_sign(req))
            req.headers["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={auth.scope(req)}, "
                                            f"SignedHeaders={signed_headers}, Signature={signature}")
        return dict(req.headers.items())

    def send(self, body, headers, method="POST"):
        req = urllib.request.Request(self.url + "/", data=body.encode() if body is not None else None,
                                     headers=headers, method=method)
        try:
            with urllib.request.urlopen(req) as r:
                return r.status, dict(r.headers), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read().decode()

    def call(self, params, **kw):
        body = json.dumps(params)
        return self.send(body, self.signed(body, **kw))

    def assertDynamoError(self, result, code, text=""):
        status, headers, body = result
        self.assertEqual(status, 400, body)
        payload = json.loads(body)
        self.assertEqual(payload["__type"].split("#")[-1], code, body)
        self.assertIn(text, payload["message"])
        self.assertTrue(headers.get("x-amzn-ErrorType", "").startswith(code))

    def control(self, path, body):
        """POSTs a control route as the tests and tools do: JSON, no Origin."""
        req = urllib.request.Request(self.url + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        return json.load(urllib.request.urlopen(req))


class BackendTest(BackendProcess, unittest.TestCase):
    def test_valid_request_lists_backups(self):
        status, headers, body = self.call({"Limit": 7, "BackupType": "ALL"})
        self.assertEqual(status, 200, body)
        page = json.loads(body)
        self.assertEqual(len(page["BackupSummaries"]), 7)
        self.assertIn("LastEvaluatedBackupArn", page)
        self.assertIn("Date", headers["Access-Control-Expose-Headers"])

    def test_pages_cover_the_set_once(self):
        seen, start, pages = [], None, 0
        while True:
            params = {"Limit": 40, "BackupType": "ALL"}
            if start:
                params["ExclusiveStartBackupArn"] = start
            status, _, body = self.call(params)
            self.assertEqual(status, 200, body)
            page = json.loads(body)
            seen += [s["BackupArn"] for s in page["BackupSummaries"]]
            pages += 1
            start = page.get("LastEvaluatedBackupArn")
            if not start:
                break
        full = json.load(urllib.request.urlopen(self.url + "/_backend/backups"))["BackupSummaries"]
        self.assertEqual(sorted(seen), sorted(s["BackupArn"] for s in full))
        self.assertEqual(len(seen), len(set(seen)))

    def test_wrong_secret(self):
        bad = Credentials(self.creds.access_key, "x" * 40, self.creds.token)
        self.assertDynamoError(self.call({}, creds=bad), "InvalidSignatureException", "signature we calculated")

    def test_wrong_token(self):
        bad = Credentials(self.creds.access_key, self.creds.secret_key, self.creds.token[:-4] + "AAAA")
        self.assertDynamoError(self.call({}, creds=bad), "UnrecognizedClientException")

    def test_unknown_access_key(self):
        bad = Credentials("ASIAAAAAAAAAAAAAAAAA", self.creds.secret_key, self.creds.token)
        self.assertDynamoError(self.call({}, creds=bad), "UnrecognizedClientException")

    def test_missing_token(self):
        body = "{}"
        headers = self.signed(body)
        headers.pop("X-Amz-Security-Token")
        self.assertDynamoError(self.send(body, headers), "UnrecognizedClientException")

    def test_tampered_body(self):
        headers = self.signed('{"Limit": 5}')
        self.assertDynamoError(self.send('{"Limit": 6}', headers), "InvalidSignatureException")

    def test_date_outside_five_minutes(self):
        for offset, words in ((-400, "Signature expired"), (400, "not yet current")):
            result = self.call({}, date=time.time() + offset)
            self.assertDynamoError(result, "InvalidSignatureException", words)

    def test_date_inside_five_minutes_is_fine(self):
        status, _, body = self.call({"Limit": 1}, date=time.time() - 200)
        self.assertEqual(status, 200, body)

    def test_wrong_scope_region(self):
        # us-east-1, eu-west-1 and eu-south-2 are served (see test_accounts.py); others are not.
        self.assertDynamoError(self.call({}, region="eu-central-1"), "InvalidSignatureException", "region")

    def test_no_authorization(self):
        self.assertDynamoError(self.send("{}", {"Content-Type": "application/x-amz-json-1.0",
                                                "X-Amz-Target": "DynamoDB_20120810.ListBackups"}),
                               "MissingAuthenticationTokenException")

    def test_validation_shape(self):
        for limit in (0, 101):
            self.assertDynamoError(self.call({"Limit": limit}), "ValidationException", "at 'limit' failed to satisfy constraint")
        self.assertDynamoError(self.call({"BackupType": "MINE"}), "ValidationException", "backupType")
        self.assertDynamoError(self.call({"ExclusiveStartBackupArn": "short"}), "ValidationException")

    def test_cors_preflight(self):
        status, headers, _ = self.send(None, {
            "Origin": "http://127.0.0.1:9999",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,x-amz-date,x-amz-security-token,x-amz-target",
        }, method="OPTIONS")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Access-Control-Allow-Origin"], "http://127.0.0.1:9999")
        allowed = {h.strip() for h in headers["Access-Control-Allow-Headers"].split(",")}
        self.assertTrue({"authorization", "x-amz-security-token", "x-amz-target"} <= allowed)

    def test_requests_are_recorded_with_their_time(self):
        self.control("/_backend/requests/clear", {})
        before = time.time()
        self.call({"Limit": 3})
        log = json.load(urllib.request.urlopen(self.url + "/_backend/requests"))["requests"]
        self.assertEqual(len(log), 1)
        self.assertGreaterEqual(log[0]["t"], before - 0.01)
        self.assertEqual(log[0]["limit"], 3)

    def test_demo_data_looks_like_an_account(self):
        full = json.load(urllib.request.urlopen(self.url + "/_backend/backups"))["BackupSummaries"]
        for s in full:
            if s["BackupType"] == "SYSTEM":
                self.assertAlmostEqual(s["BackupExpiryDateTime"] - s["BackupCreationDateTime"], 35 * 86400, places=3)
            else:
                self.assertNotIn("BackupExpiryDateTime", s)
            self.assertRegex(s["TableId"], r"^[0-9a-f-]{36}$")
        self.assertGreaterEqual(len({s["TableName"] for s in full}), 8)
        self.assertEqual({s["BackupStatus"] for s in full} >= {"AVAILABLE", "DELETED"}, True)

    def tearDown(self):
        self.control("/_backend/faults/clear", {})
        self.control("/_backend/config", {"rate_limit": 0})

    def test_rate_limit_throttles_the_sixth_call_in_a_second(self):
        self.control("/_backend/config", {"rate_limit": 5})
        time.sleep(1.05)
        results = [self.call({"Limit": 1})[0] for _ in range(6)]
        self.assertEqual(results[:5], [200] * 5)
        self.assertDynamoError(self.call({"Limit": 1}), "ThrottlingException")
        time.sleep(1.05)
        self.assertEqual(self.call({"Limit": 1})[0], 200, "the window slides")

    def test_faults_apply_to_the_next_n_matching_calls(self):
        self.control("/_backend/faults", {"kind": "error500", "count": 2, "skip": 1})
        statuses = [self.call({"Limit": 1})[0] for _ in range(4)]
        self.assertEqual(statuses, [200, 500, 500, 200])
        self.control("/_backend/faults", {"kind": "html", "count": 1})
        status, _, body = self.call({"Limit": 1})
        self.assertEqual(status, 502)
        self.assertIn("<html>", body)
        self.control("/_backend/faults", {"kind": "truncated", "count": 1})
        status, _, body = self.call({"Limit": 1})
        self.assertEqual(status, 200)
        self.assertRaises(ValueError, json.loads, body)
        self.control("/_backend/faults", {"kind": "expired", "count": 1, "akid": "ASIAOTHERKEY00000000"})
        self.assertEqual(self.call({"Limit": 1})[0], 200, "a fault for another key does not apply")
        self.control("/_backend/faults", {"kind": "expired", "count": 1, "akid": self.creds.access_key})
        self.assertDynamoError(self.call({"Limit": 1}), "ExpiredTokenException")

    def test_clock_offset_moves_the_signature_window_and_the_date_header(self):
        self.control("/_backend/faults", {"kind": "clock", "offset_s": -7200})
        result = self.call({"Limit": 1})
        self.assertDynamoError(result, "InvalidSignatureException", "Signature not yet current")
        status, headers, body = self.call({"Limit": 1}, date=time.time() - 7200)
        self.assertEqual(status, 200, body)
        from email.utils import parsedate_to_datetime
        served = parsedate_to_datetime(headers["Date"]).timestamp()
        self.assertAlmostEqual(served, time.time() - 7200, delta=5)


if __name__ == "__main__":
    unittest.main()
