#!/usr/bin/env python3
"""A local DynamoDB and STS for Backup Lens that checks every signature.

moto (in this process, auth enforced) stores tables and backups, holds the IAM
roles and STS sessions of several accounts, and recomputes each request's SigV4
signature with botocore's signer (over the bytes that arrived). This front
closes the gaps moto leaves (see ../shared/REFERENCE.md): it answers the
browser's CORS preflight, checks the signing date window and the credential
scope, translates moto's XML auth errors into DynamoDB's JSON ones (status 400),
enforces role trust policies and external ids, session expiry and the rate
limits, and implements the ListBackups contract (Limit, pages, time range,
BackupType, table name or ARN) and ListTables' paging over seeded data that
looks like real accounts'.

Accounts, roles and regions (constants below):
  home 123456789012, role backup-lens-viewer: the demo credentials are a session
    of it. It may ListBackups, DescribeBackup, ListTables and
    DescribeContinuousBackups there, and sts:AssumeRole on
    arn:aws:iam::*:role/BackupLensViewer.
  members 111122223333 (external id lens-ext-1 required), 444455556666 and
    777788889999, each with role BackupLensViewer trusting only the home role.
    777788889999's role lacks dynamodb:ListBackups and dynamodb:ListTables.
  regions us-east-1 (default: the home account's --backups backups, as ever),
    eu-west-1, eu-south-2; eu-south-2 is not enabled for 444455556666 (every
    DynamoDB call there: UnrecognizedClientException). Every other enabled
    (account, region) has 3 to 7 tables with 20-300 backups (120-300 in a
    member account's default region) and up to 2 tables without any; PITR is
    on for some tables of each.
One endpoint serves them all: the access key says the account, the credential
scope's region says the region. Service `dynamodb` (awsJson 1.0, X-Amz-Target)
and `sts` (query protocol: POST / form-encoded, XML answers) are served. The
front answers ListBackups, ListTables (by name, LastEvaluatedTableName only
when more follow), DescribeBackup (the seeded sizes, times and table features)
and DescribeContinuousBackups (a real restorable window) once moto has
accepted the request; any other operation gets moto's own answer.

--org-bench even|skewed (a benchmark's organisation, scripts/bench-org.sh)
  replaces the three members above with 10 accounts 210000000001 ..
  210000000010, each with role BackupLensViewer trusting only the home role (no
  external id, every action of the members' policy), and serves a fourth
  region, ap-southeast-2, enabled for all of them. --org-bench-backups N
  (default 20000) backups in all are spread over the 40 (member, region)
  pairs (the four regions us-east-1, eu-west-1, eu-south-2, ap-southeast-2):
  `even` gives each N/40 (500), `skewed` gives the last pair,
  (210000000010, ap-southeast-2), N/2 (10,000) and spreads the rest evenly
  over the other 39 (256 or 257 each); any remainder goes one apiece to the
  first pairs, so the pairs add up to exactly N. Each pair's backups are on 3
  to 6 tables; rows are USER or SYSTEM only (BackupType ALL lists them all).
  The home account is seeded as without the option (in the four regions).

Control routes under /_backend/ (not part of AWS):
  GET  /_backend/demo-credentials   fresh AssumeRole credentials for the demo role
  GET  /_backend/backups            ?account=A&region=R: that pair's full backup set
  GET  /_backend/tables             ?account=A&region=R: tables, PITR status, backup counts
  GET  /_backend/sources            every account and region, roles, external ids, counts
  GET  /_backend/requests           the time and summary of each DynamoDB and STS request:
                                    t, service (dynamodb|sts), target (DynamoDB: the X-Amz-Target,
                                    e.g. DynamoDB_20120810.ListBackups; STS: the Action, e.g.
                                    AssumeRole), operation (ListBackups, AssumeRole...), akid,
                                    account, region, status, code, fault; limit and start for
                                    ListBackups and ListTables
  POST /_backend/requests/clear     forget the recorded requests
  GET  /_backend/health             200 once seeded
  POST /_backend/faults             inject faults into DynamoDB answers (JSON body, see Fault)
  POST /_backend/faults/clear       remove every fault and the clock offset
  POST /_backend/config             {"rate_limit": N} ListBackups calls per second per account
                                    and region (0: off); {"op_rate_limits": {"DescribeBackup": 10,
                                    "ListTables": 5, "DescribeContinuousBackups": 5}};
                                    {"sts_duration_s": N} AssumeRole sessions last at most N s (0: off)
  POST /_backend/inject             add raw BackupSummaries (hostile names for XSS tests):
                                    a list (home, default region; or ?account=&region=), or
                                    {"account": A, "region": R, "rows": [...]}

They answer the app itself and local tools, never another web page or a
DNS-rebound name (so no page you visit can read the credentials or the request
log, or inject faults):
  - the Host header must be loopback with this port (127.0.0.1, localhost or
    [::1]), else 403;
  - an Origin header, when present, must be an app origin, else 403: the
    static server's own (--static-port P: http://127.0.0.1:P, http://localhost:P)
    or one given with --app-origin (repeatable, e.g. trunk serve's). Only that
    exact origin is echoed in Access-Control-Allow-Origin, with Vary: Origin.
    No Origin at all (curl, Node's fetch, urllib) is fine;
  - a POST must say Content-Type: application/json, else 415, so no cross-site
    form or text/plain "simple" request can reach them.
The AWS route (signed POST / and its preflight, DynamoDB and STS) answers CORS
to any origin, as AWS does: the signature is what protects it.

Sessions: every AssumeRole answer's expiry is recorded (moto's, 1 h by default,
or now + sts_duration_s when that is shorter); a call signed with a session key
after its expiry answers ExpiredTokenException (DynamoDB) or ExpiredToken (STS).
Expiry is measured on the real clock, not the injected clock offset.

Faults: {"kind": K, "count": N, "rate": R, "skip": S, "akid": A, "account": C,
         "region": G, "target": T, "delay_ms": D, "offset_s": O}
  kind: throttle | error500 | error503 | truncated | drop | slow | html | expired | clock
  Applies to the next `count` matching DynamoDB calls (after skipping `skip`),
  or to each with probability `rate`. A call matches when its operation is
  `target` (default "ListBackups"; "*" for every operation) and, when given,
  its access key is `akid`, its account `account` and its region `region`.
  `clock` shifts the backend's clock by `offset_s` seconds (signature dates
  and the Date header), as if the browser's clock were off by -offset_s.
"""

import argparse
import copy
import datetime as dt
import io
import json
import os
import random
import re
import sys
import threading
import time
import uuid
from email.utils import formatdate
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

import botocore.session
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from moto import settings as moto_settings
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.responses import DynamoHandler, DynamoResult
from moto.iam.access_control import IAMRequestBase
from moto.iam.models import iam_backends
from moto.server import DomainDispatcherApplication, create_backend_app
from moto.sts.models import sts_backends


def _authorised_list_backups(_handler):
    """moto's ListBackups, once moto has checked the signature and the policy.

    The front builds the real answer (pages, filters, sizes); moto's own would
    serialise every backup on each call (about 1.5 s with 20,000), so it
    answers with an empty list that the front never reads.
    """
    return DynamoResult({"BackupSummaries": []})


DynamoHandler.list_backups = _authorised_list_backups

# moto recomputes a form-encoded body's signature over its own re-encoding of
# the parsed fields, so a body percent-encoded otherwise than botocore does
# (RoleArn's ':' and '/' left as they are, say) fails although AWS, which signs
# the bytes sent, accepts it. The front hands moto the bytes that arrived.
_raw_body = threading.local()
_moto_create_aws_request = IAMRequestBase._create_aws_request


def _create_aws_request_over_raw_body(self):
    request = _moto_create_aws_request(self)
    body = getattr(_raw_body, "value", None)
    if body is not None:
        request.data = body
    return request


IAMRequestBase._create_aws_request = _create_aws_request_over_raw_body


HOME_ACCOUNT = ACCOUNT = "123456789012"
ROLE_NAME = "backup-lens-viewer"  # the home role the demo credentials are a session of
ADMIN_USER = "backup-lens-admin"  # the home user the home role trusts
MEMBER_ROLE = "BackupLensViewer"  # the role in each member account
MEMBER_ACCOUNTS = ("111122223333", "444455556666", "777788889999")
ACCOUNTS = (HOME_ACCOUNT,) + MEMBER_ACCOUNTS
EXTERNAL_IDS = {"111122223333": "lens-ext-1"}  # the member roles whose trust requires sts:ExternalId
NO_LIST_ACCOUNTS = ("777788889999",)  # member roles without dynamodb:ListBackups and ListTables
SERVED_REGIONS = ("us-east-1", "eu-west-1", "eu-south-2")  # and --region, when it is another
DISABLED_REGIONS = {("444455556666", "eu-south-2")}  # (account, region) pairs not enabled
# --org-bench: 10 member accounts (instead of MEMBER_ACCOUNTS) over 4 regions, every pair enabled.
BENCH_ACCOUNTS = tuple(f"2100000000{i:02d}" for i in range(1, 11))
BENCH_REGIONS = ("us-east-1", "eu-west-1", "eu-south-2", "ap-southeast-2")
BENCH_MODES = ("even", "skewed")
PARTITION = "aws"
HOME_ROLE_ARN = f"arn:aws:iam::{HOME_ACCOUNT}:role/{ROLE_NAME}"

