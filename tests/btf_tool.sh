#!/usr/bin/env bash
# The --btf forms of the tyr command on pahole's BTF of a DWARF fixture, against the DWARF
# forms on the fixture itself:
#   - `tyr args --btf BTF F` lists the same parameters as `tyr args ELF F`, for every
#     function of the BTF (the probe line and the kfunc retval line aside): "N of M agree";
#   - `tyr import --btf BTF -f walk -t 'struct Bits'` writes a blob that verifies, and its
#     layouts of struct Node and struct Bits equal the ones imported from DWARF;
#   - errors are one line and exit 1;
#   - where the running kernel has BTF and gcc is installed: all of vmlinux imported, dumped
#     as C with every struct's sizeof and offsetof asserted, and compiled by gcc (the
#     compiler as the layout oracle).
#   btf_tool.sh TYR BTF ELF WORKDIR
set -uo pipefail
tyr=$1 btf=$2 elf=$3 work=$4
mkdir -p "$work" && cd "$work" || exit 1
fail=0
mapfile -t funcs < <("$tyr" args --btf "$btf" '*' | grep '^kfunc:' | sed 's/.*://')
agree=0
for f in "${funcs[@]}"; do
    a=$("$tyr" args --btf "$btf" "$f" | sed '1d' | grep -v ' retval$')
    b=$("$tyr" args "$elf" "$f" 2>/dev/null | sed '1d')
    if [[ "$a" == "$b" ]]; then
        agree=$((agree + 1))
    else
        echo "differs: $f"; diff <(echo "$b") <(echo "$a")
    fi
done
echo "tyr args --btf: ${agree} of ${#funcs[@]} functions list the DWARF parameters"
[[ ${#funcs[@]} -ge 5 && $agree -eq ${#funcs[@]} ]] || fail=1

"$tyr" import --btf "$btf" -f walk -t 'struct Bits' -o btf.tyr || fail=1
"$tyr" verify btf.tyr >/dev/null || fail=1
"$tyr" stats btf.tyr >/dev/null || fail=1
for t in 'struct Node' 'struct Bits'; do
    if ! diff <("$tyr" dump "$elf" "$t" --format layout) <("$tyr" dump btf.tyr "$t" --format layout); then
        echo "layout of $t differs between DWARF and BTF"; fail=1
    fi
done
# The tool's option grammar: options after operands, --btf=FILE, FILE as import's operand,
# a mistyped option named with its close spelling, -- ending the options.
want=$("$tyr" args --btf "$btf" walk)
for form in "walk --btf $btf" "--btf=$btf walk" "--json --btf $btf walk"; do
    # shellcheck disable=SC2086
    got=$("$tyr" args $form | grep -v '^\[\|^\]') || { echo "tyr args $form failed"; fail=1; }
    if [[ $form == --json* ]]; then
        [[ "$got" == *'"params": [{"name": "n", "type": "struct Node*"'* ]] || fail=1
    elif [[ "$got" != "$want" ]]; then
        echo "tyr args $form differs"; fail=1
    fi
done
"$tyr" import "$btf" --btf -f walk -o op.tyr >/dev/null || fail=1
"$tyr" import --btf "$btf" -f walk -o opt.tyr >/dev/null || fail=1
[[ "$("$tyr" dump op.tyr)" == "$("$tyr" dump opt.tyr)" ]] || { echo "FILE operand differs"; fail=1; }
"$tyr" import --btf "$btf" --fulll -f walk -o x.tyr 2>err.txt; [[ $? -eq 2 ]] || fail=1
grep -q "did you mean '--full'" err.txt || { cat err.txt; fail=1; }
"$tyr" import --btf "$btf" "$btf" -f walk -o x.tyr 2>err.txt; [[ $? -eq 2 ]] || fail=1
"$tyr" args --btf "$btf" tyr_no_such_function 2>err.txt && fail=1
[[ $(wc -l <err.txt) -eq 1 ]] && grep -q '^tyr: .*no function' err.txt || { cat err.txt; fail=1; }
"$tyr" import --btf "$btf" -t 'struct tyr_no_such' -o x.tyr 2>err.txt && fail=1
[[ $(wc -l <err.txt) -eq 1 ]] || { cat err.txt; fail=1; }
if [[ -r /sys/kernel/btf/vmlinux ]] && command -v gcc >/dev/null; then
    "$tyr" import --btf --all --full -o vmlinux.tyr >/dev/null || fail=1
    "$tyr" dump vmlinux.tyr --asserts >vmlinux.c || fail=1
    if gcc -std=gnu11 -fsyntax-only -w vmlinux.c; then
        echo "vmlinux: C dump of $(grep -c '^struct\|^union' vmlinux.c) records compiles, $(grep -c _Static_assert vmlinux.c) layout asserts hold"
    else
        echo "vmlinux: the C dump does not compile"; fail=1
    fi
else
    echo "skip vmlinux part: no /sys/kernel/btf/vmlinux or no gcc"
fi
exit $fail
