//! Pass pipelines: an explicit ordered list of steps, each run in its own
//! pass manager and followed by verification (MLIR's and the semantic one).

use crate::passes::{lookup, PassInfo};
use melior::{ir::Module, pass::PassManager, utility::parse_pass_pipeline, Context};
use std::time::Instant;

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("invalid pass pipeline '{text}': {reason}")]
    Syntax { text: String, reason: String },
    #[error("unknown pass '{0}' (qopt passes: {1}; upstream passes such as canonicalize and cse go to MLIR)")]
    UnknownPass(String, String),
    #[error("pass '{0}' failed")]
    PassFailed(String),
    #[error("verification failed after pass '{0}'")]
    Verify(String),
}

/// One step: a qopt pass or an upstream pipeline, nested under `anchors`
/// (the first is always `builtin.module`).
#[derive(Clone, Debug)]
enum Step {
    Ours { info: &'static PassInfo, anchors: Vec<String> },
    Upstream { text: String, label: String },
}

#[derive(Clone, Debug, Default)]
pub struct Pipeline {
    steps: Vec<Step>,
}

#[derive(Clone, Copy, Debug)]
pub struct RunOptions {
    pub verify_each: bool,
    pub print_ir_after_all: bool,
}

impl std::fmt::Debug for PassInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

fn register_upstream_passes() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        melior::pass::transform::register_canonicalizer();
        melior::pass::transform::register_cse();
        melior::pass::transform::register_symbol_dce();
        melior::pass::transform::register_strip_debug_info();
    });
}

impl Pipeline {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The names of the steps, in order.
    pub fn names(&self) -> Vec<String> {
        self.steps
            .iter()
            .map(|s| match s {
                Step::Ours { info, .. } => info.name.to_string(),
                Step::Upstream { label, .. } => label.clone(),
            })
            .collect()
    }

    /// Appends a qopt pass at module level.
    pub fn push(&mut self, info: &'static PassInfo) {
        self.steps.push(Step::Ours { info, anchors: vec!["builtin.module".into()] });
    }

    /// Appends a pass by name: a qopt pass, or an upstream one run at module level.
    pub fn push_named(&mut self, name: &str) -> Result<(), PipelineError> {
        self.push_element(name, &["builtin.module".to_string()])
    }

    fn push_element(&mut self, element: &str, anchors: &[String]) -> Result<(), PipelineError> {
        let name = element.split('{').next().unwrap_or("").trim();
        if let Some(info) = lookup(name) {
            if element.contains('{') {
                return Err(PipelineError::Syntax {
                    text: element.into(),
                    reason: format!("'{name}' takes no options"),
                });
            }
            self.steps.push(Step::Ours { info, anchors: anchors.to_vec() });
            return Ok(());
        }
        register_upstream_passes();
        let mut text = element.trim().to_string();
        for anchor in anchors.iter().rev() {
            text = format!("{anchor}({text})");
        }
        // Check the name now, so a typo fails before any pass runs.
        let probe = Context::new();
        let pm = PassManager::new(&probe);
        if parse_pass_pipeline(pm.as_operation_pass_manager(), &text).is_err() {
            let ours: Vec<&str> = crate::registry().iter().map(|p| p.name).collect();
            return Err(PipelineError::UnknownPass(name.into(), ours.join(", ")));
        }
        self.steps.push(Step::Upstream { text, label: name.into() });
        Ok(())
    }

    /// Parses `-p name,name,...`.
    pub fn parse_list(list: &str) -> Result<Self, PipelineError> {
        let mut pipeline = Pipeline::default();
        for name in split_top_level(list, list)? {
            pipeline.push_named(&name)?;
        }
        Ok(pipeline)
    }

    /// Parses an MLIR textual pipeline, `builtin.module(func.func(a,b),c)`.
    pub fn parse_textual(text: &str) -> Result<Self, PipelineError> {
        let mut pipeline = Pipeline::default();
        let body = text.trim();
        let (anchor, inner) = split_anchor(body).ok_or_else(|| PipelineError::Syntax {
            text: text.into(),
            reason: "expected 'builtin.module(...)'".into(),
        })?;
        if anchor != "builtin.module" {
            return Err(PipelineError::Syntax {
                text: text.into(),
                reason: format!("the root anchor must be builtin.module, got '{anchor}'"),
            });
        }
        pipeline.parse_nested(text, inner, &[anchor.to_string()])?;
        Ok(pipeline)
    }

