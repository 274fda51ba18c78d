//! `quant.conv2d` → `tosa.conv2d` / `tosa.depthwise_conv2d` between NCHW↔NHWC
//! transposes (TOSA is channels-last, with OHWI or HWCM weights), and
//! `quant.linear` → `tosa.matmul` between reshapes.

use crate::{
    emit::{Emitter, Val},
    tosa::{TO_NCHW, TO_NHWC},
    window::fit,
};
use quant_dialect::views::Conv2dAttrs;

pub fn conv2d(em: &mut Emitter, a: &Conv2dAttrs, inputs: &[Val], out: &[usize]) -> Result<Val, String> {
    let (x, w) = (&inputs[0], &inputs[1]);
    let [n, c, h, wd] = [x.shape[0], x.shape[1], x.shape[2], x.shape[3]];
    let [o, cg, kh, kw] = [w.shape[0], w.shape[1], w.shape[2], w.shape[3]];
    let (ho, wo) = (out[2], out[3]);
    let span = |k: usize, d: usize| d * (k - 1) + 1;
    let unfit = || "the output shape does not match the convolution windows".to_string();
    let rows = fit(h, a.padding[0], span(kh, a.dilations[0]), a.strides[0], ho).ok_or_else(unfit)?;
    let cols = fit(wd, a.padding[1], span(kw, a.dilations[1]), a.strides[1], wo).ok_or_else(unfit)?;
    let mut xt = em.transpose(x, &TO_NHWC);
    if (rows.keep, cols.keep) != (h, wd) {
        xt = em.slice(&xt, &[0, 0, 0, 0], &[n, rows.keep, cols.keep, c]);
    }
    let bias = match inputs.get(2) {
        Some(b) => b.clone(),
        None => em.splat_f32(0.0, &[o]),
    };
    let ([top, left, ..], [sh, sw], [dh, dw]) = (a.padding, a.strides, a.dilations);
    let (bottom, right) = (rows.pad_after, cols.pad_after);
    let attrs = format!(
        "acc_type = f32, pad = array<i64: {top}, {bottom}, {left}, {right}>, stride = array<i64: {sh}, {sw}>, \
         dilation = array<i64: {dh}, {dw}>"
    );
    let zp = em.float_zero_point();
    let y = if a.groups == 1 {
        let wt = em.transpose(w, &TO_NHWC);
        em.op("tosa.conv2d", &[&xt, &wt, &bias, &zp, &zp], &attrs, vec![n, ho, wo, o], "f32")
    } else if a.groups == c && cg == 1 {
        // Depthwise: output channel c·M + m reads input channel c, as in PyTorch.
        let m = o / c;
        let w4 = em.reshape(w, &[c, m, kh, kw]);
        let hwcm = em.transpose(&w4, &[2, 3, 0, 1]);
        em.op("tosa.depthwise_conv2d", &[&xt, &hwcm, &bias, &zp, &zp], &attrs, vec![n, ho, wo, o], "f32")
    } else {
        // TOSA has no grouped convolution: one conv2d per group, concatenated.
        let og = o / a.groups;
        let parts: Vec<Val> = (0..a.groups)
            .map(|g| {
                let xg = em.slice(&xt, &[0, 0, 0, g * cg], &[n, rows.keep, cols.keep, cg]);
                let wg = em.slice(w, &[g * og, 0, 0, 0], &[og, cg, kh, kw]);
                let wg = em.transpose(&wg, &TO_NHWC);
                let bg = em.slice(&bias, &[g * og], &[og]);
                em.op("tosa.conv2d", &[&xg, &wg, &bg, &zp, &zp], &attrs, vec![n, ho, wo, og], "f32")
            })
            .collect();
        em.concat(&parts, 3)
    };
    Ok(em.transpose(&y, &TO_NCHW))
}

/// y = x·wᵀ + b as a batch-1 `tosa.matmul`.
pub fn linear(em: &mut Emitter, inputs: &[Val]) -> Val {
    let (x, w) = (&inputs[0], &inputs[1]);
    let (n, k, m) = (x.shape[0], x.shape[1], w.shape[0]);
    let a = em.reshape(x, &[1, n, k]);
    let wt = em.transpose(w, &[1, 0]);
    let b = em.reshape(&wt, &[1, k, m]);
    let zp = em.float_zero_point();
    let product = em.op("tosa.matmul", &[&a, &b, &zp, &zp], "", vec![1, n, m], "f32");
    let y = em.reshape(&product, &[n, m]);
    match inputs.get(2) {
        Some(bias) => {
            let row = em.reshape(bias, &[1, m]);
            em.binary("tosa.add", &y, &row)
        }
        None => y,
    }
}
