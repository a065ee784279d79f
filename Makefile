# `make run` and `make test` work on a fresh clone: they create .venv and install first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The sets that seed the bundled taught questions (make eval scores them taught: see bench/taught.py for each
# scored with only the others taught), and the sets kept out of the taught file for good.
TAUGHT_SETS ?= ../shared/eval/iliopsoas-dev.jsonl ../shared/eval/iliopsoas-dev2.jsonl tests/questions.jsonl \
	tests/questions-heldout.jsonl tests/questions-fresh.jsonl tests/questions-fresh2.jsonl tests/questions-teach.jsonl \
	tests/questions-teach2.jsonl tests/out-of-scope.jsonl tests/out-of-scope-2.jsonl tests/questions-fresh4.jsonl \
	tests/questions-fresh5.jsonl tests/questions-fresh6.jsonl
KEPT_OUT_SETS ?= tests/questions-fresh3.jsonl tests/questions-fresh7.jsonl tests/questions-fresh8.jsonl \
	tests/questions-fresh9.jsonl tests/questions-teach3.jsonl tests/not-answered.jsonl tests/out-of-scope-3.jsonl \
	tests/red-flags-dev.jsonl tests/red-flags-dev2.jsonl tests/red-flags-dev3.jsonl tests/red-flags-dev4.jsonl \
	tests/red-flags-dev5.jsonl tests/red-flags-dev6.jsonl tests/red-flags-dev7.jsonl tests/red-flags-final.jsonl \
	tests/red-flags-final2.jsonl tests/red-flags-final3.jsonl tests/red-flags-final4.jsonl tests/red-flags-final5.jsonl \
	tests/red-flags-final6.jsonl tests/red-flags-final7.jsonl tests/questions-fresh10.jsonl \
	tests/questions-fresh11.jsonl tests/questions-fresh12.jsonl tests/out-of-scope-4.jsonl tests/red-flags-dev8.jsonl \
	tests/red-flags-dev9.jsonl tests/red-flags-dev10.jsonl tests/red-flags-dev11.jsonl tests/red-flags-final8.jsonl \
	tests/red-flags-final9.jsonl tests/red-flags-final10.jsonl tests/red-flags-final11.jsonl tests/red-flags-dev12.jsonl \
	tests/red-flags-dev13.jsonl tests/red-flags-final12.jsonl
EVAL_SETS ?= $(KEPT_OUT_SETS) $(TAUGHT_SETS)
MEDQUAD ?= ../shared/datasets/medquad/medquad.jsonl
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-fast eval eval-taught bench bench-http attack cluster index clean

# Reinstall whenever pyproject.toml changes. Running needs the package alone; tests add the test extra
# (playwright, schemathesis...), in a stamp of their own so `make test` after `make run` still installs it.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

$(VENV)/.bench-installed: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

index: $(VENV)/.installed
	$(BIN)/assistant reindex

run: index
	$(BIN)/assistant serve --host $(HOST) --port $(PORT)

# Test processes at once (pytest-xdist): TEST_WORKERS=0 runs in this process alone, auto one per core.
TEST_WORKERS ?= 2

test: $(VENV)/.test-installed
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

# The edit-test loop: every test but the slow, browser, PostgreSQL and cluster ones.
test-fast: $(VENV)/.test-installed
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) -m "not slow and not browser and not postgresql and not cluster" \
		--ignore=tests/browser

# Every question set there is; a set that is missing (../shared outside a checkout) is skipped.
eval: $(VENV)/.installed
	@for set in $(EVAL_SETS); do \
		if [ -f $$set ]; then echo "== $$set"; $(BIN)/assistant eval --questions $$set | sed -n '1,13p'; fi; \
	done

# Each taught set scored with only the other taught sets taught, and the kept-out sets with all of them: the
# honest figures (a few minutes).
eval-taught: $(VENV)/.installed
	$(BIN)/python bench/taught.py --taught $(wildcard $(TAUGHT_SETS)) \
		--kept-out $(wildcard $(KEPT_OUT_SETS))

# Extra options after BENCH_ARGS, e.g. make bench BENCH_ARGS="--build-budget 1200" (see bench/run.py --help).
bench: $(VENV)/.bench-installed
	$(BIN)/python bench/run.py --medquad $(MEDQUAD) $(BENCH_ARGS)

# Needs wrk (apt-get install wrk); loopback only, about 20 s.
bench-http: $(VENV)/.installed
	$(BIN)/python bench/http_load.py

# Attacks its own servers on 127.0.0.1 and prints what got through (bench/attack.py --help); a few minutes.
# Options in ATTACK_ARGS, e.g. make attack ATTACK_ARGS="--parts bad,load --seconds 20".
attack: $(VENV)/.installed
	$(BIN)/python bench/attack.py $(ATTACK_ARGS)

# Three servers behind nginx, sharing PostgreSQL and Redis, checked under 60 s of load (bench/cluster.py --help);
# needs apt-get install nginx redis-server postgresql wrk. Options in CLUSTER_ARGS.
$(VENV)/.cluster-installed: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[postgresql,redis]'
	touch $@

cluster: $(VENV)/.cluster-installed
	$(BIN)/python bench/cluster.py $(CLUSTER_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
