#!/usr/bin/env bash
# Installs the Debian packages preconv-mpi builds against (and, with --test-tools, the programs some
# tests drive; with --slurm, Slurm and munge for `make test-slurm`). Idempotent: when everything is
# installed it only asks dpkg-query and returns.
set -euo pipefail

# libcif-dev's pkg-config file requires icu-io (libicu-dev), which the package does not depend on
packages=(libopenmpi-dev openmpi-bin libscalapack-openmpi-dev libfftw3-dev libfftw3-mpi-dev
          libopenblas-dev liblapacke-dev libxc-dev libsymspg-dev libcif-dev libicu-dev pkg-config)

# Test tools: programs some tests drive, installed only with --test-tools (`make test`); the tests
# skip with a message when they are absent. chromium renders report.html headless (screenshot, DOM);
# quantum-espresso's pw.x runs the exported QE snippet; abinit runs the exported ABINIT snippet of the
# PseudoDojo scan; abinit-data holds the PseudoDojo psp8 files the psp8 comparisons with ABINIT read
# (/usr/share/abinit/psp/).
test_tools=(chromium quantum-espresso abinit abinit-data)
# Slurm: a single-node cluster for the job-template tests, installed only with --slurm (`make test-slurm`).
slurm_packages=(slurmctld slurmd slurm-client munge)
case "${1:-}" in
    --test-tools) packages+=("${test_tools[@]}") ;;
    --slurm) packages+=("${slurm_packages[@]}") ;;
esac

missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [[ "$status" == installed ]] || missing+=("$p")
done

if ((${#missing[@]} > 0)); then
    echo "deps: installing ${missing[*]}"
    sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
    echo "deps: all ${#packages[@]} Debian packages installed"
fi

command -v swift >/dev/null || { echo "deps: swift not found on PATH (Swift 6.1 or later is needed)" >&2; exit 1; }
