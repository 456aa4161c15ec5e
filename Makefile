# Two commands: `make run` (a demo portal on http://127.0.0.1:8000) and `make test` (the whole suite);
# `make lint` runs ruff and the import contracts; `make audit` audits the locked dependencies (needs
# pip-audit and the network: docs/deploy.md).
# Both create .venv and install the locked dependencies first. DATABASE_URL and REDIS_URL are
# used when set; otherwise `make run` starts an embedded PostgreSQL in .pgdata/ and runs
# background jobs in-process.

# The first interpreter that runs and is 3.11 or newer (a pyenv shim may exist without its version).
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { command -v $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lock check-python browser clamav lint clean-db bench audit

run: $(STAMP)
	@$(BIN)/python scripts/run.py

test: $(STAMP) browser clamav
	@$(BIN)/python scripts/test.py $(ARGS)

install: $(STAMP)

# Two hashed locks (pip-compile --generate-hashes, `make lock`): requirements.lock is what runs
# (the image installs only it); requirements-test.lock is it plus the test and development tools,
# with the same pins (tests/test_locks.py checks), so development and CI install that one.
$(STAMP): requirements.lock requirements-test.lock pyproject.toml
	@$(MAKE) --no-print-directory check-python
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet --require-hashes -r requirements-test.lock
	@touch $(STAMP)

check-python:
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed: none found on PATH."; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
		{ echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version 2>&1))."; exit 1; }

# The browser tests drive the system Chromium (Debian package `chromium`), never a downloaded build;
# the PDF tests read the text back with pdftotext (Debian package `poppler-utils`).
browser:
	@{ command -v chromium && command -v pdftotext; } >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "Installing Chromium, fonts and poppler-utils for the browser and PDF tests (apt-get)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation poppler-utils >/dev/null; \
		else \
			echo "The tests need Chromium and pdftotext: sudo apt-get install chromium fonts-liberation poppler-utils"; exit 1; \
		fi; }

# The malware-scan tests start their own clamd (Debian package `clamav-daemon`) with a test signature.
clamav:
	@command -v clamd >/dev/null 2>&1 || test -x /usr/sbin/clamd || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "Installing ClamAV's daemon for the malware-scan tests (apt-get)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clamav-daemon >/dev/null; \
		else \
			echo "The malware-scan tests need clamd: sudo apt-get install clamav-daemon (they skip without it)"; \
		fi; }

# Regenerate both locks from pyproject.toml's ranges (run after changing dependencies). pip-compile
# keeps the pins already in the files where they still fit; add --upgrade-package NAME to move one.
LOCK_FLAGS := -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links
lock:
	rm -rf /tmp/portal-lock && $(PYTHON) -m venv /tmp/portal-lock
	/tmp/portal-lock/bin/pip install --quiet --upgrade pip pip-tools
	/tmp/portal-lock/bin/pip-compile $(LOCK_FLAGS) -o requirements.lock pyproject.toml
	/tmp/portal-lock/bin/pip-compile $(LOCK_FLAGS) --extra test -o requirements-test.lock pyproject.toml

# ruff (rule set in pyproject.toml) and the import contracts in .importlinter (docs/lint.md).
lint: $(STAMP)
	@$(BIN)/ruff check .
	@$(BIN)/lint-imports

# pip-audit over requirements.lock (scripts/audit.py): fails unless every package was audited, so a
# run without a network fails loudly instead of passing. Needs pip-audit and the network: a CI job.
audit: $(STAMP)
	@$(BIN)/python scripts/audit.py

bench: $(STAMP)
	@$(BIN)/python bench/requests_pages.py $(ARGS)

clean-db:
	-$(BIN)/python scripts/devdb.py stop
	rm -rf .pgdata