DYNAMODB_PREFIX = "DynamoDB_20120810."
LIST_BACKUPS = DYNAMODB_PREFIX + "ListBackups"
DYNAMODB_OPERATIONS = frozenset(botocore.session.get_session().get_service_model("dynamodb").operation_names)
STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
OP_RATE_LIMITS = {"DescribeBackup": 10, "ListTables": 5, "DescribeContinuousBackups": 5}
ALLOWED_HEADERS = [
    "authorization",
    "content-type",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-target",
    "x-amz-user-agent",
]
EXPOSED_HEADERS = "x-amzn-RequestId, x-amzn-ErrorType, x-amz-crc32, Date"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
MAX_PAGE_BYTES = 1_000_000
DAY = 86_400

READ_ACTIONS = ["dynamodb:ListBackups", "dynamodb:DescribeBackup", "dynamodb:ListTables",
                "dynamodb:DescribeContinuousBackups"]
VIEWER_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": READ_ACTIONS, "Resource": "*"},
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": f"arn:aws:iam::*:role/{MEMBER_ROLE}"},
    ],
}
MEMBER_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": READ_ACTIONS, "Resource": "*"}]}
NO_LIST_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["dynamodb:DescribeBackup", "dynamodb:DescribeContinuousBackups"], "Resource": "*"}]}

# Table shapes by name, for DescribeBackup's SourceTableDetails and SourceTableFeatureDetails.
# range: sort key (name, type); gsi: [(index, hash, range or None)]; lsi: [(index, sort attribute)];
# stream: view type; ttl: attribute; sse: KMS; provisioned: (RCU, WCU); on_demand: (max RRU, max WRU);
# item: mean item size in bytes (ItemCount = size / item).
TABLE_SHAPES = {
    "orders": {"range": ("sk", "S"), "gsi": [("by-customer", "customer_id", "created_at")],
               "stream": "NEW_AND_OLD_IMAGES", "item": 2400},
    "customers": {"gsi": [("by-email", "email", None)], "sse": True, "item": 1800},
    "payments": {"range": ("sk", "S"), "provisioned": (400, 200), "stream": "NEW_IMAGE", "sse": True, "item": 1200},
    "inventory": {"range": ("sku", "S"), "lsi": [("by-updated", "updated_at")], "item": 700},
    "sessions": {"ttl": "expires_at", "item": 900},
    "audit-log": {"range": ("ts", "N"), "stream": "KEYS_ONLY", "ttl": "purge_at", "item": 600},
    "catalog.products": {"gsi": [("by-category", "category", "price")], "item": 3500},
    "analytics_events": {"range": ("event_time", "N"), "provisioned": (1000, 2500), "item": 400},
    "user-profiles": {"sse": True, "on_demand": (4000, 1000), "item": 2000},
    "feature-flags": {"item": 300},
    "notifications": {"range": ("sent_at", "N"), "ttl": "expires_at", "item": 500},
    "search-index": {"range": ("term", "S"), "item": 150},
    "gdpr-requests": {"gsi": [("by-status", "status", "received_at")], "sse": True, "item": 1500},
    "consent-log": {"range": ("ts", "N"), "stream": "NEW_IMAGE", "item": 350},
    "invoices": {"range": ("invoice_no", "S"), "gsi": [("by-due-date", "due_date", None)], "item": 4200},
    "cart-items": {"range": ("sku", "S"), "ttl": "abandon_at", "item": 800},
    "price-rules": {"gsi": [("by-store", "store_id", "priority")], "item": 600},
    "store-inventory": {"range": ("sku", "S"), "stream": "NEW_AND_OLD_IMAGES", "provisioned": (300, 150), "item": 450},
    "loyalty-points": {"provisioned": (50, 25), "item": 250},
    "receipts": {"range": ("issued_at", "N"), "sse": True, "item": 3000},
    "promotions": {"item": 1100},
    "ingest-jobs": {"range": ("run_id", "S"), "ttl": "expires_at", "item": 700},
    "pipeline-state": {"stream": "NEW_AND_OLD_IMAGES", "item": 5000},
    "schema-registry": {"range": ("version", "N"), "gsi": [("by-subject", "subject", None)], "item": 9000},
    "lineage-edges": {"range": ("target", "S"), "gsi": [("reverse", "target", "pk")], "item": 350},
    "quality-checks": {"range": ("checked_at", "N"), "ttl": "purge_at", "item": 650},
    "metrics-rollup": {"range": ("bucket", "S"), "provisioned": (2000, 4000), "item": 220},
    "access-reviews": {"range": ("reviewer", "S"), "sse": True, "item": 1300},
    "key-rotation-log": {"range": ("rotated_at", "N"), "stream": "KEYS_ONLY", "item": 400},
    "incident-timeline": {"range": ("ts", "N"), "ttl": "purge_at", "sse": True, "item": 2100},
    "scanner-findings": {"gsi": [("by-severity", "severity", "found_at")], "sse": True, "item": 2700},
}
# What each account keeps outside the home account's default region: (name, typical size in bytes).
CATALOGUES = {
    HOME_ACCOUNT: [("orders", 12e9), ("customers", 2e9), ("payments", 30e9), ("sessions", 60e9),
                   ("gdpr-requests", 80e6), ("consent-log", 3e9), ("invoices", 25e9)],
    "111122223333": [("cart-items", 8e9), ("price-rules", 50e6), ("store-inventory", 12e9),
                     ("loyalty-points", 3e9), ("receipts", 90e9), ("promotions", 200e6)],
    "444455556666": [("ingest-jobs", 2e9), ("pipeline-state", 400e6), ("schema-registry", 30e6),
                     ("lineage-edges", 75e9), ("quality-checks", 5e9), ("metrics-rollup", 150e9)],
    "777788889999": [("access-reviews", 600e6), ("key-rotation-log", 80e6), ("incident-timeline", 4e9),
                     ("scanner-findings", 25e9)],
}
# Tables that never had a backup (the home default region always has the first of its list).
IDLE_TABLES = {
    HOME_ACCOUNT: ["legacy-reports", "load-test-tmp"],
    "111122223333": ["tmp-import-2026", "experiments"],
    "444455556666": ["scratch", "dead-letter"],
    "777788889999": ["honeytokens"],
}


def ddb_error(code, message, status=400):
    body = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message}
    if code in ("UnrecognizedClientException", "InvalidSignatureException", "MissingAuthenticationTokenException",
                "IncompleteSignatureException", "AccessDeniedException", "ExpiredTokenException",
                "UnknownOperationException"):
        body["__type"] = f"com.amazon.coral.service#{code}"
    if message is None:
        body.pop("message")
    return status, body, code


# The front's own refusals (DynamoDB's codes) as STS says them: (code, status).
STS_CODES = {
    "MissingAuthenticationTokenException": ("MissingAuthenticationToken", 403),
    "IncompleteSignatureException": ("IncompleteSignature", 400),
    "InvalidSignatureException": ("SignatureDoesNotMatch", 403),
    "UnrecognizedClientException": ("InvalidClientTokenId", 403),
    "ExpiredTokenException": ("ExpiredToken", 403),  # what STS answers an expired session (aws-sdk-java-v2#1649)
}


def sts_error(code, message, status=400):
    """STS's query-protocol error: (status, XML text, code)."""
    kind = "Receiver" if status >= 500 else "Sender"
    text = (f'<ErrorResponse xmlns="{STS_NS}">\n  <Error>\n    <Type>{kind}</Type>\n    <Code>{escape(code)}</Code>\n'
            f'    <Message>{escape(message)}</Message>\n  </Error>\n  <RequestId>{uuid.uuid4()}</RequestId>\n'
            '</ErrorResponse>\n')
    return status, text, code


def validation_error(errors):
    return ddb_error("ValidationException", f"{len(errors)} validation error{'s' if len(errors) > 1 else ''} detected: " + "; ".join(errors))


def check_limit(limit, errors):
    """DynamoDB's checks of a `Limit` of 1-100: a serialization error to answer at
    once, or None with any constraint messages added to `errors`."""
    if limit is None:
        return None
    if not isinstance(limit, int) or isinstance(limit, bool):
        return ddb_error("SerializationException", "NUMBER_VALUE cannot be converted to Integer")
    if limit < 1:
        errors.append(f"Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")
    if limit > 100:
        errors.append(f"Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100")
    return None


def amz(ts):
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(ts))


def parse_amz(s):
    try:
        return dt.datetime.strptime(s, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc).timestamp()
    except (TypeError, ValueError):
        return None


def parse_iso(s):
    """An ISO 8601 time as STS writes it (Z or an offset, with or without fraction); epoch seconds."""
    try:
        return dt.datetime.fromisoformat(s.strip().replace("Z", "+00:00")).timestamp()
    except (AttributeError, ValueError):
        return None


def iso(ts):
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).isoformat()


def epoch(naive_utc):
    return naive_utc.replace(tzinfo=dt.timezone.utc).timestamp()


def parse_auth(request):
    """The Authorization header's parts, or None when it is not SigV4."""
    auth = request.headers.get("Authorization")
    if not auth:
        return None
    m = re.fullmatch(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, ?"
                     r"SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})", auth.strip())
    if not m:
        return None
    return dict(zip(("akid", "date", "region", "service", "signed", "signature"), m.groups()))


def akid_of(request):
    m = re.search(r"Credential=([^/]+)/", request.headers.get("Authorization", ""))
    return m.group(1) if m else None


def scope_of(request):
    """(region, service) of the credential scope, as far as it can be read."""
    m = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/", request.headers.get("Authorization", ""))
    return (m.group(1), m.group(2)) if m else (None, None)


