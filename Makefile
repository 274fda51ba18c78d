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

lint: setup
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test: lint
	$(CARGO) test --workspace

lit: build
	/usr/lib/llvm-22/bin/lit -v tests/lit
