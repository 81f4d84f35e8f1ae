#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tyr_dwarf_param_locations() against gdb's `info scope *ENTRY`, on one binary.

For every function with a body (as `tyr args BIN '*'` lists them) and, with --clones, every
out-of-line copy among the ELF symbols (name.isra.N, name.constprop.N, name.part.N), the
locations print_locs reports at the function's entry pc are compared, parameter by parameter,
with what gdb says about the symbol of that name in the scope at that pc: a register, a stack
slot (frame base register or CFA plus offset), a constant, optimized out (no range covers the
entry pc). Parameters gdb does not list in that scope (a function inlined at the entry pc
opens a scope of its own) and parameters the copy dropped are not compared, and counted.

Prints each disagreement, then "N of M parameters agree"; exits 1 on any disagreement or
fewer than --min-compared parameters compared; 77 (skip) without gdb.

  locs_vs_gdb.py --print PRINT_LOCS --tyr TYR --bin BIN [--clones] [--min-compared N]
                 [--need FILE]
"""
import argparse
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from gdb_oracle import SKIP, missing, run  # noqa: E402
REGS = {n: i for i, n in enumerate(
    "rax rdx rcx rbx rsi rdi rbp rsp r8 r9 r10 r11 r12 r13 r14 r15 rip".split())}
REGS.update({"xmm%d" % i: 17 + i for i in range(16)})
CFA = 65535


# Runs inside gdb: for each (name, pc), whether pc lies in a function inlined there (then
# `info scope` describes that copy's variables, not the function's), and `info scope *pc`.
GDB_SCRIPT = r'''
import gdb, json
for name, pc in json.loads(%r):
    b = gdb.block_for_pc(pc)
    while b is not None and b.function is None:
        b = b.superblock
    inl = int(b is not None and b.superblock is not None and not b.superblock.is_static)
    print("@@@ %%s 0x%%x %%d" %% (name, pc, inl))
    try:
        print(gdb.execute("info scope *0x%%x" %% pc, to_string=True))
    except gdb.error as e:
        print(str(e))
'''


def clone_symbols(binary):
    """Function symbols of out-of-line copies, from the binary's .symtab or its debug file's."""
    paths = [binary]
    m = re.search(r"Build ID: ([0-9a-f]+)", run(["readelf", "-n", binary]).stdout)
    if m:
        paths.append("/usr/lib/debug/.build-id/%s/%s.debug" % (m.group(1)[:2], m.group(1)[2:]))
    names = set()
    for p in paths:
        for line in run(["nm", p]).stdout.splitlines():
            f = line.split()
            if len(f) == 3 and f[1] in "tT" and re.search(r"\.(isra|constprop|part)\.\d+$", f[2]):
                names.add(f[2])
    return sorted(names)


def parse_desc(desc, ops):
    """One location as gdb prints it -> (kind, a, b): reg (reg,), stack (base, offset),
    const (value,), unavailable, expr."""
    m = re.match(r"a variable in \$(\w+)", desc)
    if m:
        return ("reg", REGS.get(m.group(1), -1))
    m = re.match(r"a variable at frame base reg \$(\w+) offset (-?\d+)\+(-?\d+)", desc)
    if m:
        return ("stack", REGS.get(m.group(1), -1), int(m.group(2)) + int(m.group(3)))
    m = re.match(r"a variable at offset (-?\d+) from base reg \$(\w+)", desc)
    if m:
        return ("stack", REGS.get(m.group(2), -1), int(m.group(1)))
    m = re.match(r"a constant with value (-?\d+)", desc)
    if m:
        return ("const", int(m.group(1)) & (2**64 - 1))
    if desc.startswith("optimized out"):
        return ("unavailable",)
    if desc.startswith("a complex DWARF expression"):
        if len(ops) == 1:
            m = re.match(r"DW_OP_fbreg (-?\d+)", ops[0])
            if m:
                return ("stack", CFA, int(m.group(1)))
            m = re.match(r"DW_OP_breg(\d+) (-?\d+)", ops[0])
            if m:
                return ("stack", int(m.group(1)), int(m.group(2)))
        if len(ops) == 2 and ops[1].startswith("DW_OP_stack_value"):
            m = re.match(r"DW_OP_lit(\d+)", ops[0])
            if m:
                return ("const", int(m.group(1)))
            m = re.match(r"DW_OP_const\w* (-?\d+)", ops[0])
            if m:
                return ("const", int(m.group(1)) & (2**64 - 1))
        return ("expr",)
    return ("expr",)


def parse_scope(text, pc):
    """{name: location at pc} from `info scope *PC`."""
    out = {}
    chunks = re.split(r"^Symbol ", text, flags=re.M)[1:]
    for ch in chunks:
        m = re.match(r"(\S+) is (.*)", ch, flags=re.S)
        if not m:
            continue
        name, rest = m.group(1), m.group(2)
        lines = rest.splitlines()
        if lines[0].startswith("multi-location"):
            loc = ("unavailable",)
            i = 1
            while i < len(lines):
                r = re.search(r"Range (0x[0-9a-f]+)-(0x[0-9a-f]+): (.*)", lines[i])
                if not r:
                    i += 1
                    continue
                ops = []
                j = i + 1
                while j < len(lines) and re.match(r"^\s+\d+: DW_OP", lines[j]):
                    ops.append(re.sub(r"^\s+\d+: ", "", lines[j]).strip())
                    j += 1
                if int(r.group(1), 16) <= pc < int(r.group(2), 16):
                    loc = parse_desc(r.group(3), ops)
                    break
                i = j
            out[name] = loc
        else:
            ops = [re.sub(r"^\s+\d+: ", "", l).strip() for l in lines[1:]
                   if re.match(r"^\s+\d+: DW_OP", l)]
            out[name] = parse_desc(lines[0], ops)
    return out


def parse_print(text):
    funcs = []
    for line in text.splitlines():
        if not line.startswith("\t"):
            f = line.split()
            funcs.append({"name": f[0], "pc": int(f[2], 16) if f[1] == "entry" else None,
                          "error": line if f[1] == "error" else None, "params": []})
            continue
        name, kind, reg, base, off, val, flags = line.split()
        funcs[-1]["params"].append({"name": name, "kind": kind, "reg": int(reg),
                                    "base": int(base), "offset": int(off), "value": int(val),
                                    "flags": int(flags)})
    return funcs


def tyr_loc(p):
    k = p["kind"]
    if k == "reg":
        return ("reg", p["reg"])
    if k == "stack":
        return ("stack", p["base"], p["offset"])
    if k == "const":
        return ("const", p["value"])
    return (k,)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--print", dest="printer", required=True)
    ap.add_argument("--tyr", required=True)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--clones", action="store_true")
    ap.add_argument("--min-compared", type=int, default=1)
    ap.add_argument("--need", action="append", default=[],
                    help="skip (77) unless this file exists too (a debug package's file)")
    a = ap.parse_args()
    why = missing(a.need + [a.bin])
    if why:
        print("skip: " + why)
        return SKIP
    r = run([a.tyr, "args", "--json", a.bin, "*"])
    names = sorted({e["function"] for e in json.loads(r.stdout or "[]")})
    clones = clone_symbols(a.bin) if a.clones else []
    funcs = parse_print(run([a.printer, a.bin] + names + clones).stdout)
    asked = [(f["name"], f["pc"]) for f in funcs if f["pc"] is not None]
    with tempfile.NamedTemporaryFile("w", suffix=".py") as script:
        script.write(GDB_SCRIPT % json.dumps(asked))
        script.flush()
        g = run(["gdb", "-nx", "-batch", "-ex", "set width 0", "-x", script.name, a.bin]).stdout
    scopes, inlined = {}, set()
    for part in g.split("@@@ ")[1:]:
        head, _, body = part.partition("\n")
        fname, pc, inl = head.split()
        if inl == "1":
            inlined.add(fname)
        scopes[fname] = parse_scope(body, int(pc, 16))
    compared = agree = unscoped = dropped = errors = 0
    for f in funcs:
        if f["error"]:
            errors += 1
            print("ERROR " + f["error"])
            continue
        sc = scopes.get(f["name"], {})
        for p in f["params"]:
            if p["flags"] & 2:
                dropped += 1
                continue
            if p["name"] not in sc or f["name"] in inlined:
                unscoped += 1
                continue
            compared += 1
            want, got = sc[p["name"]], tyr_loc(p)
            if want == got:
                agree += 1
            else:
                print("DIFFERS %s (entry 0x%x) %s: gdb %s, tyr %s" %
                      (f["name"], f["pc"], p["name"], want, got))
    print("%s: %d of %d parameter locations at entry agree with gdb (%d functions, %d of them "
          "out-of-line copies; %d parameters not in gdb's scope at the entry pc (%d functions "
          "whose entry pc is in a copy inlined there), %d dropped by a copy, %d functions with "
          "errors)" % (a.bin, agree, compared, len(funcs), len(clones),
                                                 unscoped, len(inlined), dropped, errors))
    ok = agree == compared and compared >= a.min_compared and errors == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
