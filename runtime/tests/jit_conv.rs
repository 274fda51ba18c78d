//! conv2d and linear in the JIT against the reference interpreter, fused
//! epilogues, and the SIMD code of the micro-kernel.

mod jit_support;

use jit_support::{check, random, ty};
use quant_runtime::{
    jit::{Executor, Options},
    Tensor,
};

struct Conv {
    n: usize,
    c: usize,
    hw: [usize; 2],
    o: usize,
    k: [usize; 2],
    strides: [usize; 2],
    padding: [usize; 4],
    dilations: [usize; 2],
    groups: usize,
    bias: bool,
}

impl Conv {
    fn new(c: usize, o: usize, hw: usize, k: usize) -> Self {
        Conv {
            n: 1,
            c,
            hw: [hw, hw],
            o,
            k: [k, k],
            strides: [1, 1],
            padding: [0; 4],
            dilations: [1, 1],
            groups: 1,
            bias: false,
        }
    }

    fn out_shape(&self) -> Vec<usize> {
        let dim =
            |i: usize, pad: usize| (self.hw[i] + pad - self.dilations[i] * (self.k[i] - 1) - 1) / self.strides[i] + 1;
        vec![self.n, self.o, dim(0, self.padding[0] + self.padding[2]), dim(1, self.padding[1] + self.padding[3])]
    }

    /// The conv with `epilogue` (MLIR lines reading `%y`, defining `%z`) after it.
    fn source(&self, epilogue: &str, extra_args: &str) -> String {
        let x = ty(&[self.n, self.c, self.hw[0], self.hw[1]], "f32");
        let w = ty(&[self.o, self.c / self.groups, self.k[0], self.k[1]], "f32");
        let y = ty(&self.out_shape(), "f32");
        let b = ty(&[self.o], "f32");
        let (bias_arg, bias_use, bias_ty) = if self.bias {
            (format!(", %b: {b}"), ", %b", format!(", {b}"))
        } else {
            (String::new(), "", String::new())
        };
        let list = |v: &[usize]| v.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ");
        let attrs = format!(
            "{{strides = array<i64: {}>, padding = array<i64: {}>, dilations = array<i64: {}>, groups = {} : i64}}",
            list(&self.strides),
            list(&self.padding),
            list(&self.dilations),
            self.groups
        );
        let (body, result) =
            if epilogue.is_empty() { (String::new(), "%y") } else { (epilogue.replace("$Y", &y), "%z") };
        format!(
            "func.func @main(%x: {x}, %w: {w}{bias_arg}{extra_args}) -> {y} {{
  %y = \"quant.conv2d\"(%x, %w{bias_use}) {attrs} : ({x}, {w}{bias_ty}) -> {y}
{body}  return {result} : {y}
}}"
        )
    }

    fn inputs(&self) -> Vec<Tensor> {
        let mut inputs = vec![
            random(&[self.n, self.c, self.hw[0], self.hw[1]], 1),
            random(&[self.o, self.c / self.groups, self.k[0], self.k[1]], 2),
        ];
        if self.bias {
            inputs.push(random(&[self.o], 3));
        }
        inputs
    }

    fn check(&self) {
        check(&self.source("", ""), &self.inputs());
    }
}

#[test]
fn conv_3x3_same_padding_bias() {
    Conv { padding: [1; 4], bias: true, ..Conv::new(16, 32, 10, 3) }.check();
}

#[test]
fn conv_channel_counts_off_the_vector_width() {
    Conv { bias: true, ..Conv::new(3, 5, 7, 3) }.check();
    Conv { n: 2, ..Conv::new(7, 19, 9, 1) }.check();
}

/// So many input channels that each row runs in chunks of a few pixels.
#[test]
fn conv_rows_in_chunks() {
    Conv { padding: [1; 4], bias: true, ..Conv::new(1100, 4, 12, 3) }.check();
}

#[test]
fn conv_stride_and_asymmetric_padding() {
    Conv { strides: [2, 2], padding: [1, 2, 0, 1], ..Conv::new(8, 24, 13, 3) }.check();
    Conv { strides: [2, 1], ..Conv::new(4, 8, 11, 2) }.check();
}

