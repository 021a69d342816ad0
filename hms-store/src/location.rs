//! Where a database is: the URL forms hms accepts, read the same way by every front end (the
//! library, the server's `HMS_DATABASE_URL` and Python's `Hospital.open`).
//!
//! | written | means |
//! |---|---|
//! | `postgres://…`, `postgresql://…` | a PostgreSQL database |
//! | `sqlite::memory:` | a SQLite database in memory, gone when the hospital is dropped |
//! | `sqlite://hms.db` | the file `hms.db` in the working directory |
//! | `sqlite:///hms.db` | the same (three slashes, as SQLAlchemy reads them) |
//! | `sqlite:////var/lib/hms/hms.db` | the absolute path `/var/lib/hms/hms.db` (four slashes) |
//! | `sqlite:hms.db`, `sqlite:/var/lib/hms/hms.db` | the path exactly as written after `sqlite:` |
//! | `hms.db`, `/var/lib/hms/hms.db` | a plain path (no scheme): a SQLite file |
//!
//! SQLite URLs may end with SQLite's own parameters (`?mode=ro`). In a path written in a URL, `%`
//! starts an escape (`%3F` for `?`); a plain path is taken as it is.

use std::path::{Path, PathBuf};

use hms_core::{Error, Result};

/// A database, as named by a URL or a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite database that lives in memory; the URL as given.
    SqliteMemory(String),
    /// A SQLite database file.
    SqliteFile {
        /// The file, relative to the working directory or absolute.
        path: PathBuf,
        /// SQLite's parameters (`mode=ro`), without the `?`.
        params: Option<String>,
    },
    /// A PostgreSQL database; the URL as given.
    Postgres(String),
}

impl Location {
    /// Reads a database URL or a plain path (see the module's table).
    pub fn parse(url: &str) -> Result<Self> {
        let invalid = |message: String| Error::invalid("database_url", message);
        let url = url.trim();
        if url.is_empty() {
            return Err(invalid("must not be empty".into()));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_string()));
        }
        let Some(rest) = url.strip_prefix("sqlite:") else {
            if has_scheme(url) {
                return Err(invalid("must be a sqlite: or postgres:// URL, or the path of a SQLite file".into()));
            }
            return Ok(Self::SqliteFile { path: PathBuf::from(url), params: None });
        };
        let (database, params) = match rest.split_once('?') {
            Some((d, p)) => (d, Some(p.to_string())),
            None => (rest, None),
        };
        let memory = params.as_deref().is_some_and(|p| p.split('&').any(|kv| kv == "mode=memory"));
        if matches!(database, ":memory:" | "//:memory:") || memory {
            return Ok(Self::SqliteMemory(url.to_string()));
        }
        let (written, three_slashes) = match database.strip_prefix("//") {
            // Four slashes or more: an absolute path (its leading slash kept).
            Some(after) if after.starts_with("//") => (&after[1..], false),
            // Three: a path relative to the working directory, as SQLAlchemy reads it.
            Some(after) if after.starts_with('/') => (&after[1..], true),
            // Two: the path as written (relative, since it does not start with a slash).
            Some(after) => (after, false),
            // `sqlite:` alone: the path exactly as written.
            None => (database, false),
        };
        if written.is_empty() {
            return Err(invalid(format!("{url} names no file; write sqlite://hms.db, or sqlite::memory: for a database in memory")));
        }
        let path = PathBuf::from(
            percent_decode(written).ok_or_else(|| invalid(format!("{url} has a % that does not start an escape such as %3F")))?,
        );
        if three_slashes {
            refuse_a_moved_absolute_path(url, &path)?;
        }
        Ok(Self::SqliteFile { path, params })
    }

    /// A SQLite file's location, from its path as it is (nothing in it is an escape).
    pub fn sqlite_file(path: impl Into<PathBuf>) -> Self {
        Self::SqliteFile { path: path.into(), params: None }
    }

    /// The directory a SQLite file keeps its document bytes in by default (`hms.db` →
    /// `hms-blobs/`, beside it); none for other databases.
    pub fn default_blob_dir(&self) -> Option<PathBuf> {
        match self {
            Self::SqliteFile { path, .. } => {
                let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "hms".into());
                Some(path.with_file_name(format!("{stem}-blobs")))
            }
            _ => None,
        }
    }

    /// The URL sqlx opens this SQLite database with (`sqlite:` and the path, escaped).
    pub(crate) fn sqlx_url(&self) -> String {
        match self {
            Self::SqliteMemory(url) | Self::Postgres(url) => url.clone(),
            Self::SqliteFile { path, params } => {
                let mut url = sqlite_url(path);
                if let Some(p) = params {
                    url.push('?');
                    url.push_str(p);
                }
                url
            }
        }
    }
}

