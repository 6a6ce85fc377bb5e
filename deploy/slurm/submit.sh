#!/usr/bin/env bash
# Submits the sharded harvest as an array of N tasks and the merge to run once all of them have succeeded.
# Usage: MODEL=dir CORPUS=file PARTS=dir STORE=file deploy/slurm/submit.sh N [extra sbatch options...]
set -euo pipefail
n=${1:?usage: submit.sh N [sbatch options]}
shift
here=$(cd "$(dirname "$0")" && pwd)
job=$(sbatch --parsable --export=ALL --array="0-$((n - 1))" "$@" "$here/harvest.sbatch")
# --kill-on-invalid-dep: if a task is cancelled or fails, the merge is cancelled too instead of pending forever.
sbatch --parsable --export=ALL --dependency="afterok:${job%%;*}" --kill-on-invalid-dep=yes "$here/merge.sbatch"
echo "harvest array $job; merge waits for it"
