#!/usr/bin/env python3
"""Groups `twiggy top -f json` output by crate, this crate's part by module,
and lists the largest items.

Usage: bundle_group.py TOP_JSON [CRATE]   (CRATE defaults to backup_lens)

Names are demangled Rust paths as wasm-bindgen and wasm-opt -g keep them. A
trait impl `<A as B>::f` counts for the crate of A (the code is A's); a generic
`<impl tachys::view::Render for F>` counts for the crate that holds the impl.
"""
import json
import re
import sys
from collections import defaultdict

TOP = sys.argv[1]
CRATE = sys.argv[2] if len(sys.argv) > 2 else "backup_lens"

# Hash suffixes and crate disambiguators: core[c5930c85a12de822] -> core.
DISAMBIG = re.compile(r"\[[0-9a-f]+\]")


def first_path(name):
    """The leading path of a demangled name, skipping <, &, mut, dyn and impl."""
    s = DISAMBIG.sub("", name)
    while True:
        s = s.lstrip("<&(* ")
        for p in ("mut ", "const ", "dyn ", "impl "):
            if s.startswith(p):
                s = s[len(p):]
                break
        else:
            break
    m = re.match(r"[A-Za-z_][A-Za-z0-9_]*(::[A-Za-z_][A-Za-z0-9_]*)*", s)
    return m.group(0) if m else ""


def group(item):
    name = item["name"]
    if name.startswith("data segment") or name.startswith("data["):
        return "data segments (strings, panic locations, tables)", None
    if "subsection" in name or name.startswith("custom section") or name in ("name", "producers"):
        return "custom sections (names, producers)", None
    if name.startswith("elem[") or name.startswith("table[") or name.startswith("type[") \
            or name.startswith("import ") or name.startswith("export ") or name.startswith("global["):
        return "wasm tables, types, imports, exports", None
    if name.startswith(("__wbg", "__wbindgen")):
        return "wasm_bindgen (glue)", None
    path = first_path(name)
    if path in ("_", "T", "F", "A", "E", "V", "S") and " as " in name:
        # A blanket impl for a generic type: the code is the trait's.
        path = first_path(name.split(" as ", 1)[1])
    if not path:
        return "other", None
    parts = path.split("::")
    crate = parts[0]
    if crate in ("str", "u8", "usize", "u32", "u64", "i64", "f64", "char", "T", "F", "bool", "slice"):
        crate = "core (primitive impls)"
    if crate == CRATE:
        module = parts[1] if len(parts) > 2 else "(crate root: main, view tree)"
        if len(parts) > 2 and parts[1] == "core":
            module = "core::" + parts[2] if len(parts) > 3 else "core"
        return crate, module
    if crate == "core" and len(parts) > 2 and parts[1] in ("slice", "fmt", "num", "str"):
        sub = parts[1]
        if sub == "slice" and parts[2] == "sort":
            return "core", "slice::sort"
        if sub == "num" and len(parts) > 2 and parts[2] in ("flt2dec", "dec2flt"):
            return "core", "num::" + parts[2] + " (float text)"
        return "core", sub
    return crate, None


items = json.load(open(TOP))
total = sum(i["shallow_size"] for i in items if "subsection" not in i["name"])
by_crate = defaultdict(int)
counts = defaultdict(int)
by_module = defaultdict(int)
core_parts = defaultdict(int)
for it in items:
    if "subsection" in it["name"]:
        continue  # the kept names themselves: not part of the shipped wasm
    crate, sub = group(it)
    by_crate[crate] += it["shallow_size"]
    counts[crate] += 1
    if crate == CRATE and sub:
        by_module[sub] += it["shallow_size"]
    if crate == "core" and sub:
        core_parts[sub] += it["shallow_size"]

print(f"wasm without its name section: {total} bytes, {sum(counts.values())} items\n")
print(f"| part | bytes | share | items |\n|---|---:|---:|---:|")
for crate, size in sorted(by_crate.items(), key=lambda kv: -kv[1]):
    if size < 1500:
        continue
    print(f"| {crate} | {size} | {100 * size / total:.1f} % | {counts[crate]} |")
small = sum(s for s in by_crate.values() if s < 1500)
print(f"| (crates under 1.5 KB each) | {small} | {100 * small / total:.1f} % | |")

print(f"\n{CRATE} by module:\n\n| module | bytes |\n|---|---:|")
for m, size in sorted(by_module.items(), key=lambda kv: -kv[1]):
    print(f"| {m} | {size} |")

print("\ncore by part:\n\n| part | bytes |\n|---|---:|")
for m, size in sorted(core_parts.items(), key=lambda kv: -kv[1]):
    if size >= 500:
        print(f"| {m} | {size} |")

print("\nLargest items:\n\n| bytes | item |\n|---:|---|")
shipped = [it for it in items if "subsection" not in it["name"]]
for it in sorted(shipped, key=lambda i: -i["shallow_size"])[:25]:
    print(f"| {it['shallow_size']} | `{DISAMBIG.sub('', it['name'])[:120]}` |")
