# shellcheck shell=bash
# Shared set-up for scripts/test, scripts/demo and bench/run: source it, do not run it.
#   tyr_install_deps              install the Debian packages below that are missing
#   tyr_build DIR [CMAKE ARGS...] configure DIR (under the repo unless absolute) and build it
# Every function is idempotent: nothing is installed twice, an up-to-date build does nothing.

TYR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TYR_JOBS=${TYR_JOBS:-2}

# Needed to build and test tyr.
TYR_PACKAGES_REQUIRED=(
    build-essential cmake pkg-config
    clang llvm libclang-rt-14-dev     # clang builds, ASan+UBSan runtime, llvm-symbolizer, fuzzers
    libdwarf-dev libelf-dev           # DWARF import (libdwarf reads ELF through libelf)
    libxxhash-dev                     # the name index hash and the blob checksum
    libcmocka-dev                     # tests
    valgrind                          # memcheck stage of scripts/test
    libbpf-dev bpftool                # the AOT runtime: libbpf, the BPF skeleton (lib/aot/)
    libdebuginfod-dev                 # debug files by build-id from debuginfod servers
)
# The anchors tyr is measured against and the inputs of the import tests. Installed with the
# rest; a failure here is reported but does not stop a build or test that can do without them.
TYR_PACKAGES_OPTIONAL=(
    dwarves dwz                       # pahole (layout oracle, DWARF to BTF); DWARF compression
    bpftrace                          # the `bpftrace -lv` argument listing anchor
    python3.11-dbg libc6-dbg          # big real DWARF inputs
    libbinutils-dbg                   # a Debian dwz'd debug package (libbfd, libopcodes): its
                                      # compressed .dwz file is what tests/dwz.cmake's
                                      # dwz_vs_gdb_libbfd checks against gdb
    python3-drgn                      # the drgn anchor
    debuginfod                        # the server tests/debuginfod.cmake fetches from
    gdb python3                       # the oracle of the *_vs_gdb tests (its Python API), and
                                      # the tests' scripts
)

# The main build (build/, or $TYR_BUILD_DIR): gcc, warnings as errors. scripts/test's first
# stage and scripts/demo share it, so neither reconfigures what the other built.
# shellcheck disable=SC2034 # used by the scripts that source this file
TYR_MAIN_CMAKE_ARGS=(-DCMAKE_C_COMPILER=gcc -DTYR_WERROR=ON)
TYR_MAIN_BUILD=${TYR_BUILD_DIR:-build}
[[ "$TYR_MAIN_BUILD" = /* ]] || TYR_MAIN_BUILD="$TYR_ROOT/$TYR_MAIN_BUILD"

tyr_say() {
    printf '[%s] %s\n' "${TYR_SCRIPT:-tyr}" "$*"
}

tyr_die() {
    printf '[%s] error: %s\n' "${TYR_SCRIPT:-tyr}" "$*" >&2
    exit 1
}

# Prints the packages among "$@" that dpkg does not report as installed.
tyr_missing_packages() {
    local p status
    for p in "$@"; do
        status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
        if [[ "$status" != "install ok installed" ]]; then
            printf '%s\n' "$p"
        fi
    done
}

tyr_apt_get() {
    local sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null || tyr_die "not root and no sudo: cannot run apt-get $*"
        sudo=(sudo)
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "$@"
}

tyr_install_deps() {
    if ! command -v dpkg-query >/dev/null; then
        tyr_say "no dpkg-query: not a Debian system, skipping package installation"
        return 0
    fi
    local required optional
    mapfile -t required < <(tyr_missing_packages "${TYR_PACKAGES_REQUIRED[@]}")
    mapfile -t optional < <(tyr_missing_packages "${TYR_PACKAGES_OPTIONAL[@]}")
    if ((${#required[@]} + ${#optional[@]} == 0)); then
        tyr_say "packages: all $((${#TYR_PACKAGES_REQUIRED[@]} + ${#TYR_PACKAGES_OPTIONAL[@]})) present"
        return 0
    fi
    local all=("${required[@]}" "${optional[@]}")
    tyr_say "packages: installing ${all[*]}"
    tyr_apt_get update -qq
    local flags=(install -y -qq --no-install-recommends)
    if ! tyr_apt_get "${flags[@]}" "${all[@]}"; then
        # One optional package missing from this distribution must not block the build.
        ((${#required[@]} == 0)) || tyr_apt_get "${flags[@]}" "${required[@]}" ||
            tyr_die "could not install required packages: ${required[*]}"
        local p
        for p in "${optional[@]}"; do
            tyr_apt_get "${flags[@]}" "$p" >/dev/null 2>&1 ||
                tyr_say "warning: optional package $p could not be installed; going on without it"
        done
    fi
}

# tyr_build DIR [CMAKE ARGS...]: configure DIR when it has no cache or was configured with
# other arguments (then from scratch, so no option lingers from before), and build it with
# $TYR_JOBS jobs; returns 1 on failure. cmake re-runs by itself when a CMake file changes. The configure output goes
# to DIR/tyr-configure.log and is shown only when configuring fails.
tyr_build() {
    local dir=$1
    shift
    [[ "$dir" = /* ]] || dir="$TYR_ROOT/$dir"
    local stamp="$dir/tyr-configure.args" log="$dir/tyr-configure.log" args="$*"
    if [[ ! -f "$dir/CMakeCache.txt" || ! -f "$stamp" || "$(cat "$stamp")" != "$args" ]]; then
        mkdir -p "$dir"
        rm -rf "$dir/CMakeCache.txt" "$dir/CMakeFiles"
        tyr_say "configure ${dir#"$TYR_ROOT"/}: cmake $args"
        if ! cmake -S "$TYR_ROOT" -B "$dir" "$@" >"$log" 2>&1; then
            cat "$log" >&2
            tyr_say "error: cmake configure failed in $dir"
            return 1
        fi
        printf '%s' "$args" >"$stamp"
    fi
    if ! cmake --build "$dir" -j "$TYR_JOBS"; then
        tyr_say "error: build failed in $dir"
        return 1
    fi
}
