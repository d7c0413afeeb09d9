# Two commands matter: `make demo` and `make test` (see README.md).
.PHONY: demo test lint bench install

install:
	./scripts/bootstrap.sh

demo: install
	.venv/bin/cauce demo

test:
	./scripts/bootstrap.sh --test
	.venv/bin/python -m pytest -q -n 2 --dist loadfile

lint:
	./scripts/bootstrap.sh --test
	.venv/bin/ruff check src tests benchmarks
	.venv/bin/mypy

bench: install
	.venv/bin/python -m benchmarks.run
