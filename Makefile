# ParallelDlra — top-level targets. GNU make.
#
#   make deps    check (and as root install) the Debian packages the project needs
#   make native  the MPI shim build/native/libpdlra_mpi.so, compiled with the site's mpicc
#   make build   deps + native + Release build of the whole solution
#   make run     build + run $(DECK) on $(RANKS) MPI ranks
#   make test    build + unit tests; prints "N passed, N failed[, N skipped]"
#   make test-acceptance  the long acceptance runs at production size (Category Acceptance, not in make test)
#   make bench   build + `pdlra bench fullrank` and `pdlra bench lowrank`
#   make bench-io  write bandwidth of collective HDF5 snapshots and checkpoints on $(RANKS) ranks
#   make mutate  mutation testing (Stryker.NET, a local dotnet tool) of core files with the fast tests; not part of make test
#   make render  PNG of a snapshot: XMF=out/x/snapshots.xmf [PNG=snapshot.png] [INDEX=-1] (pvbatch under xvfb)
#   make render-methods  the line source per method side by side: `pdlra bench linesource CELLS $(METHODS)`, then a PNG
#                of the final phi of every run: [CELLS=200] [METHODS=out/bench_linesource] [METHODS_PNG=METHODS/methods.png]
#   make clean   remove build outputs

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

# Debian packages needed to build, run and test. One list; later additions go here.
# paraview/python3-paraview/xvfb: pvpython and pvbatch for the XDMF checks and snapshot rendering
# (postprocess/). python3-matplotlib: the PNG plots of postprocess/ (scaling, line-outs, history, uq);
# python3-h5py: postprocess/plot_uq.py reads the E/std maps of 2D snapshots.
# time: /usr/bin/time -v, the peak memory per rank of jobs/scaling.py.
# slurm-wlm munge: the single-node SLURM of tests/.../Cluster/SlurmTests.cs (jobs/slurm/local_cluster.sh).
DEB_PACKAGES := openmpi-bin libopenmpi-dev libopenblas-dev liblapacke-dev libhdf5-openmpi-dev hdf5-tools paraview python3-paraview xvfb \
                python3-matplotlib python3-h5py time slurm-wlm munge

RANKS  ?= 2
RUN_ARGS ?=
DECK   ?= jobs/linesource.yaml
CONFIG ?= Release

export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
export TERM := dumb

DOTNET      ?= dotnet
SOLUTION    := ParallelDlra.sln
TEST_PROJ   := tests/ParallelDlra.Tests/ParallelDlra.Tests.csproj
PDLRA_DIR   := src/Pdlra/bin/$(CONFIG)/net10.0
PDLRA       := $(PDLRA_DIR)/pdlra
RESULTS_DIR := build/test-results
MPICC       ?= mpicc
NATIVE_DIR  := build/native
MPI_SHIM    := $(NATIVE_DIR)/libpdlra_mpi.so

# mpiexec refuses to run as root unless told; only say so when we are root.
MPIEXEC_ROOT := $(if $(filter 0,$(shell id -u)),--allow-run-as-root,)
MPIEXEC      ?= mpiexec $(MPIEXEC_ROOT) --oversubscribe -n $(RANKS)

.PHONY: deps native build run test test-acceptance bench bench-io render render-methods mutate clean

deps:
	@if ! command -v dpkg-query >/dev/null 2>&1; then \
	  echo "deps: dpkg-query not found (not Debian?); please make sure these are installed: $(DEB_PACKAGES)" >&2; \
	  exit 0; \
	fi; \
	missing=""; \
	for p in $(DEB_PACKAGES); do \
	  if [ "$$(dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null)" != "install ok installed" ]; then \
	    missing="$$missing $$p"; \
	  fi; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" -eq 0 ]; then \
	    echo "deps: installing$$missing"; \
	    apt-get update -q; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	  else \
	    echo "deps: missing Debian packages; install them with:" >&2; \
	    echo "sudo apt-get install -y --no-install-recommends$$missing" >&2; \
	    exit 1; \
	  fi; \
	fi; \
	if ! command -v $(DOTNET) >/dev/null 2>&1; then \
	  echo "deps: '$(DOTNET)' not found: install the .NET 10 SDK (https://dot.net)" >&2; \
	  exit 1; \
	fi

# The shim is compiled with the site's mpicc, so it matches the MPI library mpiexec launches
# (OpenMPI or an MPICH-ABI library). pdlra finds it next to pdlra.dll (copied there by the build)
# or in build/native.
# Without mpicc the build goes on (serial runs need no MPI) and says so.
native: deps
	@if command -v $(MPICC) >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory $(MPI_SHIM); \
	else \
	  echo "native: '$(MPICC)' not found: $(MPI_SHIM) not built; pdlra runs serial only" >&2; \
	fi

$(MPI_SHIM): src/native/pdlra_mpi.c
	@mkdir -p $(NATIVE_DIR)
	$(MPICC) -O2 -fPIC -shared -Wall -Wextra -o $@ $< -ldl

build: deps native
	$(DOTNET) build $(SOLUTION) -c $(CONFIG) --nologo

run: build
	$(MPIEXEC) $(PDLRA) run $(DECK) $(RUN_ARGS)

# TEST_FILTER: the tests of `make test`; the Category Acceptance (200² line-source acceptance runs, > 9 min each on
# 2 cores) is `make test-acceptance`.
TEST_FILTER ?= Category!=Acceptance

test: build
	@rm -rf $(RESULTS_DIR)
	@status=0; \
	$(DOTNET) test $(TEST_PROJ) -c $(CONFIG) --no-build --nologo --filter "$(TEST_FILTER)" \
	  --logger "trx;LogFileName=results.trx" --results-directory $(RESULTS_DIR) || status=$$?; \
	.ci/summarize $(RESULTS_DIR)/results.trx || { [ $$status -ne 0 ] || status=1; }; \
	exit $$status

test-acceptance:
	@$(MAKE) --no-print-directory test TEST_FILTER="Category=Acceptance"

bench: build
	$(PDLRA) bench fullrank
	$(PDLRA) bench lowrank

bench-io: build
	python3 jobs/bench/io_bandwidth.py --ranks $(RANKS)

# MUTATE_FILES (paths under src/ParallelDlra/), MUTATE_TIMEOUT (s per file), MUTATE_CONCURRENCY: see tests/mutation/run.sh.
mutate: build
	tests/mutation/run.sh

XMF   ?= out/linesource/snapshots.xmf
PNG   ?= $(basename $(XMF)).png
INDEX ?= -1

render:
	postprocess/with-xvfb.sh pvbatch postprocess/render_snapshot.py "$(abspath $(XMF))" "$(PNG)" --index $(INDEX)

CELLS       ?= 200
METHODS     ?= out/bench_linesource
METHODS_PNG ?= $(METHODS)/methods.png

# The benchmark keeps its runs in $(METHODS) (refused when that folder is not empty: the tiler alone then runs on it).
render-methods: build
	@if [ ! -d "$(METHODS)" ] || [ -z "$$(ls -A "$(METHODS)")" ]; then $(PDLRA) bench linesource $(CELLS) "$(METHODS)"; fi
	postprocess/render_methods.py "$(METHODS)" -o "$(METHODS_PNG)"

clean:
	-$(DOTNET) clean $(SOLUTION) -c $(CONFIG) --nologo >/dev/null
	rm -rf build src/*/bin src/*/obj tests/*/bin tests/*/obj