/// Small planes of short rows run as one work item per channel block,
/// tiles across row ends: strided, grouped, batched, a partial last block.
#[test]
fn conv_whole_plane_tiles() {
    for conv in [
        Conv { n: 2, groups: 2, strides: [2, 2], padding: [1; 4], bias: true, ..Conv::new(24, 20, 14, 3) },
        Conv { padding: [1; 4], ..Conv::new(16, 40, 7, 3) },
    ] {
        let source = conv.source("", "");
        assert!(steps_of(&source)[0].1.contains("whole plane"), "{:?}", steps_of(&source));
        check(&source, &conv.inputs());
    }
}

#[test]
fn conv_dilation() {
    Conv { dilations: [2, 3], padding: [2, 3, 2, 3], bias: true, ..Conv::new(6, 16, 12, 3) }.check();
}

/// Windows of more than 9 taps loop over their kernel rows: a 7×7 stem
/// (strided, padded) and a dilated 4×3 window.
#[test]
fn conv_large_windows_loop_over_kernel_rows() {
    Conv { strides: [2, 2], padding: [3; 4], bias: true, ..Conv::new(3, 16, 20, 7) }.check();
    Conv { k: [4, 3], dilations: [2, 1], padding: [3, 1, 3, 1], ..Conv::new(5, 12, 13, 4) }.check();
}

#[test]
fn conv_groups_and_depthwise() {
    Conv { groups: 4, bias: true, padding: [1; 4], ..Conv::new(16, 32, 9, 3) }.check();
    Conv { groups: 12, padding: [1; 4], strides: [2, 2], ..Conv::new(12, 12, 15, 3) }.check();
    Conv { groups: 3, ..Conv::new(6, 9, 8, 5) }.check();
}

#[test]
fn conv_rectangular_kernel_and_batch() {
    Conv { n: 3, k: [1, 7], padding: [0, 3, 0, 3], ..Conv::new(5, 10, 9, 1) }.check();
}

fn relu(input: &str) -> String {
    format!("  %z = \"quant.relu\"({input}) : ($Y) -> $Y\n")
}

#[test]
fn conv_fused_with_bias_and_activations() {
    let conv = Conv { padding: [1; 4], bias: true, ..Conv::new(8, 16, 9, 3) };
    for activation in [
        "\"quant.relu\"(%y)",
        "\"quant.relu6\"(%y)",
        "\"quant.clip\"(%y) {min = -0.25 : f32, max = 0.5 : f32}",
        "\"quant.leaky_relu\"(%y) {alpha = 0.2 : f32}",
        "\"quant.silu\"(%y)",
    ] {
        let epilogue = format!("  %z = {activation} : ($Y) -> $Y\n");
        check(&conv.source(&epilogue, ""), &conv.inputs());
    }
}

/// 1×1 unpadded convs run on pixel-vector tiles over whole planes, each
/// tile's input packed into a panel first: planes shorter than a vector,
/// ragged ends, channel counts off the tile, groups, batches, strides.
#[test]
fn conv_1x1_pixel_vector_tiles() {
    for conv in [
        Conv { bias: true, ..Conv::new(24, 40, 9, 1) },
        Conv { n: 2, ..Conv::new(5, 3, 9, 1) },
        Conv { groups: 2, bias: true, ..Conv::new(8, 14, 10, 1) },
        Conv::new(3, 70, 9, 1),
        // Strided: the kernel runs unstrided on a subsampled copy.
        Conv { strides: [2, 2], bias: true, ..Conv::new(16, 24, 17, 1) },
        Conv { n: 2, groups: 2, strides: [3, 2], ..Conv::new(6, 10, 25, 1) },
        // Many input channels: the plane runs in several chunks (2 × 98).
        Conv { bias: true, ..Conv::new(256, 20, 14, 1) },
        // Weights beyond one L2-sized group of channel blocks: each tile
        // runs in two work items, the second ending with a partial block;
        // the reduction runs in 4 K chunks of 256 channels.
        Conv { bias: true, ..Conv::new(1024, 70, 9, 1) },
        // 263 channels have no divisor to chunk them by: one K chunk.
        Conv::new(263, 9, 9, 1),
    ] {
        let source = conv.source("", "");
        let steps = steps_of(&source);
        assert!(steps[0].1.contains("PixelVectors") && steps[0].1.contains("packed"), "{steps:?}");
        check(&source, &conv.inputs());
    }
    // A panel of this many channels would not fit a stack frame: the
    // tiles read the planes in place.
    let conv = Conv { bias: true, ..Conv::new(8200, 3, 2, 1) };
    let source = conv.source("", "");
    assert!(!steps_of(&source)[0].1.contains("packed"), "{:?}", steps_of(&source));
    check(&source, &conv.inputs());
}

