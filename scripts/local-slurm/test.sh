#!/usr/bin/env bash
# `make test-slurm`: starts the local single-node Slurm (start.sh), runs the Slurm tests against it
# (PRECONV_SLURM_TESTS=1 swift test -c release --filter Slurm, extra arguments passed on) and stops
# the cluster by PID (stop.sh) afterwards, also when a test fails or the run is interrupted.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

trap 'scripts/local-slurm/stop.sh' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

exports=$(scripts/local-slurm/start.sh) || exit 1
eval "$exports"
export SLURM_CONF PRECONV_SLURM_TESTS=1
start=$(date +%s)
swift test -c release --filter Slurm "$@"
status=$?
echo "test-slurm: swift test exited $status after $(($(date +%s) - start)) s"
exit "$status"
