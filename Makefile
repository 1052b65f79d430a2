# failmix — the two commands a fresh machine needs: `make demo` and `make test`.
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
EXAMPLE := examples/agent-workspace

.PHONY: deps build release test demo bench parity fuzz fuzz-run clean

# libgit2 is a system library: install it (Debian/Ubuntu) when pkg-config can't
# find it; libcurl too, which `failmix ci` loads when it publishes.
deps:
	@{ pkg-config --exists libgit2 2>/dev/null && ldconfig -p | grep -q 'libcurl\.so\.4'; } || { \
	  echo "installing libgit2-dev and libcurl4 (apt-get)"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq libgit2-dev pkg-config libcurl4; }

build: deps
	$(SWIFT) build

# The Swift runtime and FoundationEssentials linked in: a pre-session gate
# starts a process before every agent session, and dynamic linking cost half
# its time.
release: deps
	$(SWIFT) build -c release --static-swift-stdlib

# The process tests run the release binary users get (`make release`): a
# debug failmix spends ~50 ms per start in swift-argument-parser's debug-only
# checks, and the suite starts it ~560 times. `swift test` alone runs them
# against the debug build.
test: release
	FAILMIX_BIN=$(CURDIR)/.build/release/failmix $(SWIFT) test --disable-xctest

# Builds, generates the bundled example workspace (records + git history),
# and runs the main job on it.
demo: release
	@[ -f $(EXAMPLE)/session-records.jsonl ] || python3 examples/generate.py $(EXAMPLE) >/dev/null
	.build/release/failmix report --records $(EXAMPLE)/session-records.jsonl --repo $(EXAMPLE)/repo --agent-author 'bob@agents.example.org'

# Parity with the reference classifier and the fixtures' truth (needs ../shared beside the checkout).
parity: release
	@if [ -d ../shared/tools ]; then \
	  d=$$(mktemp -d); ../shared/tools/make-fixture $$d/fx --sessions 400 --seed 5 --noise >/dev/null && \
	  scripts/parity.py .build/release/failmix $$d/fx/session-records.jsonl && \
	  scripts/parity.py .build/release/failmix ../shared/data/real/skogbackup-claude-session-records.jsonl && \
	  for s in 3 17; do ../shared/tools/make-fixture $$d/t$$s --sessions $$((s * 41)) --seed $$s --noise >/dev/null && \
	    scripts/truth.py .build/release/failmix $$d/t$$s || exit 1; done; \
	  s=$$?; rm -rf $$d; exit $$s; \
	else echo "parity: ../shared not found, skipped"; fi

# libFuzzer targets (AddressSanitizer) for the record scanner and builder, the
# timestamp parser, the config loader, commit-message parsers and the cache and
# state decoders, with seed corpora from fixtures and ../shared/data/real.
fuzz: build
	scripts/fuzz.sh build
	scripts/fuzz.sh seeds

# Each target for FUZZ_SECONDS (default 20), one at a time, niced.
FUZZ_SECONDS ?= 20
fuzz-run: fuzz
	scripts/fuzz.sh run $(FUZZ_SECONDS)

bench: release
	python3 scripts/bench.py

clean:
	rm -rf .build $(EXAMPLE)
