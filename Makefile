# Quickstart: `make run` then `make test`. Everything installs into .venv.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
OUT ?= output

.PHONY: run test lint fixture sample docs bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -qq --upgrade pip
	$(PY) -m pip install -qq -e '.[dev]'
	touch $(STAMP)

fixture: $(STAMP)
	$(PY) -m budgetml.cli fixture --out data/fixtures

# The embedded default data: a labelled sample corpus (3 districts × 10 departments × 3 years),
# generated once into data/sample/ (deterministic for the seed; not committed).
SAMPLE := data/sample/labels.json
$(SAMPLE): | $(STAMP)
	$(PY) -m budgetml.cli sample --out data/sample --districts 3 --departments 10 --years 2023 2024 2025 --seed 0

sample: $(SAMPLE)

# The nightly flow once, end to end (Prefect's temporary local server: nothing to install or start).
# Inputs: configs/sources.toml (the fixture and the sample corpus); `make run INPUT=dir` overrides them.
INPUT ?=
PORT ?= 4200
run: $(STAMP) fixture $(SAMPLE)
	DO_NOT_TRACK=1 $(PY) -m budgetml.cli run $(if $(INPUT),--input $(INPUT)) --output $(OUT)
	@echo "评估（与样例语料的标注对比）：" && $(PY) -m budgetml.cli evaluate --labels $(SAMPLE) --output $(OUT) | tail -n 50

# A local Prefect server on 127.0.0.1:$(PORT) (state in .prefect/) serving the nightly flow on its cron; Ctrl-C stops both.
.PHONY: serve
serve: $(STAMP)
	DO_NOT_TRACK=1 PREFECT_LOGGING_LEVEL=INFO $(PY) -m budgetml.cli serve --port $(PORT) --output $(OUT)

# The review desk (budgetml serve-review) over $(OUT) on http://127.0.0.1:$(REVIEW_PORT); Ctrl-C stops it. Apart
# from `make serve` on purpose: reviewers need the desk, not the scheduler, and each process stops on its own Ctrl-C.
REVIEW_PORT ?= 8765
.PHONY: review
review: $(STAMP)
	$(PY) -m budgetml.cli serve-review --output $(OUT) --port $(REVIEW_PORT)

# The README's screenshots of the desk (docs/images/desk-*.png), over $(OUT) from `make run`.
.PHONY: screenshots
screenshots: $(STAMP)
	$(PY) scripts/desk_screenshots.py --output $(OUT)

.PHONY: browser
# The report and desk tests open pages in headless Chromium (Debian's package, driven by Playwright for the desk)
# with a CJK font. Installed only when missing; when it cannot be installed (no root, no network) the tests
# still run and the browser tests are skipped, saying why.
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update && apt-get install -y chromium fonts-noto-cjk) \
		|| echo "chromium could not be installed: the browser tests (tests/test_report.py, tests/test_desk_browser.py) will be skipped"

# Lint and format first (ruff, rules in pyproject.toml), then the layer contract (import-linter, contracts in
# pyproject.toml; docs/architecture.md), then the tests.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

test: $(STAMP) browser lint
	$(PY) -m pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi; exit $$rc

docs: $(STAMP)
	$(PY) -m budgetml.cli docs

bench: $(STAMP)
	$(PY) scripts/bench_parse.py

clean:
	rm -rf $(OUT) data/fixtures data/sample
