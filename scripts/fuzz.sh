#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ (-sanitize=fuzzer,address) and runs each for a while.
#
#   scripts/fuzz.sh                          every target, 60 s each
#   scripts/fuzz.sh --seconds 5              what `make test` runs
#   scripts/fuzz.sh --seconds 600 fuzz-wav   one target (names as in Fuzz/Package.swift)
#   scripts/fuzz.sh --no-build ...           reuse the last build
#
# Each target starts from a copy of its committed seed corpus Fuzz/Corpus/<target>/ (the committed
# files are never written); new inputs, crash files and the log go to .build-fuzz/runs/<time>/<target>/.
# Prints per target: executions, exec/s, coverage (edges at start → end), new inputs, and the crash
# file if any. Exits 1 if any target crashed, leaked, timed out (>10 s on one input) or ran out of
# memory (RSS > 2 GiB or one malloc > 1 GiB); 2 on a usage or build error.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRATCH="$ROOT/.build-fuzz"
SWIFT="${SWIFT:-swift}"
ALL_TARGETS=(fuzz-safetensors fuzz-torch fuzz-numpy fuzz-wav fuzz-image fuzz-control-events fuzz-adapter-metadata fuzz-say-request fuzz-live-control-json fuzz-osc-packet)

seconds=60
build=1
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds="${2:-}"; shift 2 ;;
        --seconds=*) seconds="${1#*=}"; shift ;;
        --no-build) build=0; shift ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        fuzz-*) targets+=("$1"); shift ;;
        *) echo "fuzz.sh: unknown argument '$1' (targets: ${ALL_TARGETS[*]})" >&2; exit 2 ;;
    esac
done
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: --seconds needs a positive integer" >&2; exit 2; }
[ ${#targets[@]} -gt 0 ] || targets=("${ALL_TARGETS[@]}")
for target in "${targets[@]}"; do
    [ -d "$ROOT/Fuzz/Sources/$target" ] || { echo "fuzz.sh: no target '$target' (targets: ${ALL_TARGETS[*]})" >&2; exit 2; }
done

if [ "$build" = 1 ]; then
    echo "fuzz.sh: building Fuzz/ with -sanitize=fuzzer,address ..."
    started=$(date +%s)
    # C targets (the CImage helper above all) are instrumented too, for coverage and ASan checks.
    # (gold warns once per ASan helper symbol; those lines are dropped.)
    "$SWIFT" build --package-path "$ROOT/Fuzz" --scratch-path "$SCRATCH" -c debug \
        -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address 2>&1 | { grep -v "Cannot export local symbol" || true; }
    [ "${PIPESTATUS[0]}" = 0 ] || { echo "fuzz.sh: build failed" >&2; exit 2; }
    echo "fuzz.sh: build took $(( $(date +%s) - started )) s"
fi

run_dir="$SCRATCH/runs/$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$run_dir/tmp"
# The targets' scratch files (ScratchFile) go with the run: libFuzzer exits without unwinding, so a
# target cannot remove its own, and /tmp would collect one per target and run.
export TMPDIR="$run_dir/tmp"
# libFuzzer and ASan report crashes themselves; Swift's own backtracer would only slow them down.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}"
export LSAN_OPTIONS="suppressions=$ROOT/Fuzz/lsan-suppressions.txt:print_suppressions=0"

failed=0
printf '%-24s %10s %8s %14s %6s  %s\n' target executions exec/s "cov start→end" new result
for target in "${targets[@]}"; do
    binary="$SCRATCH/debug/$target"
    [ -x "$binary" ] || { echo "fuzz.sh: $binary is missing; run without --no-build" >&2; exit 2; }
    work="$run_dir/$target"
    mkdir -p "$work/corpus" "$work/artifacts"
    cp "$ROOT/Fuzz/Corpus/$target/"* "$work/corpus/" 2>/dev/null || true
    "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
        -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" > "$work/log" 2>&1
    status=$?
    executions=$(grep -oE 'stat::number_of_executed_units: +[0-9]+' "$work/log" | grep -oE '[0-9]+$')
    [ -n "$executions" ] || executions=$(grep -oE '^#[0-9]+' "$work/log" | tail -1 | tr -d '#')
    rate=$(grep -oE 'stat::average_exec_per_sec: +[0-9]+' "$work/log" | grep -oE '[0-9]+$')
    fresh=$(grep -oE 'stat::new_units_added: +[0-9]+' "$work/log" | grep -oE '[0-9]+$')
    cov_start=$(grep -m1 -oE 'INITED cov: [0-9]+' "$work/log" | grep -oE '[0-9]+$')
    cov_end=$(grep -oE ' cov: [0-9]+' "$work/log" | tail -1 | grep -oE '[0-9]+$')
    artifacts=$(find "$work/artifacts" -type f | sort)
    if [ "$status" = 0 ] && [ -z "$artifacts" ]; then
        result=ok
    else
        result="FAILED (exit $status)"
        failed=1
    fi
    printf '%-24s %10s %8s %14s %6s  %s\n' "$target" "${executions:-?}" "${rate:-?}" \
        "${cov_start:-?}→${cov_end:-?}" "${fresh:-?}" "$result"
    if [ "$result" != ok ]; then
        grep -E 'ERROR: |SUMMARY: |Fatal error|Test unit written|^    #[0-9] ' "$work/log" | head -20 | sed 's/^/    /'
        for file in $artifacts; do echo "    crash input: $file"; done
        echo "    full log: $work/log"
    else
        rm -rf "$work/corpus"
    fi
done
if [ "$failed" != 0 ]; then
    echo "fuzz.sh: FAILED: a target crashed; reproduce with .build-fuzz/debug/<target> <crash input>" >&2
    exit 1
fi
echo "fuzz.sh: all ${#targets[@]} targets ran ${seconds} s each without a finding (logs: $run_dir)"
