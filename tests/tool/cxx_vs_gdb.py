#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""C++ against gdb, the oracle: for every function of the C++ fixture (every defined text
symbol of namespace app, and the two top-level ones), the parameters `tyr args` lists, looked
up by the mangled symbol and by the qualified name (overloads list each definition by symbol),
equal the arguments gdb's Python API reads from the function's block; and for every class,
the layout `tyr dump --format json` gives (size; members in order: name, offset, size, bitfield
width; bases flagged, virtual bases without an offset) equals gdb's Type.fields().

Type spellings are compared after one normalisation both sides get: C tags (`struct `) and
spaces dropped, and the base type names gdb canonicalises ("long unsigned int" is gdb's
"unsigned long"). A by-value class the ABI passes by invisible reference is compared as the
class gdb shows (tyr marks it, see docs/tyr.md). Where gdb lists a g++ constructor clone's
inherited __in_chrg/__vtt_parm that the clone does not take, the lookup is counted apart.

    cxx_vs_gdb.py TYR BIN...      exit 0: all agree; 1: some differ; 77: gdb missing
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

CLASSES = [
    "app::Point", "app::Box<int>", "app::Box<long>", "app::Box<app::Point>", "app::Shape",
    "app::Circle", "app::Named", "app::Tagged", "app::Base", "app::Left", "app::Right",
    "app::Diamond", "app::Big", "app::Account", "app::Holder", "app::net::Conn",
    "app::net::Conn::Stats", "app::Grid",
    "app::detail::Stats",
]

GDB_SCRIPT = r'''
import gdb, json
out = {"funcs": {}, "classes": {}}
for line in open(ARGS_PATH):
    sym, addr = line.split()
    block = gdb.block_for_pc(int(addr, 16))
    while block is not None and block.function is None:
        block = block.superblock
    if block is None:
        continue
    params = [[s.name, str(s.type)] for s in block if s.is_argument]
    out["funcs"][sym] = {"name": block.function.name, "params": params}
for c in CLASSES:
    try:
        t = gdb.lookup_type(c)
    except gdb.error:
        out["classes"][c] = None
        continue
    fields = []
    for f in t.fields():
        if not hasattr(f, "bitpos") and not f.is_base_class:
            continue  # static members
        ft = f.type.strip_typedefs()
        fields.append({"name": f.name, "base": f.is_base_class,
                       "bitpos": getattr(f, "bitpos", None), "bitsize": f.bitsize,
                       "size": 0 if ft.code == gdb.TYPE_CODE_STRUCT and
                       not ft.fields() and ft.sizeof == 0 else f.type.sizeof,
                       "type": str(f.type)})
    out["classes"][c] = {"size": t.sizeof, "fields": fields}
json.dump(out, open(OUT_PATH, "w"))
'''

# Artificial parameters of g++'s constructors and destructors (the in-charge flag, the VTT
# pointer): a clone's own DIE lists the ones that clone takes, and tyr reads that DIE (the
# registers a uprobe on the clone sees); gdb also lists the abstract instance's others.
GDB_INHERITED = ("__in_chrg", "__vtt_parm")

BASE_NAMES = [
    ("long long unsigned int", "unsigned long long"), ("long long int", "long long"),
    ("long unsigned int", "unsigned long"), ("short unsigned int", "unsigned short"),
    ("long int", "long"), ("short int", "short"),
]


def only_inherited_missing(want, got):
    """got is want without some of gdb's inherited artificial parameters, in order."""
    i = 0
    for p in want:
        if i < len(got) and got[i] == p:
            i += 1
        elif p[0] not in GDB_INHERITED:
            return False
    return i == len(got) and len(got) < len(want)


def norm(t):
    t = re.sub(r"\b(struct|union|enum|class) ", "", t)
    t = t.replace("/* passed by invisible reference */", "")
    for a, b in BASE_NAMES:
        t = re.sub(r"\b%s\b" % a, b, t)
    return re.sub(r"\s+", "", t)