    fn parse_nested(&mut self, whole: &str, body: &str, anchors: &[String]) -> Result<(), PipelineError> {
        for element in split_top_level(body, whole)? {
            match split_anchor(&element) {
                Some((anchor, inner)) => {
                    let mut nested = anchors.to_vec();
                    nested.push(anchor.to_string());
                    self.parse_nested(whole, inner, &nested)?;
                }
                None => self.push_element(&element, anchors)?,
            }
        }
        Ok(())
    }

    /// Runs every step in order on `module`.
    pub fn run(&self, module: &mut Module, options: RunOptions) -> Result<(), PipelineError> {
        for step in &self.steps {
            quant_dialect::ffi::with_context(module.context(), |context| {
                self.run_step(step, context, module, options)
            })?;
        }
        Ok(())
    }

    fn run_step(
        &self,
        step: &Step,
        context: &Context,
        module: &mut Module,
        options: RunOptions,
    ) -> Result<(), PipelineError> {
        {
            let pm = PassManager::new(context);
            pm.enable_verifier(options.verify_each);
            let label = match step {
                Step::Ours { info, anchors } => {
                    let mut opm = pm.as_operation_pass_manager();
                    for anchor in &anchors[1..] {
                        opm = opm.nested_under(anchor);
                    }
                    opm.add_pass(info.create());
                    format!("{} ({})", info.name, info.description)
                }
                Step::Upstream { text, label } => {
                    parse_pass_pipeline(pm.as_operation_pass_manager(), text)
                        .map_err(|e| PipelineError::Syntax { text: text.clone(), reason: e.to_string() })?;
                    label.clone()
                }
            };
            let name = label.split(' ').next().unwrap_or_default().to_string();
            let start = Instant::now();
            pm.run(module).map_err(|_| PipelineError::PassFailed(name.clone()))?;
            tracing::info!(pass = %name, ms = start.elapsed().as_secs_f64() * 1e3, "pass finished");
            if options.verify_each && quant_dialect::verify::verify_module(module).is_err() {
                return Err(PipelineError::Verify(name));
            }
            if options.print_ir_after_all {
                eprintln!("// -----// IR Dump After {name} //----- //\n{}", module.as_operation());
            }
        }
        Ok(())
    }
}

/// `anchor(inner)` → (anchor, inner) when `s` has that shape.
fn split_anchor(s: &str) -> Option<(&str, &str)> {
    let s = s.trim();
    let open = s.find('(')?;
    if s.find('{').is_some_and(|brace| brace < open) || !s.ends_with(')') {
        return None;
    }
    Some((s[..open].trim(), &s[open + 1..s.len() - 1]))
}

/// Splits on commas outside parentheses and braces.
fn split_top_level(s: &str, whole: &str) -> Result<Vec<String>, PipelineError> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut current = String::new();
    for ch in s.chars() {
        match ch {
            '(' | '{' => depth += 1,
            ')' | '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        if depth < 0 {
            break;
        }
        current.push(ch);
    }
    out.push(current);
    let out: Vec<String> = out.into_iter().map(|e| e.trim().to_string()).collect();
    if depth != 0 || out.iter().any(|e| e.is_empty()) {
        return Err(PipelineError::Syntax {
            text: whole.into(),
            reason: "unbalanced brackets or empty pass name".into(),
        });
    }
    Ok(out)
}

/// sparsebit's order for the pass flags: prune, then each enabled step followed by prune.
pub fn sparsebit_order(enabled: &[&'static PassInfo]) -> Pipeline {
    let prune = lookup("quant-prune").expect("prune is registered");
    let mut pipeline = Pipeline::default();
    let order = ["quant-fuse-bn", "quant-disable-unnecessary-quant"];
    let selected: Vec<&'static PassInfo> =
        order.iter().filter_map(|n| enabled.iter().find(|p| p.name == *n).copied()).collect();
    if selected.is_empty() {
        if enabled.iter().any(|p| p.name == prune.name) {
            pipeline.push(prune);
        }
        return pipeline;
    }
    pipeline.push(prune);
    for info in selected {
        pipeline.push(info);
        pipeline.push(prune);
    }
    pipeline
}
