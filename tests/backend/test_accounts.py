"""Several accounts and regions behind one endpoint, STS, and the other read operations.

The demo credentials are a session of the home account's role; from them each
member account's BackupLensViewer role is assumed with boto3 (the AWS CLI's
SDK), as the page does from the browser, and every answer is compared with
what the backend seeded. Requests are checked for auth, CORS, rate limits and
faults per account and region.
Run: python3 -m unittest discover -s tests/backend
"""

import json
import os
import re
import sys
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_server import ROOT, BackendProcess  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "backend"))
import server  # noqa: E402  (the constants and the trust policy evaluation)

HOME = "123456789012"
RETAIL, DATA, SECURITY = "111122223333", "444455556666", "777788889999"
REGIONS = ("us-east-1", "eu-west-1", "eu-south-2")
ROLE = "arn:aws:iam::{}:role/BackupLensViewer"
ORIGIN = "http://127.0.0.1:9999"
OFF = {"DescribeBackup": 0, "ListTables": 0, "DescribeContinuousBackups": 0}


class AccountsTest(BackendProcess, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sessions = {}

    def setUp(self):
        self.control("/_backend/config", {"rate_limit": 0, "op_rate_limits": OFF, "sts_duration_s": 0})

    def tearDown(self):
        self.control("/_backend/faults/clear", {})
        self.control("/_backend/config", {"rate_limit": 0, "op_rate_limits": OFF, "sts_duration_s": 0})

    # ---- helpers ---------------------------------------------------------

    def get(self, path):
        return json.load(urllib.request.urlopen(self.url + path))

    def client(self, service, creds=None, region="us-east-1"):
        creds = creds or self.creds
        return boto3.client(service, region_name=region, endpoint_url=self.url,
                            aws_access_key_id=creds.access_key, aws_secret_access_key=creds.secret_key,
                            aws_session_token=creds.token, config=Config(retries={"total_max_attempts": 1}))

    def assume(self, account, external_id=None, name="lens-test", creds=None, **kw):
        args = {"RoleArn": ROLE.format(account), "RoleSessionName": name, **kw}
        if external_id:
            args["ExternalId"] = external_id
        c = self.client("sts", creds).assume_role(**args)["Credentials"]
        return Credentials(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])

    def member(self, account):
        """One session per member account for the whole class (AssumeRole is not what most tests test)."""
        if account == HOME:
            return self.creds
        if account not in self.sessions:
            self.sessions[account] = self.assume(account, server.EXTERNAL_IDS.get(account))
        return self.sessions[account]

    def raw(self, body, service="dynamodb", target=None, creds=None, region="us-east-1", origin=ORIGIN, date=None,
            content_type=None):
        """Signs and sends one request; (status, headers, text). DynamoDB when `target` is given, else STS."""
        headers = {"Content-Type": content_type or ("application/x-amz-json-1.0" if target
                                                    else "application/x-www-form-urlencoded; charset=utf-8")}
        if target:
            headers["X-Amz-Target"] = f"DynamoDB_20120810.{target}"
        creds = creds or self.creds
        req = AWSRequest(method="POST", url=self.url + "/", data=body, headers=headers)
        auth = SigV4Auth(creds, service, region)
        if date is None:
            auth.add_auth(req)
        else:
            # Sign as if at `date` (what a browser with a wrong clock does); add_auth would use now.
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(date))
            req.context["timestamp"] = stamp
            req.headers["X-Amz-Date"] = stamp
            req.headers["X-Amz-Security-Token"] = creds.token
            signature = auth.signature(auth.string_to_sign(req, auth.canonical_request(req)), req)
            req.headers["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={auth.scope(req)}, SignedHeaders="
                                            f"{auth.signed_headers(auth.headers_to_sign(req))}, Signature={signature}")
        sent = dict(req.headers.items())
        if origin:
            sent["Origin"] = origin
        return self.send(body, sent)

    def ddb(self, target, params, **kw):
        return self.raw(json.dumps(params), target=target, **kw)

    def sts(self, params, **kw):
        return self.raw(urllib.parse.urlencode(params), service="sts", **kw)

    def assertStsError(self, result, code, status, text=""):
        got, headers, body = result
        self.assertEqual(got, status, body)
        self.assertIn('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">', body)
        self.assertEqual(re.search(r"<Code>(.*?)</Code>", body).group(1), code, body)
        self.assertIn(text, re.search(r"<Message>(.*?)</Message>", body, re.S).group(1))
        self.assertEqual(headers.get("Access-Control-Allow-Origin"), ORIGIN)

    def assertCors(self, headers):
        self.assertEqual(headers["Access-Control-Allow-Origin"], ORIGIN)
        self.assertIn("x-amzn-RequestId", headers["Access-Control-Expose-Headers"])
        self.assertIn("Date", headers["Access-Control-Expose-Headers"])

    def code(self, call, *args, **kw):
        try:
            call(*args, **kw)
        except ClientError as e:
            return e.response["Error"]["Code"], e.response["Error"]["Message"], e.response["ResponseMetadata"]["HTTPStatusCode"]
        return None

    def all_backups(self, creds, region):
        ddb = self.client("dynamodb", creds, region)
        seen, start = [], None
        while True:
            kw = {"Limit": 100, "BackupType": "ALL"}
            if start:
                kw["ExclusiveStartBackupArn"] = start
            page = ddb.list_backups(**kw)
            seen += [s["BackupArn"] for s in page["BackupSummaries"]]
            start = page.get("LastEvaluatedBackupArn")
            if not start:
                return seen

    # ---- STS -------------------------------------------------------------

    def test_demo_credentials_are_the_home_account_in_every_region(self):
        c = self.get("/_backend/demo-credentials")
        self.assertEqual(c["Account"], HOME)
        self.assertEqual(c["Region"], "us-east-1")
        for region in REGIONS:
            who = self.client("sts", region=region).get_caller_identity()
            self.assertEqual(who["Account"], HOME)
            self.assertTrue(who["Arn"].startswith(f"arn:aws:sts::{HOME}:assumed-role/backup-lens-viewer/"), who["Arn"])

    def test_each_member_role_is_assumed_from_the_demo_session(self):
        for account in (RETAIL, DATA, SECURITY):
            creds = self.assume(account, server.EXTERNAL_IDS.get(account), name=f"assume-{account}")
            for region in ("eu-west-1", "us-east-1"):
                who = self.client("sts", creds, region).get_caller_identity()
                self.assertEqual(who["Account"], account)
                self.assertEqual(who["Arn"], f"arn:aws:sts::{account}:assumed-role/BackupLensViewer/assume-{account}")

    def test_the_external_id_is_required_where_the_trust_policy_says(self):
        message = (f"User: {self.client('sts').get_caller_identity()['Arn']} is not authorized to perform: "
                   f"sts:AssumeRole on resource: {ROLE.format(RETAIL)}")
        for external_id in (None, "lens-ext-2", "LENS-EXT-1"):
            err = self.code(self.assume, RETAIL, external_id)
            self.assertEqual(err, ("AccessDenied", message, 403), external_id)
        self.assertEqual(self.code(self.assume, RETAIL, "lens-ext-1"), None)
        # An external id where none is asked for is fine, as in AWS.
        self.assertEqual(self.code(self.assume, DATA, "anything-else"), None)

    def test_a_principal_the_trust_policy_does_not_name_is_refused(self):
        data = self.member(DATA)
        caller = f"arn:aws:sts::{DATA}:assumed-role/BackupLensViewer/lens-test"
        for role in (ROLE.format(RETAIL), ROLE.format(SECURITY), f"arn:aws:iam::{HOME}:role/backup-lens-viewer"):
            err = self.code(self.client("sts", data).assume_role, RoleArn=role, RoleSessionName="hop", ExternalId="lens-ext-1")
            self.assertEqual(err, ("AccessDenied", f"User: {caller} is not authorized to perform: sts:AssumeRole on resource: {role}", 403))
        # A role that does not exist, and the home role itself (its policy names only the member roles).
        for role in (ROLE.format("999999999999"), f"arn:aws:iam::{HOME}:role/backup-lens-viewer"):
            err = self.code(self.client("sts").assume_role, RoleArn=role, RoleSessionName="hop")
            self.assertEqual(err[0], "AccessDenied", role)
            self.assertIn(f"on resource: {role}", err[1])

    def test_trust_policy_evaluation(self):
        trust = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": server.HOME_ROLE_ARN}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "lens-ext-1"}}}]})
        session = {f"arn:aws:sts::{HOME}:assumed-role/backup-lens-viewer/s", server.HOME_ROLE_ARN, HOME}
        user = {f"arn:aws:iam::{HOME}:user/backup-lens-admin", HOME}
        self.assertTrue(server.trust_allows(trust, session, {"sts:ExternalId": "lens-ext-1"}))
        self.assertFalse(server.trust_allows(trust, session, {"sts:ExternalId": None}))
        self.assertFalse(server.trust_allows(trust, session, {"sts:ExternalId": "other"}))
        self.assertFalse(server.trust_allows(trust, user, {"sts:ExternalId": "lens-ext-1"}), "a principal not named")

    def test_role_chaining_is_limited_to_an_hour(self):
        err = self.code(self.assume, DATA, DurationSeconds=7200)
        self.assertEqual(err[0], "ValidationError")
        self.assertIn("role chaining", err[1])
        self.assertEqual(self.code(self.assume, DATA, DurationSeconds=900), None)

    def test_sts_answers_cors_and_its_preflight(self):
        status, headers, _ = self.send(None, {
            "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,x-amz-date,x-amz-security-token",
        }, method="OPTIONS")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Access-Control-Allow-Origin"], ORIGIN)
        allowed = {h.strip() for h in headers["Access-Control-Allow-Headers"].split(",")}
        self.assertEqual(allowed, {"authorization", "content-type", "x-amz-date", "x-amz-security-token"})
        self.assertIn("POST", headers["Access-Control-Allow-Methods"])
        status, headers, body = self.sts({"Action": "GetCallerIdentity", "Version": "2011-06-15"})
        self.assertEqual(status, 200, body)
        self.assertCors(headers)
        self.assertIn(f"<Account>{HOME}</Account>", body)
        status, headers, body = self.sts({"Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": ROLE.format(DATA),
                                          "RoleSessionName": "browser", "DurationSeconds": "900"})
        self.assertEqual(status, 200, body)
        self.assertCors(headers)
        expires = re.search(r"<Expiration>(.*?)</Expiration>", body).group(1)
        self.assertRegex(expires, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertAlmostEqual(server.parse_iso(expires), time.time() + 900, delta=5)
        self.assertStsError(self.sts({"Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": ROLE.format(RETAIL),
                                      "RoleSessionName": "browser"}), "AccessDenied", 403, "sts:AssumeRole on resource")

    def test_sts_body_is_signed_as_sent(self):
        # A browser may leave ':' and '/' unencoded; AWS signs the bytes, whatever their encoding.
        body = (f"Action=AssumeRole&Version=2011-06-15&RoleArn={ROLE.format(DATA)}"
                "&RoleSessionName=as-sent&DurationSeconds=900")
        status, _, text = self.raw(body, service="sts")
        self.assertEqual(status, 200, text)
        self.assertIn(f"arn:aws:sts::{DATA}:assumed-role/BackupLensViewer/as-sent", text)

    def test_sts_checks_signature_date_scope_and_keys(self):
        ident = {"Action": "GetCallerIdentity", "Version": "2011-06-15"}
        self.assertStsError(self.sts(ident, date=time.time() - 400), "SignatureDoesNotMatch", 403, "Signature expired")
        self.assertStsError(self.sts(ident, date=time.time() + 400), "SignatureDoesNotMatch", 403, "not yet current")
        self.assertStsError(self.sts(ident, region="eu-central-1"), "SignatureDoesNotMatch", 403, "valid region")
        bad = Credentials(self.creds.access_key, "x" * 40, self.creds.token)
        self.assertStsError(self.sts(ident, creds=bad), "SignatureDoesNotMatch", 403)
        unknown = Credentials("ASIAAAAAAAAAAAAAAAAA", "x" * 40, self.creds.token)
        self.assertStsError(self.sts(ident, creds=unknown), "InvalidClientTokenId", 403)
        status, _, body = self.send(urllib.parse.urlencode(ident), {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 403, body)
        self.assertIn("<Code>MissingAuthenticationToken</Code>", body)
        # Signed for STS with DynamoDB's target, or the other way round: the scope names the wrong service.
        status, _, body = self.raw("{}", service="sts", target="ListBackups")
        self.assertEqual(json.loads(body)["message"], "Credential should be scoped to correct service: 'dynamodb'. ")

    def test_short_sessions_expire(self):
        self.control("/_backend/config", {"sts_duration_s": 2})
        demo = self.get("/_backend/demo-credentials")
        self.assertLess(server.parse_iso(demo["Expiration"]), time.time() + 3)
        creds = self.assume(DATA, name="short")
        ddb = self.client("dynamodb", creds)
        self.assertEqual(len(ddb.list_backups(Limit=1)["BackupSummaries"]), 1)
        time.sleep(2.2)
        err = self.code(ddb.list_backups, Limit=1)
        self.assertEqual(err, ("ExpiredTokenException", "The security token included in the request is expired", 400))
        self.assertEqual(self.code(ddb.list_tables)[0], "ExpiredTokenException")
        self.assertEqual(self.code(self.client("sts", creds).get_caller_identity),
                         ("ExpiredToken", "The security token included in the request is expired", 403))
        demo = Credentials(demo["AccessKeyId"], demo["SecretAccessKey"], demo["SessionToken"])
        self.assertEqual(self.code(self.client("dynamodb", demo).list_backups)[0], "ExpiredTokenException")
        # Off again: sessions last as long as moto says (an hour).
        self.control("/_backend/config", {"sts_duration_s": 0})
        creds = self.assume(DATA, name="long")
        time.sleep(0.5)
        self.assertEqual(self.code(self.client("dynamodb", creds).list_backups, Limit=1), None)

    # ---- ListBackups per account and region ------------------------------

    def test_list_backups_answers_each_account_and_region_with_its_own_backups(self):
        sources = self.get("/_backend/sources")["sources"]
        listed = 0
        for s in sources:
            account, region = s["account"], s["region"]
            if account == SECURITY or not s["enabled"]:
                continue
            seen = self.all_backups(self.member(account), region)
            full = self.get(f"/_backend/backups?account={account}&region={region}")["BackupSummaries"]
            self.assertEqual(sorted(seen), sorted(b["BackupArn"] for b in full), (account, region))
            self.assertEqual(len(seen), s["backups"])
            self.assertTrue(all(a.startswith(f"arn:aws:dynamodb:{region}:{account}:table/") for a in seen))
            if (account, region) != (HOME, "us-east-1"):
                low = 120 if region == "us-east-1" else 20
                self.assertTrue(low <= len(seen) <= 300, (account, region, len(seen)))
            listed += 1
        self.assertEqual(listed, 8)
        self.assertEqual(len(self.get("/_backend/backups")["BackupSummaries"]), 300, "the home default region: --backups")

    def test_a_role_without_list_permission_is_denied(self):
        creds = self.member(SECURITY)
        caller = f"arn:aws:sts::{SECURITY}:assumed-role/BackupLensViewer/lens-test"
        for region in REGIONS:
            err = self.code(self.client("dynamodb", creds, region).list_backups)
            self.assertEqual(err, ("AccessDeniedException",
                                   f"User: {caller} is not authorized to perform: dynamodb:ListBackups on resource: "
                                   f"arn:aws:dynamodb:{region}:{SECURITY}:table/* because no identity-based policy "
                                   "allows the dynamodb:ListBackups action", 400))
            self.assertEqual(self.code(self.client("dynamodb", creds, region).list_tables)[0], "AccessDeniedException")
        status, headers, body = self.ddb("ListBackups", {}, creds=creds)
        self.assertEqual((status, json.loads(body)["__type"]), (400, "com.amazon.coral.service#AccessDeniedException"))
        self.assertCors(headers)
        # What it may do: describe a backup, and a table's continuous backups.
        arn = self.get(f"/_backend/backups?account={SECURITY}")["BackupSummaries"][0]["BackupArn"]
        ddb = self.client("dynamodb", creds)
        self.assertEqual(ddb.describe_backup(BackupArn=arn)["BackupDescription"]["BackupDetails"]["BackupArn"], arn)
        table = arn.split("/")[1]
        self.assertIn("ContinuousBackupsDescription", ddb.describe_continuous_backups(TableName=table))

    def test_a_region_not_enabled_for_the_account_refuses_its_credentials(self):
        creds = self.member(DATA)
        ddb = self.client("dynamodb", creds, "eu-south-2")
        expected = ("UnrecognizedClientException", "The security token included in the request is invalid.", 400)
        self.assertEqual(self.code(ddb.list_backups), expected)
        self.assertEqual(self.code(ddb.list_tables), expected)
        self.assertEqual(self.code(ddb.describe_continuous_backups, TableName="scratch"), expected)
        status, headers, body = self.ddb("ListBackups", {"Limit": 1}, creds=creds, region="eu-south-2")
        self.assertEqual(json.loads(body)["__type"], "com.amazon.coral.service#UnrecognizedClientException")
        self.assertCors(headers)
        # The same key elsewhere, and other accounts there, are fine.
        self.assertEqual(self.code(self.client("dynamodb", creds, "eu-west-1").list_backups, Limit=1), None)
        self.assertEqual(self.code(self.client("dynamodb", self.member(RETAIL), "eu-south-2").list_backups, Limit=1), None)
        self.assertEqual(self.code(self.client("dynamodb", region="eu-south-2").list_backups, Limit=1), None)
        pair = [s for s in self.get("/_backend/sources")["sources"] if (s["account"], s["region"]) == (DATA, "eu-south-2")]
        self.assertEqual(pair, [{"account": DATA, "region": "eu-south-2", "enabled": False, "backups": 0, "tables": 0,
                                 "tables_without_backups": [], "pitr_tables": []}])

    # ---- rate limits ----------------------------------------------------

    def burst(self, calls):
        return [self.code(call, *args, **kw) for call, args, kw in calls]

    def test_list_backups_rate_limit_counts_per_account_and_region(self):
        self.control("/_backend/config", {"rate_limit": 5})
        home, data = self.client("dynamodb"), self.client("dynamodb", self.member(DATA))
        other_home_session = self.get("/_backend/demo-credentials")
        other_home = self.client("dynamodb", Credentials(other_home_session["AccessKeyId"],
                                                         other_home_session["SecretAccessKey"],
                                                         other_home_session["SessionToken"]))
        home_eu = self.client("dynamodb", region="eu-west-1")
        time.sleep(1.1)
        results = self.burst([(home.list_backups, (), {"Limit": 1})] * 3 + [(other_home.list_backups, (), {"Limit": 1})] * 2
                             + [(data.list_backups, (), {"Limit": 1})] * 5 + [(home_eu.list_backups, (), {"Limit": 1})] * 5
                             + [(other_home.list_backups, (), {"Limit": 1}), (data.list_backups, (), {"Limit": 1})])
        self.assertEqual(results[:15], [None] * 15, "5 a second for each (account, region)")
        self.assertEqual([r and r[0] for r in results[15:]], ["ThrottlingException"] * 2,
                         "two sessions of one account share its limit; another account has its own")
        time.sleep(1.1)
        self.assertEqual(self.code(home.list_backups, Limit=1), None, "the window slides")

    def test_other_operations_have_their_own_limits(self):
        self.control("/_backend/config", {"op_rate_limits": server.OP_RATE_LIMITS})
        ddb = self.client("dynamodb")
        arn = self.get("/_backend/backups")["BackupSummaries"][0]["BackupArn"]
        for call, kw, limit in ((ddb.describe_backup, {"BackupArn": arn}, 10), (ddb.list_tables, {"Limit": 1}, 5),
                                (ddb.describe_continuous_backups, {"TableName": "orders"}, 5)):
            time.sleep(1.1)
            results = self.burst([(call, (), kw)] * (limit + 1))
            self.assertEqual(results[:limit], [None] * limit, call)
            self.assertEqual(results[limit][0], "ThrottlingException", call)
            # Another account in the same region is not affected, nor ListBackups (off here).
            self.assertEqual(self.code(self.client("dynamodb", self.member(DATA)).list_tables), None)
            self.assertEqual(self.code(ddb.list_backups, Limit=1), None)

    # ---- DescribeBackup, ListTables, DescribeContinuousBackups -----------

    def test_describe_backup_tells_what_was_seeded(self):
        full = self.get("/_backend/backups")["BackupSummaries"]
        tables = {t["TableName"]: t for t in self.get("/_backend/tables")["tables"]}
        by_table = {}
        for s in full:
            by_table.setdefault((s["TableName"], s["BackupType"]), s)
        checked = set()
        for (table, _kind), summary in by_table.items():
            status, headers, body = self.ddb("DescribeBackup", {"BackupArn": summary["BackupArn"]})
            self.assertEqual(status, 200, body)
            self.assertCors(headers)
            d = json.loads(body)["BackupDescription"]
            details = d["BackupDetails"]
            for key in ("BackupArn", "BackupName", "BackupSizeBytes", "BackupStatus", "BackupType",
                        "BackupCreationDateTime"):
                self.assertEqual(details[key], summary[key], key)
            self.assertEqual(details.get("BackupExpiryDateTime"), summary.get("BackupExpiryDateTime"))
            source = d["SourceTableDetails"]
            self.assertEqual(source["TableName"], table)
            self.assertEqual(source["TableId"], summary["TableId"])
            self.assertEqual(source["TableArn"], summary["TableArn"])
            self.assertEqual(source["TableSizeBytes"], summary["BackupSizeBytes"])
            self.assertEqual(source["KeySchema"], tables[table]["KeySchema"])
            self.assertEqual(source["BillingMode"], tables[table]["BillingMode"])
            self.assertLess(source["TableCreationDateTime"], min(s["BackupCreationDateTime"] for s in full if s["TableName"] == table))
            if summary["BackupSizeBytes"] > 10_000:
                self.assertGreater(source["ItemCount"], 0)
            self.assertEqual(set(source["ProvisionedThroughput"]), {"ReadCapacityUnits", "WriteCapacityUnits"})
            features = d["SourceTableFeatureDetails"]
            self.assertIn(features["TimeToLiveDescription"]["TimeToLiveStatus"], ("ENABLED", "DISABLED"))
            checked.add(table)
        self.assertGreaterEqual(len(checked), 12)
        orders = self.client("dynamodb").describe_backup(BackupArn=by_table[("orders", "USER")]["BackupArn"])["BackupDescription"]
        self.assertEqual([k["KeyType"] for k in orders["SourceTableDetails"]["KeySchema"]], ["HASH", "RANGE"])
        features = orders["SourceTableFeatureDetails"]
        self.assertEqual(features["GlobalSecondaryIndexes"][0]["IndexName"], "by-customer")
        self.assertEqual(features["StreamDescription"], {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        sessions = self.client("dynamodb").describe_backup(BackupArn=by_table[("sessions", "USER")]["BackupArn"])
        self.assertEqual(sessions["BackupDescription"]["SourceTableFeatureDetails"]["TimeToLiveDescription"],
                         {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"})
        payments = self.client("dynamodb").describe_backup(BackupArn=by_table[("payments", "USER")]["BackupArn"])["BackupDescription"]
        self.assertEqual(payments["SourceTableDetails"]["BillingMode"], "PROVISIONED")
        self.assertEqual(payments["SourceTableDetails"]["ProvisionedThroughput"], {"ReadCapacityUnits": 400, "WriteCapacityUnits": 200})
        self.assertEqual(payments["SourceTableFeatureDetails"]["SSEDescription"]["Status"], "ENABLED")
        inventory = self.client("dynamodb").describe_backup(BackupArn=by_table[("inventory", "USER")]["BackupArn"])
        self.assertEqual(inventory["BackupDescription"]["SourceTableFeatureDetails"]["LocalSecondaryIndexes"][0]["IndexName"], "by-updated")

    def test_describe_backup_errors(self):
        missing = f"arn:aws:dynamodb:us-east-1:{HOME}:table/orders/backup/01234567890123-deadbeef"
        err = self.code(self.client("dynamodb").describe_backup, BackupArn=missing)
        self.assertEqual(err[0], "BackupNotFoundException")
        # A backup of another account or region is not found with these credentials.
        other = self.get(f"/_backend/backups?account={HOME}&region=eu-west-1")["BackupSummaries"][0]["BackupArn"]
        self.assertEqual(self.code(self.client("dynamodb").describe_backup, BackupArn=other)[0], "BackupNotFoundException")
        self.assertEqual(self.client("dynamodb", region="eu-west-1").describe_backup(BackupArn=other)
                         ["BackupDescription"]["BackupDetails"]["BackupArn"], other)
        self.assertDynamoError(self.ddb("DescribeBackup", {}), "ValidationException", "Member must not be null")
        self.assertDynamoError(self.ddb("DescribeBackup", {"BackupArn": "short"}), "ValidationException", "backupArn")

    def test_list_tables_pages_in_name_order(self):
        for account, region in ((HOME, "us-east-1"), (RETAIL, "us-east-1"), (DATA, "eu-west-1")):
            expected = [t["TableName"] for t in self.get(f"/_backend/tables?account={account}&region={region}")["tables"]]
            self.assertEqual(expected, sorted(expected))
            ddb = self.client("dynamodb", self.member(account), region)
            names, start, pages = [], None, 0
            while True:
                kw = {"Limit": 2}
                if start:
                    kw["ExclusiveStartTableName"] = start
                page = ddb.list_tables(**kw)
                self.assertLessEqual(len(page["TableNames"]), 2)
                names += page["TableNames"]
                pages += 1
                start = page.get("LastEvaluatedTableName")
                if not start:
                    break
            self.assertEqual(names, expected, (account, region))
            self.assertEqual(pages, (len(expected) + 1) // 2)
            self.assertEqual(ddb.list_tables()["TableNames"], expected)
        home = self.client("dynamodb")
        # Any name starts a page: the tables after it by name.
        self.assertEqual(home.list_tables(ExclusiveStartTableName="nnn")["TableNames"],
                         ["notifications", "orders", "payments", "search-index", "sessions", "user-profiles"])
        self.assertEqual(home.list_tables(ExclusiveStartTableName="zzz")["TableNames"], [])
        for limit in (0, 101):
            self.assertDynamoError(self.ddb("ListTables", {"Limit": limit}), "ValidationException", "at 'limit'")
        status, headers, body = self.ddb("ListTables", {"Limit": 3})
        self.assertEqual(status, 200, body)
        self.assertCors(headers)
        self.assertEqual(json.loads(body), {"TableNames": ["analytics_events", "audit-log", "catalog.products"],
                                            "LastEvaluatedTableName": "catalog.products"})

    def test_describe_continuous_backups_tells_pitr(self):
        enabled = 0
        for account, region in ((HOME, "us-east-1"), (RETAIL, "us-east-1"), (SECURITY, "eu-west-1")):
            ddb = self.client("dynamodb", self.member(account), region)
            for t in self.get(f"/_backend/tables?account={account}&region={region}")["tables"]:
                for name in (t["TableName"], t["TableArn"]):
                    d = ddb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
                    self.assertEqual(d["ContinuousBackupsStatus"], "ENABLED")
                    pitr = d["PointInTimeRecoveryDescription"]
                    self.assertEqual(pitr["PointInTimeRecoveryStatus"], t["PointInTimeRecoveryStatus"], name)
                    if pitr["PointInTimeRecoveryStatus"] == "ENABLED":
                        enabled += 1
                        earliest, latest = pitr["EarliestRestorableDateTime"].timestamp(), pitr["LatestRestorableDateTime"].timestamp()
                        self.assertLessEqual(earliest, latest)
                        self.assertGreaterEqual(earliest, time.time() - 35 * 86400 - 5)
                        self.assertAlmostEqual(latest, time.time() - 300, delta=10)
        self.assertGreater(enabled, 2)
        err = self.code(self.client("dynamodb").describe_continuous_backups, TableName="no-such-table")
        self.assertEqual(err, ("TableNotFoundException", "Table not found: no-such-table", 400))
        status, headers, body = self.ddb("DescribeContinuousBackups", {"TableName": "orders"})
        self.assertEqual(status, 200, body)
        self.assertCors(headers)
        self.assertDynamoError(self.ddb("DescribeContinuousBackups", {}), "ValidationException", "tableName")

    def test_other_operations_are_checked_and_then_moto_answers(self):
        self.assertDynamoError(self.ddb("DescribeTable", {"TableName": "orders"}), "AccessDeniedException",
                               "dynamodb:DescribeTable")
        self.assertDynamoError(self.ddb("DeleteBackup", {"BackupArn": "x" * 40}), "AccessDeniedException")
        status, _, body = self.ddb("NoSuchOperation", {})
        self.assertEqual((status, json.loads(body)["__type"]), (400, "com.amazon.coral.service#UnknownOperationException"))
        bad = Credentials(self.creds.access_key, "x" * 40, self.creds.token)
        for op in ("ListTables", "DescribeBackup", "DescribeContinuousBackups", "DescribeTable"):
            self.assertDynamoError(self.ddb(op, {"TableName": "orders", "BackupArn": "y" * 40}, creds=bad),
                                   "InvalidSignatureException")
            self.assertDynamoError(self.ddb(op, {}, date=time.time() - 400), "InvalidSignatureException", "Signature expired")

    # ---- faults, the request log, control routes -------------------------

    def test_faults_filter_by_account_region_and_operation(self):
        home, data = self.client("dynamodb"), self.client("dynamodb", self.member(DATA))
        self.control("/_backend/faults", {"kind": "error500", "count": 1, "account": DATA})
        self.assertEqual(self.code(home.list_backups, Limit=1), None)
        self.assertEqual(self.code(data.list_backups, Limit=1)[2], 500)
        self.control("/_backend/faults", {"kind": "throttle", "count": 1, "region": "eu-west-1"})
        self.assertEqual(self.code(home.list_backups, Limit=1), None)
        self.assertEqual(self.code(self.client("dynamodb", region="eu-west-1").list_backups, Limit=1)[0], "ThrottlingException")
        self.control("/_backend/faults", {"kind": "expired", "count": 1, "target": "DescribeContinuousBackups"})
        self.assertEqual(self.code(home.list_backups, Limit=1), None, "the default target is ListBackups only")
        self.assertEqual(self.code(home.describe_continuous_backups, TableName="orders")[0], "ExpiredTokenException")
        self.control("/_backend/faults", {"kind": "error500", "count": 2, "target": "*"})
        self.assertEqual(self.code(home.list_tables)[2], 500)
        self.assertEqual(self.code(home.list_backups)[2], 500)
        self.assertEqual(self.code(home.list_backups), None)

    def test_requests_record_account_region_operation_and_service(self):
        creds = self.member(RETAIL)
        self.control("/_backend/requests/clear", {})
        self.client("dynamodb", creds, "eu-west-1").list_tables(Limit=1)
        self.client("sts", creds, "eu-south-2").get_caller_identity()
        self.client("dynamodb").list_backups(Limit=2)
        log = self.get("/_backend/requests")["requests"]
        self.assertEqual([(r["service"], r["target"], r["operation"], r["account"], r["region"], r["status"]) for r in log], [
            ("dynamodb", "DynamoDB_20120810.ListTables", "ListTables", RETAIL, "eu-west-1", 200),
            ("sts", "GetCallerIdentity", "GetCallerIdentity", RETAIL, "eu-south-2", 200),
            ("dynamodb", "DynamoDB_20120810.ListBackups", "ListBackups", HOME, "us-east-1", 200),
        ])
        self.assertEqual(log[2]["limit"], 2)
        self.assertEqual(log[0]["akid"], creds.access_key)

    def test_the_account_comes_from_the_access_key_alone(self):
        # moto would take an x-moto-account-id header's word for it; the front drops that header.
        body = json.dumps({"Limit": 1, "BackupType": "ALL"})
        for creds, account in ((self.creds, HOME), (self.member(DATA), DATA)):
            status, _, text = self.raw(body, target="ListBackups", creds=creds)
            self.assertEqual(status, 200, text)
            req = AWSRequest(method="POST", url=self.url + "/", data=body, headers={
                "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.ListBackups"})
            SigV4Auth(creds, "dynamodb", "us-east-1").add_auth(req)
            status, _, text = self.send(body, {**dict(req.headers.items()), "x-moto-account-id": SECURITY})
            self.assertEqual(status, 200, text)
            self.assertIn(f":{account}:table/", json.loads(text)["BackupSummaries"][0]["BackupArn"])

    def test_sources_and_tables_routes(self):
        sources = self.get("/_backend/sources")
        self.assertEqual(sources["home_account"], HOME)
        self.assertEqual(sources["regions"], list(REGIONS))
        accounts = {a["account"]: a for a in sources["accounts"]}
        self.assertEqual(accounts[RETAIL], {"account": RETAIL, "home": False, "role_arn": ROLE.format(RETAIL),
                                            "external_id": "lens-ext-1", "may_list": True})
        self.assertEqual([a for a, v in accounts.items() if not v["may_list"]], [SECURITY])
        self.assertEqual(len(sources["sources"]), 12)
        self.assertTrue(any(s["tables_without_backups"] for s in sources["sources"] if s["account"] != HOME))
        for s in sources["sources"]:
            if not s["enabled"]:
                continue
            tables = self.get(f"/_backend/tables?account={s['account']}&region={s['region']}")["tables"]
            self.assertEqual(len(tables), s["tables"])
            full = self.get(f"/_backend/backups?account={s['account']}&region={s['region']}")["BackupSummaries"]
            self.assertEqual(len(full), s["backups"])
            # (Rows added through /_backend/inject may name a table that does not exist.)
            self.assertEqual(sum(t["backups"] for t in tables), len([b for b in full if b["TableName"] in {t["TableName"] for t in tables}]))
            self.assertEqual(sorted(t["TableName"] for t in tables if not t["backups"]), sorted(s["tables_without_backups"]))
            self.assertTrue({"ENABLED", "DISABLED"} <= {t["PointInTimeRecoveryStatus"] for t in tables}, s)
        for bad in ("account=999999999999", "region=eu-central-1"):
            try:
                urllib.request.urlopen(f"{self.url}/_backend/backups?{bad}")
                self.fail(bad)
            except urllib.error.HTTPError as e:
                self.assertEqual(e.code, 400)

    def test_inject_goes_to_one_account_and_region(self):
        row = {"TableName": "injected", "BackupArn": f"arn:aws:dynamodb:eu-west-1:{DATA}:table/injected/backup/0-x",
               "BackupName": "<b>hi</b>", "BackupCreationDateTime": 1.0, "BackupType": "USER", "BackupStatus": "AVAILABLE"}
        self.assertEqual(self.control("/_backend/inject", {"account": DATA, "region": "eu-west-1", "rows": [row]}),
                         {"added": 1, "account": DATA, "region": "eu-west-1"})
        page = self.client("dynamodb", self.member(DATA), "eu-west-1").list_backups(Limit=1)["BackupSummaries"]
        self.assertEqual(page[0]["BackupName"], "<b>hi</b>")
        self.assertNotIn("<b>hi</b>", [s["BackupName"] for s in self.get("/_backend/backups")["BackupSummaries"]])


if __name__ == "__main__":
    unittest.main()
