// The bundled examples parse, verify, print, and parse again, and the main
// job leaves no batch_norm and no quantize/dequantize on fusible edges.
// RUN: qopt %S/../../examples/conv-bn-relu.mlir | qopt | FileCheck %s --check-prefix=ROUNDTRIP
// RUN: qopt %S/../../examples/resnet-block.mlir | qopt | FileCheck %s --check-prefix=ROUNDTRIP
// RUN: qopt %S/../../examples/resnet-block.mlir --emit=bytecode | qopt | FileCheck %s --check-prefix=ROUNDTRIP
// ROUNDTRIP: func.func @main
// ROUNDTRIP: quant.batch_norm

// RUN: qopt --fuse-bn --disable-unnecessary-quant %S/../../examples/conv-bn-relu.mlir | FileCheck %s --check-prefix=SMALL
// SMALL: %[[C:.*]] = "quant.conv2d"
// SMALL-NOT: quant.batch_norm
// SMALL: "quant.relu"(%[[C]])

// RUN: qopt --fuse-bn --disable-unnecessary-quant %S/../../examples/resnet-block.mlir | FileCheck %s --check-prefix=BLOCK
// BLOCK-NOT: quant.batch_norm
// BLOCK: %[[C1:.*]] = "quant.conv2d"
// BLOCK-NEXT: "quant.relu"(%[[C1]])
// BLOCK: %[[ADD:.*]] = "quant.add"
// BLOCK-NEXT: "quant.relu"(%[[ADD]])
// BLOCK-NOT: quant.batch_norm
