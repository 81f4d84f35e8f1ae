#!/usr/bin/env bash
# The man page renders without a warning from man -l (groff), and names every command the
# tool has; the bash completion completes subcommands, options, formats and function names
# (through `tyr list`). Skips (exit 77) without man.
#   man_and_completion.sh TYR MAN_PAGE COMPLETION
set -uo pipefail
tyr=$1 page=$2 comp=$3
failed=0
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
if command -v man >/dev/null; then
    warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
    [[ -z $warnings ]] || fail "man -l warns: $warnings"
    text=$(MANWIDTH=80 man -l "$page" 2>/dev/null)
    for cmd in list args import dump verify stats decode help; do
        grep -q "^       $cmd " <<<"$text" || grep -q "^       tyr $cmd" <<<"$text" ||
            fail "the man page does not describe tyr $cmd"
        "$tyr" help "$cmd" >/dev/null || fail "tyr help $cmd"
    done
    ((failed)) || echo "ok    man -l renders tyr.1 with no warning, every command in it"
else
    echo "skip: no man"
    exit 77
fi

# Completion: source it in this shell and ask it as bash would.
PATH=$(dirname "$tyr"):$PATH
# shellcheck disable=SC1090
source "$comp"
complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _tyr; echo "${COMPREPLY[*]}"; }
[[ $(complete_words tyr ar) == "args" ]] || fail "tyr ar<TAB>: $(complete_words tyr ar)"
[[ $(complete_words tyr args --j) == "--json" ]] || fail "tyr args --j<TAB>"
[[ $(complete_words tyr dump x -F l) == "layout" ]] || fail "tyr dump -F l<TAB>"
[[ $(complete_words tyr args ./linked_list wa) == "walk" ]] || fail "tyr args ./linked_list wa<TAB>: $(complete_words tyr args ./linked_list wa)"
[[ $(complete_words tyr import ./linked_list -f wa) == "walk" ]] || fail "tyr import BIN -f wa<TAB>"
((failed)) || echo "ok    bash completion: commands, options, formats, function names"
((failed == 0))