class Backend:
    def __init__(self, region, port, seed, count, days, app_origins=(), org_bench=None, org_bench_backups=20000):
        self.region = region  # the default region (demo credentials, /_backend/backups without ?region)
        if org_bench not in (None,) + BENCH_MODES:
            raise ValueError(f"--org-bench: {org_bench!r} is not one of {', '.join(BENCH_MODES)}")
        self.org_bench, self.org_bench_backups = org_bench, org_bench_backups
        # The organisation served: the demo's (constants above) or the benchmark's.
        self.member_accounts = BENCH_ACCOUNTS if org_bench else MEMBER_ACCOUNTS
        self.accounts = (HOME_ACCOUNT,) + self.member_accounts
        self.external_ids = {} if org_bench else dict(EXTERNAL_IDS)
        self.no_list_accounts = () if org_bench else NO_LIST_ACCOUNTS
        self.disabled_regions = set() if org_bench else set(DISABLED_REGIONS)
        self.regions = [region] + [r for r in (BENCH_REGIONS if org_bench else SERVED_REGIONS) if r != region]
        self.port = port
        self.app_origins = set(app_origins)  # origins that may use /_backend/ from a browser
        self.control_hosts = {f"{h}:{port}" for h in LOOPBACK_HOSTS} | (set(LOOPBACK_HOSTS) if port == 80 else set())
        self.lock = threading.Lock()
        self.requests = []
        self.meta = {}  # BackupArn -> fields moto does not model
        self.tables = {}  # (account, region) -> {table name -> fields moto does not model}
        self.admin_keys = None
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.seed, self.count, self.days = seed, count, days
        self.ready = False
        self.faults = []
        self.clock_offset = 0.0
        self.rate_limit = 5  # ListBackups calls per second per account and region
        self.op_rate_limits = dict(OP_RATE_LIMITS)
        self.sts_duration_s = 0
        self.expirations = {}  # session access key id -> expiry (epoch seconds, real clock)
        self.accepted = {}  # (operation, account, region) -> arrival times of accepted calls (last second)
        self.extra = {}  # (account, region) -> raw summaries added through /_backend/inject
        self.cache = {}  # (account, region) -> (key, summaries)
        self.rng = random.Random(seed + 1)

    def now(self):
        """The backend's clock: real time plus any injected offset."""
        return time.time() + self.clock_offset

    def enabled(self, account, region):
        return (account, region) not in self.disabled_regions

    def pairs(self):
        return [(a, r) for a in self.accounts for r in self.regions]

    # ---- seeding -------------------------------------------------------

    def seed_data(self):
        """Roles and users in every account, then tables and backups in every enabled (account, region)."""
        # Every request is authenticated from the first: seeding talks to moto's models directly.
        moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
        self.seed_iam()
        now = time.time()
        # The home account's default region: the same tables and backups as ever for a given seed.
        rng = random.Random(self.seed)
        tables = seed_tables(rng)
        self.seed_pair(HOME_ACCOUNT, self.region, rng, tables, self.count, IDLE_TABLES[HOME_ACCOUNT][:1], now,
                       random.Random(f"{self.seed}/{HOME_ACCOUNT}/{self.region}/shapes"))
        bench = self.bench_counts() if self.org_bench else {}
        for account, region in self.pairs():
            if (account, region) == (HOME_ACCOUNT, self.region) or not self.enabled(account, region):
                continue
            if account in BENCH_ACCOUNTS:
                self.seed_bench_pair(account, region, bench.get((account, region), 0), now)
                continue
            rng = random.Random(f"{self.seed}/{account}/{region}")
            catalogue = CATALOGUES[account]
            chosen = rng.sample(catalogue, rng.randint(3, len(catalogue)))
            tables = [{"name": n, "base": base * rng.uniform(0.5, 1.5), "id": str(uuid.UUID(int=rng.getrandbits(128), version=4))}
                      for n, base in chosen]
            idle = IDLE_TABLES[account]
            idle = rng.sample(idle, rng.randint(1, len(idle))) if rng.random() < 0.6 else []
            # A member account's default region holds more than the others (at least 120).
            count = rng.randint(120, 300) if region == self.region else rng.randint(20, 300)
            self.seed_pair(account, region, rng, tables, count, idle, now, rng)
        self.ready = True

    def bench_counts(self):
        """--org-bench: how many backups each of the 40 (member, region) pairs holds (exactly N in all)."""
        pairs = [(a, r) for a in BENCH_ACCOUNTS for r in BENCH_REGIONS]
        total = max(0, self.org_bench_backups)
        counts = {}
        if self.org_bench == "skewed":
            big = pairs.pop()  # the last pair: a client that starts sources in order starts it last
            counts[big] = total // 2
            total -= counts[big]
        share, rest = divmod(total, len(pairs))
        for i, pair in enumerate(pairs):
            counts[pair] = share + (1 if i < rest else 0)
        return counts

    def seed_bench_pair(self, account, region, count, now):
        """--org-bench: `count` backups on 3 to 6 tables (fewer when count is smaller) of one pair.

        Kept fast (20,000 backups in about a second): no encrypted tables (moto makes an RSA KMS key
        for each account and region that has one, ~30 ms each), and the backups of one table share
        one copy of it (moto deep-copies the table into every backup, ~0.2 ms each)."""
        rng = random.Random(f"{self.seed}/bench/{account}/{region}")
        names = sorted(n for n, shape in TABLE_SHAPES.items() if not shape.get("sse"))
        chosen = rng.sample(names, min(rng.randint(3, 6), max(1, count)))
        tables = [{"name": n, "base": rng.uniform(50e6, 50e9), "id": str(uuid.UUID(int=rng.getrandbits(128), version=4))}
                  for n in chosen]
        if count == 0:  # a table, but not one backup
            tables, idle = [], chosen[:1]
        else:
            idle = []
        self.seed_pair(account, region, rng, tables, count, idle, now, rng, shared_snapshots=True)

    def seed_iam(self):
        iam = iam_backends[HOME_ACCOUNT][PARTITION]
        trust = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{HOME_ACCOUNT}:user/{ADMIN_USER}"}, "Action": "sts:AssumeRole"}]}
        iam.create_role(role_name=ROLE_NAME, assume_role_policy_document=json.dumps(trust), path="/",
                        permissions_boundary=None, description="Backup Lens demo viewer", tags=[],
                        max_session_duration="3600")
        iam.put_role_policy(ROLE_NAME, "backup-lens-viewer", json.dumps(VIEWER_POLICY))
        iam.create_user(region_name=self.region, user_name=ADMIN_USER)
        iam.put_user_policy(ADMIN_USER, "assume-viewer", json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
        key = iam.create_access_key(ADMIN_USER)
        self.admin_keys = (key.access_key_id, key.secret_access_key)
        for account in self.member_accounts:
            statement = {"Effect": "Allow", "Principal": {"AWS": HOME_ROLE_ARN}, "Action": "sts:AssumeRole"}
            if account in self.external_ids:
                statement["Condition"] = {"StringEquals": {"sts:ExternalId": self.external_ids[account]}}
            member = iam_backends[account][PARTITION]
            member.create_role(role_name=MEMBER_ROLE, assume_role_policy_document=json.dumps(
                {"Version": "2012-10-17", "Statement": [statement]}), path="/", permissions_boundary=None,
                description="Backup Lens: read DynamoDB backups", tags=[], max_session_duration="3600")
            policy = NO_LIST_POLICY if account in self.no_list_accounts else MEMBER_POLICY
            member.put_role_policy(MEMBER_ROLE, "backup-lens-read", json.dumps(policy))

    def seed_pair(self, account, region, rng, tables, count, idle, now, shape_rng, shared_snapshots=False):
        """Creates `tables` (with backups from `rng`) and `idle` tables (none) in one account and region.
        shared_snapshots: moto copies the table into only the first backup of each table; the others
        share that copy (a backup's table is never changed; the same rows, much faster)."""
        backend = dynamodb_backends[account][region]
        metas = self.tables.setdefault((account, region), {})
        oldest = now - self.days * DAY
        specs = [dict(t) for t in tables] + [{"name": n, "base": 0, "id": None} for n in idle]
        for i, t in enumerate(specs):
            table = create_table(backend, t["name"], TABLE_SHAPES.get(t["name"], {}))
            created = round(oldest - shape_rng.uniform(3, 700) * DAY, 3)
            table.created_at = dt.datetime.fromtimestamp(created, dt.timezone.utc).replace(tzinfo=None)
            shape = TABLE_SHAPES.get(t["name"], {})
            if shape.get("ttl"):
                table.ttl = {"TimeToLiveStatus": "ENABLED", "AttributeName": shape["ttl"]}
            # PITR: on for the first table, off for the second, a coin toss for the others.
            pitr = i == 0 or (i > 1 and shape_rng.random() < 0.5)
            since = None
            if pitr:
                since = round(max(created, now - shape_rng.uniform(1, 500) * DAY), 3)
                backend.update_continuous_backups(t["name"], {"PointInTimeRecoveryEnabled": True})
                table.continuous_backups["PointInTimeRecoveryDescription"]["EarliestRestorableDateTime"] = since
            metas[t["name"]] = {
                "id": t["id"] or str(uuid.UUID(int=shape_rng.getrandbits(128), version=4)),
                "created": created,
                "item": shape.get("item", 1000),
                "pitr_since": since,
                "on_demand": shape.get("on_demand"),
            }
        snapshots = {}  # table name -> its first backup (shared_snapshots)
        for b in seed_backups(rng, tables, now, count, self.days):
            first = snapshots.get(b["table"]["name"])
            if first is None:
                backup = backend.create_backup(b["table"]["name"], b["name"])
                old_arn = backup.arn
                if shared_snapshots:
                    snapshots[b["table"]["name"]] = backup
            else:
                backup = copy.copy(first)  # the same (read-only) table snapshot
                backup.name = b["name"]
                old_arn = None
            created = b["created"]
            backup.creation_date_time = dt.datetime.fromtimestamp(created, dt.timezone.utc).replace(tzinfo=None)
            backup.identifier = f"{int(created * 1000):014d}-{rng.getrandbits(32):08x}"
            backup.type = b["type"]
            backup.status = b["status"]
            if old_arn is not None:
                backend.backups.pop(old_arn)
            backend.backups[backup.arn] = backup
            self.meta[backup.arn] = {
                "created": created,
                "size": b["size"],
                "table_id": b["table"]["id"],
                "expiry": created + 35 * DAY if b["type"] == "SYSTEM" else None,
            }

    def demo_credentials(self):
        """A fresh session of the home role (what the admin user would get from AssumeRole)."""
        session = sts_backends[HOME_ACCOUNT][PARTITION].assume_role(
            region_name=self.region, role_session_name=f"backup-lens-demo-{uuid.uuid4().hex[:8]}",
            role_arn=HOME_ROLE_ARN, policy=None, duration=3600, external_id=None)
        expires = self.session_issued(session.access_key_id, epoch(session.expiration))
        return {"AccessKeyId": session.access_key_id, "SecretAccessKey": session.secret_access_key,
                "SessionToken": session.session_token, "Expiration": iso(expires),
                "Region": self.region, "Account": HOME_ACCOUNT}

    def session_issued(self, akid, moto_expiry):
        """Records a new session's expiry (shortened by sts_duration_s); returns it."""
        expires = moto_expiry
        if self.sts_duration_s > 0:
            expires = min(expires, time.time() + self.sts_duration_s)
        with self.lock:
            self.expirations[akid] = expires
        return expires

    def expired(self, akid):
        expires = self.expirations.get(akid)
        return expires is not None and time.time() >= expires

    # ---- identities ------------------------------------------------------

    def account_of(self, akid):
        """The account an access key belongs to (moto's mapping), or None when no account knows it."""
        if not akid:
            return None
        for account_id, account in list(iam_backends.items()):
            if akid in account[PARTITION].access_keys:
                return account_id
        return None

    def identity(self, akid):
        """Who signs with `akid`: its ARN and the principals a trust policy may name for it."""
        account = self.account_of(akid)
        if account is None:
            return None
        root = {f"arn:aws:iam::{account}:root", account}
        for session in list(sts_backends[account][PARTITION].assumed_roles):
            if session.access_key_id == akid:
                return {"account": account, "arn": session.arn, "session": True,
                        "principals": {session.arn, session.role_arn} | root}
        user = iam_backends[account][PARTITION].get_user_from_access_key_id(akid)
        if user is None:
            return None
        return {"account": account, "arn": user.arn, "session": False, "principals": {user.arn} | root}

    def assume_refusal(self, caller, role_arn, external_id, duration):
        """Why `caller` may not assume `role_arn` (an STS error), or None. moto checks a role's trust
        policy only when the role is in the caller's own account, and lets a missing external id pass."""
        denied = sts_error("AccessDenied", f"User: {caller['arn'] if caller else 'anonymous'} is not authorized "
                                           f"to perform: sts:AssumeRole on resource: {role_arn}", 403)
        m = re.fullmatch(r"arn:aws:iam::(\d{12}):role/(?:[\w+=,.@-]+/)*[\w+=,.@-]+", role_arn or "")
        if not caller or not m:
            return denied
        role = next((r for r in iam_backends[m.group(1)][PARTITION].get_roles() if r.arn == role_arn), None)
        if role is None or not trust_allows(role.assume_role_policy_document, caller["principals"],
                                            {"sts:ExternalId": external_id}):
            return denied
        if caller["session"] and duration > 3600:
            return sts_error("ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit "
                                                "for roles assumed by role chaining.", 400)
        if duration > int(role.max_session_duration or 3600):
            return sts_error("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set "
                                                "for this role.", 400)
        return None

    def drop_session(self, akid):
        """Forgets a session moto created before the front refused it."""
        account = self.account_of(akid)
        if account is None:
            return
        iam_backends[account][PARTITION].access_keys.pop(akid, None)
        sts = sts_backends[account][PARTITION]
        sts.assumed_roles = [s for s in sts.assumed_roles if s.access_key_id != akid]

    # ---- the backup set ------------------------------------------------

    def summaries(self, account=HOME_ACCOUNT, region=None):
        region = region or self.region
        backend = dynamodb_backends[account][region]
        extra = self.extra.get((account, region), [])
        key = (len(backend.backups), len(extra), id(backend.backups))
        cached = self.cache.get((account, region))
        if cached and cached[0] == key:
            return cached[1]
        out = list(extra)
        for arn, b in list(backend.backups.items()):
            m = self.meta.get(arn, {})
            created = m.get("created") or epoch(b.creation_date_time)
            s = {
                "TableName": b.table.name,
                "TableId": m.get("table_id"),
                "TableArn": b.table.table_arn,
                "BackupArn": arn,
                "BackupName": b.name,
                "BackupCreationDateTime": created,
                "BackupExpiryDateTime": m.get("expiry"),
                "BackupStatus": b.status,
                "BackupType": b.type,
                "BackupSizeBytes": m.get("size", 123),
            }
            out.append({k: v for k, v in s.items() if v is not None})
        out.sort(key=lambda s: (s.get("BackupCreationDateTime", 0), s.get("BackupArn", "")))
        self.cache[(account, region)] = (key, out)
        return out

    def list_backups(self, params, account=HOME_ACCOUNT, region=None):
        errors = []
        limit = params.get("Limit")
        refused = check_limit(limit, errors)
        if refused:
            return refused
        table = params.get("TableName")
        if table is not None:
            if not isinstance(table, str):
                return ddb_error("SerializationException", "Unexpected value type in payload")
            if len(table) < 1 or len(table) > 1024:
                errors.append(f"Value '{table}' at 'tableName' failed to satisfy constraint: Member must have length between 1 and 1024")
            elif not table.startswith("arn:") and not re.fullmatch(r"[a-zA-Z0-9_.-]{3,255}", table):
                errors.append(f"Value '{table}' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
        backup_type = params.get("BackupType", "USER")
        if backup_type not in ("USER", "SYSTEM", "AWS_BACKUP", "ALL"):
            errors.append(f"Value '{backup_type}' at 'backupType' failed to satisfy constraint: Member must satisfy enum value set: [USER, SYSTEM, AWS_BACKUP, ALL]")
        start = params.get("ExclusiveStartBackupArn")
        if start is not None and (not isinstance(start, str) or not 37 <= len(start) <= 1024):
            errors.append("Value at 'exclusiveStartBackupArn' failed to satisfy constraint: Member must have length between 37 and 1024")
        lower, upper = params.get("TimeRangeLowerBound"), params.get("TimeRangeUpperBound")
        for name, v in (("TimeRangeLowerBound", lower), ("TimeRangeUpperBound", upper)):
            if v is not None and (not isinstance(v, (int, float)) or isinstance(v, bool)):
                return ddb_error("SerializationException", f"{name} must be a number (epoch seconds)")
        if errors:
            return validation_error(errors)
        if lower is not None and upper is not None and lower >= upper:
            return ddb_error("ValidationException", "TimeRangeUpperBound must be greater than TimeRangeLowerBound")

        wanted = {"USER": {"USER"}, "SYSTEM": {"SYSTEM"}, "AWS_BACKUP": {"AWS_BACKUP"}, "ALL": {"USER", "SYSTEM"}}[backup_type]
        rows = [s for s in self.summaries(account, region)
                if s.get("BackupType") in wanted
                and (table is None or table in (s.get("TableName"), s.get("TableArn")))
                and (lower is None or s.get("BackupCreationDateTime", 0) >= lower)
                and (upper is None or s.get("BackupCreationDateTime", 0) < upper)]
        begin = 0
        if start is not None:
            arns = [s.get("BackupArn") for s in rows]
            if start not in arns:
                return ddb_error("ValidationException", "Invalid ExclusiveStartBackupArn: no such backup in this listing")
            begin = arns.index(start) + 1
        page, size = [], 2
        for s in rows[begin:]:
            if limit is not None and len(page) >= limit:
                break
            size += len(json.dumps(s)) + 1
            if size > MAX_PAGE_BYTES:
                break
            page.append(s)
        body = {"BackupSummaries": page}
        # Like DynamoDB, a full page carries a cursor even when nothing follows:
        # the next (empty) page is what says the listing is complete.
        full = limit is not None and len(page) == limit
        if page and (begin + len(page) < len(rows) or full):
            body["LastEvaluatedBackupArn"] = page[-1]["BackupArn"]
        return 200, body, None

    # ---- the other DynamoDB operations ----------------------------------

    def validate(self, op, params):
        """DynamoDB's request validation for the operations the front answers itself (None: valid)."""
        errors = []
        if op == "ListTables":
            refused = check_limit(params.get("Limit"), errors)
            if refused:
                return refused
            start = params.get("ExclusiveStartTableName")
            if start is not None:
                if not isinstance(start, str):
                    return ddb_error("SerializationException", "Unexpected value type in payload")
                if not 3 <= len(start) <= 255:
                    errors.append(f"Value '{start}' at 'exclusiveStartTableName' failed to satisfy constraint: Member must have length between 3 and 255")
                elif not re.fullmatch(r"[a-zA-Z0-9_.-]+", start):
                    errors.append(f"Value '{start}' at 'exclusiveStartTableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
        elif op == "DescribeBackup":
            arn = params.get("BackupArn")
            if arn is None:
                errors.append("Value null at 'backupArn' failed to satisfy constraint: Member must not be null")
            elif not isinstance(arn, str):
                return ddb_error("SerializationException", "Unexpected value type in payload")
            elif not 37 <= len(arn) <= 1024:
                errors.append(f"Value '{arn}' at 'backupArn' failed to satisfy constraint: Member must have length between 37 and 1024")
        elif op == "DescribeContinuousBackups":
            table = params.get("TableName")
            if table is None:
                errors.append("Value null at 'tableName' failed to satisfy constraint: Member must not be null")
            elif not isinstance(table, str):
                return ddb_error("SerializationException", "Unexpected value type in payload")
            elif not 1 <= len(table) <= 1024:
                errors.append(f"Value '{table}' at 'tableName' failed to satisfy constraint: Member must have length between 1 and 1024")
        return validation_error(errors) if errors else None

    def list_tables(self, params, account, region):
        """ListTables in DynamoDB's order (by name) from any start name; moto keeps creation order and
        answers an empty page when the start name is not a table."""
        names = sorted(dynamodb_backends[account][region].tables, key=lambda n: n.encode())
        start = params.get("ExclusiveStartTableName")
        limit = params.get("Limit") or 100
        if start is not None:
            names = [n for n in names if n.encode() > start.encode()]
        body = {"TableNames": names[:limit]}
        if len(names) > limit:
            body["LastEvaluatedTableName"] = names[limit - 1]
        return 200, body, None

    def describe_backup(self, params, account, region):
        """DescribeBackup with what the seed says (size, times, table id and size, features): moto's
        answer has size 123, no expiry, and a TableDescription for SourceTableDetails."""
        arn = params["BackupArn"]
        backup = dynamodb_backends[account][region].backups.get(arn)
        if backup is None:
            return ddb_error("BackupNotFoundException", f"Backup not found: {arn}")
        m = self.meta.get(arn, {})
        table = backup.table
        tmeta = self.tables.get((account, region), {}).get(table.name, {})
        size = m.get("size", 123)
        details = {
            "BackupArn": arn,
            "BackupName": backup.name,
            "BackupSizeBytes": size,
            "BackupStatus": backup.status,
            "BackupType": backup.type,
            "BackupCreationDateTime": m.get("created") or epoch(backup.creation_date_time),
        }
        if m.get("expiry"):
            details["BackupExpiryDateTime"] = m["expiry"]
        throughput = table.throughput or {}
        source = {
            "TableName": table.name,
            "TableId": m.get("table_id") or tmeta.get("id"),
            "TableArn": table.table_arn,
            "TableSizeBytes": size,
            "KeySchema": table.schema,
            "TableCreationDateTime": tmeta.get("created") or epoch(table.created_at),
            "ProvisionedThroughput": {"ReadCapacityUnits": throughput.get("ReadCapacityUnits", 0),
                                      "WriteCapacityUnits": throughput.get("WriteCapacityUnits", 0)},
            "ItemCount": int(size // max(1, tmeta.get("item", 1000))),
            "BillingMode": table.billing_mode or "PROVISIONED",
        }
        if tmeta.get("on_demand"):
            source["OnDemandThroughput"] = {"MaxReadRequestUnits": tmeta["on_demand"][0],
                                            "MaxWriteRequestUnits": tmeta["on_demand"][1]}
        features = {}
        if table.indexes:
            features["LocalSecondaryIndexes"] = [
                {"IndexName": i.name, "KeySchema": i.schema, "Projection": i.projection} for i in table.indexes]
        if table.global_indexes:
            features["GlobalSecondaryIndexes"] = [
                {"IndexName": i.name, "KeySchema": i.schema, "Projection": i.projection,
                 "ProvisionedThroughput": {"ReadCapacityUnits": (i.throughput or {}).get("ReadCapacityUnits", 0),
                                           "WriteCapacityUnits": (i.throughput or {}).get("WriteCapacityUnits", 0)}}
                for i in table.global_indexes]
        stream = table.stream_specification or {}
        if stream.get("StreamEnabled"):
            features["StreamDescription"] = {"StreamEnabled": True, "StreamViewType": stream.get("StreamViewType")}
        features["TimeToLiveDescription"] = dict(table.ttl)
        if table.sse_specification and table.sse_specification.get("Enabled"):
            features["SSEDescription"] = {"Status": "ENABLED", "SSEType": "KMS",
                                          "KMSMasterKeyArn": table.sse_specification.get("KMSMasterKeyId")}
        return 200, {"BackupDescription": {"BackupDetails": details, "SourceTableDetails": source,
                                           "SourceTableFeatureDetails": features}}, None

    def continuous_backups(self, answer):
        """moto's DescribeContinuousBackups with a restorable window like DynamoDB's: from when PITR
        was turned on (at most its recovery period back) to five minutes ago."""
        pitr = answer.get("ContinuousBackupsDescription", {}).get("PointInTimeRecoveryDescription", {})
        if pitr.get("PointInTimeRecoveryStatus") == "ENABLED":
            now = time.time()
            period = pitr.get("RecoveryPeriodInDays", 35)
            since = pitr.get("EarliestRestorableDateTime") or now
            pitr["EarliestRestorableDateTime"] = round(max(since, now - period * DAY), 3)
            pitr["LatestRestorableDateTime"] = round(max(pitr["EarliestRestorableDateTime"], now - 300), 3)
        return 200, answer, None

    # ---- the front -----------------------------------------------------

    def check_signing(self, request, expected_service):
        """The checks moto skips, as (DynamoDB error code, message); None when they pass."""
        auth = request.headers.get("Authorization")
        if not auth:
            return "MissingAuthenticationTokenException", "Request is missing Authentication Token"
        parts = parse_auth(request)
        if not parts:
            return "IncompleteSignatureException", f"Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters. Authorization={auth[:40]}"
        akid, scope_date, region, service, signed = (parts[k] for k in ("akid", "date", "region", "service", "signed"))
        stamp = request.headers.get("X-Amz-Date")
        when = parse_amz(stamp)
        if when is None:
            return "IncompleteSignatureException", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        now = self.now()
        if when < now - 300:
            return "InvalidSignatureException", f"Signature expired: {stamp} is now earlier than {amz(now - 300)} ({amz(now)} - 5 min.)"
        if when > now + 300:
            return "InvalidSignatureException", f"Signature not yet current: {stamp} is still later than {amz(now + 300)} ({amz(now)} + 5 min.)"
        if scope_date != stamp[:8]:
            return "InvalidSignatureException", f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{scope_date}' != '{stamp[:8]}', from '{stamp}'."
        if region not in self.regions:
            return "InvalidSignatureException", f"Credential should be scoped to a valid region, not '{region}'. "
        if service != expected_service:
            return "InvalidSignatureException", f"Credential should be scoped to correct service: '{expected_service}'. "
        names = signed.split(";")
        if "host" not in names:
            return "InvalidSignatureException", "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
        if akid.startswith("ASIA") and not request.headers.get("X-Amz-Security-Token"):
            return "UnrecognizedClientException", "The security token included in the request is invalid."
        if request.headers.get("X-Amz-Security-Token") and "x-amz-security-token" not in names:
            return "InvalidSignatureException", "The security token must be signed."
        return None

    def call_moto(self, environ, body):
        """moto's answer to the request (it authenticates and authorises it first): (status, text)."""
        env = dict(environ)
        env["wsgi.input"] = io.BytesIO(body)
        env["CONTENT_LENGTH"] = str(len(body))
        env.pop("HTTP_X_MOTO_ACCOUNT_ID", None)  # the access key alone says the account
        captured = {}

        def start_response(status, headers, exc_info=None):
            captured["status"] = int(status.split()[0])
            return lambda _data: None

        _raw_body.value = body
        try:
            chunks = self.moto(env, start_response)
            text = b"".join(chunks).decode("utf-8", "replace")
            if hasattr(chunks, "close"):
                chunks.close()
        finally:
            _raw_body.value = None
        return captured.get("status", 500), text

    def forward_to_moto(self, environ, body, resource):
        """Lets moto authenticate, authorise and answer a DynamoDB request: (error or None, moto's text)."""
        status, text = self.call_moto(environ, body)
        if status < 300:
            return None, text
        code = re.search(r"<Code>(.*?)</Code>", text)
        message = re.search(r"<Message>(.*?)</Message>", text, re.S)
        code = code.group(1) if code else ""
        message = message.group(1) if message else text[:200]
        if not code:
            try:
                j = json.loads(text)
                code = j.get("__type", "").split("#")[-1]
                message = j.get("message") or j.get("Message") or message
            except ValueError:
                pass
        if code == "AccessDenied":
            # moto says "User: U is not authorized to perform: dynamodb:Op"; DynamoDB says more.
            action = re.search(r"perform: (\S+)", message)
            if action and " on resource" not in message:
                message += f" on resource: {resource} because no identity-based policy allows the {action.group(1)} action"
        translated = {
            "InvalidClientTokenId": ("UnrecognizedClientException", "The security token included in the request is invalid."),
            "SignatureDoesNotMatch": ("InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."),
            "AccessDenied": ("AccessDeniedException", message),
        }
        if code in translated:
            return ddb_error(*translated[code]), text
        return ddb_error(code or "InternalServerError", message, 500 if not code else 400), text

    def handle_dynamodb(self, request, environ):
        body = request.get_data()
        target = request.headers.get("X-Amz-Target", "")
        op = target[len(DYNAMODB_PREFIX):] if target.startswith(DYNAMODB_PREFIX) else None
        akid = akid_of(request)
        region, _service = scope_of(request)
        account = self.account_of(akid)
        record = {"t": time.time(), "service": "dynamodb", "target": target, "operation": op or target,
                  "akid": akid, "account": account, "region": region}
        with self.lock:
            self.requests.append(record)
        refusal = self.check_signing(request, "dynamodb")
        result = ddb_error(*refusal) if refusal else None
        if result is None and op not in DYNAMODB_OPERATIONS:
            result = ddb_error("UnknownOperationException", None)
        params = {}
        if result is None:
            try:
                params = json.loads(body or b"{}")
                if not isinstance(params, dict):
                    raise ValueError
            except ValueError:
                result = ddb_error("SerializationException", "Start of structure or map found where not expected.")
        if result is None and not self.enabled(account, region):
            # An opt-in region the account has not enabled does not know its credentials.
            result = ddb_error("UnrecognizedClientException", "The security token included in the request is invalid.")
        if result is None and self.expired(akid):
            result = ddb_error("ExpiredTokenException", "The security token included in the request is expired")
        if result is None and op != "ListBackups":
            result = self.validate(op, params)
        moto_text = ""
        if result is None:
            resource = f"arn:aws:dynamodb:{region}:{account}:table/*"
            if op == "DescribeBackup":
                resource = params["BackupArn"]
            elif op == "DescribeContinuousBackups":
                name = params["TableName"]
                resource = name if name.startswith("arn:") else f"arn:aws:dynamodb:{region}:{account}:table/{name}"
            result, moto_text = self.forward_to_moto(environ, body, resource)
        # The rate limit before injected faults: a throttled call does not use up a
        # fault's `skip` or `count` (tests count pages, not arrivals).
        if result is None and not self.admit(op, account, region, record["t"]):
            result = ddb_error("ThrottlingException", "Rate of requests exceeds the allowed throughput.")
        fault = None
        if result is None:
            fault = self.take_fault(akid, account, region, op)
            record["fault"] = fault and fault["kind"]
            if fault and fault["kind"] == "expired":
                result = ddb_error("ExpiredTokenException", "The security token included in the request is expired")
        if result is None:
            if op == "ListBackups":
                record["limit"] = params.get("Limit")
                record["start"] = params.get("ExclusiveStartBackupArn")
                result = self.list_backups(params, account, region)
            elif op == "ListTables":
                record["limit"] = params.get("Limit")
                record["start"] = params.get("ExclusiveStartTableName")
                result = self.list_tables(params, account, region)
            elif op == "DescribeBackup":
                result = self.describe_backup(params, account, region)
            else:
                try:
                    answer = json.loads(moto_text) if moto_text.strip() else {}
                except ValueError:
                    answer = {}
                result = self.continuous_backups(answer) if op == "DescribeContinuousBackups" else (200, answer, None)
        status, payload, code = result
        record["status"], record["code"] = status, code
        if fault and fault["kind"] != "expired":
            record["status"] = fault["kind"]
            return self.faulty_response(request, fault, payload, status, code)
        return self.json_response(request, payload, status, code)

    def handle_sts(self, request, environ):
        body = request.get_data()
        form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)

        def param(name):
            return (form.get(name) or [None])[0]

        action = param("Action") or ""
        akid = akid_of(request)
        region, _service = scope_of(request)
        account = self.account_of(akid)
        record = {"t": time.time(), "service": "sts", "target": action, "operation": action,
                  "akid": akid, "account": account, "region": region}
        with self.lock:
            self.requests.append(record)
        result = None
        refusal = self.check_signing(request, "sts")
        if refusal:
            code, status = STS_CODES[refusal[0]]
            result = sts_error(code, refusal[1], status)
        if result is None and self.expired(akid):
            result = sts_error("ExpiredToken", "The security token included in the request is expired", 403)
        role_arn, external_id, duration = param("RoleArn"), param("ExternalId"), 3600
        if result is None and action == "AssumeRole":
            errors = []
            if role_arn is None:
                errors.append("Value null at 'roleArn' failed to satisfy constraint: Member must not be null")
            elif not 20 <= len(role_arn) <= 2048:
                errors.append(f"Value '{role_arn}' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20")
            name = param("RoleSessionName")
            if name is None:
                errors.append("Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null")
            elif not re.fullmatch(r"[\w+=,.@-]{2,64}", name):
                errors.append(f"Value '{name}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*")
            if param("DurationSeconds") is not None:
                try:
                    duration = int(param("DurationSeconds"))
                except ValueError:
                    duration = None
                if duration is None or duration < 900:
                    errors.append(f"Value '{param('DurationSeconds')}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900")
                elif duration > 43200:
                    errors.append(f"Value '{duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200")
            if external_id is not None and not re.fullmatch(r"[\w+=,.@:/-]{2,1224}", external_id):
                errors.append(f"Value '{external_id}' at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*")
            if errors:
                result = sts_error("ValidationError", f"{len(errors)} validation error{'s' if len(errors) > 1 else ''} detected: " + "; ".join(errors), 400)
        text = ""
        if result is None:
            status, text = self.call_moto(environ, body)
            if status >= 300:
                code = re.search(r"<Code>(.*?)</Code>", text)
                message = re.search(r"<Message>(.*?)</Message>", text, re.S)
                code = code.group(1) if code else "InternalFailure"
                message = message.group(1) if message else "An internal error occurred."
                message = message.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
                if code == "AccessDenied" and action == "AssumeRole" and " on resource" not in message:
                    message += f" on resource: {role_arn}"
                result = sts_error(code, message, status)
        if result is None and action == "AssumeRole":
            new_akid = re.search(r"<AccessKeyId>(.*?)</AccessKeyId>", text)
            expiration = re.search(r"<Expiration>(.*?)</Expiration>", text)
            new_akid = new_akid.group(1) if new_akid else None
            result = self.assume_refusal(self.identity(akid), role_arn, external_id, duration)
            if result is not None:
                self.drop_session(new_akid)
            elif new_akid and expiration:
                expires = self.session_issued(new_akid, parse_iso(expiration.group(1)) or time.time() + duration)
                stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires))
                text = text.replace(expiration.group(0), f"<Expiration>{stamp}</Expiration>")
        if result is None:
            result = 200, text, None
        status, text, code = result
        record["status"], record["code"] = status, code
        resp = Response(text, status=status, content_type="text/xml")
        rid = re.search(r"<RequestId>(.*?)</RequestId>", text)
        resp.headers["x-amzn-RequestId"] = rid.group(1) if rid else str(uuid.uuid4())
        return self.cors(request, resp)

    def admit(self, op, account, region, arrival):
        """DynamoDB's control-plane rate limits, per account and region: `rate_limit` ListBackups calls
        per second, and op_rate_limits' for the others (0: no limit). Counted by arrival time, as
        the service counts them: not by when this process got round to checking (moto's signature
        check before it takes a variable time under load)."""
        limit = self.rate_limit if op == "ListBackups" else self.op_rate_limits.get(op, 0)
        if not limit:
            return True
        key = (op, account, region)
        now = arrival
        with self.lock:
            kept = [t for t in self.accepted.get(key, []) if t > now - 2.0]
            recent = [t for t in kept if now - 1.0 < t <= now]
            if len(recent) >= limit:
                self.accepted[key] = kept
                return False
            kept.append(now)
            self.accepted[key] = kept
            return True

    def take_fault(self, akid, account=None, region=None, op="ListBackups"):
        with self.lock:
            for f in self.faults:
                if f.get("akid") and f["akid"] != akid:
                    continue
                if f.get("account") and f["account"] != account:
                    continue
                if f.get("region") and f["region"] != region:
                    continue
                target = (f.get("target") or "ListBackups").split(".")[-1]
                if target != "*" and target != op:
                    continue
                if f.get("skip", 0) > 0:
                    f["skip"] -= 1
                    continue
                if f.get("count", 0) > 0:
                    f["count"] -= 1
                    return dict(f)
                if f.get("rate") and self.rng.random() < f["rate"]:
                    return dict(f)
        return None

    def faulty_response(self, request, fault, payload, status, code):
        kind = fault["kind"]
        if kind == "throttle":
            return self.json_response(request, ddb_error("ThrottlingException", "Rate of requests exceeds the allowed throughput.")[1], 400, "ThrottlingException")
        if kind == "error500":
            return self.json_response(request, {"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError", "message": "Internal server error"}, 500, "InternalServerError")
        if kind == "error503":
            return self.cors(request, Response("Service Unavailable", status=503, content_type="text/plain"))
        if kind == "html":
            page = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
            return self.cors(request, Response(page, status=502, content_type="text/html"))
        if kind == "truncated":
            text = json.dumps(payload)
            return self.cors(request, Response(text[: max(1, len(text) // 2)], status=status, content_type="application/x-amz-json-1.0"))
        if kind == "slow":
            time.sleep(fault.get("delay_ms", 2000) / 1000.0)
            return self.json_response(request, payload, status, code)
        if kind == "drop":
            # Headers promise a body that never fully arrives: the connection is cut mid-answer.
            text = json.dumps(payload).encode()

            def body():
                yield text[: len(text) // 3]
                raise ConnectionAbortedError("fault injection: connection dropped")
            resp = Response(body(), status=status, content_type="application/x-amz-json-1.0")
            resp.headers["Content-Length"] = str(len(text))
            return self.cors(request, resp)
        return self.json_response(request, payload, status, code)

    def json_response(self, request, payload, status=200, code=None):
        resp = Response(json.dumps(payload), status=status, content_type="application/x-amz-json-1.0")
        resp.headers["x-amzn-RequestId"] = uuid.uuid4().hex.upper()
        if code:
            resp.headers["x-amzn-ErrorType"] = f"{code}:"
        return self.cors(request, resp)

    def cors(self, request, resp):
        resp.headers["Access-Control-Allow-Origin"] = request.headers.get("Origin", "*")
        resp.headers["Vary"] = "Origin"
        resp.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        return resp

    def __call__(self, environ, start_response):
        request = Request(environ)
        path = request.path
        if path.startswith("/_backend/"):
            return self.control(request, path)(environ, start_response)
        if request.method == "OPTIONS":
            resp = Response(status=200)
            asked = [h.strip().lower() for h in request.headers.get("Access-Control-Request-Headers", "").split(",") if h.strip()]
            resp.headers["Access-Control-Allow-Methods"] = "POST, GET, OPTIONS"
            resp.headers["Access-Control-Allow-Headers"] = ", ".join(h for h in asked if h in ALLOWED_HEADERS) or ", ".join(ALLOWED_HEADERS)
            resp.headers["Access-Control-Max-Age"] = "600"
            return self.cors(request, resp)(environ, start_response)
        if request.method == "POST" and path == "/":
            if not self.ready:
                return self.json_response(request, {"__type": "com.amazon.coral.availability#ServiceUnavailableException",
                                                    "message": "seeding"}, 503, "ServiceUnavailableException")(environ, start_response)
            _region, service = scope_of(request)
            form = request.mimetype == "application/x-www-form-urlencoded"
            if "X-Amz-Target" not in request.headers and (service == "sts" or (service is None and form)):
                return self.handle_sts(request, environ)(environ, start_response)
            return self.handle_dynamodb(request, environ)(environ, start_response)
        return self.json_response(request, {"__type": "com.amazon.coral.service#UnknownOperationException"}, 404,
                                  "UnknownOperationException")(environ, start_response)

    def control_refusal(self, request):
        """Why a control request is refused, as (status, message); None when it may proceed."""
        if request.headers.get("Host", "").lower() not in self.control_hosts:
            return 403, "control routes answer only a loopback Host (127.0.0.1, localhost, [::1]) on this port"
        origin = request.headers.get("Origin")
        if origin is not None and origin not in self.app_origins:
            return 403, "this origin may not use the control routes (see --app-origin)"
        # A cross-site GET without Origin (an <img> or <script> tag): the browser says where it came from.
        if origin is None and request.headers.get("Sec-Fetch-Site", "") == "cross-site":
            return 403, "cross-site requests may not use the control routes"
        if request.method == "POST" and request.mimetype != "application/json":
            return 415, "control routes take Content-Type: application/json"
        return None

    def reply(self, request, payload, status=200, cors=True):
        """A control route's answer: CORS for an app origin only, and never on a refusal."""
        resp = Response(json.dumps(payload), status=status, content_type="application/json")
        origin = request.headers.get("Origin")
        if cors and origin in self.app_origins:
            resp.headers["Access-Control-Allow-Origin"] = origin
        resp.headers["Vary"] = "Origin"
        resp.headers["X-Content-Type-Options"] = "nosniff"
        return resp

    def pair_of(self, request, body=None):
        """The (account, region) a control request names (?account=&region= or its JSON body's fields);
        defaults: the home account, the default region. Raises ValueError for one not served."""
        body = body if isinstance(body, dict) else {}
        account = body.get("account") or request.args.get("account") or HOME_ACCOUNT
        region = body.get("region") or request.args.get("region") or self.region
        if account not in self.accounts:
            raise ValueError(f"unknown account {account!r} (served: {', '.join(self.accounts)})")
        if region not in self.regions:
            raise ValueError(f"unknown region {region!r} (served: {', '.join(self.regions)})")
        return account, region

    def role_arn(self, account):
        return HOME_ROLE_ARN if account == HOME_ACCOUNT else f"arn:aws:iam::{account}:role/{MEMBER_ROLE}"

    def table_rows(self, account, region):
        counts = {}
        for s in self.summaries(account, region):
            counts[s.get("TableName")] = counts.get(s.get("TableName"), 0) + 1
        rows = []
        backend = dynamodb_backends[account][region]
        for name in sorted(backend.tables, key=lambda n: n.encode()):
            t = backend.tables[name]
            m = self.tables.get((account, region), {}).get(name, {})
            pitr = t.continuous_backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"]
            rows.append({"TableName": name, "TableArn": t.table_arn, "TableId": m.get("id"),
                         "PointInTimeRecoveryStatus": pitr, "backups": counts.get(name, 0),
                         "BillingMode": t.billing_mode, "KeySchema": t.schema})
        return rows

    def sources(self):
        accounts = []
        for account in self.accounts:
            accounts.append({
                "account": account,
                "home": account == HOME_ACCOUNT,
                "role_arn": self.role_arn(account),
                "external_id": self.external_ids.get(account),
                "may_list": account not in self.no_list_accounts,
            })
        pairs = []
        for account, region in self.pairs():
            enabled = self.enabled(account, region)
            tables = self.table_rows(account, region) if enabled else []
            pairs.append({
                "account": account,
                "region": region,
                "enabled": enabled,
                "backups": len(self.summaries(account, region)) if enabled else 0,
                "tables": len(tables),
                "tables_without_backups": [t["TableName"] for t in tables if not t["backups"]],
                "pitr_tables": [t["TableName"] for t in tables if t["PointInTimeRecoveryStatus"] == "ENABLED"],
            })
        return {"home_account": HOME_ACCOUNT, "home_role_arn": HOME_ROLE_ARN, "member_role": MEMBER_ROLE,
                "default_region": self.region, "regions": list(self.regions), "org_bench": self.org_bench,
                "accounts": accounts, "sources": pairs}

    def control(self, request, path):
        refusal = self.control_refusal(request)
        if refusal:
            return self.reply(request, {"message": refusal[1]}, refusal[0], cors=False)
        if request.method == "OPTIONS":
            resp = self.reply(request, {})
            resp.headers["Access-Control-Allow-Methods"] = "GET, POST"
            resp.headers["Access-Control-Allow-Headers"] = "content-type"
            resp.headers["Access-Control-Max-Age"] = "600"
            return resp
        try:
            return self.control_route(request, path)
        except ValueError as e:
            return self.reply(request, {"message": str(e)}, 400)

    def control_route(self, request, path):
        if path == "/_backend/health":
            return self.reply(request, {"ready": self.ready, "region": self.region, "regions": list(self.regions)})
        if path == "/_backend/demo-credentials":
            return self.reply(request, self.demo_credentials())
        if path == "/_backend/backups":
            account, region = self.pair_of(request)
            return self.reply(request, {"BackupSummaries": self.summaries(account, region) if self.enabled(account, region) else []})
        if path == "/_backend/tables":
            account, region = self.pair_of(request)
            tables = self.table_rows(account, region) if self.enabled(account, region) else []
            return self.reply(request, {"account": account, "region": region, "enabled": self.enabled(account, region),
                                        "tables": tables})
        if path == "/_backend/sources":
            return self.reply(request, self.sources())
        if path == "/_backend/requests" and request.method == "GET":
            with self.lock:
                return self.reply(request, {"requests": list(self.requests)})
        if path == "/_backend/requests/clear" and request.method == "POST":
            with self.lock:
                self.requests.clear()
            return self.reply(request, {"cleared": True})
        if path == "/_backend/faults" and request.method == "POST":
            fault = json.loads(request.get_data() or b"{}")
            with self.lock:
                if fault.get("kind") == "clock":
                    self.clock_offset = float(fault.get("offset_s", 0))
                else:
                    self.faults.append(fault)
            return self.reply(request, {"faults": self.faults, "clock_offset": self.clock_offset})
        if path == "/_backend/faults/clear" and request.method == "POST":
            with self.lock:
                self.faults.clear()
                self.clock_offset = 0.0
            return self.reply(request, {"cleared": True})
        if path == "/_backend/config" and request.method == "POST":
            config = json.loads(request.get_data() or b"{}")
            with self.lock:
                if "rate_limit" in config:
                    self.rate_limit = int(config["rate_limit"] or 0)
                if "sts_duration_s" in config:
                    self.sts_duration_s = int(config["sts_duration_s"] or 0)
                for op, limit in (config.get("op_rate_limits") or {}).items():
                    self.op_rate_limits[op] = int(limit or 0)
            return self.reply(request, {"rate_limit": self.rate_limit, "op_rate_limits": self.op_rate_limits,
                                        "sts_duration_s": self.sts_duration_s})
        if path == "/_backend/inject" and request.method == "POST":
            body = json.loads(request.get_data() or b"[]")
            account, region = self.pair_of(request, body)
            rows = body.get("rows", []) if isinstance(body, dict) else body
            with self.lock:
                self.extra.setdefault((account, region), []).extend(rows)
                self.cache.pop((account, region), None)
            return self.reply(request, {"added": len(rows), "account": account, "region": region})
        return self.reply(request, {"message": "no such control route"}, 404)


def create_table(backend, name, shape):
    """A table in moto's model with the key schema, indexes, stream and encryption `shape` describes."""
    attrs = {"pk": "S"}
    schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
    if shape.get("range"):
        attrs[shape["range"][0]] = shape["range"][1]
        schema.append({"AttributeName": shape["range"][0], "KeyType": "RANGE"})
    provisioned = shape.get("provisioned")
    throughput = {"ReadCapacityUnits": provisioned[0], "WriteCapacityUnits": provisioned[1]} if provisioned else None
    gsis = []
    for index, hash_key, range_key in shape.get("gsi", []):
        keys = [{"AttributeName": hash_key, "KeyType": "HASH"}]
        attrs.setdefault(hash_key, "S")
        if range_key:
            keys.append({"AttributeName": range_key, "KeyType": "RANGE"})
            attrs.setdefault(range_key, "S")
        gsi = {"IndexName": index, "KeySchema": keys, "Projection": {"ProjectionType": "ALL"}}
        if provisioned:
            gsi["ProvisionedThroughput"] = {"ReadCapacityUnits": max(1, provisioned[0] // 2),
                                            "WriteCapacityUnits": max(1, provisioned[1] // 2)}
        gsis.append(gsi)
    lsis = []
    for index, sort_key in shape.get("lsi", []):
        attrs.setdefault(sort_key, "S")
        lsis.append({"IndexName": index, "KeySchema": [schema[0], {"AttributeName": sort_key, "KeyType": "RANGE"}],
                     "Projection": {"ProjectionType": "KEYS_ONLY"}})
    streams = {"StreamEnabled": True, "StreamViewType": shape["stream"]} if shape.get("stream") else None
    return backend.create_table(
        name, schema=schema, throughput=throughput,
        attr=[{"AttributeName": a, "AttributeType": t} for a, t in attrs.items()],
        global_indexes=gsis, indexes=lsis, streams=streams,
        billing_mode="PROVISIONED" if provisioned else "PAY_PER_REQUEST",
        sse_specification={"Enabled": True, "SSEType": "KMS"} if shape.get("sse") else None,
        tags=[], deletion_protection_enabled=False, warm_throughput=None)


def trust_allows(document, principals, context):
    """Whether a role's trust policy lets one of `principals` call sts:AssumeRole with the condition
    keys in `context` (StringEquals only; a key the request lacks fails its condition, as in AWS)."""
    doc = json.loads(document) if isinstance(document, str) else document
    statements = doc.get("Statement", [])
    statements = [statements] if isinstance(statements, dict) else statements

    def listed(v):
        return v if isinstance(v, list) else [v]

    def matches(pattern, value):
        return re.fullmatch(re.escape(pattern).replace(r"\*", ".*").replace(r"\?", "."), value, re.I) is not None

    allowed = False
    for s in statements:
        if not any(matches(a, "sts:AssumeRole") for a in listed(s.get("Action", []))):
            continue
        principal = s.get("Principal", {})
        named = ["*"] if principal == "*" else listed(principal.get("AWS", [])) if isinstance(principal, dict) else []
        if "*" not in named and not principals & set(named):
            continue
        holds = True
        for operator, keys in (s.get("Condition") or {}).items():
            for key, expected in keys.items():
                actual = context.get(key)
                if operator != "StringEquals" or actual is None or actual not in listed(expected):
                    holds = False
        if not holds:
            continue
        if s.get("Effect") == "Deny":
            return False
        allowed = allowed or s.get("Effect") == "Allow"
    return allowed


def clocked_handler(clock):
    """A request handler whose Date header comes from `clock` (the backend's, possibly offset)."""
    class Handler(WSGIRequestHandler):
        def date_time_string(self, timestamp=None):
            return formatdate(clock() if timestamp is None else timestamp, usegmt=True)
    return Handler


def seed_tables(rng):
    names = [
        ("orders", 40e9), ("customers", 6e9), ("payments", 120e9), ("inventory", 900e6),
        ("sessions", 250e9), ("audit-log", 380e9), ("catalog.products", 2.5e9),
        ("analytics_events", 60e9), ("user-profiles", 300e6), ("feature-flags", 4e3),
        ("notifications", 15e6), ("search-index", 700e3),
    ]
    return [{"name": n, "base": base, "id": str(uuid.UUID(int=rng.getrandbits(128), version=4))} for n, base in names]


def seed_backups(rng, tables, now, count, days):
    """Nightly and ad-hoc USER backups over `days` days, SYSTEM backups in the last 35."""
    out = []
    span = days * DAY
    per_table = max(1, count // len(tables))
    for i, t in enumerate(tables):
        n = per_table + (count - per_table * len(tables) if i == 0 else 0)
        for k in range(n):
            age = span * (k + rng.random() * 0.9) / n
            created = round(now - age - 60, 3)
            growth = 1 + 0.3 * (1 - age / span)
            size = int(t["base"] * growth * rng.uniform(0.85, 1.15))
            system = age < 35 * DAY and rng.random() < 0.35
            stamp = time.strftime("%Y-%m-%d-%H%M", time.gmtime(created))
            if system:
                name = f"{t['name']}$SystemBackup-{stamp}"
            elif rng.random() < 0.85:
                name = f"nightly-{t['name']}-{stamp}"
            else:
                name = rng.choice(["pre-migration", "before-schema-change", "manual", "release-2026.11", "restore-test"]) + f"-{t['name']}-{stamp}"
            status = "AVAILABLE"
            if age < 2 * 3600:
                status = "CREATING"
            elif rng.random() < 0.02:
                status = "DELETED"
            out.append({"table": t, "name": name[:255], "created": created, "size": max(0, size),
                        "type": "SYSTEM" if system else "USER", "status": status})
    return out


def static_app(root):
    from werkzeug.middleware.shared_data import SharedDataMiddleware

    def not_found(environ, start_response):
        return Response("not found", status=404)(environ, start_response)

    inner = SharedDataMiddleware(not_found, {"/": root}, cache=False)
    csp_file = os.path.join(root, "csp-header.txt")

    def app(environ, start_response):
        if environ.get("PATH_INFO", "/").endswith("/"):
            environ["PATH_INFO"] += "index.html"
        csp = open(csp_file).read().strip() if os.path.exists(csp_file) else None

        def with_headers(status, headers, exc_info=None):
            headers = list(headers)
            if csp:
                headers.append(("Content-Security-Policy", csp))
            headers += [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer")]
            return start_response(status, headers, exc_info)
        return inner(environ, with_headers)
    return app


def origin(text):
    """An --app-origin value, as a browser serialises it in the Origin header."""
    o = text.strip().rstrip("/").lower()
    if not re.fullmatch(r"https?://[^/?#\s]+", o):
        raise argparse.ArgumentTypeError(f"not an origin (scheme://host[:port]): {text!r}")
    return o


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=int(os.environ.get("BACKEND_PORT", 8765)))
    p.add_argument("--region", default="us-east-1", help="the default region (us-east-1, eu-west-1 and eu-south-2 are served too)")
    p.add_argument("--backups", type=int, default=1600, help="how many demo backups to seed in the home account's default region")
    p.add_argument("--days", type=int, default=120, help="over how many days")
    p.add_argument("--seed", type=int, default=20261125)
    p.add_argument("--static", help="also serve this folder (the built app)")
    p.add_argument("--static-port", type=int, default=8080)
    p.add_argument("--app-origin", action="append", default=[], type=origin, metavar="ORIGIN",
                   help="a browser origin allowed to use /_backend/, e.g. http://127.0.0.1:8080 (repeatable; "
                        "--static's own origins are always allowed)")
    p.add_argument("--rate-limit", type=int, default=5, help="ListBackups calls per second per account and region (0: off)")
    p.add_argument("--org-bench", choices=BENCH_MODES,
                   help="serve the benchmark's organisation: 10 member accounts x 4 regions (ap-southeast-2 too) "
                        "holding --org-bench-backups backups, spread evenly or half of them in one pair")
    p.add_argument("--org-bench-backups", type=int, default=20000, metavar="N",
                   help="with --org-bench: backups in all over the 40 (member, region) pairs (default 20000)")
    args = p.parse_args()
    import logging
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    app_origins = list(args.app_origin)
    if args.static:
        app_origins += [f"http://127.0.0.1:{args.static_port}", f"http://localhost:{args.static_port}"]
    backend = Backend(args.region, args.port, args.seed, args.backups, args.days, app_origins,
                      org_bench=args.org_bench, org_bench_backups=args.org_bench_backups)
    backend.rate_limit = args.rate_limit
    server = make_server(args.host, args.port, backend, threaded=True, request_handler=clocked_handler(backend.now))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    t0 = time.time()
    backend.seed_data()
    pairs = [p for p in backend.pairs() if backend.enabled(*p)]
    print(f"backend: DynamoDB and STS on http://{args.host}:{args.port} (default region {args.region}; "
          f"regions {', '.join(backend.regions)}; accounts {', '.join(backend.accounts)}"
          f"{f'; org bench {args.org_bench}' if args.org_bench else ''}), "
          f"{len(backend.meta)} backups in {len(pairs)} account-regions seeded in {time.time() - t0:.1f}s", flush=True)
    if args.static:
        static = make_server(args.host, args.static_port, static_app(os.path.abspath(args.static)), threaded=True)
        print(f"backend: app on http://{args.host}:{args.static_port}/", flush=True)
        threading.Thread(target=static.serve_forever, daemon=True).start()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
