# The two commands of the README:
#   make demo   set up, then run the lab-device demo end to end and print the report paths
#   make test   set up (test extras, headless Chromium for the report tests), then run every test
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' && echo $$p && break; done)
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: setup setup-fonts setup-test demo test test-fast bench clean constraints

setup: $(VENV)/.installed setup-fonts

# The lab device renders its screens (screenshots of consent dialogs) with Java2D; Chinese
# text needs a CJK font (Debian package fonts-wqy-zenhei).
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc
setup-fonts:
	@test -e $(CJK_FONT) || ls /usr/share/fonts/opentype/noto/NotoSansCJK* >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-zenhei >/dev/null; \
	  else echo "note: install Debian's fonts-wqy-zenhei so lab screenshots show Chinese text"; fi; }

# Exact versions per Python minor (3.11 gets mitmproxy 11, 3.12+ mitmproxy 12): constraints/.
PYMINOR = $(shell $(PYTHON) -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")' 2>/dev/null)
# 3.13+ without a file of its own uses the 3.12 one (same mitmproxy 12 line)
CONSTRAINTS = $(or $(wildcard constraints/py$(PYMINOR).txt),$(if $(filter 3.11,$(PYMINOR)),,$(wildcard constraints/py3.12.txt)))

$(VENV)/.installed: pyproject.toml setup.py $(CONSTRAINTS)
	@test -n "$(PYTHON)" || { echo "consentry needs Python 3.11 or newer (python3.11/3.12/3.13 on PATH)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]" $(if $(CONSTRAINTS),-c $(CONSTRAINTS))
	@touch $@

# Re-resolve the constraints of this Python after a dependency change in pyproject.toml.
constraints:
	$(PYTHON) -m venv /tmp/consentry-constraints-venv
	/tmp/consentry-constraints-venv/bin/python -m pip install -q --upgrade pip
	/tmp/consentry-constraints-venv/bin/python -m pip install -q ".[test]"
	{ echo "# Exact versions for Python $(PYMINOR): make setup installs with -c this file. Regenerate: make constraints"; \
	  /tmp/consentry-constraints-venv/bin/python -m pip freeze | grep -v '^consentry' | sort -f; } > constraints/py$(PYMINOR).txt
	rm -rf /tmp/consentry-constraints-venv

# Headless Chromium renders the HTML reports in the browser tests (Debian package).
# PDF reports: WeasyPrint needs Pango, and a CJK font for Chinese (found through fontconfig).
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-wqy-zenhei
setup-test: setup
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "note: install Debian's chromium to run the browser tests (they are skipped without it)"; fi; }
	@fc-list :lang=zh 2>/dev/null | grep -q . && ldconfig -p 2>/dev/null | grep -q libpangoft2 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PDF_PACKAGES) >/dev/null; \
	  else echo "note: install Debian's $(PDF_PACKAGES) for PDF reports"; fi; }

demo: setup
	$(BIN)/consentry demo

# -n auto: xdist workers per core as tests/longest_first.py says; the longest tests start first
test: setup-test
	$(BIN)/python -m pytest -q -n auto $(PYTEST_ARGS)

test-fast: setup
	$(BIN)/python -m pytest -q -m "not slow" $(PYTEST_ARGS)

bench: setup
	@for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
