# The release pipeline's front door. `make help` lists the public targets.
# All logic lives in tools/ (Python); these targets only call it.

.DEFAULT_GOAL := help
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV ?= .venv
TOOLS_REQUIREMENTS ?= requirements/tools.txt
BOOTSTRAP_REQUIREMENTS ?= requirements/bootstrap.txt
BUILD_REQUIREMENTS ?= requirements/build.txt
TOX_ARGS ?=
# TOX_ENVS=py311,lint: run only these envs in make test (default: all of them).
TOX_ENVS ?=
BUILD_ONLY ?=
# Overridable release inputs (see the release guard targets below).
TAG ?=
DEV ?=

# TOOLS_PYTHON=/path/to/python uses an environment that already has the tools
# (the release tests pass theirs) instead of making .venv.
TOOLS_PYTHON ?=
ifeq ($(TOOLS_PYTHON),)
BIN := $(VENV)/bin
PY := $(BIN)/python
TOOLS := $(VENV)/.tools-installed
else
BIN := $(patsubst %/,%,$(dir $(TOOLS_PYTHON)))
PY := $(TOOLS_PYTHON)
TOOLS :=
endif
# Never let uv download an interpreter: a missing Python is a skipped env.
export UV_PYTHON_DOWNLOADS := never
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help  ## list the public targets
help:
	@echo "usage: make <target> [VAR=value]"
	@grep -E '^\.PHONY: [a-zA-Z_-]+ +## ' $(MAKEFILE_LIST) | \
	  sed -E 's/^\.PHONY: ([a-zA-Z_-]+) +## (.*)/\1\t\2/' | \
	  awk -F'\t' '{ printf "  %-18s %s\n", $$1, $$2 }'