#[test]
fn conv_1x1_small_planes_read_a_pixel_major_copy() {
    for conv in [
        Conv { bias: true, ..Conv::new(24, 40, 7, 1) },
        Conv { n: 2, ..Conv::new(5, 3, 2, 1) },
        Conv { groups: 2, bias: true, ..Conv::new(8, 14, 5, 1) },
        // Strided: only the pixels read are copied.
        Conv { strides: [2, 2], bias: true, ..Conv::new(16, 24, 13, 1) },
        Conv { n: 2, groups: 2, strides: [3, 2], ..Conv::new(6, 10, 10, 1) },
        // Enough input channels to reduce in K chunks, with a last block
        // of 6 channels.
        Conv { bias: true, ..Conv::new(1024, 70, 7, 1) },
    ] {
        let source = conv.source("", "");
        let steps = steps_of(&source);
        assert!(steps[0].1.contains("ChannelVectors") && steps[0].1.contains("pixel-major"), "{steps:?}");
        check(&source, &conv.inputs());
    }
}

/// The convs the fused-epilogue tests run: channel-vector tiles (a 3×3
/// conv, and 1×1 convs over a small plane, pixel-major) and pixel-vector
/// tiles; a 1×1 conv of either kind also over enough input channels to
/// reduce in K chunks (the epilogue runs after the last).
fn epilogue_convs(c: usize, o: usize, hw: usize) -> [Conv; 5] {
    [
        Conv { padding: [1; 4], bias: true, ..Conv::new(c, o, hw, 3) },
        Conv { bias: true, ..Conv::new(c, o, 7, 1) },
        Conv { bias: true, ..Conv::new(c * 64, o, 7, 1) },
        Conv { bias: true, ..Conv::new(c, o, hw, 1) },
        Conv { bias: true, ..Conv::new(c * 64, o, hw, 1) },
    ]
}

#[test]
fn conv_fused_with_residual_add_and_relu() {
    for conv in epilogue_convs(16, 16, 9) {
        conv_with_residual_add_and_relu(&conv);
    }
    conv_with_residual_add_and_relu(&winograd_epilogue_conv());
}

/// A conv large enough to run as Winograd, for the epilogue tests.
fn winograd_epilogue_conv() -> Conv {
    Conv { padding: [1; 4], bias: true, ..Conv::new(48, 20, 24, 3) }
}

fn conv_with_residual_add_and_relu(conv: &Conv) {
    let residual = ty(&conv.out_shape(), "f32");
    let epilogue = format!("  %a = \"quant.add\"(%r, %y) : ($Y, $Y) -> $Y\n{}", relu("%a"));
    let source = conv.source(&epilogue, &format!(", %r: {residual}"));
    let mut inputs = conv.inputs();
    inputs.push(random(&conv.out_shape(), 4));
    check(&source, &inputs);
    let steps = steps_of(&source);
    assert_eq!(steps.len(), 1, "one fused kernel: {steps:?}");
    // Without epilogue fusion each op runs alone, with the same result.
    let context = quant_dialect::create_context().unwrap();
    let module = quant_dialect::parse_source(&context, &source, "test.mlir").unwrap();
    let unfused =
        Executor::compile(&module, "main", Options { threads: 2, fuse: false, ..Options::default() }).unwrap();
    assert_eq!(unfused.steps().len(), 3, "{:?}", unfused.steps());
    let (_, reference) = jit_support::run_both(&source, &inputs, 1);
    let error = jit_support::relative_error(&unfused.run(&inputs).unwrap()[0], &reference[0]);
    assert!(error <= 1e-5, "unfused run: relative error {error}");
}

