# Testimonio: `make run` serves the archive on its embedded defaults with demo
# content; `make test` runs the whole test suite. Both install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-postgres install system-deps lint check clean

run: install
	$(BIN)/python -m config.secrets
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py rebuild_index
	bin/serve

test: install
	$(BIN)/python -m pytest

# The archive's own tests again on PostgreSQL (DATABASE_URL switches the
# database); needs a server, so CI runs it and `make test` does not.
PG_URL ?= postgres://postgres@127.0.0.1:5432/testimonio
test-postgres: install
	DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest -p no:cacheprovider tests/archive

install: system-deps $(STAMP)

# ffmpeg (media), espeak-ng and sox (demo and test speech), Chromium (browser tests),
# Pango (WeasyPrint's teaching-packet PDFs), poppler's pdftotext (the tests
# read those PDFs) and nginx with openssl (the tests start deploy/nginx/ on
# loopback) come from Debian where we may install them; elsewhere
# ffmpeg comes from the imageio-ffmpeg wheel and the checks say what is missing.
DEBIAN_PACKAGES := ffmpeg espeak-ng sox chromium poppler-utils libpango-1.0-0 libpangoft2-1.0-0 nginx openssl
system-deps:
	@missing=""; \
	for tool in ffmpeg ffprobe espeak-ng sox chromium pdftotext nginx openssl; do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || missing="$$missing libpangoft2"; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    echo "Installing from Debian:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBIAN_PACKAGES) >/dev/null; \
	  else \
	    echo "Missing:$$missing. Install them with your package manager ($(DEBIAN_PACKAGES));"; \
	    echo "ffmpeg alone can come from PyPI: pip install 'imageio-ffmpeg'."; \
	  fi; \
	fi

# torch first, pinned: it is the CPU build this machine keeps on disk, where a
# resolver left to itself could pull a CUDA build of several GB. The
# openai-whisper extra is installed so its engine's tests run, not skip.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet ".[test,openai-whisper]"
	touch $(STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check: install
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var build *.egg-info
