//! Snapshots of the expanded code for each attribute option.
//!
//! Review changes with `cargo insta review` (or regenerate with
//! `INSTA_UPDATE=always cargo test -p structnosql-derive`).

use quote::quote;

use crate::expand::Kind;

fn expand_model(input: proc_macro2::TokenStream, kind: Kind) -> String {
    pretty(crate::derive_model(input, kind))
}

fn pretty(tokens: proc_macro2::TokenStream) -> String {
    match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(_) => tokens.to_string(),
    }
}

#[test]
fn plain_map_model() {
    insta::assert_snapshot!(expand_model(
        quote! {
            pub struct AuthToken {
                expiration_timestamp: i64,
                label: Option<String>,
            }
        },
        Kind::MapModel
    ));
}

#[test]
fn table_model_with_rename_all_rename_and_key_name() {
    insta::assert_snapshot!(expand_model(
        quote! {
            #[structnosql(rename_all = "camelCase")]
            pub struct User {
                user_id: String,
                #[structnosql(rename = "name")]
                display_name: Option<String>,
                #[structnosql(key_name = "tokenId")]
                tokens: Option<HashMap<String, AuthToken>>,
            }
        },
        Kind::TableDataModel
    ));
}

#[test]
fn field_with_a_custom_validator() {
    insta::assert_snapshot!(expand_model(
        quote! {
            pub struct Account {
                #[structnosql(validate = "checks::non_empty")]
                owner: String,
                #[structnosql(validate = "checks::positive")]
                credit: Option<i64>,
            }
        },
        Kind::TableDataModel
    ));
}

#[test]
fn recursive_field_is_left_out_of_the_depth() {
    insta::assert_snapshot!(expand_model(
        quote! {
            pub struct Parameter {
                name: String,
                #[structnosql(key_name = "childKey{i}")]
                children: Option<HashMap<String, Parameter>>,
                #[structnosql(recursive)]
                other: Option<Box<Other>>,
            }
        },
        Kind::MapModel
    ));
}

#[test]
fn serde_renames_are_followed() {
    insta::assert_snapshot!(expand_model(
        quote! {
            #[serde(rename_all = "PascalCase")]
            pub struct Legacy {
                record_id: String,
                #[serde(rename = "TTL")]
                expires_at: i64,
            }
        },
        Kind::TableDataModel
    ));
}

#[test]
fn invalid_model_expands_to_errors_and_a_stub() {
    insta::assert_snapshot!(expand_model(
        quote! {
            pub struct Broken {
                #[structnosql(rename = "a.b")]
                field: String,
            }
        },
        Kind::TableDataModel
    ));
}

#[test]
fn string_enum_with_rename_all_and_rename() {
    insta::assert_snapshot!(pretty(crate::derive_enum(quote! {
        #[structnosql(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum Status {
            Active,
            #[structnosql(rename = "gone")]
            Deleted,
            OnHold,
        }
    })));
}

#[test]
fn version_field_is_named_in_the_schema_and_checked_to_be_an_integer() {
    insta::assert_snapshot!(expand_model(
        quote! {
            pub struct Document {
                id: String,
                #[structnosql(version)]
                revision: Option<i64>,
            }
        },
        Kind::TableDataModel
    ));
}

#[test]
fn read_only_field_has_a_read_only_accessor() {
    insta::assert_snapshot!(expand_model(
        quote! {
            pub struct Account {
                id: String,
                #[structnosql(read_only)]
                created_at: i64,
            }
        },
        Kind::TableDataModel
    ));
}

#[test]
fn transformed_fields_get_stored_form_wrappers() {
    insta::assert_snapshot!(expand_model(
        quote! {
            pub struct Profile {
                id: String,
                #[structnosql(read_transform = "shout", write_transform = "trim")]
                name: Option<String>,
                #[structnosql(write_transform = "sorted", validate = "checks::short")]
                tags: Vec<String>,
            }
        },
        Kind::TableDataModel
    ));
}

