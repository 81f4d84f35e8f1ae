#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`tyr args` and `tyr dump --format layout` against gdb, on one binary.

gdb reads the same DWARF (following .gnu_debuglink, build-ids and dwz supplementary files
itself) and is the oracle:
  - functions: each function's parameters (names and types, in order, and whether it takes
    `...`) as gdb's Python API gives them (the symbols of the function's block that are
    arguments), against `tyr args --json`;
  - layouts: each sampled struct or union's members as `ptype /o` prints them (bit position,
    size, declaration), and its total size, against `tyr dump --format layout`.
Type spellings are compared with white space removed and C's synonyms for the integer types
made one ("long int" and "long"), since gdb prints the short ones.

Prints one line per disagreement with the reason, then "N of M agree" for each part, and
exits 1 when the share of functions agreeing is below --min-funcs (percent) or any sampled
layout differs; 77 (CTest's skip) when the binary or gdb is missing.

  dwarf_vs_gdb.py --tyr TYR --bin BIN [--gdb-bin BIN2] [--funcs exported|dwarf]
                  [--layouts N|all] [--all-types] [--min-funcs PCT] [--min-compared N] [--need FILE]
--gdb-bin: gdb reads BIN2 instead, the same program before dwz rewrote its DWARF (gdb 13
cannot read DWARF 5 supplementary files: "Cannot handle DW_FORM_ref_sup4").
"""
import argparse
import json
import os
import re
import sys
import tempfile

from gdb_oracle import SKIP, missing, run

# Runs inside gdb: writes {"funcs": {name: {...}}, "layouts": {name: text}} as JSON.
GDB_SCRIPT = r'''
import gdb, json, sys
req = json.load(open(REQ))
out = {"funcs": {}, "layouts": {}, "structs": []}
def params(name):
    """The global function of that name, else every static one (units may each define
    their own): {"params", "varargs", "alts": [the others' params]}."""
    sym = gdb.lookup_global_symbol(name)
    syms = [sym] if sym is not None else list(gdb.lookup_static_symbols(name))
    res = [r for r in (params_of(s) for s in syms) if r is not None]
    if not res:
        return None
    res[0]["alts"] = [r["params"] for r in res[1:]]
    return res[0]
def params_of(sym):
    if sym is None or sym.type is None or sym.type.code != gdb.TYPE_CODE_FUNC:
        return None
    try:
        block = gdb.block_for_pc(int(sym.value().address))
    except Exception:
        block = None
    # The entry pc may lie in a function inlined there: walk out to the function's own block.
    while block is not None and not (block.function is not None and
                                     block.function.name == sym.name and
                                     block.superblock is not None and
                                     block.superblock.is_static):
        block = block.superblock
    if block is None:
        return None
    ps = [[a.name, str(a.type)] for a in block if a.is_argument]
    ftype = str(sym.type)
    return {"params": ps, "varargs": ftype.endswith("...)"), "nfields": len(sym.type.fields())}
for n in req["funcs"]:
    try:
        out["funcs"][n] = params(n)
    except Exception as e:
        out["funcs"][n] = {"error": str(e)}
# Struct and union names the parameters reach (through pointers, typedefs, arrays, members
# and function pointers), breadth first over the named ones.
seen = set()
work = []
def reach(t, depth=0):
    if depth > 16:
        return
    t = t.strip_typedefs()
    while t.code in (gdb.TYPE_CODE_PTR, gdb.TYPE_CODE_ARRAY):
        t = t.target().strip_typedefs()
    if t.code in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
        if t.tag:
            key = ("struct " if t.code == gdb.TYPE_CODE_STRUCT else "union ") + t.tag
            if key in seen:
                return
            seen.add(key)
            work.append(t)
        else:
            for f in t.fields():
                reach(f.type, depth + 1)
    elif t.code == gdb.TYPE_CODE_FUNC:
        for f in t.fields():
            if f.type is not None:
                reach(f.type, depth + 1)
for n in req["funcs"]:
    sym = gdb.lookup_global_symbol(n) or gdb.lookup_static_symbol(n)
    if sym is not None and sym.type is not None and sym.type.code == gdb.TYPE_CODE_FUNC:
        for f in sym.type.fields():
            if f.type is not None:
                try:
                    reach(f.type)
                except Exception:
                    pass
if req.get("all_types"):
    # every struct and union gdb knows by name, not only those the functions reach
    import re
    for line in gdb.execute("info types", to_string=True).splitlines():
        m = re.match(r"^\s*(?:\d+:)?\s*(struct|union) ([A-Za-z_]\w*);$", line)
        if m:
            seen.add(m.group(1) + " " + m.group(2))
while work:
    t = work.pop()
    try:
        for f in t.fields():
            reach(f.type)
    except Exception:
        pass
out["structs"] = sorted(seen)
for t in req["layouts"]:
    try:
        out["layouts"][t] = gdb.execute("ptype /o " + t, to_string=True)
    except Exception as e:
        out["layouts"][t] = "error: " + str(e)
json.dump(out, open(OUT, "w"))
'''

SYNONYMS = [  # longest first: whole words, in gdb's direction
    ("long long unsigned int", "unsigned long long"),
    ("long long int", "long long"),
    ("long unsigned int", "unsigned long"),
    ("short unsigned int", "unsigned short"),
    ("long int", "long"),
    ("short int", "short"),
]


def norm(t):
    t = re.sub(r"\{[^{}]*\}", "", " ".join(t.split()))  # gdb spells an anonymous enum out
    for a, b in SYNONYMS:
        t = re.sub(r"\b%s\b" % a, b, t)
    return re.sub(r"\s+", "", t.replace("<anonymous>", ""))


def exported_functions(binary):
    r = run(["nm", "-D", "--defined-only", binary])
    names = set()
    for line in r.stdout.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in ("T", "W", "i"):
            names.add(f[2].split("@")[0])
    return sorted(names)


def dwarf_functions(tyr, binary):
    """Every function with a body, as `tyr args BIN '*'` lists them."""
    r = run([tyr, "args", "--json", binary, "*"])
    if r.returncode != 0:
        return []
    return sorted({e["function"] for e in json.loads(r.stdout)})


def gdb_query(binary, funcs, layouts, all_types=False):
    with tempfile.TemporaryDirectory() as tmp:
        req, out, script = (os.path.join(tmp, n) for n in ("req.json", "out.json", "q.py"))
        with open(req, "w") as f:
            json.dump({"funcs": funcs, "layouts": layouts, "all_types": all_types}, f)
        with open(script, "w") as f:
            f.write("REQ = %r\nOUT = %r\n" % (req, out) + GDB_SCRIPT)
        r = run(["gdb", "-nx", "-batch", "-ex", "set width 0", "-ex", "set print type hex off",
                 "-x", script, binary], timeout=1800)
        if not os.path.exists(out):
            sys.exit("gdb failed: " + r.stderr[-2000:])
        with open(out) as f:
            return json.load(f)


def tyr_args(tyr, binary, funcs):
    got = {}
    for i in range(0, len(funcs), 200):
        chunk = funcs[i:i + 200]
        r = run([tyr, "args", "--json", binary] + chunk)
        try:
            for e in json.loads(r.stdout or "[]"):
                got[e["function"]] = e
        except json.JSONDecodeError:
            pass
        if r.returncode != 0 and len(chunk) > 1:
            # one name it cannot find stops nothing, but makes sure each was tried alone
            for n in chunk:
                if n not in got:
                    r1 = run([tyr, "args", "--json", binary, n])
                    if r1.returncode == 0:
                        got[n] = json.loads(r1.stdout)[0]
                    else:
                        got[n] = {"error": r1.stderr.strip()}
    return got


def compare_func(name, g, t):
    """None when they agree, else the reason."""
    has_g = g is not None and "params" in g
    has_t = t is not None and "params" in t
    if not has_g and not has_t:
        return None  # neither has debug info for it
    if not has_g:
        return "gdb has no debug info for it; tyr lists %d parameters" % len(t["params"])
    if not has_t:
        return "tyr: %s" % (t or {}).get("error", "not found")
    why = compare_params(g["params"], t)
    if why and any(compare_params(alt, t) is None for alt in g.get("alts", [])):
        return None  # a static function several units define: tyr shows another of them
    if why:
        return why
    if g["varargs"] != t.get("varargs", False):
        return "varargs: gdb %s, tyr %s" % (g["varargs"], t.get("varargs"))
    return None


def compare_params(gp, t):
    tp = t["params"]
    if len(gp) != len(tp):
        return "%d parameters in gdb, %d in tyr" % (len(gp), len(tp))
    for i, ((gn, gt), tpar) in enumerate(zip(gp, tp)):
        if (gn or "") != (tpar.get("name") or ""):
            return "parameter %d named %r in gdb, %r in tyr" % (i + 1, gn, tpar.get("name"))
        if norm(gt) != norm(tpar["type"]):
            return "parameter %d (%s): gdb %r, tyr %r" % (i + 1, gn, gt, tpar["type"])
    return None


# "/*  24: 3   |   4 */" (offset:bit | size), or "/*   16 */" (a union member: size only)
PTYPE_PREFIX = re.compile(r"^/\*\s*(?:(\d+)(?::\s*(\d+))?\s*\|)?\s*(\d+)\s*\*/(.*)$")


def parse_ptype(text):
    """Top-level members of `ptype /o` output: [(bitpos, size, decl)], total size."""
    members, depth, head = [], 0, None
    total = None
    for line in text.splitlines():
        m = PTYPE_PREFIX.match(line)
        rest = m.group(4) if m else line
        t = rest.strip()
        if "total size (bytes):" in t:
            total = int(t.split(":")[1].split()[0])
            continue
        if depth == 0 and "type = " in t:
            depth = 1 if t.endswith("{") else 0
            continue
        if not t or t.startswith("/*"):
            continue
        pos = None
        if m:
            byte = int(m.group(1)) if m.group(1) else 0
            pos = (byte * 8 + (int(m.group(2)) if m.group(2) else 0), int(m.group(3)))
        if t.endswith("{"):
            if depth == 1:
                head = (pos, t[:-1].strip())
            depth += 1
        elif t.startswith("}"):
            depth -= 1
            if depth == 1 and head:
                members.append((head[0], head[1] + " " + t[1:].rstrip(";").strip()))
                head = None
        elif depth == 1 and t.endswith(";"):
            members.append((pos, t[:-1]))
    return members, total


TYR_LINE = re.compile(r"^\t(\S.*?);\s*/\*\s*(\d+)(?::\s*(\d+))?\s+(\d+)\s*\*/")
TYR_SIZE = re.compile(r"/\* size: (\d+),")


def parse_tyr_layouts(text):
    """{name: [([(bitpos, size, decl)], total), ...]} from `tyr dump --format layout`: a
    name defined with several layouts (in different units) has several."""
    out, cur = {}, None
    for line in text.splitlines():
        if cur is None:
            m = re.match(r"^(struct|union) (\S+) \{( /\* type \d+ \*/)?$", line)
            if m:
                cur = ([], [None])
                out.setdefault(m.group(1) + " " + m.group(2), []).append(cur)
            continue
        m = TYR_LINE.match(line)
        if m:
            pos = (int(m.group(2)) * 8 + int(m.group(3) or 0), int(m.group(4)))
            cur[0].append((pos, m.group(1)))
        m = TYR_SIZE.search(line)
        if m:
            cur[1][0] = int(m.group(1))
        if line == "};":
            cur = None
    return {k: [(m, t[0]) for m, t in v] for k, v in out.items()}


def compare_layout(name, gtext, tyr_layout):
    if gtext.startswith("error"):
        return "gdb: " + gtext
    if tyr_layout is None:
        return "tyr has no layout for it"
    gm, gtotal = parse_ptype(gtext)
    tm, ttotal = tyr_layout
    if gtotal != ttotal:
        return "size %s in gdb, %s in tyr" % (gtotal, ttotal)
    if len(gm) != len(tm):
        return "%d members in gdb, %d in tyr" % (len(gm), len(tm))
    union = name.startswith("union ")
    for i, ((gpos, gdecl), (tpos, tdecl)) in enumerate(zip(gm, tm)):
        gbits, gsize = gpos if gpos else (0, None)
        tbits, tsize = tpos
        if not union and gbits != tbits:
            return "member %d (%s) at bit %d in gdb, %d in tyr" % (i + 1, gdecl, gbits, tbits)
        if gsize is not None and gsize != tsize:
            return "member %d (%s): size %d in gdb, %d in tyr" % (i + 1, gdecl, gsize, tsize)
        if norm(gdecl) != norm(tdecl):
            return "member %d: gdb %r, tyr %r" % (i + 1, gdecl, tdecl)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tyr", required=True)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--gdb-bin")
    ap.add_argument("--need", action="append", default=[],
                    help="skip (77) unless this file exists too (a debug package's file)")
    ap.add_argument("--funcs", choices=["exported", "dwarf"], default="exported")
    ap.add_argument("--layouts", default="40")
    ap.add_argument("--all-types", action="store_true",
                    help="sample every named struct and union, not only those reached")
    ap.add_argument("--min-funcs", type=float, default=100.0)
    ap.add_argument("--min-compared", type=int, default=1)
    a = ap.parse_args()
    why = missing([a.bin] + a.need)
    if why:
        print("skip: " + why)
        return SKIP
    funcs = exported_functions(a.bin) if a.funcs == "exported" else dwarf_functions(a.tyr, a.bin)
    if len(funcs) < a.min_compared:
        print("FAIL: only %d functions to compare in %s" % (len(funcs), a.bin))
        return 1
    gbin = a.gdb_bin or a.bin
    if not os.path.exists(gbin):
        print("FAIL: %s is missing" % gbin)
        return 1
    first = gdb_query(gbin, funcs, [], a.all_types)
    structs = first["structs"]
    if a.layouts != "all":
        n = int(a.layouts)
        step = max(1, len(structs) // n) if n else len(structs) + 1
        structs = structs[::step][:n]
    gl = gdb_query(gbin, [], structs)["layouts"] if structs else {}

    got = tyr_args(a.tyr, a.bin, funcs)
    fails, only_tyr = [], []
    compared = agree = 0
    for n in funcs:
        g, t = first["funcs"].get(n), got.get(n)
        if g is None or "params" not in g:
            if t is not None and "params" in t:
                # gdb finds no function of that name: one that exists only inlined or as an
                # out-of-line copy (name.constprop.0), which tyr finds by its base name
                only_tyr.append(n)
            continue  # no debug info for it anywhere: nothing to compare
        compared += 1
        why = compare_func(n, g, t)
        if why:
            fails.append("function %s: %s" % (n, why))
        else:
            agree += 1
    no_debug = len(funcs) - compared - len(only_tyr)

    # tyr's layouts: by name from the binary (the lookup `tyr dump BIN NAME` makes), and every
    # definition of each name from a blob of everything (a name several units define with
    # different layouts: gdb shows one of them, whichever its lookup meets first).
    by_name, every, by_name_text = {}, {}, ""
    if structs:
        r = run([a.tyr, "dump", "--format", "layout", a.bin] + structs)
        by_name, by_name_text = parse_tyr_layouts(r.stdout), r.stdout
        if r.returncode != 0:  # one missing type: ask for each alone
            for s in structs:
                if s not in by_name:
                    r1 = run([a.tyr, "dump", "--format", "layout", a.bin, s])
                    by_name.update(parse_tyr_layouts(r1.stdout))
                    by_name_text += r1.stdout
        with tempfile.TemporaryDirectory() as tmp:
            blob = os.path.join(tmp, "all.tyr")
            if run([a.tyr, "import", a.bin, "--all", "-o", blob]).returncode == 0:
                every = parse_tyr_layouts(run([a.tyr, "dump", "--format", "layout",
                                               blob]).stdout)
    lagree = 0
    decl_only = [s for s in structs if re.search(r"No (struct|union) type named", gl.get(s, "")) and
                 re.search(r"^%s; /\* declaration only \*/$" % re.escape(s), by_name_text, re.M)]
    structs = [s for s in structs if s not in decl_only]
    for s in structs:
        gtext = gl.get(s, "error: not asked")
        if s not in by_name:
            why = "tyr dump BIN %r finds nothing" % s
        else:
            why = compare_layout(s, gtext, by_name[s][0])
            if why and len(every.get(s, [])) > 1:
                if any(compare_layout(s, gtext, lay) is None for lay in every[s]):
                    why = None
                    print("note: %s has %d layouts in different units; gdb's is one of "
                          "them, tyr dump BIN shows another" % (s, len(every[s])))
        if why:
            fails.append("layout %s: %s" % (s, why))
        else:
            lagree += 1

    for f in fails:
        print("DIFFERS " + f)
    if only_tyr:
        print("not compared: %d functions gdb finds no symbol for (only inlined or out-of-line "
              "copies): %s" % (len(only_tyr), " ".join(only_tyr)))
    pct = 100.0 * agree / compared if compared else 0.0
    print("%s: functions (%s): %d of %d agree with gdb (%.1f%%); %d without debug info in "
          "either, %d found by tyr only" % (a.bin, a.funcs, agree, compared, pct, no_debug,
                                            len(only_tyr)))
    print("%s: layouts (ptype /o): %d of %d agree; %d declared only (no layout in either)"
          % (a.bin, lagree, len(structs), len(decl_only)))
    ok = compared >= a.min_compared and pct >= a.min_funcs and lagree == len(structs)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
