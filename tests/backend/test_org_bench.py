"""--org-bench: the benchmark's organisation (scripts/bench-org.sh).

10 member accounts x 4 regions (ap-southeast-2 served too), every pair enabled,
each member's BackupLensViewer role trusting the home role without an external
id, and exactly --org-bench-backups backups over the 40 pairs: evenly, or half
of them in the last pair (210000000010, ap-southeast-2) and the rest evenly.
Run: python3 -m unittest discover -s tests/backend
"""

import json
import os
import re
import sys
import time
import unittest
import urllib.error
import urllib.request

import boto3
from botocore.config import Config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_server import BackendProcess  # noqa: E402

HOME = "123456789012"
MEMBERS = [f"2100000000{i:02d}" for i in range(1, 11)]
REGIONS = ["us-east-1", "eu-west-1", "eu-south-2", "ap-southeast-2"]
BIG = ("210000000010", "ap-southeast-2")


class OrgBench:
    """Shared checks; subclasses say the mode and N."""
    MODE, N = None, None

    @classmethod
    def setUpClass(cls):
        cls.ARGS = ["--org-bench", cls.MODE, "--org-bench-backups", str(cls.N)]
        t0 = time.time()
        super().setUpClass()
        cls.started_s = time.time() - t0

    def get(self, path):
        return json.load(urllib.request.urlopen(self.url + path))

    def sources(self):
        return self.get("/_backend/sources")

    def counts(self):
        return {(s["account"], s["region"]): s["backups"] for s in self.sources()["sources"] if s["account"] != HOME}

    def client(self, service, region="us-east-1", creds=None):
        c = creds or {"AccessKeyId": self.creds.access_key, "SecretAccessKey": self.creds.secret_key,
                      "SessionToken": self.creds.token}
        return boto3.client(service, region_name=region, endpoint_url=self.url, aws_access_key_id=c["AccessKeyId"],
                            aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"],
                            config=Config(retries={"total_max_attempts": 1}))

    def assume(self, account):
        return self.client("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/BackupLensViewer",
                                              RoleSessionName="bench")["Credentials"]

    def list_all(self, creds, region):
        ddb = self.client("dynamodb", region, creds)
        arns, start, calls = [], None, 0
        while True:
            kw = {"Limit": 100, "BackupType": "ALL"}
            if start:
                kw["ExclusiveStartBackupArn"] = start
            page = ddb.list_backups(**kw)
            calls += 1
            arns += [s["BackupArn"] for s in page["BackupSummaries"]]
            start = page.get("LastEvaluatedBackupArn")
            if not start:
                return arns, calls

    def test_ten_members_four_regions_all_enabled_no_external_id(self):
        src = self.sources()
        self.assertEqual(src["org_bench"], self.MODE)
        self.assertEqual(src["regions"], REGIONS)
        self.assertEqual([a["account"] for a in src["accounts"]], [HOME] + MEMBERS)
        for a in src["accounts"][1:]:
            self.assertEqual(a["role_arn"], f"arn:aws:iam::{a['account']}:role/BackupLensViewer")
            self.assertIsNone(a["external_id"])
            self.assertTrue(a["may_list"])
        self.assertEqual(len(src["sources"]), 11 * 4)
        self.assertTrue(all(s["enabled"] for s in src["sources"]))
        # The demo's members are not served in this mode.
        with self.assertRaises(urllib.error.HTTPError) as e:
            self.get("/_backend/backups?account=111122223333&region=us-east-1")
        self.assertEqual(e.exception.code, 400)

    def test_exactly_n_backups_over_the_forty_pairs(self):
        counts = self.counts()
        self.assertEqual(len(counts), 40)
        self.assertEqual(sum(counts.values()), self.N)
        for (account, region), n in counts.items():
            self.assertEqual(len(self.get(f"/_backend/backups?account={account}&region={region}")["BackupSummaries"]),
                             n, (account, region))

    def test_every_member_is_listed_through_its_role_in_every_region(self):
        # The home account's own backups are as without the option.
        self.assertEqual(len(self.get("/_backend/backups")["BackupSummaries"]), 300)
        counts = self.counts()
        for account in MEMBERS:
            creds = self.assume(account)
            for region in REGIONS if account in (MEMBERS[0], BIG[0]) else REGIONS[:1]:
                arns, calls = self.list_all(creds, region)
                want = counts[(account, region)]
                self.assertEqual(len(arns), want, (account, region))
                self.assertEqual(len(set(arns)), want)
                self.assertTrue(all(f":{region}:{account}:" in a for a in arns))
                # Full pages carry a cursor, so a multiple of 100 costs one more (empty) page.
                self.assertEqual(calls, want // 100 + 1, (account, region))


class EvenTest(OrgBench, BackendProcess, unittest.TestCase):
    MODE, N = "even", 20000

    def test_spread_evenly(self):
        self.assertEqual(set(self.counts().values()), {500})

    def test_seeding_stays_fast(self):
        # 20,000 backups; the demo's own seeding takes about 0.5 s, this one about as long.
        self.assertLess(self.started_s, 20)
        line = self.proc.stdout.readline().decode()
        seconds = float(re.search(r"seeded in ([\d.]+)s", line).group(1))
        self.assertLess(seconds, 10, line)


class SkewedTest(OrgBench, BackendProcess, unittest.TestCase):
    MODE, N = "skewed", 2017

    def test_half_in_one_pair_the_rest_evenly(self):
        counts = self.counts()
        self.assertEqual(counts.pop(BIG), 2017 // 2)
        self.assertEqual(sorted(set(counts.values())), [25, 26])  # 1009 over 39 pairs
        self.assertEqual(sum(counts.values()), 2017 - 2017 // 2)


if __name__ == "__main__":
    unittest.main()
