//! The macro that turns the option list of `table.rs` into the `Options` struct, its `Default`,
//! its setter and getter, and the `OptionSpec` table, so that these cannot disagree.

/// Expands
/// `Category { name: Type = default, range, "one line", "long"; … } …`
/// into `pub struct Options` (one public field per option, documented by its two texts),
/// `impl Default for Options`, the static table `SPECS` and `Options::{set_field, get_field}`,
/// which dispatch on the name and parse through [`OptionValue`](super::spec::OptionValue).
macro_rules! define_options {
    (
        $( $category:ident {
            $( $name:ident : $ty:ty = $default:expr , $range:expr , $short:literal , $long:literal ; )*
        } )*
    ) => {
        /// All options. Field names are Ipopt's option names; defaults are Ipopt 3.14's where the
        /// option exists there (each field's documentation says where ours differ). Generated with
        /// the option table ([`Options::table`]) from one list in `options/table.rs`.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Options {
            $( $(
                #[doc = $short]
                #[doc = ""]
                #[doc = $long]
                pub $name: $ty,
            )* )*
        }

        impl Default for Options {
            fn default() -> Self {
                Options { $( $( $name: $default, )* )* }
            }
        }

        /// The table: one entry per option, in listing order.
        pub(super) static SPECS: &[$crate::options::spec::OptionSpec] = &[
            $( $(
                $crate::options::spec::OptionSpec {
                    name: stringify!($name),
                    kind: <$ty as $crate::options::spec::OptionValue>::KIND,
                    range: $range,
                    category: $crate::options::spec::Category::$category,
                    short: $short,
                    long: $long,
                    default_text: || $crate::options::spec::OptionValue::to_text(&{ let d: $ty = $default; d }),
                },
            )* )*
        ];

        impl Options {
            /// Parse `value` for the option `name` (lower case) and store it: `None` when no
            /// option has that name, `Some(Err(expected))` when the value is not admissible.
            pub(super) fn set_field(&mut self, name: &str, value: &str) -> Option<Result<(), String>> {
                match name {
                    $( $(
                        stringify!($name) => Some(
                            $crate::options::spec::parse_in_range::<$ty>(value, $range).map(|v| self.$name = v),
                        ),
                    )* )*
                    _ => None,
                }
            }

            /// The current value of the option `name` as text (`None` for an unknown name).
            pub(super) fn get_field(&self, name: &str) -> Option<String> {
                match name {
                    $( $(
                        stringify!($name) => Some($crate::options::spec::OptionValue::to_text(&self.$name)),
                    )* )*
                    _ => None,
                }
            }
        }
    };
}
