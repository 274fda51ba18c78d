# lit configuration for qopt's FileCheck tests. Run through `cargo test`
# (tests/lit_tests.rs) or directly: lit -v tests/lit
import os
import lit.formats

config.name = "qopt"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".mlir"]
config.test_source_root = os.path.dirname(__file__)
config.excludes = ["Inputs"]

llvm_bin = os.environ.get("LLVM_TOOLS_DIR", "/usr/lib/llvm-22/bin")
qopt_dir = os.environ.get("QOPT_BIN_DIR")
if not qopt_dir:
    root = os.path.dirname(os.path.dirname(config.test_source_root))
    qopt_dir = os.path.join(root, "target", "debug")
config.environment["PATH"] = os.pathsep.join([qopt_dir, llvm_bin, config.environment.get("PATH", os.environ.get("PATH", ""))])
