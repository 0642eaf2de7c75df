#!/usr/bin/env python3
"""A local DynamoDB for Backup Lens that checks every signature.

moto (in this process, auth enforced) stores tables and backups, holds the IAM
role and STS sessions, and recomputes each request's SigV4 signature with
botocore's signer. This front closes the gaps moto leaves (see
../shared/REFERENCE.md): it answers the browser's CORS preflight, checks the
signing date window and the credential scope, translates moto's XML auth
errors into DynamoDB's JSON ones (status 400), and implements the ListBackups
contract (Limit, pages, time range, BackupType, table name or ARN) over
seeded backups that look like a real account's.

Control routes under /_backend/ (not part of DynamoDB):
  GET  /_backend/demo-credentials   fresh AssumeRole credentials for the demo role
  GET  /_backend/backups            the full backup set, for tests to compare against
  GET  /_backend/requests           the time and summary of each DynamoDB request
  POST /_backend/requests/clear     forget the recorded requests
  GET  /_backend/health             200 once seeded
  POST /_backend/faults             inject faults into ListBackups answers (JSON body, see Fault)
  POST /_backend/faults/clear       remove every fault and the clock offset
  POST /_backend/config             {"rate_limit": N} calls per second per access key (0: off)
  POST /_backend/inject             add raw BackupSummaries (hostile names for XSS tests)

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
The DynamoDB route (signed POST / and its preflight) answers CORS to any
origin, as AWS does: the signature is what protects it.

Faults: {"kind": K, "count": N, "rate": R, "skip": S, "akid": A, "delay_ms": D, "offset_s": O}
  kind: throttle | error500 | error503 | truncated | drop | slow | html | expired | clock
  Applies to the next `count` matching ListBackups calls (after skipping `skip`),
  or to each with probability `rate`; `akid` limits it to one access key.
  `clock` shifts the backend's clock by `offset_s` seconds (signature dates
  and the Date header), as if the browser's clock were off by -offset_s.
"""

import argparse
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

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

import boto3
from botocore.config import Config
from moto import settings as moto_settings
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.responses import DynamoHandler, DynamoResult
from moto.server import DomainDispatcherApplication, create_backend_app


def _authorised_list_backups(_handler):
    """moto's ListBackups, once moto has checked the signature and the policy.

    The front builds the real answer (pages, filters, sizes); moto's own would
    serialise every backup on each call (about 1.5 s with 20,000), so it
    answers with an empty list that the front never reads.
    """
    return DynamoResult({"BackupSummaries": []})


DynamoHandler.list_backups = _authorised_list_backups


ACCOUNT = "123456789012"
ROLE_NAME = "backup-lens-viewer"
ADMIN_USER = "backup-lens-admin"
LIST_BACKUPS = "DynamoDB_20120810.ListBackups"
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

VIEWER_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "dynamodb:ListBackups", "Resource": "*"}],
}


def ddb_error(code, message, status=400):
    body = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message}
    if code in ("UnrecognizedClientException", "InvalidSignatureException", "MissingAuthenticationTokenException",
                "IncompleteSignatureException", "AccessDeniedException", "ExpiredTokenException"):
        body["__type"] = f"com.amazon.coral.service#{code}"
    return status, body, code


def amz(ts):
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(ts))


def parse_amz(s):
    try:
        return dt.datetime.strptime(s, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc).timestamp()
    except (TypeError, ValueError):
        return None


