//! Closed code sets: enums written and read as their snake_case codes.

/// Declares a closed code set with `as_str`, `ALL`, `Display`, `FromStr` and serde as strings.
#[macro_export]
#[doc(hidden)]
macro_rules! code_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vdoc:meta])* $variant:ident = $code:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
        $vis enum $name {
            $($(#[$vdoc])* #[cfg_attr(feature = "serde", serde(rename = $code))] $variant),*
        }

        impl $name {
            /// Every value of the code set, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The code as written in storage and on the wire.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),* }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::error::FieldError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let t = s.trim();
                $(if t.eq_ignore_ascii_case($code) { return Ok($name::$variant); })*
                Err($crate::error::FieldError::new(
                    "",
                    format!("must be one of: {}", [$($code),*].join(", ")),
                ))
            }
        }
    };
}
