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

run: $(STAMP) fixture
	$(PY) -m budgetml.cli parse data/fixtures --output $(OUT)

test: $(STAMP)
	$(PY) -m pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi; exit $$rc

docs: $(STAMP)
	$(PY) -m budgetml.cli docs

bench: $(STAMP)
	$(PY) scripts/bench_parse.py

clean:
	rm -rf $(OUT) data/fixtures
