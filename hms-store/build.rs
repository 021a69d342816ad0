//! `sqlx::migrate!` embeds the migrations when this crate is compiled; a migration added or edited
//! without a change to the Rust sources must still rebuild it, or the binary would carry the old set.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
