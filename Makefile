# The two commands of the README: `make demo` and `make test`.
CARGO ?= cargo
QOPT := target/debug/qopt
EXAMPLE ?= examples/resnet-block.mlir

.PHONY: setup build demo test lint lit

setup:
	@bash scripts/setup.sh

build: setup
	$(CARGO) build --workspace

demo: build
	@echo "== before: $(EXAMPLE) =="
	@$(QOPT) $(EXAMPLE)
	@echo "== after: qopt --fuse-bn --disable-unnecessary-quant $(EXAMPLE) =="
	@$(QOPT) --fuse-bn --disable-unnecessary-quant -v $(EXAMPLE)

# cargo caches its rustc probes in target/.rustc_info.json; after the clippy
# run that cache has been seen holding a failed probe (rustc fed a stray
# compiler message as source), which then failed `cargo test` at once.
# Dropping the cache between the steps costs one probe.
RUSTC_CACHE := target/.rustc_info.json

lint: setup
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	@rm -f $(RUSTC_CACHE)

test: lint
	$(CARGO) test --workspace

lit: build
	/usr/lib/llvm-22/bin/lit -v tests/lit
