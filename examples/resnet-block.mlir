// A ResNet basic block, fake-quantized the way sparsebit does it: a
// quantize/dequantize pair on the input of every conv2d, batch_norm, relu and
// add, and per-channel fake quantization of the conv weights.
//   qopt --fuse-bn --disable-unnecessary-quant examples/resnet-block.mlir
// folds both batch_norms into the convs (rescaling the weight quantizers) and
// drops the pairs on the conv->relu and add->relu edges.
func.func @main(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
  %w1 = arith.constant dense<[[[[-0.1057, -0.2095, 0.0906], [-0.2565, 0.0215, -0.0806], [-0.2652, 0.0045, -0.2775]], [[-0.0398, -0.2581, -0.2456], [-0.0453, 0.1961, -0.2257], [-0.1661, 0.0765, 0.2686]], [[0.0463, -0.0620, 0.2858], [-0.2721, 0.2151, -0.1262], [-0.2134, -0.2293, -0.1149]], [[0.1897, -0.1916, 0.0490], [0.0833, -0.0766, 0.0286], [-0.2623, -0.2642, -0.1764]]], [[[0.1082, -0.0434, -0.1115], [0.0513, -0.0281, -0.1201], [0.1766, 0.1194, -0.1535]], [[0.0447, 0.0151, 0.2251], [0.1377, -0.1272, 0.2881], [-0.2292, -0.0491, 0.1543]], [[-0.2088, -0.0066, -0.2765], [0.1009, 0.1587, 0.0438], [0.2253, -0.1118, 0.1172]], [[0.0566, 0.0479, -0.0263], [0.2040, 0.2668, -0.0155], [0.0985, -0.2636, 0.1209]]], [[[0.0883, 0.2959, 0.1932], [-0.1292, -0.0685, 0.1012], [-0.2865, -0.0230, -0.1992]], [[-0.2297, -0.2646, 0.1609], [-0.2224, -0.1514, -0.0654], [0.2229, -0.2517, -0.0305]], [[0.0297, 0.2300, 0.1916], [0.2184, -0.1329, -0.0508], [-0.0847, 0.2305, 0.2746]], [[-0.2094, -0.1943, -0.1608], [-0.1600, -0.0090, 0.0535], [-0.1424, -0.2975, -0.0486]]], [[[-0.0784, 0.0398, 0.2719], [0.1143, 0.0093, 0.0706], [0.1057, -0.2676, 0.2397]], [[0.1680, 0.2247, 0.1787], [-0.0646, -0.0606, -0.2379], [0.0806, -0.2627, -0.2596]], [[-0.1747, -0.2026, -0.0960], [-0.2685, -0.2999, -0.2092], [-0.2391, -0.0818, -0.2847]], [[0.2246, 0.0684, -0.2109], [-0.1486, -0.0916, -0.0815], [-0.2263, 0.2094, 0.2959]]]]> : tensor<4x4x3x3xf32>
  %w1_q = "quant.quantize"(%w1) {scale = dense<[2.109916e-03, 2.118347e-03, 1.930339e-03, 1.938041e-03]> : tensor<4xf32>, zero_point = dense<0> : tensor<4xi32>, axis = 0 : i64} : (tensor<4x4x3x3xf32>) -> tensor<4x4x3x3xi8>
  %w1_dq = "quant.dequantize"(%w1_q) {scale = dense<[2.109916e-03, 2.118347e-03, 1.930339e-03, 1.938041e-03]> : tensor<4xf32>, zero_point = dense<0> : tensor<4xi32>, axis = 0 : i64} : (tensor<4x4x3x3xi8>) -> tensor<4x4x3x3xf32>
  %gamma1 = arith.constant dense<[0.8426, 0.7648, 1.3289, 0.6614]> : tensor<4xf32>
  %beta1 = arith.constant dense<[-0.0954, 0.0902, 0.0057, -0.0707]> : tensor<4xf32>
  %mean1 = arith.constant dense<[0.0086, -0.0946, 0.0056, 0.0957]> : tensor<4xf32>
  %var1 = arith.constant dense<[1.3633, 1.1962, 0.7611, 0.8667]> : tensor<4xf32>
  %w2 = arith.constant dense<[[[[-0.1998, 0.1632, 0.0196], [0.1674, -0.1022, -0.1662], [0.1869, 0.2910, 0.2116]], [[0.1836, 0.1910, 0.1439], [-0.1640, 0.0106, -0.0867], [-0.2826, -0.2832, -0.1323]], [[-0.1445, 0.1155, 0.2739], [-0.0317, 0.2622, 0.2928], [0.2730, -0.0812, -0.1677]], [[-0.1639, -0.1820, -0.1774], [0.0744, 0.2402, 0.2043], [-0.0123, 0.0918, 0.1798]]], [[[-0.2491, 0.0964, 0.2459], [0.1694, 0.1501, -0.0132], [-0.1929, 0.1735, -0.1005]], [[0.1805, 0.2830, -0.0625], [-0.0592, 0.2681, 0.1349], [-0.1980, -0.2238, -0.2093]], [[0.2429, 0.1839, -0.2123], [0.1959, 0.2882, 0.0944], [-0.0898, 0.0292, -0.2214]], [[-0.2915, 0.2825, 0.0898], [0.0159, 0.2602, -0.0397], [0.2230, 0.1957, -0.1734]]], [[[-0.1489, -0.1242, -0.1557], [0.0519, -0.1444, -0.0486], [-0.2214, 0.2460, -0.0877]], [[-0.0251, 0.0500, 0.2426], [-0.0476, 0.2506, 0.0010], [0.0191, 0.0141, -0.2888]], [[-0.0359, -0.1901, -0.2976], [0.1795, -0.1966, -0.0159], [0.1351, 0.0339, -0.1044]], [[0.0110, 0.0333, 0.1706], [-0.2363, 0.0362, -0.1509], [-0.1338, 0.1634, 0.0046]]], [[[0.0370, 0.1560, 0.2475], [-0.0341, 0.0675, 0.0033], [0.0073, 0.1156, -0.0286]], [[0.0200, -0.0132, 0.2649], [0.1195, 0.2259, 0.2653], [-0.1442, 0.0357, 0.2660]], [[0.2040, -0.2177, -0.2270], [-0.0347, -0.2565, -0.1556], [-0.2561, 0.1017, 0.1704]], [[0.2382, -0.2073, 0.1297], [0.0962, -0.2142, 0.2297], [0.2805, -0.1682, 0.2715]]]]> : tensor<4x4x3x3xf32>
  %w2_q = "quant.quantize"(%w2) {scale = dense<[2.077917e-03, 2.119966e-03, 2.357420e-03, 2.283045e-03]> : tensor<4xf32>, zero_point = dense<0> : tensor<4xi32>, axis = 0 : i64} : (tensor<4x4x3x3xf32>) -> tensor<4x4x3x3xi8>
  %w2_dq = "quant.dequantize"(%w2_q) {scale = dense<[2.077917e-03, 2.119966e-03, 2.357420e-03, 2.283045e-03]> : tensor<4xf32>, zero_point = dense<0> : tensor<4xi32>, axis = 0 : i64} : (tensor<4x4x3x3xi8>) -> tensor<4x4x3x3xf32>
  %gamma2 = arith.constant dense<[0.6615, 0.9315, 1.0156, 0.8391]> : tensor<4xf32>
  %beta2 = arith.constant dense<[-0.0609, -0.0363, 0.0444, -0.0961]> : tensor<4xf32>
  %mean2 = arith.constant dense<[0.0108, -0.0119, -0.0964, -0.0337]> : tensor<4xf32>
  %var2 = arith.constant dense<[1.1239, 1.0123, 0.5643, 1.4851]> : tensor<4xf32>
  %c1_in_q = "quant.quantize"(%x) {scale = 0.05 : f32, zero_point = 0 : i32} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xi8>
  %c1_in = "quant.dequantize"(%c1_in_q) {scale = 0.05 : f32, zero_point = 0 : i32} : (tensor<1x4x8x8xi8>) -> tensor<1x4x8x8xf32>
  %c1 = "quant.conv2d"(%c1_in, %w1_dq) {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  %n1_in_q = "quant.quantize"(%c1) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xi8>
  %n1_in = "quant.dequantize"(%n1_in_q) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<1x4x8x8xi8>) -> tensor<1x4x8x8xf32>
  %n1 = "quant.batch_norm"(%n1_in, %gamma1, %beta1, %mean1, %var1) {epsilon = 1.0e-05 : f32} : (tensor<1x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  %r1_in_q = "quant.quantize"(%n1) {scale = 0.05 : f32, zero_point = 0 : i32} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xi8>
  %r1_in = "quant.dequantize"(%r1_in_q) {scale = 0.05 : f32, zero_point = 0 : i32} : (tensor<1x4x8x8xi8>) -> tensor<1x4x8x8xf32>
  %r1 = "quant.relu"(%r1_in) : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %c2_in_q = "quant.quantize"(%r1) {scale = 0.05 : f32, zero_point = 0 : i32} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xi8>
  %c2_in = "quant.dequantize"(%c2_in_q) {scale = 0.05 : f32, zero_point = 0 : i32} : (tensor<1x4x8x8xi8>) -> tensor<1x4x8x8xf32>
  %c2 = "quant.conv2d"(%c2_in, %w2_dq) {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  %n2_in_q = "quant.quantize"(%c2) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xi8>
  %n2_in = "quant.dequantize"(%n2_in_q) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<1x4x8x8xi8>) -> tensor<1x4x8x8xf32>
  %n2 = "quant.batch_norm"(%n2_in, %gamma2, %beta2, %mean2, %var2) {epsilon = 1.0e-05 : f32} : (tensor<1x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  %a_lhs_q = "quant.quantize"(%n2) {scale = 0.05 : f32, zero_point = 0 : i32} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xi8>
  %a_lhs = "quant.dequantize"(%a_lhs_q) {scale = 0.05 : f32, zero_point = 0 : i32} : (tensor<1x4x8x8xi8>) -> tensor<1x4x8x8xf32>
  %a_rhs_q = "quant.quantize"(%x) {scale = 0.05 : f32, zero_point = 0 : i32} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xi8>
  %a_rhs = "quant.dequantize"(%a_rhs_q) {scale = 0.05 : f32, zero_point = 0 : i32} : (tensor<1x4x8x8xi8>) -> tensor<1x4x8x8xf32>
  %a = "quant.add"(%a_lhs, %a_rhs) : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %r2_in_q = "quant.quantize"(%a) {scale = 0.05 : f32, zero_point = 0 : i32} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xi8>
  %r2_in = "quant.dequantize"(%r2_in_q) {scale = 0.05 : f32, zero_point = 0 : i32} : (tensor<1x4x8x8xi8>) -> tensor<1x4x8x8xf32>
  %r2 = "quant.relu"(%r2_in) : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  return %r2 : tensor<1x4x8x8xf32>
}
