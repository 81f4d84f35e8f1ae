#!/usr/bin/env bash
# tyr against a real debuginfod server, and against a stub that misbehaves on purpose.
#   check.sh TYR CC SRCDIR WORKDIR
# Builds two programs sharing types (DWARF 4: dwz 0.15 does not know clang's DWARF 5
# .debug_addr), keeps their debug files aside (strip --only-keep-debug), pairs them with
# dwz -m (the common file's name made unreachable, so only its build-id finds it),
# serves the debug files from `debuginfod` on a loopback port, and checks:
#   - `tyr args` on the stripped binaries lists what it lists on the unstripped ones, the
#     dwz file fetched too; `tyr import` and `tyr aot build` work on a stripped binary;
#   - a second run makes no request (the server's http_requests_total does not move);
#   - DEBUGINFOD_URLS= and --no-debuginfod make none either, and the error says so;
#   - a cold fetch shows its progress on a terminal's stderr, nothing on stderr otherwise;
#   - unreachable server, 404, slow server (DEBUGINFOD_TIMEOUT), wrong build-id served,
#     truncated download: each is one line, exit 1, in bounded time, no file in the cache.
# Each case has its own DEBUGINFOD_CACHE_PATH under WORKDIR. Exit 77 when `debuginfod`
# is not installed. Servers are stopped on every exit (trap).
set -uo pipefail
tyr=$1 cc=$2 src=$3 work=$4
if ! command -v debuginfod >/dev/null; then
    echo "skipped: the debuginfod program is not installed (Debian package debuginfod)"
    exit 77
fi
for t in dwz objcopy strip readelf python3; do
    command -v "$t" >/dev/null || { echo "missing $t"; exit 1; }
done
rm -rf "$work" && mkdir -p "$work/srv" && cd "$work" || exit 1
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
}
trap cleanup EXIT
unset DEBUGINFOD_PROGRESS DEBUGINFOD_VERBOSE
export DEBUGINFOD_TIMEOUT=5
fail=0
bad() { echo "FAIL: $*"; fail=1; }

build_id() { readelf -n "$1" 2>/dev/null | awk '/Build ID/ {print $3; exit}'; }
for p in a b; do
    "$cc" -gdwarf-4 -O0 -Wl,--build-id -o prog_$p "$src/prog_$p.c" || exit 1
    objcopy --only-keep-debug prog_$p srv/prog_$p.debug || exit 1
    strip -g -o prog_$p.stripped prog_$p || exit 1
done
(cd srv && dwz -m common.debug -M /nonexistent/tyr-debuginfod-test/common.debug \
    prog_a.debug prog_b.debug) || { echo "dwz -m failed"; exit 1; }
id_a=$(build_id prog_a) id_b=$(build_id prog_b) id_common=$(build_id srv/common.debug)
[[ -n $id_a && -n $id_b && -n $id_common ]] || { echo "no build-ids"; exit 1; }

# The real server, on a free loopback port.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
debuginfod -F -p "$port" -d "$work/db.sqlite" "$work/srv" >server.log 2>&1 &
pids+=($!)
url=http://127.0.0.1:$port
get() { python3 - "$1" <<'PY'
import sys, urllib.request
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode(errors="replace"))
except Exception:
    sys.exit(1)
PY
}
ready=0
for _ in $(seq 100); do
    if get "$url/buildid/$id_a/debuginfo" >/dev/null && get "$url/buildid/$id_b/debuginfo" >/dev/null &&
        get "$url/buildid/$id_common/debuginfo" >/dev/null; then
        ready=1; break
    fi
    sleep 0.1
done
[[ $ready = 1 ]] || { echo "debuginfod did not serve the files"; cat server.log; exit 1; }
requests() { get "$url/metrics" | awk -F' ' '/^http_requests_total\{type="debuginfo"\}/ {print $2}'; }

# Stripped binaries: the same listing as the unstripped ones, the dwz file fetched too.
export DEBUGINFOD_URLS=$url
for p in a b; do
    want=$(DEBUGINFOD_URLS= "$tyr" args prog_$p '*' | sed "s/^uprobe:prog_$p:/uprobe:BIN:/")
    before=$(requests)
    got=$(DEBUGINFOD_CACHE_PATH=$work/cache "$tyr" args prog_$p.stripped '*' 2>err_$p.txt |
          sed "s/^uprobe:prog_$p.stripped:/uprobe:BIN:/")
    [[ -n $want && "$want" == "$got" ]] || { bad "args of prog_$p.stripped"; diff <(echo "$want") <(echo "$got"); }
    [[ ! -s err_$p.txt ]] || { bad "stderr not empty off a terminal"; cat err_$p.txt; }
    n=$(( $(grep -c '^uprobe:' <<<"$got") ))
    echo "tyr args prog_$p.stripped: $n functions, same as prog_$p; requests $before -> $(requests)"
