//! Prints what the shipped rule pack knows, as Markdown: `cargo run -p hms-ai --example coverage`.

fn main() {
    match hms_ai::rules::RulePack::shipped() {
        Ok(pack) => print!("{}", pack.coverage()),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
