# failmix — the two commands a fresh machine needs: `make demo` and `make test`.
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
EXAMPLE := examples/agent-workspace

.PHONY: deps build release release-current test demo bench parity fuzz fuzz-run clean

# libgit2 and PCRE2 are system libraries: install them (Debian/Ubuntu) when
# pkg-config can't find them; libcurl too, which `failmix ci` loads when it publishes.
deps:
	@{ pkg-config --exists libgit2 libpcre2-8 2>/dev/null && ldconfig -p | grep -q 'libcurl\.so\.4'; } || { \
	  echo "installing libgit2-dev, libpcre2-dev and libcurl4 (apt-get)"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq libgit2-dev libpcre2-dev pkg-config libcurl4; }

build: deps
	$(SWIFT) build

# The Swift runtime and FoundationEssentials linked in: a pre-session gate
# starts a process before every agent session, and dynamic linking cost half
# its time. Each build records a fingerprint of what it was built from (see below).
release: deps
	@rm -f $(RELEASE_FINGERPRINT); inputs="$$($(release-inputs))"; \
	echo "$(SWIFT) build -c release --static-swift-stdlib"; \
	$(SWIFT) build -c release --static-swift-stdlib && echo "$$inputs $$($(release-outputs))" > $(RELEASE_FINGERPRINT)

# The release build, unless the last one was made from exactly what is here
# now. `swift build` with nothing to do still costs 1-3 s on a 2-core machine:
# the debug and release builds share .build/build.db, so each re-plans after
# the other (and `swift test` then re-plans the debug build too). What is
# compared is what llbuild compares, every input's path, size, mtime and
# inode (directories too, so an added or removed file counts), over the
# sources, the manifest, Package.resolved and this Makefile, plus the
# toolchain's `swift` and the built binaries themselves: anything else (a
# `swift build` by hand, a new toolchain, an edit) means a real build.
RELEASE_FINGERPRINT := .build/release.fingerprint
release-stat = -printf '%p %s %T@ %i\n' 2>/dev/null | LC_ALL=C sort | sha256sum | cut -c1-64
release-inputs = find Sources Package.swift Package.resolved Makefile $(release-stat)
release-outputs = find -L "$$(command -v $(SWIFT))" .build/release/failmix .build/release/failmix-stamp -maxdepth 0 $(release-stat)

release-current: deps
	@if [ "$$($(release-inputs)) $$($(release-outputs))" = "$$(cat $(RELEASE_FINGERPRINT) 2>/dev/null)" ]; then \
	  echo "release build up to date (make release rebuilds)"; else $(MAKE) --no-print-directory release; fi

# The process tests run the release binary users get (`make release`): a
# debug failmix spends ~50 ms per start in swift-argument-parser's debug-only
# checks, and the suite starts it ~560 times. `swift test` alone runs them
# against the debug build.
test: release-current
	FAILMIX_BIN=$(CURDIR)/.build/release/failmix $(SWIFT) test --disable-xctest

# Builds, generates the bundled example workspace (records + git history),
# and runs the main job on it.
demo: release-current
	@[ -f $(EXAMPLE)/session-records.jsonl ] || python3 examples/generate.py $(EXAMPLE) >/dev/null
	.build/release/failmix report --records $(EXAMPLE)/session-records.jsonl --repo $(EXAMPLE)/repo --agent-author 'bob@agents.example.org'

# Parity with the reference classifier and the fixtures' truth (needs ../shared beside the checkout).
parity: release-current
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

bench: release-current
	python3 scripts/bench.py

clean:
	rm -rf .build $(EXAMPLE)
