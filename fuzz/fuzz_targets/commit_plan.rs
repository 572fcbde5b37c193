//! The update planner (merging overlapping writes, sectioning by DynamoDB's limits) on any writes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use structnosql::internals::{plan_update, UpdateAction, MAX_EXPRESSION_BYTES, MAX_UPDATE_CLAUSES};

#[path = "common.rs"]
mod common;

fuzz_target!(|writes: Vec<(Vec<common::Step>, Option<common::Value>)>| {
    let actions: Vec<UpdateAction> = writes
        .iter()
        .filter(|(steps, _)| !steps.is_empty())
        .map(|(steps, value)| {
            let path = common::document_path(steps);
            match value {
                Some(value) => UpdateAction::Set(path, value.attribute()),
                None => UpdateAction::Remove(path),
            }
        })
        .collect();
    if let Ok(sections) = plan_update(actions, &[]) {
        for mut section in sections {
            assert!(section.expression().len() <= MAX_EXPRESSION_BYTES);
            assert!(section.condition(true, "id").map_or(0, |c| c.len()) <= MAX_EXPRESSION_BYTES);
            assert!(section.actions.len() <= MAX_UPDATE_CLAUSES);
            for (i, a) in section.actions.iter().enumerate() {
                for b in section.actions.iter().skip(i + 1) {
                    assert!(!a.path().starts_with(b.path()) && !b.path().starts_with(a.path()));
                }
            }
        }
    }
});
