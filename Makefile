# agentlab: the two commands a learner needs are `make start` and `make test`.
# Everything else is set up on first use by `make setup` (idempotent: seconds once done).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.agentlab-installed
DEV    := $(VENV)/.agentlab-dev-installed

.PHONY: start setup model sandbox-tools browser-tools test next status check-all lint bench bench-llm help

help:
	@echo "make start      set up on first use, run the doctor, say where we left off, run the current milestone"
	@echo "make test       set up on first use, run the whole test suite (notebooks included)"
	@echo "make next       where did we leave off? (make next done ticks the step shown)"
	@echo "make status     progress per phase"
	@echo "make check-all  every phase's definition of done"
	@echo "make bench      every benchmark (figures to runs/bench/*.json)"
	@echo "make lint       ruff"

## Set-up ------------------------------------------------------------------------------------
# llama.cpp is compiled for this CPU (-march=native). Where the CPU advertises AMX, its AMX
# kernels are left out: in a virtual machine whose CPU lists amx_int8 they crashed the process
# (general protection fault in libggml-cpu) on the first request; without them llama.cpp uses
# its AVX-512 kernels. A wheel cached from a build without these flags is not re-used there.
CPUINFO ?= /proc/cpuinfo
AMX_CPU := $(shell grep -qw amx_int8 $(CPUINFO) 2>/dev/null && echo yes)
NO_AMX  := -mno-amx-tile -mno-amx-int8 -mno-amx-bf16
LLAMA_BUILD := $(if $(AMX_CPU),CMAKE_ARGS="-DCMAKE_C_FLAGS='$(NO_AMX)' -DCMAKE_CXX_FLAGS='$(NO_AMX)' $$CMAKE_ARGS")
LLAMA_CACHE := $(if $(AMX_CPU),--no-cache-dir)

# torch is installed first and pinned: a range that 2.13.0 satisfies then pulls nothing more.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet "torch==2.13.0"
	@echo "Installing packages (the first time, llama-cpp-python compiles llama.cpp: ~6 minutes)..."
	$(LLAMA_BUILD) $(PY) -m pip install --quiet $(LLAMA_CACHE) -e .
	@touch $(STAMP)

# The tools that check the course (pytest, ruff, hypothesis, nbclient...): `make test` and
# `make lint` add them; a learner who only runs the course does not need them.
$(DEV): $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(DEV)

model: $(STAMP)
	$(PY) -m shared.model_files ensure

# bubblewrap gives the sandbox its best isolation (no network, read-only system, own pid space).
# Optional: without it the sandbox falls back to `unshare`, then to a process group.
# ripgrep makes phase 4's search_files fast; optional too (it falls back to pure Python).
sandbox-tools:
	@command -v bwrap >/dev/null || \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get install -y -qq bubblewrap >/dev/null 2>&1 || \
		 (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq bubblewrap >/dev/null 2>&1)) || \
		echo "note: could not install bubblewrap; the sandbox will use unshare instead"; \
	else echo "note: install bubblewrap (sudo apt-get install bubblewrap) for the strongest sandbox"; fi
	@command -v rg >/dev/null || \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get install -y -qq ripgrep >/dev/null 2>&1 || \
		 (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq ripgrep >/dev/null 2>&1)) || \
		echo "note: could not install ripgrep; search_files will use its pure-Python search"; \
	else echo "note: install ripgrep (sudo apt-get install ripgrep) for a faster search_files"; fi

# Headless Chromium and its driver: the nanochat web-chat test drives the page in a real browser.
# Only `make test` needs them (the test skips, saying why, where they cannot be installed).
browser-tools:
	@command -v chromedriver >/dev/null || \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 || \
		 (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1)) || \
		echo "note: could not install chromium; the web-chat browser test will be skipped"; \
	else echo "note: install chromium and chromium-driver (sudo apt-get install chromium chromium-driver) for the web-chat browser test"; fi

setup: $(STAMP) model sandbox-tools

## The two commands --------------------------------------------------------------------------
start: setup
	$(PY) -m shared.start

# pytest exits 5 when it collected no test: that fails the run like any other non-zero code.
test: setup $(DEV) browser-tools
	$(PY) -m pytest -q

## Progress -------------------------------------------------------------------------------------
# `make next done`, `make next skip`, `make next nanochat_track`: the words after `next` are
# handed to it, and make is told they are not targets of their own.
NEXT_WORDS := $(filter-out next,$(MAKECMDGOALS))
next: $(STAMP)
	@$(PY) -m shared.progress next $(NEXT_WORDS)

ifeq (next,$(firstword $(MAKECMDGOALS)))
ifneq (,$(NEXT_WORDS))
.PHONY: $(NEXT_WORDS)
$(NEXT_WORDS):
	@:
endif
endif

status: $(STAMP)
	@$(PY) -m shared.progress status

## Every phase ------------------------------------------------------------------------------------
PHASES := phase0_setup phase1_tinylm phase2_dumb_loop phase3_tools phase4_context phase5_planning phase6_multiagent_rag nanochat_track

check-all: setup
	@for p in $(PHASES); do echo "== $$p"; $(MAKE) --no-print-directory -C $$p check || exit 1; done

bench-llm: setup
	$(PY) -m shared.llm.bench

bench: bench-llm
	$(MAKE) -C phase1_tinylm bench
	$(MAKE) -C phase3_tools bench
	$(MAKE) -C phase4_context bench
	$(MAKE) -C phase5_planning bench
	$(MAKE) -C phase6_multiagent_rag bench
	$(MAKE) -C nanochat_track bench

lint: $(DEV)
	$(PY) -m ruff check .
