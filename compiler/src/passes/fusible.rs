//! The fusible-pair table: producer → consumer edges that a deployment
//! backend runs as one kernel, so no quantization happens between them
//! (sparsebit's `disable_unnecessary_quant` table). This is the only copy;
//! `docs/fusible-pairs.md` is rendered from it and a test checks that.

use quant_dialect::OpKind::{self, *};

/// Consumers every conv2d/linear/batch_norm producer fuses with.
const ACTIVATIONS: &[OpKind] = &[Relu, Relu6, Clip, Sigmoid, LeakyRelu, Mish, Silu, HardSigmoid];

/// (producer, consumers it fuses with, consumers added for this producer only).
const TABLE: &[(OpKind, &[OpKind], &[OpKind])] = &[
    (Conv2d, ACTIVATIONS, &[BatchNorm]),
    (Linear, ACTIVATIONS, &[BatchNorm, Gelu]),
    (BatchNorm, ACTIVATIONS, &[]),
    (Add, &[Relu, Relu6, Clip], &[]),
];

/// Whether a backend fuses `producer` → `consumer` into one kernel.
pub fn is_fusible(producer: OpKind, consumer: OpKind) -> bool {
    TABLE.iter().any(|(p, common, extra)| *p == producer && (common.contains(&consumer) || extra.contains(&consumer)))
}

/// The table as Markdown, one row per producer.
pub fn markdown() -> String {
    let mut out = String::from("| producer | consumers |\n|---|---|\n");
    for (producer, common, extra) in TABLE {
        let names: Vec<String> = extra.iter().chain(common.iter()).map(|k| format!("`{}`", k.short_name())).collect();
        out.push_str(&format!("| `{}` | {} |\n", producer.short_name(), names.join(", ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_rows() {
        assert!(is_fusible(Conv2d, BatchNorm));
        assert!(is_fusible(Linear, Gelu));
        assert!(!is_fusible(Conv2d, Gelu));
        assert!(!is_fusible(BatchNorm, BatchNorm));
        assert!(is_fusible(Add, Relu6));
        assert!(!is_fusible(Add, Sigmoid));
        assert!(!is_fusible(Relu, Conv2d));
    }

    #[test]
    fn docs_match_table() {
        let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/fusible-pairs.md")).unwrap();
        assert!(
            doc.contains(&markdown()),
            "docs/fusible-pairs.md is out of date; paste this table into it:\n{}",
            markdown()
        );
    }
}
