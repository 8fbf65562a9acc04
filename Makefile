# The two commands of the README. Both set up the environment first (uv, pinned by uv.lock).
UV ?= $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
PYTEST_ARGS ?=

.PHONY: setup up test test-quick lint clean

setup:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) sync --frozen --quiet --compile-bytecode

up: setup
	$(UV) run --frozen ghintel up

test: setup
	$(UV) run --frozen pytest $(PYTEST_ARGS)

# The quick subset (< 3 min): every test not marked slow (no gold build, platform, browser, crash injection or multi-second test; README).
test-quick: setup
	$(UV) run --frozen pytest -m "not slow" $(PYTEST_ARGS)

lint: setup
	$(UV) run --frozen ruff check .

clean:
	rm -rf .ghintel .venv
