# Kring: the two commands. `make run` starts the desktop app with the embedded server and the
# demo region; `make test` runs every test. Both install what is missing first.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := run

UI_SOURCES := $(shell find ui/src -type f) ui/index.html ui/vite.config.ts ui/svelte.config.js ui/tsconfig.json
APP := target/debug/kring-desktop

.PHONY: run test deps deps-test ui app types test-ui test-rust test-e2e clean

run: deps app
	@scripts/install-desktop-entry.sh $(APP)
	$(APP)

test: deps-test
	$(MAKE) --no-print-directory test-ui
	$(MAKE) --no-print-directory app
	$(MAKE) --no-print-directory test-rust
	$(MAKE) --no-print-directory test-e2e

deps:
	@scripts/install-deps.sh run

deps-test:
	@scripts/install-deps.sh test

ui/node_modules/.package-lock.json: ui/package.json ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund --loglevel=error

ui/dist/index.html: ui/node_modules/.package-lock.json $(UI_SOURCES)
	cd ui && npx vite build --logLevel warn

ui: ui/dist/index.html

# The app embeds ui/dist at compile time; cargo itself decides what to rebuild.
app: ui
	cargo build --locked -p kring-desktop

# ui/src/lib/generated.ts from the Rust types that cross the Tauri boundary; `make test` fails while
# the committed file differs (src-tauri/src/typescript.rs).
types: ui
	KRING_WRITE_TYPES=1 cargo test --locked -p kring-desktop typescript

test-ui: ui/node_modules/.package-lock.json
	cd ui && npx svelte-check --tsconfig ./tsconfig.json --threshold error
	cd ui && npx vitest run

# Formatting (rustfmt.toml) and clippy's warnings as errors, then every crate's tests, the scenario tests and the store
# conformance suite (SQLite and a throwaway PostgreSQL cluster the suite starts itself).
test-rust: ui
	cargo fmt --check
	cargo clippy --locked --workspace --all-targets -- -D warnings
	cargo test --locked --workspace

# The staff and patients tests run regions' own servers and the SMTP sink next to the app; the
# HIS launch plays the HIS with kring-his-launch.
# Their binaries (kring-server, smtp-sink, kring-his-launch) are what `cargo test --workspace` built
# for the integration tests; building them with `-p` would unify features differently and compile
# half the tree again (3.5 min on CI).
test-e2e: app
	cargo test --locked --workspace --no-run
	tests/e2e/run.sh

clean:
	rm -rf target ui/dist ui/node_modules
