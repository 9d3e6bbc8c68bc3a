#!/usr/bin/env bash
# The one script behind the README's two commands on a Debian 12 machine:
#
#   installer/bootstrap.sh run [args...]  install what is missing, build the release preset and
#                                         run `wardend [args...]` in the foreground (without a
#                                         configured link: the simulated network; Ctrl-C stops it)
#   installer/bootstrap.sh test           install what is missing, then every test, in stages:
#                                         format, ci, package, asan, avr, fuzz (fails at the first
#                                         broken one; package needs root: it installs the .debs)
#   installer/bootstrap.sh deps           only install what is missing
#
# Knobs for local iteration; CI sets none of them, so CI runs everything:
#   WARDEN_SKIP="asan fuzz"   stages to leave out
#   WARDEN_FUZZ_SECONDS=40    how long each libFuzzer target runs
set -euo pipefail

# Every Debian package the build, the tests and the tools need. The only list.
readonly PACKAGES=(
    build-essential cmake ninja-build pkg-config
    librsvg2-bin
    appstream
    groff-base
    man-db
    systemd
    qt6-base-dev qt6-base-dev-tools qt6-serialport-dev libqt6sql6-sqlite qt6-websockets-dev
    libbotan-2-dev libexpected-dev
    gcc-avr avr-libc binutils-avr simavr libsimavr-dev arduino-builder arduino-core-avr
    clang-14 libclang-rt-14-dev clang-format-14 libbenchmark-dev
    socat mosquitto libmosquitto-dev
    libqrencode-dev
    lintian
    python3
    qtkeychain-qt6-dev gnome-keyring
    libqt6svg6 qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools desktop-file-utils
    xvfb
    avrdude
)
readonly STAGES=(format ci package asan avr fuzz)
# Each is tests/fuzz/fuzz_<name>.cpp with its seeds in tests/fuzz/corpus/<name>/.
readonly FUZZERS=(frame rs485 textline management linesplitter mqtttopic jsonapi modemframing keystorecontent gatewayconfig stockinputs)
readonly FORMAT_DIRS=(core plugins gui firmware tests)
# CI runners have two cores; more parallel jobs only add memory pressure there.
readonly JOBS=2

cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf 'bootstrap: %s\n' "$*"; }
die() {
    printf 'bootstrap: %s\n' "$*" >&2
    exit 1
}
banner() { printf '\n========== %s ==========\n' "$*"; }

usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
    exit "${1:-1}"
}

# --- Debian packages ---------------------------------------------------------------------------