# The tool environment: made from the pinned requirements, remade when they
# change, or when `uv sync` (the dev group, also in .venv) took the tools out.
# Every file is hash-checked: pip installs uv from requirements/bootstrap.txt,
# then uv installs exactly requirements/tools.txt (--require-hashes both times),
# compiled at install (every stage is a new Python importing these tools: where
# PYTHONDONTWRITEBYTECODE is set, each would compile them again).
$(VENV)/.tools-installed: $(TOOLS_REQUIREMENTS) $(BOOTSTRAP_REQUIREMENTS) $(if $(wildcard $(BIN)/twine),,$(VENV)/.tools-gone)
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found: install Python 3.9+ or pass PYTHON=/path/to/python3" >&2; exit 1; }
	@echo "==> creating the tool environment $(VENV) from $(TOOLS_REQUIREMENTS)"
	@rm -rf $(VENV)
	@$(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --require-hashes --no-deps --only-binary :all: -r $(BOOTSTRAP_REQUIREMENTS)
	@$(BIN)/uv pip sync --quiet --require-hashes --compile-bytecode --python $(PY) $(TOOLS_REQUIREMENTS)
	@touch $@
$(VENV)/.tools-gone:

.PHONY: tools  ## create or update the tool environment (.venv) from requirements/tools.txt, hash-checked
tools: $(TOOLS)

# The locks, with hashes: tools.txt (the tool environment, Python 3.9+),
# bootstrap.txt (its uv, installed first), build.txt (make dist's build
# environment, every Python from requires-python's lower bound up). Then
# check that build.txt pins what pyproject.toml's [build-system] requires.
# BUILD_ONLY=1 re-pins build.txt alone (make adopt: it brings the tool locks).
.PHONY: lock  ## re-pin requirements/{tools,bootstrap,build}.txt (with hashes) from their .in files [BUILD_ONLY=1: build.txt only]
lock: $(TOOLS)
	@$(PY) -m tools.artifacts.lock --write $(if $(filter-out 0 no false,$(BUILD_ONLY)),--build-only)

# ---- tests ---------------------------------------------------------------

.PHONY: test  ## run every tox env: all Pythons in parallel, release tooling, then lint and coverage
test: $(TOOLS)
	@$(PY) -m tools.pythons report
	@PATH="$$($(PY) -m tools.pythons path)" $(BIN)/tox run-parallel --parallel all \
	  --parallel-no-spinner -e "$(or $(TOX_ENVS),$$($(BIN)/tox -l | grep -vx coverage | paste -sd,))" \
	  $(TOX_ARGS)
	@$(BIN)/tox run -e coverage

# The fast tier: the release tooling's tests that build, serve and make
# nothing (tests/release/tiers.py); make test still runs every test.
.PHONY: test-fast  ## the fast tier, in seconds: the tooling's tests without e2e and network (make test runs all)
test-fast: $(TOOLS)
	@$(PY) -m pytest -q -p no:cacheprovider -n auto -m "not e2e and not network" tests/release

BENCH_TEST_RUNS ?= 3
.PHONY: bench-test  ## time each test tier and make test warm, on a fresh clone [BENCH_TEST_RUNS=3] [BENCH_TEST_REV=] [PLAIN=1: against plain tox] [MATRIX=1]
bench-test: $(TOOLS)
	$(PY) -m tools.dev.bench_test --runs $(BENCH_TEST_RUNS) $(if $(BENCH_TEST_REV),--rev "$(BENCH_TEST_REV)") $(if $(PLAIN),--plain) $(if $(MATRIX),--matrix)

.PHONY: lint  ## check formatting, style, types, spelling (black, isort, flake8, mypy, codespell), the docs' Markdown, the workflows
lint: $(TOOLS)
	$(BIN)/tox run -e lint

.PHONY: format  ## reformat the code (black, isort)
format: $(TOOLS)
	$(BIN)/tox run -e format

# ---- release guard -------------------------------------------------------
# TAG=vX.Y.Z: the release tag to check (default: the v* tag on HEAD, if any).
# DEV=1: a TestPyPI development build (version: make dev-version).
# WARN_TOTAL / MAX_FILE: sanity's size thresholds; RUNS: bench's runs of each.
# STAGES=dist,check,...: run only these stages of release-check.
RELEASE_ARGS = $(if $(TAG),--tag "$(TAG)") $(if $(filter-out 0 no false,$(DEV)),--dev)
DEV_ARG = $(if $(filter-out 0 no false,$(DEV)),--dev)
WARN_TOTAL ?= 50MB
MAX_FILE ?= 100MB
RUNS ?= 5

.PHONY: dist  ## build one sdist and one wheel into dist/ (+ SHA256SUMS), from requirements/build.txt; DEV=1 for TestPyPI, TAG= as that tag
dist: $(TOOLS)
	@$(PY) -m tools.artifacts.dist $(RELEASE_ARGS)

.PHONY: check  ## twine check --strict, check-wheel-contents, validate-pyproject
check: $(TOOLS)
	@$(PY) -m tools.artifacts.check

.PHONY: pypi-rules  ## PyPI's upload rules (warehouse's forklift) that can be checked offline, on dist/ [TAG=] [DEV=1]
pypi-rules: $(TOOLS)
	@$(PY) -m tools.artifacts.pypi_rules --dist-dir dist $(RELEASE_ARGS)

.PHONY: sanity  ## dist/ names, versions, sizes, forbidden files, and the tag/version guard [TAG=] [DEV=1]
sanity: $(TOOLS)
	@$(PY) -m tools.artifacts.sanity $(RELEASE_ARGS) --warn-total "$(WARN_TOTAL)" --max-file "$(MAX_FILE)"

.PHONY: contents  ## each archive holds exactly the tracked files the build selects + generated ones; no credentials
contents: $(TOOLS)
	@$(PY) -m tools.artifacts.contents --dist-dir dist

.PHONY: reproducibility  ## build a fresh git clone of HEAD's commit and compare the bytes with dist/ [DEV=1]
reproducibility: $(TOOLS)
	@$(PY) -m tools.artifacts.reproducibility $(DEV_ARG)

.PHONY: dev-version  ## print the TestPyPI version of HEAD (make dist DEV=1 builds it)
dev-version: $(TOOLS)
	@$(PY) -m tools.artifacts.dev_version dev-version

.PHONY: release-check  ## the main command: dist, check, sanity, contents, reproducibility, smoke, publish-dry-run, validate, pypi-rules [TAG=] [DEV=1] [STAGES=]
release-check: $(TOOLS)
	@$(PY) -m tools.release_check $(RELEASE_ARGS) $(if $(STAGES),--only "$(STAGES)") --warn-total "$(WARN_TOTAL)" --max-file "$(MAX_FILE)"

.PHONY: bench  ## time make release-check against the naive build/twine/venv/pip sequence [RUNS=5]
bench: $(TOOLS)
	@$(PY) -m tools.dev.bench --runs "$(RUNS)"

# ---- publish dry run -----------------------------------------------------
# Both expect dist/ built (make dist). See docs/pipeline.md, "Publish dry run".

.PHONY: smoke  ## install the wheel on every claimed Python found (the sdist built on the oldest and newest) and use it
smoke: $(TOOLS)
	@$(PY) -m tools.publish.smoke --dist-dir dist

.PHONY: publish-dry-run  ## upload dist/ to a throwaway local pypiserver, install from it, smoke it
publish-dry-run: $(TOOLS)
	@$(PY) -m tools.publish.dry_run --dist-dir dist

# INDEX_URL=https://pypi.org/simple/: the index to compare dist/ with (the
# recipe reads it from its environment: never pasted into the shell line).
INDEX_URL ?=
.PHONY: index-check  ## dist/ against SHA256SUMS, then against INDEX_URL: same bytes skipped, other bytes refused
index-check: $(TOOLS)
	@$(PY) -m tools.publish.index_check check --dist-dir dist --index-url "$${INDEX_URL:-}"

# INDEX=pypi|testpypi: whose trusted publisher to expect (default pypi, or
# testpypi for an INDEX_URL on test.pypi.org); INDEX_URL: the simple API to
# audit (default the INDEX's); VERSIONS=1.2.0,1.3.0: the releases to rebuild
# (default the newest); REBUILD=0 skips the rebuild. Read from the environment.
INDEX ?=
VERSIONS ?=
REBUILD ?=
.PHONY: index-audit  ## every file the index serves has its tag, our workflow's provenance; the newest equals a rebuild [INDEX=] [INDEX_URL=] [VERSIONS=]
index-audit: $(TOOLS)
	@$(PY) -m tools.publish.index_audit $(if $(INDEX),--index "$$INDEX") --index-url "$${INDEX_URL:-}" --versions "$${VERSIONS:-}" $(if $(filter 0 no false,$(REBUILD)),--no-rebuild)

# ---- workflows -----------------------------------------------------------
# zizmor runs offline by default (its online audits need GitHub's API and a
# token: CI passes ZIZMOR_ARGS= with GH_TOKEN), and check-jsonschema uses the
# schemas it ships.
ZIZMOR_ARGS ?= --offline
ACTIONLINT_VERSION ?= v1.7.12

.PHONY: validate  ## check the workflows and actions: zizmor (pedantic), JSON schemas, our validator
validate: $(TOOLS)
	@$(PY) -m tools.workflows.validate --zizmor-args="$(ZIZMOR_ARGS)"

.PHONY: actionlint  ## lint the workflows with actionlint (needs Go and the Go module proxy; CI runs it)
actionlint:
	@command -v go >/dev/null || { echo "error: go not found: actionlint runs in CI (the workflow checks job); to run it here install Go 1.24+" >&2; exit 1; }
	go run github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)

