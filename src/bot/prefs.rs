//! Per-chat preferences that must survive a restart: today only the reply language chosen with
//! `/lang`. A store-like boundary (open, get, set) so a later SQLite store can replace it without
//! touching the handlers.
//!
//! The data lives in `<data dir>/prefs.json`:
//!
//! ```json
//! {"version": 1, "langs": {"42": "zh-hans", "-100123": "en"}}
//! ```
//!
//! Every change rewrites the whole (tiny) file atomically: write a temporary file in the same
//! folder, flush it to disk, then rename it over the old one, so a crash leaves either the old or
//! the new file, never half of one. A missing file is an empty store; an unreadable or corrupt
//! one is logged and treated as empty (the bad file is left alone until the next write replaces
//! it), never a reason not to start. If a write fails the choice still holds in memory until the
//! bot stops.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};
use teloxide::types::ChatId;

use crate::text::Lang;

/// The file name inside the data folder.
pub const FILE_NAME: &str = "prefs.json";

const VERSION: u32 = 1;

/// The on-disk format (explicit and versioned; `Lang` itself is not a storage format).
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PrefsFile {
    version: u32,
    #[serde(default)]
    langs: BTreeMap<i64, String>,
}

/// Per-chat preferences, shared by all handlers.
#[derive(Debug)]
pub struct Prefs {
    dir: PathBuf,
    langs: Mutex<BTreeMap<i64, Lang>>,
}

impl Prefs {
    /// Opens the preferences kept in `dir` (which need not exist yet). Never fails: problems
    /// with the file are logged and the store starts empty.
    #[must_use]
    pub fn open(dir: &Path) -> Prefs {
        let path = dir.join(FILE_NAME);
        let langs = match std::fs::read(&path) {
            Ok(bytes) => parse(&bytes).unwrap_or_else(|e| {
                tracing::error!(path = %path.display(), error = %e, "preferences file is unreadable; starting with none");
                BTreeMap::new()
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => {
                tracing::error!(path = %path.display(), error = %e, "cannot read the preferences file; starting with none");
                BTreeMap::new()
            }
        };
        tracing::debug!(path = %path.display(), chats = langs.len(), "preferences loaded");
        Prefs {
            dir: dir.to_owned(),
            langs: Mutex::new(langs),
        }
    }

    /// The language a chat chose, if any.
    #[must_use]
    pub fn lang(&self, chat: ChatId) -> Option<Lang> {
        self.lock().get(&chat.0).copied()
    }

    /// Sets (or, with `None`, forgets) a chat's language and saves the file. The new value holds
    /// in memory even when saving fails.
    pub fn set_lang(&self, chat: ChatId, lang: Option<Lang>) -> std::io::Result<()> {
        let mut langs = self.lock();
        match lang {
            Some(l) => langs.insert(chat.0, l),
            None => langs.remove(&chat.0),
        };
        // Saving under the lock keeps concurrent writers in order; the file is a few bytes.
        self.save(&langs)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<i64, Lang>> {
        self.langs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn save(&self, langs: &BTreeMap<i64, Lang>) -> std::io::Result<()> {
        let file = PrefsFile {
            version: VERSION,
            langs: langs
                .iter()
                .map(|(&chat, l)| (chat, l.code().to_owned()))
                .collect(),
        };
        let json = serde_json::to_vec_pretty(&file).map_err(std::io::Error::other)?;
        std::fs::create_dir_all(&self.dir)?;
        let path = self.dir.join(FILE_NAME);
        let tmp = self
            .dir
            .join(format!(".{FILE_NAME}.{}.tmp", std::process::id()));
        let written = (|| {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&json)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written?;
        // Make the rename itself durable; not every platform can open a folder, so best effort.
        if let Ok(d) = std::fs::File::open(&self.dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

fn parse(bytes: &[u8]) -> Result<BTreeMap<i64, Lang>, String> {
    let file: PrefsFile = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    if file.version != VERSION {
        return Err(format!("unknown version {}", file.version));
    }
    let mut langs = BTreeMap::new();
    for (chat, code) in file.langs {
        match Lang::from_code(&code) {
            Some(l) => {
                langs.insert(chat, l);
            }
            None => tracing::warn!(
                chat_id = chat,
                code,
                "ignoring an unknown language in the preferences file"
            ),
        }
    }
    Ok(langs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let prefs = Prefs::open(&data);
        assert_eq!(prefs.lang(ChatId(42)), None);
        prefs.set_lang(ChatId(42), Some(Lang::ZhHans)).unwrap();
        prefs.set_lang(ChatId(-100), Some(Lang::En)).unwrap();
        prefs.set_lang(ChatId(7), Some(Lang::ZhHant)).unwrap();
        prefs.set_lang(ChatId(7), None).unwrap();
        let again = Prefs::open(&data);
        assert_eq!(again.lang(ChatId(42)), Some(Lang::ZhHans));
        assert_eq!(again.lang(ChatId(-100)), Some(Lang::En));
        assert_eq!(again.lang(ChatId(7)), None);
        let names: Vec<_> = std::fs::read_dir(&data)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [FILE_NAME], "no temporary files are left behind");
    }

    #[test]
    fn a_corrupt_file_starts_empty_and_is_replaced_on_the_next_write() {
        let dir = tempfile::tempdir().unwrap();
        for junk in [
            &b"{not json"[..],
            b"",
            b"\xff\xfe",
            br#"{"version":99,"langs":{}}"#,
            br#"{"version":1,"langs":{"x":"en"}}"#,
        ] {
            std::fs::write(dir.path().join(FILE_NAME), junk).unwrap();
            let prefs = Prefs::open(dir.path());
            assert_eq!(prefs.lang(ChatId(1)), None);
            prefs.set_lang(ChatId(1), Some(Lang::ZhHant)).unwrap();
            assert_eq!(Prefs::open(dir.path()).lang(ChatId(1)), Some(Lang::ZhHant));
        }
    }

    #[test]
    fn unknown_languages_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE_NAME),
            br#"{"version":1,"langs":{"1":"fr","2":"zh-hant"}}"#,
        )
        .unwrap();
        let prefs = Prefs::open(dir.path());
        assert_eq!(prefs.lang(ChatId(1)), None);
        assert_eq!(prefs.lang(ChatId(2)), Some(Lang::ZhHant));
    }

    #[test]
    fn a_failed_write_keeps_the_choice_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        // A file where the data folder should be: the folder cannot be created.
        let blocked = dir.path().join("data");
        std::fs::write(&blocked, b"").unwrap();
        let prefs = Prefs::open(&blocked);
        assert!(prefs.set_lang(ChatId(3), Some(Lang::En)).is_err());
        assert_eq!(prefs.lang(ChatId(3)), Some(Lang::En));
    }
}