#[test]
fn conv_fused_with_batch_norm_and_fake_quant() {
    for conv in epilogue_convs(8, 12, 9) {
        conv_with_batch_norm_and_fake_quant(&conv);
    }
    // Winograd's output transform runs the same epilogue.
    conv_with_batch_norm_and_fake_quant(&winograd_epilogue_conv());
}

fn conv_with_batch_norm_and_fake_quant(conv: &Conv) {
    let o = conv.o;
    let c = ty(&[o], "f32");
    let q = ty(&conv.out_shape(), "i8");
    let epilogue = format!(
        "  %n = \"quant.batch_norm\"(%y, %g, %beta, %m, %v) {{epsilon = 1.0e-3 : f32}} : ($Y, {c}, {c}, {c}, {c}) -> $Y
  %q = \"quant.quantize\"(%n) {{scale = 0.05 : f32, zero_point = 3 : i32}} : ($Y) -> {q}
  %z = \"quant.dequantize\"(%q) {{scale = 0.05 : f32, zero_point = 3 : i32}} : ({q}) -> $Y
"
    );
    let source = conv.source(&epilogue, &format!(", %g: {c}, %beta: {c}, %m: {c}, %v: {c}"));
    let mut inputs = conv.inputs();
    inputs.extend([random(&[o], 5), random(&[o], 6), random(&[o], 7)]);
    let var = random(&[o], 8).as_f32().unwrap().mapv(|v| v.abs() + 0.5);
    inputs.push(Tensor::F32(var));
    // The fake-quantized output may differ by one step where the conv sum
    // rounds differently; compare in steps of 0.05.
    let (jit, reference) = jit_support::run_both(&source, &inputs, 2);
    let (a, b) = (jit[0].as_f32().unwrap(), reference[0].as_f32().unwrap());
    let steps = a.iter().zip(b).map(|(x, y)| ((x - y) / 0.05).abs().round() as i64).max().unwrap();
    assert!(steps <= 1, "{steps} steps apart");
    assert_eq!(steps_of(&source).len(), 1);
}

#[test]
fn conv_with_constant_weights() {
    let x = ty(&[1, 2, 4, 4], "f32");
    let w = ty(&[3, 2, 2, 2], "f32");
    let y = ty(&[1, 3, 3, 3], "f32");
    let values: Vec<String> = (0..24).map(|i| format!("{:.3}", (i as f32 * 0.37).sin())).collect();
    let source = format!(
        "func.func @main(%x: {x}) -> {y} {{
  %w = arith.constant dense<[{}]> : tensor<24xf32>
  %w4 = \"quant.reshape\"(%w) : (tensor<24xf32>) -> {w}
  %y = \"quant.conv2d\"(%x, %w4) : ({x}, {w}) -> {y}
  return %y : {y}
}}",
        values.join(", ")
    );
    check(&source, &[random(&[1, 2, 4, 4], 9)]);
    assert_eq!(steps_of(&source).len(), 1, "the reshape of a constant is folded");
}

fn linear_source(n: usize, k: usize, m: usize, bias: bool, epilogue: &str) -> String {
    let (x, w, y, b) = (ty(&[n, k], "f32"), ty(&[m, k], "f32"), ty(&[n, m], "f32"), ty(&[m], "f32"));
    let (bias_arg, bias_use, bias_ty) =
        if bias { (format!(", %b: {b}"), ", %b", format!(", {b}")) } else { Default::default() };
    let (body, result) = if epilogue.is_empty() { (String::new(), "%y") } else { (epilogue.replace("$Y", &y), "%z") };
    format!(
        "func.func @main(%x: {x}, %w: {w}{bias_arg}) -> {y} {{
  %y = \"quant.linear\"(%x, %w{bias_use}) : ({x}, {w}{bias_ty}) -> {y}
{body}  return {result} : {y}
}}"
    )
}

