#!/usr/bin/env bash
# Long fuzz run of every reader (issue 16): GLASSBOX_FUZZ_CASES cases per reader (default 1000000), counts and any
# failures (with minimised inputs in base64) appended to fuzz-report.txt. Usage: scripts/fuzz.sh [cases] [seed]
set -euo pipefail
cd "$(dirname "$0")/.."
export GLASSBOX_FUZZ_CASES="${1:-1000000}"
export GLASSBOX_FUZZ_SEED="${2:-16}"
export GLASSBOX_FUZZ_REPORT="${GLASSBOX_FUZZ_REPORT:-$PWD/fuzz-report.txt}"
dotnet build tests/Glassbox.Tests -c Release
dotnet test tests/Glassbox.Tests -c Release --no-build --filter "FullyQualifiedName~Fuzz.ReaderFuzzTests|FullyQualifiedName~Fuzz.NeuronsFuzzTests"
cat "$GLASSBOX_FUZZ_REPORT"