def tyr_json(tyr, *args):
    r = subprocess.run([tyr, *args], capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.stderr.strip()
    return json.loads(r.stdout), None


def text_symbols(binary):
    """(mangled symbol, address) of the fixture's own functions."""
    out = subprocess.run(["nm", "--defined-only", binary], capture_output=True, text=True,
                         check=True).stdout
    dem = subprocess.run(["c++filt"], input=out, capture_output=True, text=True,
                         check=True).stdout
    syms = []
    for raw, d in zip(out.splitlines(), dem.splitlines()):
        parts = raw.split()
        if len(parts) != 3 or parts[1] not in "TtW":
            continue
        name = d.split(maxsplit=2)[2]
        if name.startswith("app::") or name.split("(")[0] in ("top_level", "c_linkage"):
            syms.append((parts[2], parts[0], name))
    return syms


def qualified(demangled):
    """app::handle(int) -> app::handle; templates and `operator()` are not in the fixture."""
    return demangled.split("(")[0]


def main():
    tyr, bins = sys.argv[1], sys.argv[2:]
    if not shutil.which("gdb"):
        print("skip: gdb is not installed")
        return 77
    fagree = ftotal = cagree = ctotal = finherit = 0
    invisible = {}  # binary -> {(symbol, parameter)} passed by invisible reference
    for binary in bins:
        syms = text_symbols(binary)
        addr_of = {s: a for s, a, _ in syms}
        with tempfile.TemporaryDirectory() as tmp:
            argsf, outf, scr = (os.path.join(tmp, n) for n in ("syms", "out.json", "q.py"))
            with open(argsf, "w") as f:
                for s, a, _ in syms:
                    f.write("%s %s\n" % (s, a))
            with open(scr, "w") as f:
                f.write("ARGS_PATH = %r\nOUT_PATH = %r\nCLASSES = %r\n" % (argsf, outf, CLASSES))
                f.write(GDB_SCRIPT)
            r = subprocess.run(["gdb", "-batch", "-nx", "-x", scr, binary],
                               capture_output=True, text=True)
            if not os.path.exists(outf):
                print("skip: gdb could not read %s: %s" % (binary, r.stderr.strip()[:300]))
                return 77
            want = json.load(open(outf))
        for sym, _, dem in syms:
            g = want["funcs"].get(sym)
            if g is None:
                continue
            wparams = [(n, norm(t)) for n, t in g["params"]]
            for key in (sym, qualified(dem)):
                ftotal += 1
                got, err = tyr_json(tyr, "args", "--json", binary, key)
                entry = None
                if got:
                    # an overloaded qualified name lists every definition by its symbol
                    # (by address: a constructor's C1 and C2 symbols may share one)
                    entry = got[0] if len(got) == 1 else next(
                        (e for e in got if addr_of.get(e["function"]) == addr_of[sym]), None)
                if entry is None:
                    print("DIFFERS %s %s: %s" % (os.path.basename(binary), key,
                                                 err or "not listed"))
                    continue
                gparams = [(p["name"], norm(p["type"])) for p in entry["params"]]
                for p in entry["params"]:
                    if p.get("invisible_reference"):
                        invisible.setdefault(binary, set()).add((sym, p["name"]))
                if gparams == wparams:
                    fagree += 1
                elif only_inherited_missing(wparams, gparams):
                    # g++'s constructor and destructor clones: gdb adds the abstract
                    # instance's artificial parameters the clone does not take
                    finherit += 1
                    print("GDB-INHERITED %s %s: gdb also lists %s" % (
                        os.path.basename(binary), key,
                        [p[0] for p in wparams if p not in gparams]))
                else:
                    print("DIFFERS %s %s:\n  gdb: %s\n  tyr: %s" % (
                        os.path.basename(binary), key, wparams, gparams))
        for c in CLASSES:
            w = want["classes"].get(c)
            if w is None:
                continue
            ctotal += 1
            got, err = tyr_json(tyr, "dump", "--format", "json", binary, c)
            if got is None:
                # the compiler's own spelling of the template argument (g++: `long int`)
                got, err = tyr_json(tyr, "dump", "--format", "json", binary,
                                    c.replace("<long>", "<long int>"))
            if got is None:
                print("DIFFERS %s %s: %s" % (os.path.basename(binary), c, err))
                continue
            types = {t["id"]: t for t in got["types"]}
            rec = next(t for t in got["types"] if t["kind"] in ("struct", "union"))
            fields = []
            for f in rec["fields"]:
                ft = types[f["type"]]
                base = f.get("base")
                fields.append({
                    "name": ft["name"] if base else f["name"],
                    "base": base is not None,
                    "bitpos": None if base == "virtual" else f["offset"] * 8 + f["bit_offset"],
                    "bitsize": f["bit_size"],
                    "size": ft.get("size", 0)})
            wf = [{k: x[k] for k in ("name", "base", "bitpos", "bitsize", "size")}
                  for x in w["fields"]]
            for x in wf:
                if x["base"]:
                    x["name"] = norm(x["name"])
            for x in fields:
                if x["base"]:
                    x["name"] = norm(x["name"])
            if rec["size"] == w["size"] and fields == wf:
                cagree += 1
            else:
                print("DIFFERS %s %s:\n  gdb: %d %s\n  tyr: %d %s" % (
                    os.path.basename(binary), c, w["size"], wf, rec["size"], fields))
    print("functions: %d of %d lookups agree with gdb (by symbol and by qualified name); "
          "%d more differ only by gdb's inherited __in_chrg/__vtt_parm"
          % (fagree, ftotal, finherit))
    print("classes: %d of %d layouts agree with gdb" % (cagree, ctotal))
    # By-value classes passed by invisible reference: clang says so in the DWARF
    # (DW_AT_calling_convention); for g++ tyr applies the ABI's rule to the class's own
    # declarations. Both compilers' binaries must name the same parameters, app::big's among.
    sets = [invisible.get(b, set()) for b in bins]
    inv_ok = all(x == sets[0] for x in sets) and all(
        any(s.startswith("_ZN3app3big") and n == "b" for s, n in x) for x in sets)
    print("invisible references: %s (%s)" % (
        "agree" if inv_ok else "DIFFER",
        "; ".join("%s: %s" % (os.path.basename(b), sorted(x)) for b, x in zip(bins, sets))))
    if not ftotal or not ctotal:
        print("nothing compared")
        return 1
    return 0 if fagree + finherit == ftotal and cagree == ctotal and inv_ok else 1


if __name__ == "__main__":
    sys.exit(main())