#[test]
fn linear_with_and_without_bias() {
    for (n, k, m, bias) in [(1, 64, 10, true), (5, 33, 17, false), (8, 128, 64, true)] {
        let mut inputs = vec![random(&[n, k], 1), random(&[m, k], 2)];
        if bias {
            inputs.push(random(&[m], 3));
        }
        check(&linear_source(n, k, m, bias, ""), &inputs);
    }
}

#[test]
fn linear_fused_with_relu6() {
    let source = linear_source(3, 40, 20, true, "  %z = \"quant.relu6\"(%y) : ($Y) -> $Y\n");
    let bias = Tensor::F32(random(&[20], 3).as_f32().unwrap().mapv(|v| v * 8.0));
    check(&source, &[random(&[3, 40], 1), random(&[20, 40], 2), bias]);
    assert_eq!(steps_of(&source).len(), 1);
}

/// Two FLOPs per multiply-add, whatever the kernel's tiling or staging.
#[test]
fn step_flops_count_multiply_adds() {
    for (conv, expected) in [
        (Conv { padding: [1; 4], ..Conv::new(16, 32, 10, 3) }, 2 * 32 * 10 * 10 * 16 * 9),
        (Conv { strides: [2, 2], ..Conv::new(16, 24, 13, 1) }, 2 * 24 * 7 * 7 * 16),
        (Conv { n: 2, groups: 4, ..Conv::new(8, 12, 5, 1) }, 2 * 2 * 12 * 5 * 5 * 2),
    ] {
        let context = quant_dialect::create_context().unwrap();
        let module = quant_dialect::parse_source(&context, &conv.source("", ""), "test.mlir").unwrap();
        let executor = Executor::compile(&module, "main", Options { threads: 1, ..Options::default() }).unwrap();
        assert_eq!(executor.step_flops(), vec![expected as f64]);
    }
}

fn steps_of(source: &str) -> Vec<(String, String)> {
    steps_with(source, Options { threads: 1, ..Options::default() })
}

fn steps_with(source: &str, options: Options) -> Vec<(String, String)> {
    let context = quant_dialect::create_context().unwrap();
    let module = quant_dialect::parse_source(&context, source, "test.mlir").unwrap();
    Executor::compile(&module, "main", options).unwrap().steps()
}

/// Stride-1 3×3 convs with enough work run as Winograd F(2×2, 3×3)
/// (direct with the option off, or when small): planes of odd and even
/// sizes (a missing last output row and column), rows of more tiles than a
/// vector holds and a ragged last piece, asymmetric and no padding,
/// batches, channels off the vector width, a plane of 1×2 pixels, few
/// tiles (pixel-major products).
#[test]
fn winograd_convs() {
    for conv in [
        Conv { padding: [1; 4], bias: true, ..Conv::new(32, 32, 24, 3) },
        Conv { padding: [1; 4], ..Conv::new(40, 36, 19, 3) },
        Conv { n: 2, padding: [1; 4], bias: true, hw: [9, 40], ..Conv::new(32, 24, 0, 3) },
        Conv { padding: [0; 4], bias: true, hw: [12, 35], ..Conv::new(48, 32, 0, 3) },
        Conv { padding: [2, 0, 1, 1], hw: [14, 23], ..Conv::new(64, 33, 0, 3) },
        // A plane smaller than one tile's window.
        Conv { padding: [1; 4], hw: [1, 2], ..Conv::new(512, 512, 0, 3) },
        // 49 tiles: products over a pixel-major input, which the input
        // transform writes (channels in whole vectors) or which is staged.
        Conv { padding: [1; 4], bias: true, ..Conv::new(96, 32, 14, 3) },
        Conv { padding: [1; 4], ..Conv::new(100, 32, 14, 3) },
    ] {
        let source = conv.source("", "");
        let described =
            |winograd| steps_with(&source, Options { threads: 1, winograd, ..Options::default() })[0].1.clone();
        assert!(described(true).contains("winograd"), "{}", described(true));
        assert!(!described(false).contains("winograd"), "{}", described(false));
        check(&source, &conv.inputs());
    }
    let small = Conv { padding: [1; 4], ..Conv::new(16, 16, 14, 3) }.source("", "");
    assert!(!steps_of(&small)[0].1.contains("winograd"), "{:?}", steps_of(&small));
}

