# The two commands of the README, plus the benchmark and the linters.
.PHONY: run dev test bench lint format check

run:   ## set up, then run the clinic as in production (Procfile: gunicorn, worker, beat) with demo data
	@bash scripts/run.sh

dev:   ## the same with Django's auto-reloading development server (Procfile.dev)
	@bash scripts/run.sh --dev

test:  ## set up and run the whole test suite (PYTEST_ARGS="-k foo" to narrow it)
	@bash scripts/test.sh $(PYTEST_ARGS)

bench: ## the benchmark of ../shared/PERFORMANCE.md
	@bash scripts/bench.sh

lint:  ## ruff, the migrations check and the import contracts (.importlinter)
	@.venv/bin/ruff check . && .venv/bin/ruff format --check . && DJANGO_ENV=test .venv/bin/python manage.py makemigrations --check --dry-run && .venv/bin/lint-imports --no-cache

format:
	@.venv/bin/ruff format . && .venv/bin/ruff check --fix .
