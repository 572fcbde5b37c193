//! Whether the models' custom field checks (`#[structnosql(validate = "...")]`) run, for writes
//! that deliberately skip them (migrations of old data).

use std::cell::Cell;

thread_local! {
    static SKIPPED: Cell<bool> = const { Cell::new(false) };
}

/// Whether custom checks run on this thread now.
pub(crate) fn custom_checks_enabled() -> bool {
    !SKIPPED.with(Cell::get)
}

/// Runs `encode` (synchronous) with the custom checks skipped.
pub(crate) fn without_custom_checks<T>(encode: impl FnOnce() -> T) -> T {
    let before = SKIPPED.with(|skipped| skipped.replace(true));
    let result = encode();
    SKIPPED.with(|skipped| skipped.set(before));
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_are_skipped_only_inside_and_restored_after() {
        assert!(custom_checks_enabled());
        let inside = without_custom_checks(|| {
            let nested = without_custom_checks(custom_checks_enabled);
            (custom_checks_enabled(), nested)
        });
        assert_eq!(inside, (false, false));
        assert!(custom_checks_enabled());
    }
}