# ---- adopt ---------------------------------------------------------------
# TARGET=DIR: another hatchling + hatch-vcs project's clone; FORCE=1 overwrites
# the files it has (RELEASING.md, "Adopt this pipeline").
TARGET ?=
FORCE ?=
.PHONY: adopt  ## bring this pipeline into another hatchling + hatch-vcs project: TARGET=DIR [FORCE=1]
adopt: $(TOOLS)
	@[ -n "$(TARGET)" ] || { echo "usage: make adopt TARGET=DIR [FORCE=1]" >&2; exit 2; }
	@$(PY) -m tools.adopt "$(TARGET)" $(if $(filter-out 0 no false,$(FORCE)),--force)

# ---- housekeeping --------------------------------------------------------

.PHONY: clean  ## remove every build and test product (keeps the tool environment)
clean:
	rm -rf dist build SHA256SUMS .tox .pytest_cache .mypy_cache .coverage .coverage.* coverage.xml htmlcov
	@# the version file the build writes (pyproject.toml names it; tools/project.py reads it)
	@! [ -x "$(PY)" ] || f="$$($(PY) -m tools.project --version-file)"; [ -z "$${f:-}" ] || rm -f -- "$$f"
	find $(wildcard src tests tools) -name __pycache__ -type d -prune -exec rm -rf {} +

.PHONY: distclean  ## clean, and remove the tool environment too
distclean: clean
	rm -rf $(VENV)