class Backend:
    def __init__(self, region, port, seed, count, days, app_origins=()):
        self.region = region
        self.port = port
        self.app_origins = set(app_origins)  # origins that may use /_backend/ from a browser
        self.control_hosts = {f"{h}:{port}" for h in LOOPBACK_HOSTS} | (set(LOOPBACK_HOSTS) if port == 80 else set())
        self.lock = threading.Lock()
        self.requests = []
        self.meta = {}  # BackupArn -> fields moto does not model
        self.admin_keys = None
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.seed, self.count, self.days = seed, count, days
        self.ready = False
        self.faults = []
        self.clock_offset = 0.0
        self.rate_limit = 5
        self.accepted = {}  # access key id -> arrival times of accepted calls (last second)
        self.extra = []  # raw summaries added through /_backend/inject
        self.cache = None  # (key, summaries)
        self.rng = random.Random(seed + 1)

    def now(self):
        """The backend's clock: real time plus any injected offset."""
        return time.time() + self.clock_offset

    # ---- seeding -------------------------------------------------------

    def client(self, service, keys=None):
        kw = {}
        if keys:
            kw = {"aws_access_key_id": keys[0], "aws_secret_access_key": keys[1]}
        else:
            kw = {"aws_access_key_id": "AKIAIOSFODNN7SEEDING", "aws_secret_access_key": "seeding"}
        return boto3.client(service, region_name=self.region, endpoint_url=f"http://127.0.0.1:{self.port}",
                            config=Config(retries={"max_attempts": 1}), **kw)

    def seed_data(self):
        """Creates the viewer role, an admin user that may assume it, and the demo backups."""
        moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = float("inf")
        iam = self.client("iam")
        trust = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/{ADMIN_USER}"}, "Action": "sts:AssumeRole"}]}
        iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust))
        iam.put_role_policy(RoleName=ROLE_NAME, PolicyName="list-backups-only", PolicyDocument=json.dumps(VIEWER_POLICY))
        iam.create_user(UserName=ADMIN_USER)
        iam.put_user_policy(UserName=ADMIN_USER, PolicyName="assume-viewer", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
        key = iam.create_access_key(UserName=ADMIN_USER)["AccessKey"]
        self.admin_keys = (key["AccessKeyId"], key["SecretAccessKey"])

        rng = random.Random(self.seed)
        ddb = self.client("dynamodb")
        backend = dynamodb_backends[ACCOUNT][self.region]
        now = time.time()
        tables = seed_tables(rng)
        for t in tables:
            ddb.create_table(TableName=t["name"], BillingMode="PAY_PER_REQUEST",
                             AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                             KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
        for b in seed_backups(rng, tables, now, self.count, self.days):
            backup = backend.create_backup(b["table"]["name"], b["name"])
            old_arn = backup.arn
            created = b["created"]
            backup.creation_date_time = dt.datetime.fromtimestamp(created, dt.timezone.utc).replace(tzinfo=None)
            backup.identifier = f"{int(created * 1000):014d}-{rng.getrandbits(32):08x}"
            backup.type = b["type"]
            backup.status = b["status"]
            backend.backups.pop(old_arn)
            backend.backups[backup.arn] = backup
            self.meta[backup.arn] = {
                "created": created,
                "size": b["size"],
                "table_id": b["table"]["id"],
                "expiry": created + 35 * DAY if b["type"] == "SYSTEM" else None,
            }
        # From here on, every request must be signed by a known identity.
        moto_settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
        self.ready = True

    def demo_credentials(self):
        sts = self.client("sts", self.admin_keys)
        c = sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{ROLE_NAME}",
                            RoleSessionName=f"backup-lens-demo-{uuid.uuid4().hex[:8]}",
                            DurationSeconds=3600)["Credentials"]
        return {"AccessKeyId": c["AccessKeyId"], "SecretAccessKey": c["SecretAccessKey"],
                "SessionToken": c["SessionToken"], "Expiration": c["Expiration"].isoformat(),
                "Region": self.region}

    # ---- the backup set ------------------------------------------------

    def summaries(self):
        backend = dynamodb_backends[ACCOUNT][self.region]
        key = (len(backend.backups), len(self.extra), id(backend.backups))
        if self.cache and self.cache[0] == key:
            return self.cache[1]
        out = list(self.extra)
        for arn, b in list(backend.backups.items()):
            m = self.meta.get(arn, {})
            created = m.get("created") or b.creation_date_time.replace(tzinfo=dt.timezone.utc).timestamp()
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
        self.cache = (key, out)
        return out

    def list_backups(self, params):
        errors = []
        limit = params.get("Limit")
        if limit is not None:
            if not isinstance(limit, int) or isinstance(limit, bool):
                return ddb_error("SerializationException", "NUMBER_VALUE cannot be converted to Integer")
            if limit < 1:
                errors.append(f"Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")
            if limit > 100:
                errors.append(f"Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100")
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
            return ddb_error("ValidationException", f"{len(errors)} validation error{'s' if len(errors) > 1 else ''} detected: " + "; ".join(errors))
        if lower is not None and upper is not None and lower >= upper:
            return ddb_error("ValidationException", "TimeRangeUpperBound must be greater than TimeRangeLowerBound")

        wanted = {"USER": {"USER"}, "SYSTEM": {"SYSTEM"}, "AWS_BACKUP": {"AWS_BACKUP"}, "ALL": {"USER", "SYSTEM"}}[backup_type]
        rows = [s for s in self.summaries()
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

    # ---- the front -----------------------------------------------------

    def check_signing(self, request):
        """The checks moto skips; None when they pass."""
        auth = request.headers.get("Authorization")
        if not auth:
            return ddb_error("MissingAuthenticationTokenException", "Request is missing Authentication Token")
        m = re.fullmatch(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, ?"
                         r"SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})", auth.strip())
        if not m:
            return ddb_error("IncompleteSignatureException", f"Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters. Authorization={auth[:40]}")
        akid, scope_date, region, service, signed, _sig = m.groups()
        stamp = request.headers.get("X-Amz-Date")
        when = parse_amz(stamp)
        if when is None:
            return ddb_error("IncompleteSignatureException", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
        now = self.now()
        if when < now - 300:
            return ddb_error("InvalidSignatureException", f"Signature expired: {stamp} is now earlier than {amz(now - 300)} ({amz(now)} - 5 min.)")
        if when > now + 300:
            return ddb_error("InvalidSignatureException", f"Signature not yet current: {stamp} is still later than {amz(now + 300)} ({amz(now)} + 5 min.)")
        if scope_date != stamp[:8]:
            return ddb_error("InvalidSignatureException", f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{scope_date}' != '{stamp[:8]}', from '{stamp}'.")
        if region != self.region:
            return ddb_error("InvalidSignatureException", f"Credential should be scoped to a valid region, not '{region}'. ")
        if service != "dynamodb":
            return ddb_error("InvalidSignatureException", "Credential should be scoped to correct service: 'dynamodb'. ")
        names = signed.split(";")
        if "host" not in names:
            return ddb_error("InvalidSignatureException", "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
        if akid.startswith("ASIA") and not request.headers.get("X-Amz-Security-Token"):
            return ddb_error("UnrecognizedClientException", "The security token included in the request is invalid.")
        if request.headers.get("X-Amz-Security-Token") and "x-amz-security-token" not in names:
            return ddb_error("InvalidSignatureException", "The security token must be signed.")
        return None

    def forward_to_moto(self, environ, body):
        """Lets moto authenticate and authorise the request; None when it passes."""
        env = dict(environ)
        env["wsgi.input"] = io.BytesIO(body)
        env["CONTENT_LENGTH"] = str(len(body))
        captured = {}

        def start_response(status, headers, exc_info=None):
            captured["status"] = int(status.split()[0])
            return lambda _data: None

        chunks = self.moto(env, start_response)
        text = b"".join(chunks).decode("utf-8", "replace")
        if hasattr(chunks, "close"):
            chunks.close()
        if captured.get("status", 500) < 300:
            return None
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
        translated = {
            "InvalidClientTokenId": ("UnrecognizedClientException", "The security token included in the request is invalid."),
            "SignatureDoesNotMatch": ("InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."),
            "AccessDenied": ("AccessDeniedException", message),
        }
        if code in translated:
            return ddb_error(*translated[code])
        return ddb_error(code or "InternalServerError", message, 500 if not code else 400)

    def handle_dynamodb(self, request, environ):
        body = request.get_data()
        target = request.headers.get("X-Amz-Target", "")
        record = {"t": time.time(), "target": target,
                  "akid": (re.search(r"Credential=([^/]+)/", request.headers.get("Authorization", "")) or [None, None])[1]}
        with self.lock:
            self.requests.append(record)
        result = self.check_signing(request)
        params = {}
        if result is None:
            try:
                params = json.loads(body or b"{}")
                if not isinstance(params, dict):
                    raise ValueError
            except ValueError:
                result = ddb_error("SerializationException", "Start of structure or map found where not expected.")
        if result is None:
            result = self.forward_to_moto(environ, body)
        akid = record["akid"]
        fault = None
        if result is None:
            fault = self.take_fault(akid)
            record["fault"] = fault and fault["kind"]
            if fault and fault["kind"] == "expired":
                result = ddb_error("ExpiredTokenException", "The security token included in the request is expired")
        if result is None and self.rate_limit and not self.admit(akid):
            result = ddb_error("ThrottlingException", "Rate of requests exceeds the allowed throughput.")
        if result is None:
            record["limit"] = params.get("Limit")
            record["start"] = params.get("ExclusiveStartBackupArn")
            result = self.list_backups(params)
        status, payload, code = result
        record["status"], record["code"] = status, code
        if fault and fault["kind"] != "expired":
            record["status"] = fault["kind"]
            return self.faulty_response(request, fault, payload, status, code)
        return self.json_response(request, payload, status, code)

    def admit(self, akid):
        """DynamoDB's 5 ListBackups calls per second, per access key."""
        now = time.time()
        with self.lock:
            recent = [t for t in self.accepted.get(akid, []) if t > now - 1.0]
            if len(recent) >= self.rate_limit:
                self.accepted[akid] = recent
                return False
            recent.append(now)
            self.accepted[akid] = recent
            return True

    def take_fault(self, akid):
        with self.lock:
            for f in self.faults:
                if f.get("akid") and f["akid"] != akid:
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
        if request.method == "POST" and path == "/" and request.headers.get("X-Amz-Target", "") == LIST_BACKUPS and self.ready:
            return self.handle_dynamodb(request, environ)(environ, start_response)
        if request.method == "POST" and path == "/":
            # Seeding, STS for the demo credentials, other DynamoDB calls: moto's own.
            return self.moto(environ, start_response)
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
        if path == "/_backend/health":
            return self.reply(request, {"ready": self.ready, "region": self.region})
        if path == "/_backend/demo-credentials":
            return self.reply(request, self.demo_credentials())
        if path == "/_backend/backups":
            return self.reply(request, {"BackupSummaries": self.summaries()})
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
            if "rate_limit" in config:
                self.rate_limit = int(config["rate_limit"])
            return self.reply(request, {"rate_limit": self.rate_limit})
        if path == "/_backend/inject" and request.method == "POST":
            rows = json.loads(request.get_data() or b"[]")
            with self.lock:
                self.extra.extend(rows)
                self.cache = None
            return self.reply(request, {"added": len(rows)})
        return self.reply(request, {"message": "no such control route"}, 404)


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
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--backups", type=int, default=1600, help="how many demo backups to seed")
    p.add_argument("--days", type=int, default=120, help="over how many days")
    p.add_argument("--seed", type=int, default=20261125)
    p.add_argument("--static", help="also serve this folder (the built app)")
    p.add_argument("--static-port", type=int, default=8080)
    p.add_argument("--app-origin", action="append", default=[], type=origin, metavar="ORIGIN",
                   help="a browser origin allowed to use /_backend/, e.g. http://127.0.0.1:8080 (repeatable; "
                        "--static's own origins are always allowed)")
    p.add_argument("--rate-limit", type=int, default=5, help="ListBackups calls per second per access key (0: off)")
    args = p.parse_args()
    import logging
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    app_origins = list(args.app_origin)
    if args.static:
        app_origins += [f"http://127.0.0.1:{args.static_port}", f"http://localhost:{args.static_port}"]
    backend = Backend(args.region, args.port, args.seed, args.backups, args.days, app_origins)
    backend.rate_limit = args.rate_limit
    server = make_server(args.host, args.port, backend, threaded=True, request_handler=clocked_handler(backend.now))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    t0 = time.time()
    backend.seed_data()
    print(f"backend: DynamoDB ListBackups on http://{args.host}:{args.port} (region {args.region}), "
          f"{len(backend.meta)} backups seeded in {time.time() - t0:.1f}s", flush=True)
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
