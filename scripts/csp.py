#!/usr/bin/env python3
"""Trunk post-build hook: a Content-Security-Policy for the release build.

trunk writes its wasm bootstrap as an inline <script type="module">; a policy
without 'unsafe-inline' would block it, so this moves it into boot-<hash>.js.
It then writes the policy three ways:
  - a <meta http-equiv> in index.html (works on any static host; browsers
    ignore frame-ancestors there),
  - csp-header.txt: the full policy for a Content-Security-Policy header,
  - _headers: the same for hosts that read that file (Netlify, Cloudflare Pages).

connect-src lists the DynamoDB endpoint of every region the app offers (read
from src/core/endpoint.rs, the one list) and 'self' (trunk's bootstrap fetches
the .wasm with fetch). Loopback (http://localhost:*, http://127.0.0.1:*) is
added only when the build is made with BACKUP_LENS_LOOPBACK=1: development,
the demo and the tests set it; production builds never carry it.

Debug builds (trunk serve) get the same policy as a meta tag; every inline
script trunk writes (the bootstrap, the live-reload client) moves to a file.
"""

import hashlib
import os
import re
import subprocess
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
staging = os.environ.get("TRUNK_STAGING_DIR") or (sys.argv[1] if len(sys.argv) > 1 else None)
if not staging:
    sys.exit("usage: csp.py DIST_DIR (or run as a trunk hook)")
LOOPBACK = os.environ.get("BACKUP_LENS_LOOPBACK", "") == "1"


def regions():
    src = open(os.path.join(root, "src/core/endpoint.rs"), encoding="utf-8").read()
    block = src[src.index("pub const REGION_GROUPS"):src.index("];", src.index("pub const REGION_GROUPS"))]
    found = re.findall(r'"([a-z]{2}(?:-gov)?-[a-z]+-\d+)"', block)
    if len(found) < 30:
        sys.exit(f"csp.py: found only {len(found)} regions in endpoint.rs")
    return found


def endpoints(region):
    """DynamoDB and STS (roles are assumed from the page) of one region."""
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return [f"https://dynamodb.{region}.{suffix}", f"https://sts.{region}.{suffix}"]


def policy(with_frame_ancestors):
    # Chromium rejects "http://[::1]:*" as a source: IPv6 loopback is left out.
    connect = ["'self'"] + [e for r in regions() for e in endpoints(r)]
    if LOOPBACK:
        connect += ["http://localhost:*", "http://127.0.0.1:*"]
    parts = [
        "default-src 'none'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src " + " ".join(connect),
        "base-uri 'none'",
        "form-action 'none'",
    ]
    if with_frame_ancestors:
        parts.append("frame-ancestors 'none'")
    return "; ".join(parts)


index_path = os.path.join(staging, "index.html")
html = open(index_path, encoding="utf-8").read()
for match in list(re.finditer(r'<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>', html, re.S)):
    attrs, code = match.group(1), match.group(2).strip() + "\n"
    name = f"boot-{hashlib.sha256(code.encode()).hexdigest()[:16]}.js"
    with open(os.path.join(staging, name), "w", encoding="utf-8") as f:
        f.write(code)
    html = html.replace(match.group(0), f'<script{attrs} src="./{name}"></script>')
if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html):
    sys.exit("csp.py: an inline script is left in index.html; the policy would block it")
meta = f'<meta http-equiv="Content-Security-Policy" content="{policy(False)}" />'
html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>\s*', "", html)
# After <meta charset>, which must stay within the first 1024 bytes.
charset = re.search(r"<meta charset=[^>]*>", html)
if not charset:
    sys.exit("csp.py: index.html has no <meta charset>")
html = html[: charset.end()] + "\n    " + meta + html[charset.end():]
with open(index_path, "w", encoding="utf-8") as f:
    f.write(html)
with open(os.path.join(staging, "csp-header.txt"), "w", encoding="utf-8") as f:
    f.write(policy(True) + "\n")
with open(os.path.join(staging, "_headers"), "w", encoding="utf-8") as f:
    f.write("/*\n")
    f.write(f"  Content-Security-Policy: {policy(True)}\n")
    f.write("  X-Content-Type-Options: nosniff\n  Referrer-Policy: no-referrer\n  X-Frame-Options: DENY\n")

# Last: .gz and .br copies of the wasm, js and css (boot-*.js included) for
# hosts that serve pre-compressed files. Node's zlib has brotli; Python's has not.
subprocess.run(
    ["node", os.path.join(os.path.dirname(os.path.abspath(__file__)), "precompress.mjs"), staging],
    check=True,
)
