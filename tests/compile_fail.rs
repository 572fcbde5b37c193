//! Diagnostics of the derive macros: each file in `tests/ui` must fail to compile with the error in
//! its `.stderr`, spanned on the offending field or attribute. Regenerate with `TRYBUILD=overwrite`.

#[test]
fn derive_diagnostics() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
