# Quickstart: `make run` then `make test`. Everything installs into .venv.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
OUT ?= output

.PHONY: run test fixture docs bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -qq --upgrade pip
	$(PY) -m pip install -qq -e '.[dev]'
	touch $(STAMP)

fixture: $(STAMP)
	$(PY) -m budgetml.cli fixture --out data/fixtures

# The nightly flow once, end to end, on INPUT (Prefect's temporary local server: nothing to install or start).
INPUT ?= data/fixtures
PORT ?= 4200
run: $(STAMP) fixture
	DO_NOT_TRACK=1 $(PY) -m budgetml.cli run --input $(INPUT) --output $(OUT)

# A local Prefect server on 127.0.0.1:$(PORT) (state in .prefect/) serving the nightly flow on its cron; Ctrl-C stops both.
.PHONY: serve
serve: $(STAMP)
	DO_NOT_TRACK=1 PREFECT_LOGGING_LEVEL=INFO $(PY) -m budgetml.cli serve --port $(PORT) --output $(OUT)

.PHONY: browser
# The report test opens the HTML report in headless Chromium (Debian's package) with a CJK font. Installed
# only when missing; when it cannot be installed (no root, no network) the tests still run and that one
# test is skipped, saying why.
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update && apt-get install -y chromium fonts-noto-cjk) \
		|| echo "chromium could not be installed: tests/test_report.py's browser test will be skipped"

test: $(STAMP) browser
	$(PY) -m pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi; exit $$rc

docs: $(STAMP)
	$(PY) -m budgetml.cli docs

bench: $(STAMP)
	$(PY) scripts/bench_parse.py

clean:
	rm -rf $(OUT) data/fixtures
