# Cortesia: `make run` starts the server, `make test` runs the whole suite; both install first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test clean

install: $(STAMP)

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

# The web server and the worker (dial passes) together; Ctrl-C stops both.
run: install
	$(BIN)/flask --app app init-db
	$(BIN)/flask --app app worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask --app app run --host 127.0.0.1 --port 5000

test: install
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV)