#[test]
fn flattened_fields_are_stored_at_the_models_level() {
    insta::assert_snapshot!(expand_model(
        quote! {
            pub struct Member {
                member_id: String,
                #[structnosql(flatten)]
                audit: Audit,
                #[structnosql(flatten)]
                contact: Contact,
            }
        },
        Kind::TableDataModel
    ));
}

#[test]
fn default_values_get_stored_form_functions() {
    insta::assert_snapshot!(expand_model(
        quote! {
            pub struct GameStats {
                #[structnosql(default)]
                wins: i64,
                #[structnosql(default = "defaults::rank")]
                rank: String,
                notes: Option<String>,
            }
        },
        Kind::MapModel
    ));
}

#[test]
fn crate_path_replaces_structnosql_in_the_generated_code() {
    let model = expand_model(
        quote! {
            #[structnosql(crate = "crate::storage::db")]
            pub struct Note {
                id: String,
            }
        },
        Kind::TableDataModel,
    );
    let string_enum = pretty(crate::derive_enum(quote! {
        #[structnosql(crate = "crate::storage::db")]
        pub enum Mood {
            Calm,
        }
    }));
    let stub = expand_model(
        quote! {
            #[structnosql(crate = "crate::storage::db")]
            pub struct Broken {
                #[structnosql(rename = "")]
                field: String,
            }
        },
        Kind::TableDataModel,
    );
    for expanded in [&model, &string_enum, &stub] {
        assert!(!expanded.contains("::structnosql"), "{expanded}");
        assert!(
            expanded.contains("crate::storage::db::__private"),
            "{expanded}"
        );
    }
    insta::assert_snapshot!(model);
}

#[test]
fn newtype_with_a_check() {
    insta::assert_snapshot!(pretty(crate::derive_attribute_impl(quote! {
        #[structnosql(validate = "Email::check")]
        pub struct Email(String);
    })));
}

#[test]
fn transparent_newtype_has_the_inner_accessor() {
    insta::assert_snapshot!(pretty(crate::derive_attribute_impl(quote! {
        #[structnosql(transparent)]
        pub struct Tags(Vec<String>);
    })));
}

#[test]
fn enum_with_data_tagged_beside_its_fields() {
    insta::assert_snapshot!(pretty(crate::derive_attribute_impl(quote! {
        #[structnosql(tag = "kind", rename_all = "snake_case")]
        pub enum Payment {
            Card { last4: String, #[structnosql(rename = "expiresOn")] expires: Option<String> },
            Cash,
        }
    })));
}

#[test]
fn enum_with_data_in_a_content_attribute_follows_serde() {
    insta::assert_snapshot!(pretty(crate::derive_attribute_impl(quote! {
        #[serde(tag = "type", content = "data")]
        pub enum Event {
            Created(String),
            Moved { from: String, to: String },
            #[serde(rename = "gone")]
            Deleted,
        }
    })));
}

#[test]
fn entity_with_key_templates_and_an_index() {
    insta::assert_snapshot!(expand_model(
        quote! {
            #[structnosql(
                rename_all = "camelCase",
                entity = "Order",
                pk = "CUSTOMER#{username}",
                sk = "ORDER#{placed_on}#{order_id}",
                index(name = "gsi1", pk = "STATUS#{status}", sk = "{shipped_on}")
            )]
            pub struct Order {
                username: String,
                placed_on: String,
                order_id: u64,
                status: Status,
                shipped_on: Option<String>,
            }
        },
        Kind::TableDataModel
    ));
}

#[test]
fn collection_of_entities_decodes_each_item_by_its_entity() {
    let input = syn::parse2(quote! {
        #[structnosql(crate = "shop::db")]
        pub enum CustomerData {
            Customer(Customer),
            Order(Order),
        }
    })
    .unwrap();
    insta::assert_snapshot!(pretty(crate::collection::collection(&input)));
}
