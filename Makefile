# Two commands matter: `make demo` and `make test` (see README.md).
.PHONY: demo test lint bench install screenshots

install:
	./scripts/bootstrap.sh

demo: install
	.venv/bin/cauce demo

# Schema fuzzing (schemathesis) runs in its own process too: under xdist its collection runs only a few cases.
# The multi-node test (2 web + 3 worker processes, PostgreSQL, RabbitMQ) runs alone: it starts processes of its own.
# Browser tests run in their own pytest process: Playwright's sync API keeps an event loop in the
# main thread for the whole session, which would break tests that start asyncio loops of their own.
test:
	./scripts/bootstrap.sh --test
	.venv/bin/python -m pytest -q -n 2 --dist loadfile --ignore=tests/web/browser --ignore=tests/web/test_api_fuzz.py --ignore=tests/multinode
	.venv/bin/python -m pytest -q -p no:xdist tests/web/test_api_fuzz.py
	.venv/bin/python -m pytest -q tests/web/browser
	.venv/bin/python -m pytest -q -p no:xdist tests/multinode

lint:
	./scripts/bootstrap.sh --test
	.venv/bin/ruff check src tests benchmarks
	.venv/bin/mypy

bench: install
	.venv/bin/python -m benchmarks.run

# Regenerates the pictures in docs/screenshots (the README shows them) from the browser journeys.
screenshots:
	./scripts/bootstrap.sh --test
	CAUCE_SCREENSHOT_DIR=$(CURDIR)/docs/screenshots .venv/bin/python -m pytest -q tests/web/browser
