//! sparsebit-style configuration: the `SCHEDULE:` section of a YAML config
//! and the `fuse_operations` task list.

use crate::{
    passes::{lookup, PassInfo},
    pipeline::{sparsebit_order, Pipeline},
};
use serde_yaml::Value;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path}: invalid YAML: {message}")]
    Yaml { path: String, message: String },
    #[error("{path}: unknown key(s) {keys}: expected {expected}")]
    UnknownKeys { path: String, keys: String, expected: String },
    #[error("{path}: SCHEDULE.{key} must be a boolean")]
    NotBool { path: String, key: String },
    #[error("unknown fuse operation(s) {0}: known are {1}")]
    UnknownTask(String, String),
}

/// The tasks of sparsebit's `fuse_operations`, in its default order.
pub const DEFAULT_TASKS: [&str; 2] = ["fuse_bn", "disable_unnecessary_quant"];

/// sparsebit's `config.SCHEDULE` switches (each defaults to on).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub fuse_bn: bool,
    pub disable_unnecessary_quant: bool,
    pub bn_tuning: bool,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule { fuse_bn: true, disable_unnecessary_quant: true, bn_tuning: false }
    }
}

const SCHEDULE_KEYS: [&str; 3] = ["FUSE_BN", "DISABLE_UNNECESSARY_QUANT", "BN_TUNING"];
/// Top-level sections of a sparsebit config that qopt accepts and does not use.
const OTHER_SECTIONS: [&str; 4] = ["BACKEND", "W", "A", "REGULAR"];

impl Schedule {
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: p.clone(), source })?;
        Self::from_yaml(&text, &p)
    }

    pub fn from_yaml(text: &str, path: &str) -> Result<Self, ConfigError> {
        let value: Value =
            serde_yaml::from_str(text).map_err(|e| ConfigError::Yaml { path: path.into(), message: e.to_string() })?;
        let mut schedule = Schedule::default();
        let Some(top) = value.as_mapping() else {
            return if value.is_null() {
                Ok(schedule)
            } else {
                Err(ConfigError::Yaml { path: path.into(), message: "expected a mapping".into() })
            };
        };
        let known_top: Vec<&str> = std::iter::once("SCHEDULE").chain(OTHER_SECTIONS).collect();
        check_keys(top, &known_top, path)?;
        let Some(section) = top.get("SCHEDULE") else { return Ok(schedule) };
        let Some(section) = section.as_mapping() else {
            return Err(ConfigError::Yaml { path: path.into(), message: "SCHEDULE must be a mapping".into() });
        };
        check_keys(section, &SCHEDULE_KEYS, path)?;
        for (key, slot) in SCHEDULE_KEYS.iter().zip([
            &mut schedule.fuse_bn,
            &mut schedule.disable_unnecessary_quant,
            &mut schedule.bn_tuning,
        ]) {
            if let Some(v) = section.get(*key) {
                *slot = v.as_bool().ok_or_else(|| ConfigError::NotBool { path: path.into(), key: key.to_string() })?;
            }
        }
        Ok(schedule)
    }

    fn enabled(&self, task: &str) -> bool {
        match task {
            "fuse_bn" => self.fuse_bn,
            "disable_unnecessary_quant" => self.disable_unnecessary_quant,
            _ => true,
        }
    }
}

fn check_keys(map: &serde_yaml::Mapping, known: &[&str], path: &str) -> Result<(), ConfigError> {
    let unknown: Vec<String> = map
        .keys()
        .map(|k| k.as_str().map(str::to_string).unwrap_or_else(|| format!("{k:?}")))
        .filter(|k| !known.contains(&k.as_str()))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(ConfigError::UnknownKeys { path: path.into(), keys: unknown.join(", "), expected: known.join(", ") })
    }
}

/// sparsebit's `fuse_operations`: prune, then each task of `tasks` (default
/// list when `None`) that the schedule enables, each followed by prune.
pub fn fuse_operations(schedule: &Schedule, tasks: Option<&[String]>) -> Result<Pipeline, ConfigError> {
    let names: Vec<String> = match tasks {
        Some(list) => list.to_vec(),
        None => DEFAULT_TASKS.iter().map(|s| s.to_string()).collect(),
    };
    let find = |task: &str| crate::registry().iter().find(|p| p.sparsebit_name == Some(task));
    let unknown: Vec<&str> = names.iter().map(String::as_str).filter(|t| find(t).is_none()).collect();
    if !unknown.is_empty() {
        return Err(ConfigError::UnknownTask(unknown.join(", "), DEFAULT_TASKS.join(", ")));
    }
    let prune = lookup("quant-prune").expect("prune is registered");
    let enabled: Vec<&'static PassInfo> =
        names.iter().filter(|t| schedule.enabled(t)).filter_map(|t| find(t)).collect();
    if tasks.is_none() {
        return Ok(sparsebit_order(&enabled));
    }
    // A custom list runs in the order given.
    let mut pipeline = Pipeline::default();
    pipeline.push(prune);
    for info in enabled {
        pipeline.push(info);
        pipeline.push(prune);
    }
    Ok(pipeline)
}
