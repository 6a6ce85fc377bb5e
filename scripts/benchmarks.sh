#!/usr/bin/env bash
# Regenerates the tables of docs/benchmarks.md on this machine (issue 14, item 6), with the machine's description,
# into one Markdown file: every comparison is a ratio measured side by side in the same run (ONNX Runtime, llama2.c,
# the one-patch-per-forward loop, a plain forward), never a timed test.
#
#   scripts/benchmarks.sh [--quick] [--cli] [--out DIR]
#
# --quick: fewer rounds and the short variants (about 5 minutes on the 2-vCPU build VM); default: the rounds
# docs/benchmarks.md used (about 15 minutes); --cli adds the CLI timings (explain, harvest, SAE training, BLiMP through
# the CLI; they need ../shared/data) and the sequential BenchmarkDotNet suites (about 30 minutes more).
# LLAMA2C_RUN=/path/to/run adds llama2.c's `run` as the generation and BLiMP reference (build it outside the repo:
# gcc -O3 -o run run.c -lm, from karpathy/llama2.c). Output: DIR/benchmarks-<UTC time>.md (default DIR: out/benchmarks).
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
cli=0
out=out/benchmarks
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --cli) cli=1 ;;
    --out) out="$2"; shift ;;
    -h|--help) sed -n 2,12p "$0"; exit 0 ;;
    *) echo "benchmarks.sh: unknown argument '$1' (expected --quick, --cli or --out DIR)" >&2; exit 2 ;;
  esac
  shift
done
mkdir -p "$out"
file="$out/benchmarks-$(date -u +%Y%m%dT%H%M%SZ).md"
shared="${GLASSBOX_DATA:-../shared/data}"
export GLASSBOX_DATA="$shared"
run2c="${LLAMA2C_RUN:-}"
if [ "$quick" = 1 ]; then R=5; P=4; G=1; else R=30; P=24; G=10; fi

say() { printf '%s\n' "$*" | tee -a "$file"; }
section() { say ""; say "## $1"; say ""; }
cmd() { # cmd TITLE COMMAND...: runs it, records the command line and its output
  say '```'; say "\$ $*"; say '```'
  local t0=$SECONDS
  "$@" 2>&1 | grep -v -E '^(Build|Restore|  Determining|  All projects|  Glassbox)' | tee -a "$file"
  say ""; say "(wall $((SECONDS - t0)) s)"
}

echo "building (Release)..." >&2
dotnet build Glassbox.sln -c Release -v q -nologo >/dev/null
B="dotnet bench/Glassbox.Benchmarks/bin/Release/net10.0/Glassbox.Benchmarks.dll"
G_CLI="dotnet src/Glassbox.Cli/bin/Release/net10.0/Glassbox.Cli.dll"

say "# Benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
section "Machine"
say "- commit: $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (with uncommitted changes)')"
say "- CPU: $(lscpu | sed -n 's/^Model name: *//p'), family $(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | tr -d ' '), model $(grep -m1 '^model' /proc/cpuinfo | cut -d: -f2 | tr -d ' '), $(nproc) vCPUs, flags: $(grep -o -w -m1 'avx512f\|avx2' /proc/cpuinfo | sort -u | tr '\n' ' ')"
say "- memory: $(free -g | awk '/Mem:/ {print $2}') GiB; OS: $(. /etc/os-release && echo "$PRETTY_NAME"); .NET SDK $(dotnet --version)"
say "- load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
say "- runtime (glassbox doctor): $($G_CLI doctor --json | tr -d '\n ' | grep -o '"\(threads\|omp_wait_policy\|mkl_on_amd_avx512\|managed_encoder\|native_heap_tuned\|libtorch\)":"[^"]*"' | tr '\n' ' ')"

section "libtorch SGEMM on the MiniLM shapes (gemm)"
cmd $B gemm 1
cmd $B gemm 2
section "MKL on the batch-32 products whole and in column slices (slices)"
cmd $B slices
section "MiniLM forward against ONNX Runtime, and caching every hook (interleaved)"
cmd $B interleaved "$R"
cmd $B interleaved "$R" 20
cmd $B interleaved "$R" 1 1
cmd $B interleaved "$R" 20 1
section "Where the time goes: per-stage profile of a forward (profile)"
cmd $B profile minilm 32 "$R" 2
cmd $B profile minilm 1 "$R" 2
if [ -d "$shared/stories260K" ]; then
  cmd $B profile stories260k 32 "$R" 1
  section "Activation patching: shared prefix, replicated rows, one patch per forward (patching)"
  cmd $B patching "$R" 1 "$P"
  cmd $B patching "$R" 2 "$P"
  section "Generation with a KV cache against llama2.c (generation)"
  cmd $B generation "$G" 1 64 256 $run2c
  cmd $B generation "$G" 2 256 256 $run2c
  if [ -d "$shared/blimp" ]; then
    section "BLiMP scoring against llama2.c (blimp)"
    if [ "$quick" = 1 ]; then cmd $B blimp 2 1 16,64 50 $run2c; else cmd $B blimp 3 1 16,64 200 $run2c; fi
  fi
  section "Explorer latency and first paint (explorer)"
  cmd $B explorer "$([ "$quick" = 1 ] && echo 5 || echo 20)" 2
else
  say "(stories260K not found under $shared: patching, generation and explorer benches skipped)"
fi
if [ -d "$shared/ud-english-ewt" ]; then
  section "Probing: the whole UPOS run (probing)"
  if [ "$quick" = 1 ]; then cmd $B probing 1 1,2 400; else cmd $B probing 3 2; fi
  if [ "$quick" = 0 ]; then
    section "Probing against an independent reference: ONNX Runtime + scikit-learn (upos-reference)"
    if /usr/bin/python3 -c "import sklearn, onnx" 2>/dev/null; then
      cmd $B upos-reference 1 2 # the reference takes about 4 minutes a round
    else
      say "(skipped: needs Debian's python3-sklearn and python3-onnx: apt-get install python3-sklearn python3-onnx)"
    fi
  fi
fi
if [ "$cli" = 1 ] && [ -d "$shared/stories260K" ]; then
  section "CLI timings (wall and peak memory from /usr/bin/time)"
  tmp=$(mktemp -d)
  cmd /usr/bin/time -f '%e s wall, %M KB peak' $G_CLI explain --out "$tmp/r.html"
  cmd /usr/bin/time -f '%e s wall, %M KB peak' $G_CLI neurons harvest -m stories260k --max-docs 250 --store "$tmp/s.duckdb"
  cmd /usr/bin/time -f '%e s wall, %M KB peak' $G_CLI sae train -m stories260k --hook blocks.2.mlp.hook_post --expansion 4 --steps 500 --batch 512 --out "$tmp/sae"
  [ -d "$shared/blimp" ] && cmd /usr/bin/time -f '%e s wall, %M KB peak' $G_CLI probe minimal-pairs -m stories260k --blimp "$shared/blimp"
  cmd $B --filter '*' --job short --warmupCount 3 --iterationCount 10
  rm -rf "$tmp"
fi
say ""
say "- load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrote $file" >&2
