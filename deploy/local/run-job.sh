#!/usr/bin/env bash
# Runs one of deploy/k8s's Job manifests on this machine with Docker, the way the Job controller runs it, to try the
# image and the manifests before a cluster (docs/scale.md, "Past one machine"):
#   deploy/local/run-job.sh deploy/k8s/harvest-job.yaml SHARED_DIR
# - kubectl (no cluster needed: `kubectl set env --local`) reads the manifest; the script takes completions,
#   parallelism, completionMode, backoffLimit, the first container's image, args and memory limit from it.
# - Each index runs as `docker run` with JOB_COMPLETION_INDEX set (Indexed mode) and SHARED_DIR mounted where the
#   manifest mounts the glassbox-shared volume. At most `parallelism` pods run at once (PARALLELISM overrides it:
#   8 pods of 4 threads each on a 2-core machine only contend).
# - A pod that exits non-zero is started again (restartPolicy OnFailure) until the Job's failures pass backoffLimit;
#   then the script exits 1, as `kubectl wait --for=condition=complete` would time out on a failed Job.
# Settings: IMAGE (overrides the manifest's image), PARALLELISM, DOCKER (default docker), KUBECTL (default kubectl).
# Pods run as the calling user (HOME=/tmp), so what they write in SHARED_DIR stays that user's.
# Pod names are <job name>-<index>-<attempt>, so a test or a person can `docker kill` one mid-run.
set -euo pipefail

die() { echo "run-job.sh: $*" >&2; exit 2; }
[[ $# -eq 2 ]] || die "usage: run-job.sh MANIFEST SHARED_DIR"
manifest=$1
shared=$2
docker=${DOCKER:-docker}
kubectl=${KUBECTL:-kubectl}
[[ -f $manifest ]] || die "$manifest: no such file"
[[ -d $shared ]] || die "$shared: no such folder (the glassbox-shared volume's contents)"
command -v "$kubectl" > /dev/null || die "kubectl not found (KUBECTL=path): it reads the manifest, no cluster needed"
shared=$(cd "$shared" && pwd)

field() { "$kubectl" set env --local -f "$manifest" GLASSBOX_RUN_JOB=1 -o "jsonpath={$1}" 2>&1; }
kind=$(field .kind) || die "$manifest: kubectl cannot read it: $(head -n 1 <<< "$kind")"
[[ $kind == Job ]] || die "$manifest: kind is '$kind', not Job"
name=$(field .metadata.name)
completions=$(field .spec.completions)
completions=${completions:-1}
parallelism=${PARALLELISM:-$(field .spec.parallelism)}
parallelism=${parallelism:-1}
backoff=$(field .spec.backoffLimit)
backoff=${backoff:-6}
mode=$(field .spec.completionMode)
image=${IMAGE:-$(field '.spec.template.spec.containers[0].image')}
memory=$(field '.spec.template.spec.containers[0].resources.limits.memory')
mount=$(field '.spec.template.spec.containers[0].volumeMounts[?(@.name=="shared")].mountPath')
[[ -n $mount ]] || die "$manifest: the first container mounts no volume named 'shared'"
mapfile -t args < <("$kubectl" set env --local -f "$manifest" GLASSBOX_RUN_JOB=1 \
  -o 'jsonpath={range .spec.template.spec.containers[0].args[*]}{@}{"\n"}{end}')
[[ $mode == Indexed || $completions -eq 1 ]] || die "$manifest: completions $completions without completionMode Indexed"
[[ $parallelism =~ ^[1-9][0-9]*$ ]] || die "PARALLELISM must be a positive integer, not '$parallelism'"

"$docker" info > /dev/null 2>&1 || die "cannot reach the Docker daemon with '$docker info'"

limits=()
if [[ -n $memory ]]; then
  case $memory in
    *Gi) limits=(--memory "${memory%Gi}g") ;;
    *Mi) limits=(--memory "${memory%Mi}m") ;;
    *) die "$manifest: memory limit '$memory' is not in Gi or Mi" ;;
  esac
fi

echo "job $name: $completions pod(s), $parallelism at a time, backoffLimit $backoff, image $image, $shared at $mount"
failures=0
pending=$(seq 0 $((completions - 1)))
declare -A attempt
while [[ -n $pending ]]; do
  declare -A running=()
  next=()
  for i in $pending; do
    while (( ${#running[@]} >= parallelism )); do
      wait -n -p done_pid || true
      for k in "${!running[@]}"; do [[ ${running[$k]} == "$done_pid" ]] && unset "running[$k]"; done
    done
    attempt[$i]=$(( ${attempt[$i]:-0} + 1 ))
    pod="$name-$i-${attempt[$i]}"
    (
      env=()
      [[ $mode == Indexed ]] && env=(-e "JOB_COMPLETION_INDEX=$i")
      set +e
      "$docker" run --rm --name "$pod" --user "$(id -u):$(id -g)" -e HOME=/tmp "${env[@]}" "${limits[@]}" \
        -v "$shared:$mount" "$image" "${args[@]}" \
        > "$shared/.run-job-$pod.log" 2>&1
      code=$?
      echo "$code" > "$shared/.run-job-$pod.exit"
      exit "$code"
    ) &
    running[$i]=$!
    echo "pod $pod started"
  done
  wait || true
  for i in $pending; do
    pod="$name-$i-${attempt[$i]}"
    code=$(cat "$shared/.run-job-$pod.exit" 2> /dev/null || echo 255)
    if [[ $code == 0 ]]; then
      echo "pod $pod succeeded"
    else
      failures=$((failures + 1))
      echo "pod $pod failed (exit $code; log $shared/.run-job-$pod.log); failures $failures of backoffLimit $backoff"
      tail -n 3 "$shared/.run-job-$pod.log" >&2 || true
      (( failures > backoff )) && { echo "job $name failed: backoffLimit reached" >&2; exit 1; }
      next+=("$i")
    fi
  done
  pending=${next[*]:-}
done
echo "job $name complete"