/// The unambiguous URL of the SQLite file at `path`: `sqlite:` and the path as it is (with `%`,
/// `?` and `#` escaped), relative or absolute like `path`.
pub fn sqlite_url(path: &Path) -> String {
    let mut url = String::from("sqlite:");
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => url.push_str("%25"),
            '?' => url.push_str("%3F"),
            '#' => url.push_str("%23"),
            c => url.push(c),
        }
    }
    url
}

/// Whether `s` starts with a URL scheme (`name:`) — a plain path has none (its first `:` comes
/// after a `/`, or never).
fn has_scheme(s: &str) -> bool {
    match s.find(':') {
        Some(i) => {
            let scheme = &s[..i];
            scheme.len() > 1
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `sqlite:///var/lib/hms.db` once meant the absolute path to some (it does to sqlx and to RFC
/// 8089). Read as relative now, it would quietly open a new, empty database beside the working
/// directory while the hospital's records sit at the absolute path: refuse that, and say how to
/// write either.
fn refuse_a_moved_absolute_path(url: &str, relative: &Path) -> Result<()> {
    let absolute = Path::new("/").join(relative);
    if !relative.exists() && absolute.is_file() {
        let rel = relative.display();
        return Err(Error::invalid(
            "database_url",
            format!(
                "{url} is the file {rel} relative to the working directory, which does not exist, but {abs} does: \
                 write sqlite:///{abs} (four slashes) for the absolute path, or sqlite://{rel} to create the relative one",
                abs = absolute.display()
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str) -> Location {
        Location::sqlite_file(path)
    }

    #[test]
    fn every_form_means_what_the_table_says() {
        assert_eq!(Location::parse("postgres://u@h/db").unwrap(), Location::Postgres("postgres://u@h/db".into()));
        assert_eq!(Location::parse("postgresql://u@h/db").unwrap(), Location::Postgres("postgresql://u@h/db".into()));
        assert_eq!(Location::parse("sqlite::memory:").unwrap(), Location::SqliteMemory("sqlite::memory:".into()));
        assert_eq!(Location::parse("sqlite://?mode=memory").unwrap(), Location::SqliteMemory("sqlite://?mode=memory".into()));
        assert_eq!(Location::parse("sqlite://hms.db").unwrap(), file("hms.db"));
        assert_eq!(Location::parse("sqlite:///hms-no-such-file.db").unwrap(), file("hms-no-such-file.db"));
        assert_eq!(Location::parse("sqlite:////var/lib/hms/hms.db").unwrap(), file("/var/lib/hms/hms.db"));
        assert_eq!(Location::parse("sqlite:data/hms.db").unwrap(), file("data/hms.db"));
        assert_eq!(Location::parse("sqlite:/srv/hms.db").unwrap(), file("/srv/hms.db"));
        assert_eq!(Location::parse("hms.db").unwrap(), file("hms.db"));
        assert_eq!(Location::parse("/srv/hms.db").unwrap(), file("/srv/hms.db"));
        assert_eq!(Location::parse("./a:b.db").unwrap(), file("./a:b.db"));
        assert_eq!(
            Location::parse("sqlite://hms.db?mode=ro").unwrap(),
            Location::SqliteFile { path: "hms.db".into(), params: Some("mode=ro".into()) }
        );
        assert_eq!(Location::parse("sqlite:/srv/a%3Fb.db").unwrap(), file("/srv/a?b.db"));
    }

    #[test]
    fn bad_urls_are_refused_in_words() {
        for (url, words) in [
            ("", "must not be empty"),
            ("mysql://h/db", "must be a sqlite: or postgres:// URL"),
            ("sqlite://", "names no file"),
            ("sqlite:/srv/a%zz.db", "does not start an escape"),
        ] {
            let e = Location::parse(url).unwrap_err().to_string();
            assert!(e.contains(words), "{url}: {e}");
        }
    }

    #[test]
    fn three_slashes_before_an_existing_absolute_file_are_refused() {
        let dir = std::env::temp_dir().join(format!("hms-location-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("hms.db");
        std::fs::write(&db, b"").unwrap();
        let abs = db.display().to_string();
        let e = Location::parse(&format!("sqlite://{abs}")).unwrap_err().to_string();
        assert!(e.contains("four slashes"), "{e}");
        assert_eq!(Location::parse(&format!("sqlite:///{abs}")).unwrap(), file(&abs));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_path_makes_a_url_that_reads_back_as_itself() {
        for path in ["hms.db", "/srv/hms.db", "/srv/a?b#c%d.db", "rel/dir/x.db"] {
            assert_eq!(Location::parse(&sqlite_url(Path::new(path))).unwrap(), file(path));
        }
    }
}