missing_packages() {
    local package
    for package in "${PACKAGES[@]}"; do
        # shellcheck disable=SC2016 # ${Status} is dpkg-query's field, not a shell variable
        if [[ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" != "install ok installed" ]]; then
            printf '%s\n' "$package"
        fi
    done
}

install_dependencies() {
    if ! command -v dpkg-query >/dev/null; then
        say "not a Debian system: install the equivalents of these yourself: ${PACKAGES[*]}"
        return 0
    fi
    local -a missing sudo=()
    mapfile -t missing < <(missing_packages)
    if ((${#missing[@]} == 0)); then
        say "all ${#PACKAGES[@]} Debian packages are installed"
        return 0
    fi
    if ((EUID != 0)); then
        command -v sudo >/dev/null || die "run as root or install sudo: missing ${missing[*]}"
        sudo=(sudo)
    fi
    say "installing ${missing[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends "${missing[@]}"
}

# --- run ---------------------------------------------------------------------------------------

# The daemon and the transports it loads at run time (the simulated network is its default);
# wardenctl too, so that `build/release/bin/wardenctl demo` is there as before.
RUN_TARGETS=(wardend wardenctl warden_link_simulated warden_link_serial warden_link_tcp warden_link_mqtt)

cmd_run() {
    cmake --preset release
    cmake --build --preset release -j"$JOBS" --target "${RUN_TARGETS[@]}"
    banner "wardend $* (Ctrl-C stops it)"
    exec build/release/bin/wardend "$@"
}

# --- test stages -------------------------------------------------------------------------------

# Any sanitizer report ends the process with a failure; options already in the environment
# come last, so they win.
export_sanitizer_options() {
    export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:check_initialization_order=1:strict_init_order=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
    export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
}

# The fuzz targets are in the CMake tree behind an if(EXISTS); here a missing one is an error.
require_fuzzers() {
    local name
    for name in "${FUZZERS[@]}"; do
        [[ -f tests/fuzz/fuzz_$name.cpp ]] || die "fuzzer missing: tests/fuzz/fuzz_$name.cpp"
        [[ -d tests/fuzz/corpus/$name ]] || die "fuzz corpus missing: tests/fuzz/corpus/$name/"
    done
}

# Every fuzzer's replay is a test of the suite about to run (ctest --preset $1).
require_fuzz_replays() {
    local listed name
    listed=$(ctest --preset "$1" -N -L fuzz)
    for name in "${FUZZERS[@]}"; do
        grep -q "fuzz_replay_$name\$" <<<"$listed" \
            || die "fuzz_replay_$name is not a ctest test of the $1 preset (tests/fuzz/CMakeLists.txt)"
    done
}

stage_format() {
    local -a files=()
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        local -a specs=()
        local dir
        for dir in "${FORMAT_DIRS[@]}"; do specs+=("$dir/*.h" "$dir/*.cpp"); done
        # Tracked files plus new ones not ignored: in a clean clone, exactly the tracked ones.
        mapfile -d '' -t files < <(git ls-files -z --cached --others --exclude-standard -- "${specs[@]}")
    else
        local -a dirs=()
        local dir
        for dir in "${FORMAT_DIRS[@]}"; do [[ -d $dir ]] && dirs+=("$dir"); done
        if ((${#dirs[@]} > 0)); then
            mapfile -d '' -t files < <(find "${dirs[@]}" -type f \( -name '*.h' -o -name '*.cpp' \) -print0)
        fi
    fi
    local -a present=()
    local file
    # ls-files still lists a tracked file deleted from the work tree.
    for file in "${files[@]}"; do [[ -f $file ]] && present+=("$file"); done
    say "clang-format-14 --dry-run -Werror on ${#present[@]} files under ${FORMAT_DIRS[*]}"
    ((${#present[@]} > 0)) || return 0
    local report
    if ! report=$(printf '%s\0' "${present[@]}" | xargs -0 clang-format-14 --dry-run -Werror 2>&1); then
        printf '%s\n' "$report" | head -n 60
        say "not formatted (fix with clang-format-14 -i <file>):"
        printf '%s\n' "$report" | sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error:.*/    \1/p' | sort -u
        return 1
    fi
}

stage_ci() {
    require_fuzzers
    cmake --preset ci
    cmake --build --preset ci -j"$JOBS"
    require_fuzz_replays ci
    ctest --preset ci -j"$JOBS" --output-on-failure --no-tests=error
}

# The Debian packages from the ci build (no rebuild): lint, install, run, upgrade, purge.
stage_package() {
    ((EUID == 0)) || die "the package stage installs Debian packages: run as root, or WARDEN_SKIP=package"
    installer/package-test.sh build/ci
}

stage_asan() {
    require_fuzzers
    cmake --preset asan
    cmake --build --preset asan -j"$JOBS"
    require_fuzz_replays asan
    export_sanitizer_options
    ctest --preset asan -j"$JOBS" --output-on-failure --no-tests=error
}

# avr-g++ 5.4 for the ATmega328P must compile core/protocol without a single warning.
stage_avr() {
    local build=build/avr
    local log=$build/build.log
    mkdir -p "$build"
    # A relative --toolchain would be looked up in build/avr and firmware/, not here.
    cmake -S firmware -B "$build" -G Ninja \
        --toolchain "$PWD/firmware/cmake/avr-gcc.toolchain.cmake" 2>&1 | tee "$log"
    cmake --build "$build" -j"$JOBS" 2>&1 | tee -a "$log"
    if grep -qE 'warning:|CMake Warning' "$log"; then
        say "the AVR build printed warnings (above, and in $log)"
        return 1
    fi
    cmake --build "$build" --target avr_size
}

run_fuzzer() {
    local name=$1 seconds=$2
    local scratch=build/fuzz/fuzz-run/$name
    # libFuzzer adds what it finds to its first corpus folder: give it a copy of the seeds.
    rm -rf "$scratch"
    mkdir -p "$scratch/corpus" "$scratch/artifacts"
    cp -R "tests/fuzz/corpus/$name/." "$scratch/corpus/"
    local seeds
    seeds=$(find "$scratch/corpus" -type f | wc -l)
    say "fuzz_$name: $seconds s from $seeds seed files (log: $scratch/fuzz.log)"
    # -timeout: one input running 25 s is a hang, and a hang fails like a crash.
    local rc=0
    "build/fuzz/bin/fuzz_$name" -max_total_time="$seconds" -print_final_stats=1 -timeout=25 \
        -artifact_prefix="$scratch/artifacts/" "$scratch/corpus" >"$scratch/fuzz.log" 2>&1 || rc=$?
    if ((rc != 0)); then
        tail -n 80 "$scratch/fuzz.log"
        say "fuzz_$name failed (exit $rc). Reproducers in $scratch/artifacts/:"
        ls -1 "$scratch/artifacts"
        say "replay one with: build/fuzz/bin/fuzz_$name <file>"
        return 1
    fi
    grep -E '^(Done [0-9]+ runs|stat::)' "$scratch/fuzz.log"
}

stage_fuzz() {
    require_fuzzers
    local seconds=${WARDEN_FUZZ_SECONDS:-40}
    # libFuzzer reads 0 as "no limit".
    [[ $seconds =~ ^[1-9][0-9]*$ ]] || die "WARDEN_FUZZ_SECONDS must be a positive number: $seconds"
    cmake --preset fuzz
    cmake --build --preset fuzz -j"$JOBS" --target "${FUZZERS[@]/#/fuzz_}"
    export_sanitizer_options
    local name
    for name in "${FUZZERS[@]}"; do run_fuzzer "$name" "$seconds"; done
}

# --- the test command --------------------------------------------------------------------------

declare -a SUMMARY=()
TEST_START=$SECONDS

duration() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

is_skipped() {
    local word
    for word in ${WARDEN_SKIP:-}; do [[ $word == "$1" ]] && return 0; done
    return 1
}

print_summary() {
    banner "summary"
    printf '%-8s %-8s %s\n' stage result time "${SUMMARY[@]}" total "" "$(duration $((SECONDS - TEST_START)))"
}

# run_stage <name> <title>: runs stage_<name> in a subshell with errexit, times it, and stops
# everything at the first failure.
run_stage() {
    local name=$1 title=$2
    if is_skipped "$name"; then
        banner "skipped: $title (WARDEN_SKIP)"
        SUMMARY+=("$name" skipped -)
        return 0
    fi
    banner "stage $name: $title"
    local start=$SECONDS rc=0
    # Not `if stage_...`: errexit is off inside a condition, even in a subshell.
    set +e
    (
        set -e
        "stage_$name"
    )
    rc=$?
    set -e
    local elapsed
    elapsed=$(duration $((SECONDS - start)))
    if ((rc != 0)); then
        SUMMARY+=("$name" FAILED "$elapsed")
        print_summary
        banner "FAILED: stage $name: $title"
        exit 1
    fi
    SUMMARY+=("$name" passed "$elapsed")
    banner "passed: stage $name in $elapsed"
}

check_skip() {
    local word
    for word in ${WARDEN_SKIP:-}; do
        [[ " ${STAGES[*]} " == *" $word "* ]] || die "WARDEN_SKIP: no stage '$word' (stages: ${STAGES[*]})"
    done
}

cmd_test() {
    run_stage format "format check, clang-format-14"
    run_stage ci "ci preset: build, ctest"
    run_stage package "Debian packages: cpack, lintian, install, upgrade, purge (installer/package-test.sh)"
    run_stage asan "asan preset: ASan + UBSan build, ctest"
    run_stage avr "AVR portability build (avr-g++ 5.4, atmega328p, -Werror)"
    run_stage fuzz "fuzz preset: libFuzzer + ASan + UBSan, ${WARDEN_FUZZ_SECONDS:-40} s per target"
    print_summary
    if [[ -n ${WARDEN_SKIP:-} ]]; then
        banner "passed, but skipped: $WARDEN_SKIP"
    else
        banner "all stages passed"
    fi
}

case ${1:-} in
run)
    shift
    install_dependencies
    cmd_run "$@"
    ;;
test)
    (($# == 1)) || usage 1
    check_skip
    install_dependencies
    cmd_test
    ;;
deps)
    install_dependencies
    ;;
-h | --help | help)
    usage 0
    ;;
*)
    usage 1
    ;;
esac
