# OmniBark — the README's two commands:
#   make demo   builds the engine and runs the main job on a fresh machine (installing what it needs)
#   make test   runs the whole test suite, then every fuzz target for 5 s (scripts/fuzz.sh)
#   make fuzz   fuzzes every reader for FUZZ_SECONDS each (default 60; FUZZ_TARGETS to pick some)
# Both install the Debian packages they need first (idempotent, non-interactive).

SHELL := /bin/bash
SWIFT ?= swift
DEBIAN_PACKAGES := pkg-config libicu-dev libopenblas-dev libopus-dev libopusenc-dev libjack-jackd2-dev jackd2 libsoxr-dev libpng-dev libjpeg62-turbo-dev icecast2 ffmpeg opus-tools sox liblo-dev liblo-tools stress-ng
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test fuzz build release deps fixtures clean

deps:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:" $$missing; \
		echo "jackd2 jackd/tweak_rt_limits boolean false" | $(SUDO) debconf-set-selections; \
		echo "icecast2 icecast2/icecast-setup boolean false" | $(SUDO) debconf-set-selections; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "Debian packages present: $(DEBIAN_PACKAGES)"; fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product omnibark

# The fuzz step runs after the tests; either failing fails `make test`, and swift test's failed
# tests and its summary line are printed again last (CI shows only the tail of the output: each failed
# test and recorded issue is repeated, with the ↳ lines where swift-testing prints its comments).
test: deps
	$(SWIFT) build --build-tests
	@# OMNIBARK_HOME in a scratch folder: the commands the tests run create their watermark key
	@# there instead of in the user's ~/.config/omnibark. TMPDIR too: every scratch file and
	@# directory the tests make (a test that fails or crashes cannot clean up after itself) goes
	@# there and is removed with it, so repeated runs leave nothing in /tmp. (icecast2 runs as its
	@# own user and must reach its test directory under TMPDIR: hence the modes.)
	scratch=$$(mktemp -d /tmp/omnibark-test.XXXXXX); mkdir -p "$$scratch/home" "$$scratch/tmp"; \
	chmod 711 "$$scratch"; chmod 755 "$$scratch/tmp"; \
	OMNIBARK_HOME=$$scratch/home TMPDIR=$$scratch/tmp $(SWIFT) test --skip-build --disable-xctest 2>&1 | tee .build/test.log; status=$${PIPESTATUS[0]}; \
	rm -rf "$$scratch"; \
	SWIFT=$(SWIFT) scripts/fuzz.sh --seconds 5 || { echo "make test: the fuzz step failed (see above)"; [ $$status != 0 ] || status=1; }; \
	awk '/^✘ Test run with/ { next } /^✘ / { print; more = 1; next } more && /^[[:space:]]*↳/ { print; next } { more = 0 }' .build/test.log | tail -60; \
	grep "Test run with" .build/test.log | tail -1; exit $$status

FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz: deps
	SWIFT=$(SWIFT) scripts/fuzz.sh --seconds $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The main job: text → speech → WAV through every stage. With no model named, it speaks with the
# bundled OmniBark-tiny (models/omnibark-tiny: a small model trained by training/ on espeak-ng speech,
# closed vocabulary of about 190 English words), so a fresh clone runs a trained model end to end;
# models/omnibark-tiny/README.md says how intelligible it is.
# With a real model: OMNIBARK_MODEL=~/models/bark-small make demo
DEMO_MODEL ?= $(or $(OMNIBARK_MODEL),models/omnibark-tiny)
DEMO_TEXT ?= $(if $(OMNIBARK_MODEL),Hello from OmniBark. This sentence went through every stage of Bark.,Anna saw the little red boat near the river today.)
# OmniBark-tiny speaks best with no voice preset (its evaluated setting: Whisper WER 30.7 %, 44.1 % with its
# preset v2/en_speaker_0); a real Bark model gets one of Suno's speakers.
DEMO_VOICE ?= $(if $(OMNIBARK_MODEL),--voice v2/en_speaker_6,)
demo: release
	.build/release/omnibark inspect "$(DEMO_MODEL)"
	.build/release/omnibark speak --model "$(DEMO_MODEL)" $(DEMO_VOICE) --seed 1 --out demo.wav "$(DEMO_TEXT)"
	@ls -l demo.wav

# Regenerates the parity fixtures (needs torch + transformers; see Tests/Fixtures/README.md).
fixtures:
	python3 -m venv venv-ref
	venv-ref/bin/pip install -q -r scripts/requirements-fixtures.txt
	venv-ref/bin/python scripts/make_bark_fixtures.py
	venv-ref/bin/python scripts/make_tokenizer_fixtures.py
	venv-ref/bin/python scripts/make_checkpoint_fixtures.py
	venv-ref/bin/python scripts/make_encodec_fixtures.py
	venv-ref/bin/python scripts/make_generation_fixtures.py

clean:
	rm -rf .build
