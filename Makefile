# Cortesia: `make run` starts the server, `make test` runs the whole suite; both install first.
PYTHON ?= python3
PORT ?= 5000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test clean browser

install: $(STAMP)

# The console's browser tests drive Debian's Chromium (Playwright's own download cannot work
# offline). Installed once with apt when missing, saying so first, since it changes the system;
# without it those tests are skipped, saying so.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "chromium is missing: running 'apt-get update' and 'apt-get install chromium' (Debian's"; \
	  echo "package, about 100 MB with its libraries) for the console's browser tests..."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
	    >/dev/null 2>&1 || echo "WARNING: could not install chromium; browser tests will be skipped"; }

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

# The web server and the worker (dial passes) together; Ctrl-C stops both. `make run PORT=5001`
# serves on another port.
# Without an SMTP server configured, mail is kept in instance/mail (MAIL_FOLDER=auto).
run: install
	$(BIN)/flask --app app init-db
	export MAIL_FOLDER=$${MAIL_FOLDER:-auto}; \
	$(BIN)/flask --app app worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask --app app run --host 127.0.0.1 --port $(PORT)

# One pytest worker per core (pytest-xdist); `make test PYTEST_WORKERS=0` runs in one process.
# The 15 slowest tests are listed at the end, to see where the suite's time goes.
PYTEST_WORKERS ?= auto
test: install browser
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --durations=15

clean:
	rm -rf $(VENV)