/// Constant weights are transformed once, at load time.
#[test]
fn winograd_with_constant_weights() {
    let (x, w, y) = (ty(&[1, 32, 24, 24], "f32"), ty(&[32, 32, 3, 3], "f32"), ty(&[1, 32, 24, 24], "f32"));
    let values: Vec<String> = (0..32 * 32 * 9).map(|i| format!("{:.4}", (i as f32 * 0.37).sin())).collect();
    let source = format!(
        "func.func @main(%x: {x}) -> {y} {{
  %c = arith.constant dense<[{}]> : tensor<9216xf32>
  %w = \"quant.reshape\"(%c) : (tensor<9216xf32>) -> {w}
  %y = \"quant.conv2d\"(%x, %w) {{padding = array<i64: 1, 1, 1, 1>}} : ({x}, {w}) -> {y}
  return %y : {y}
}}",
        values.join(", ")
    );
    check(&source, &[random(&[1, 32, 24, 24], 5)]);
    let steps = steps_of(&source);
    assert_eq!(steps.len(), 1, "{steps:?}");
    assert!(steps[0].1.contains("winograd"), "{steps:?}");
}

/// The conv micro-kernel really runs on vector FMA instructions.
#[test]
fn conv_micro_kernel_uses_vector_fma() {
    let conv = Conv { padding: [1; 4], bias: true, ..Conv::new(64, 64, 56, 3) };
    let context = quant_dialect::create_context().unwrap();
    let module = quant_dialect::parse_source(&context, &conv.source("", ""), "test.mlir").unwrap();
    let executor = Executor::compile(&module, "main", Options { threads: 1, ..Options::default() }).unwrap();
    let assembly = executor.assembly(0).unwrap().expect("the conv step has a kernel");
    let fma =
        assembly.lines().filter(|l| l.contains("vfmadd") && ["%xmm", "%ymm", "%zmm"].iter().any(|r| l.contains(r)));
    let count = fma.count();
    println!("{count} vector FMAs");
    assert!(count >= 12, "expected vector FMAs in the micro-kernel, found {count}:\n{assembly}");
}

/// Quantized weights (a dequantized i8 constant) are folded and packed at
/// load time; a quantize of the result runs in the conv's epilogue.
#[test]
fn conv_with_dequantized_int8_weights_and_quantized_output() {
    let (x, y, q) = (ty(&[1, 4, 6, 6], "f32"), ty(&[1, 2, 4, 4], "f32"), ty(&[1, 2, 4, 4], "ui8"));
    let (wq, w) = (ty(&[2, 4, 3, 3], "i8"), ty(&[2, 4, 3, 3], "f32"));
    let values: Vec<String> = (0..72i32).map(|i| (i * 37 % 255 - 127).to_string()).collect();
    let source = format!(
        "func.func @main(%x: {x}) -> {q} {{
  %c = arith.constant dense<[{}]> : tensor<72xi8>
  %wq = \"quant.reshape\"(%c) : (tensor<72xi8>) -> {wq}
  %w = \"quant.dequantize\"(%wq) {{scale = dense<[0.01, 0.02]> : tensor<2xf32>, zero_point = dense<0> : tensor<2xi32>, axis = 0 : i64}} : ({wq}) -> {w}
  %y = \"quant.conv2d\"(%x, %w) : ({x}, {w}) -> {y}
  %q = \"quant.quantize\"(%y) {{scale = 0.05 : f32, zero_point = 128 : i32}} : ({y}) -> {q}
  return %q : {q}
}}",
        values.join(", ")
    );
    check(&source, &[random(&[1, 4, 6, 6], 3)]);
    assert_eq!(steps_of(&source).len(), 1, "weights folded, quantize fused");
}