done
[[ -s cache/$id_a/debuginfo && -s cache/$id_b/debuginfo ]] || bad "debug files not in the cache"
[[ -s cache/$id_common/debuginfo ]] || bad "the dwz file was not fetched"
cmp -s cache/$id_common/debuginfo srv/common.debug || bad "cached dwz file differs"

# Warm cache: no request.
before=$(requests)
DEBUGINFOD_CACHE_PATH=$work/cache "$tyr" args prog_a.stripped '*' >warm.txt || bad "warm run"
DEBUGINFOD_CACHE_PATH=$work/cache "$tyr" import prog_a.stripped -f paint -f total_area -o a.tyr ||
    bad "import on the stripped binary"
"$tyr" args a.tyr paint total_area >blob.txt || bad "args of the blob"
DEBUGINFOD_CACHE_PATH=$work/cache "$tyr" aot build prog_a.stripped paint total_area -o a.aot ||
    bad "aot build on the stripped binary"
after=$(requests)
[[ "$before" == "$after" ]] || bad "warm runs made requests ($before -> $after)"
echo "warm cache: args, import, aot build made $((after - before)) requests"

# Turned off: no request, and the error does not name the server.
for how in env opt; do
    rm -rf cache_off
    if [[ $how = env ]]; then
        DEBUGINFOD_URLS= DEBUGINFOD_CACHE_PATH=$work/cache_off "$tyr" args prog_a.stripped paint 2>off.txt && bad "DEBUGINFOD_URLS= fetched"
    else
        DEBUGINFOD_CACHE_PATH=$work/cache_off "$tyr" args --no-debuginfod prog_a.stripped paint 2>off.txt && bad "--no-debuginfod fetched"
    fi
    [[ $(wc -l <off.txt) -eq 1 ]] && grep -q 'no DWARF debug info' off.txt && ! grep -q debuginfod off.txt ||
        { bad "off ($how) message"; cat off.txt; }
done
[[ "$(requests)" == "$after" ]] || bad "turned off, a request was made"

# On a terminal, a cold fetch shows its progress on stderr, cleared before the listing.
DEBUGINFOD_CACHE_PATH=$work/cache_tty python3 "$src/on_tty.py" "$tyr" args prog_a.stripped paint >tty.txt ||
    bad "args on a terminal"
grep -Eq 'fetching debug info from debuginfod: [0-9]+ of [0-9]+ KiB<ESC>\[K.*<CR><ESC>\[Kuprobe:' tty.txt ||
    { bad "no progress on a terminal"; cat tty.txt; }

# A server without the file: the message names it among the places searched.
DEBUGINFOD_URLS=$url/none DEBUGINFOD_CACHE_PATH=$work/cache_404real "$tyr" args prog_a.stripped paint 2>nf.txt && bad "404 succeeded"
grep -q "nor on debuginfod $url/none" nf.txt || { bad "404 message does not name the server"; cat nf.txt; }

# The stub's failures: one line, exit 1, bounded time, nothing left in the cache.
python3 "$src/stub.py" stub.port "srv/prog_a.debug" "srv/prog_b.debug" &
pids+=($!)
for _ in $(seq 100); do [[ -s stub.port ]] && break; sleep 0.1; done
stub=http://127.0.0.1:$(cat stub.port)
dead_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
check_failure() { # NAME URL EXPECTED-REGEX
    local name=$1 u=$2 re=$3 t0 t1
    t0=$(date +%s.%N)
    DEBUGINFOD_URLS=$u DEBUGINFOD_TIMEOUT=2 DEBUGINFOD_CACHE_PATH=$work/cache_$name \
        timeout 30 "$tyr" args prog_a.stripped paint >out_$name.txt 2>err_$name.txt
    local rc=$?
    t1=$(date +%s.%N)
    local secs
    secs=$(python3 -c "print(f'{$t1-$t0:.1f}')")
    [[ $rc -eq 1 ]] || bad "$name: exit $rc"
    [[ $(wc -l <err_$name.txt) -eq 1 ]] || bad "$name: not one line"
    grep -Eq "$re" err_$name.txt || bad "$name: message does not match /$re/"
    if [[ -d cache_$name ]] && [[ -n $(find cache_$name -type f -size +0 -name 'debuginfo*') ]]; then
        bad "$name: a file was left in the cache"; find cache_$name -type f -ls
    fi
    echo "$name (${secs}s): $(cat err_$name.txt)"
}
check_failure unreachable "http://127.0.0.1:$dead_port" "server unreachable"
check_failure 404 "$stub/404" "nor on debuginfod $stub/404"
check_failure slow "$stub/slow" "timed out"
check_failure wrong "$stub/wrong" "refused the debug file .* its build-id is $id_b"
check_failure trunc "$stub/trunc" "broke off after [0-9]+ of [0-9]+ bytes"

exit $fail
