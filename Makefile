# agentlab: the two commands a learner needs are `make start` and `make test`.
# Everything else is set up on first use by `make setup` (idempotent: seconds once done).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.agentlab-installed

.PHONY: start setup model sandbox-tools test test-fast next status check-all lint bench bench-llm help

help:
	@echo "make start      set up on first use, run the doctor, say where we left off, run the current milestone"
	@echo "make test       set up on first use, run the whole test suite (notebooks included)"
	@echo "make next       where did we leave off? (asking again marks the step done)"
	@echo "make status     progress per phase"
	@echo "make check-all  every phase's definition of done"
	@echo "make bench      every benchmark (figures to runs/bench/*.json)"
	@echo "make lint       ruff"

## Set-up ------------------------------------------------------------------------------------
# torch is installed first and pinned: a range that 2.13.0 satisfies then pulls nothing more.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet "torch==2.13.0"
	@echo "Installing packages (the first time, llama-cpp-python compiles llama.cpp: ~6 minutes)..."
	$(PY) -m pip install --quiet -e .
	@touch $(STAMP)

model: $(STAMP)
	$(PY) -m shared.model_files ensure

# bubblewrap gives the sandbox its best isolation (no network, read-only system, own pid space).
# Optional: without it the sandbox falls back to `unshare`, then to a process group.
sandbox-tools:
	@command -v bwrap >/dev/null && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get install -y -qq bubblewrap >/dev/null 2>&1 || \
		 (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq bubblewrap >/dev/null 2>&1)) || \
		echo "note: could not install bubblewrap; the sandbox will use unshare instead"; \
	else echo "note: install bubblewrap (sudo apt-get install bubblewrap) for the strongest sandbox"; fi

setup: $(STAMP) model sandbox-tools

## The two commands --------------------------------------------------------------------------
start: setup
	$(PY) -m shared.start

# pytest exits 5 when it collected no test: that fails the run like any other non-zero code.
test: setup
	$(PY) -m pytest -q

## Progress -------------------------------------------------------------------------------------
next: $(STAMP)
	@$(PY) -m shared.progress next

status: $(STAMP)
	@$(PY) -m shared.progress status

## Every phase ------------------------------------------------------------------------------------
PHASES := phase0_setup phase1_tinylm phase2_dumb_loop phase3_tools nanochat_track

check-all: setup
	@for p in $(PHASES); do echo "== $$p"; $(MAKE) --no-print-directory -C $$p check || exit 1; done

bench-llm: setup
	$(PY) -m shared.llm.bench

bench: bench-llm
	$(MAKE) -C phase1_tinylm bench
	$(MAKE) -C phase3_tools bench
	$(MAKE) -C nanochat_track bench

lint: $(STAMP)
	$(PY) -m ruff check .
