//! The tantivy index: its schema, building it from a corpus, and opening it again.
//!
//! The index is derived state. It lives in `<index dir>/current/` next to a stamp file
//! (`schemebot-stamp.json`) holding the schema version and a fingerprint of the corpus and the
//! lexicon; an index whose stamp does not match, or that fails to open, is rebuilt. A build is
//! written to a fresh sibling folder and renamed into place, so a reader never sees a half-built
//! index. When the index folder cannot be written (a read-only volume: even opening an index
//! needs tantivy's lock file there), the index is built in memory instead and the reason,
//! naming the folder, is logged.

use std::path::{Path, PathBuf};

use anyhow::Context;
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{Index, TantivyDocument};

use crate::corpus::{Corpus, Scheme};
use crate::text::{ANALYZER_NAME, Analyzer, SchemeTokenizer, lexicon};

/// Bump when the schema or the analysis changes in a way the fingerprint cannot see.
pub const SCHEMA_VERSION: u32 = 4;

const STAMP: &str = "schemebot-stamp.json";
const CURRENT: &str = "current";

/// The fields of a scheme document.
#[derive(Clone, Copy, Debug)]
pub struct Fields {
    /// The scheme id, untokenised and stored.
    pub id: Field,
    /// Official names, acronym and aliases.
    pub names: Field,
    /// The corpus keywords.
    pub keywords: Field,
    /// The summaries, in both languages.
    pub summary: Field,
    /// Everything else a person might ask about: eligibility, money, how to apply, status.
    pub details: Field,
    /// Example questions (`asked_as`): matching a question against the questions people ask.
    pub asked: Field,
    /// Names and keywords together: where a match is strong evidence.
    pub tags: Field,
    /// All of the above, for coverage and document frequency.
    pub all: Field,
}

/// Builds the schema and its field handles.
#[must_use]
pub fn schema() -> (Schema, Fields) {
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYZER_NAME)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let mut b = Schema::builder();
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        names: b.add_text_field("names", text.clone()),
        keywords: b.add_text_field("keywords", text.clone()),
        summary: b.add_text_field("summary", text.clone()),
        details: b.add_text_field("details", text.clone()),
        asked: b.add_text_field("asked", text.clone()),
        tags: b.add_text_field("tags", text.clone()),
        all: b.add_text_field("all", text),
    };
    (b.build(), fields)
}

/// Registers the analyzer; tantivy does not persist tokenizers, so this follows every open.
pub fn register(index: &Index, analyzer: &Analyzer) {
    index
        .tokenizers()
        .register(ANALYZER_NAME, SchemeTokenizer::new(analyzer.clone()));
}

/// The fingerprint an index must carry to be used with this corpus and this build.
#[must_use]
pub fn fingerprint(corpus: &Corpus) -> String {
    // The lexicon and the concept groups shape jieba's dictionary, and the colloquial and variant
    // tables fold the text before it is cut, so they are all part of what the index was built from.
    let mut h: u64 = corpus.fingerprint;
    let sources = [
        lexicon::SOURCE,
        include_str!("../text/data/concepts.toml"),
        include_str!("../text/data/cantonese.tsv"),
        include_str!("../text/data/variants.tsv"),
    ];
    for b in sources
        .iter()
        .flat_map(|s| s.bytes())
        .chain(SCHEMA_VERSION.to_le_bytes())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("v{SCHEMA_VERSION}-{h:016x}")
}

/// What [`open_or_build`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provenance {
    /// An up-to-date index was opened from disk.
    Opened,
    /// The index was (re)built on disk; the string says why.
    Built(String),
    /// The index folder could not be written; the index lives in memory.
    InMemory(String),
}

/// Opens the index in `dir` when it matches `corpus`, otherwise rebuilds it.
pub fn open_or_build(
    dir: &Path,
    corpus: &Corpus,
    analyzer: &Analyzer,
) -> anyhow::Result<(Index, Provenance)> {
    let want = fingerprint(corpus);
    let current = dir.join(CURRENT);
    let reason = match std::fs::read_to_string(current.join(STAMP)) {
        Ok(stamp) if stamp.trim() == want => match Index::open_in_dir(&current) {
            Ok(index) => {
                register(&index, analyzer);
                // A reader takes tantivy's lock file in the folder, which fails on a read-only
                // folder ("Failed to acquire Lockfile", naming no path): try it here, so such a
                // folder falls back like any other unusable index instead of failing later.
                match readable(&index) {
                    Ok(()) => return Ok((index, Provenance::Opened)),
                    Err(e) => format!("the index in {} could not be read ({e})", current.display()),
                }
            }
            Err(e) => format!("the index could not be opened ({e})"),
        },
        Ok(_) => "the corpus or the program changed since it was built".to_owned(),
        Err(_) => "there was no index yet".to_owned(),
    };
    match build(dir, corpus, analyzer) {
        Ok(index) => Ok((index, Provenance::Built(reason))),
        Err(e) => {
            let index = build_in_ram(corpus, analyzer)?;
            Ok((
                index,
                Provenance::InMemory(format!("{reason}; writing {} failed: {e:#}", dir.display())),
            ))
        }
    }
}

/// Whether a reader can be opened on `index` (its segments listed and its lock taken).
fn readable(index: &Index) -> tantivy::Result<()> {
    index.searchable_segment_ids()?;
    let _reader: tantivy::IndexReader = index
        .reader_builder()
        .reload_policy(tantivy::ReloadPolicy::Manual)
        .try_into()?;
    Ok(())
}

/// Builds the index for `corpus` into `dir/current`, replacing what was there.
pub fn build(dir: &Path, corpus: &Corpus, analyzer: &Analyzer) -> anyhow::Result<Index> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let staging = dir.join(format!(".build-{}-{nonce}", std::process::id()));
    std::fs::create_dir(&staging).with_context(|| format!("creating {}", staging.display()))?;
    let result = (|| {
        let (schema, fields) = schema();
        let index = Index::create_in_dir(&staging, schema)?;
        register(&index, analyzer);
        fill(&index, fields, corpus)?;
        std::fs::write(staging.join(STAMP), fingerprint(corpus))?;
        anyhow::Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    swap_in(dir, &staging)?;
    let index = Index::open_in_dir(dir.join(CURRENT))?;
    register(&index, analyzer);
    Ok(index)
}

/// Builds the index in memory (tests, and read-only deployments).
pub fn build_in_ram(corpus: &Corpus, analyzer: &Analyzer) -> anyhow::Result<Index> {
    let (schema, fields) = schema();
    let index = Index::create_in_ram(schema);
    register(&index, analyzer);
    fill(&index, fields, corpus)?;
    Ok(index)
}

/// Renames `staging` to `dir/current`, moving the old index aside first and deleting it after.
fn swap_in(dir: &Path, staging: &Path) -> anyhow::Result<()> {
    let current = dir.join(CURRENT);
    let old: Option<PathBuf> = if current.exists() {
        let old = staging.with_extension("old");
        std::fs::rename(&current, &old)
            .with_context(|| format!("moving {} aside", current.display()))?;
        Some(old)
    } else {
        None
    };
    std::fs::rename(staging, &current)
        .with_context(|| format!("installing {}", current.display()))?;
    if let Some(old) = old {
        let _ = std::fs::remove_dir_all(old);
    }
    Ok(())
}

fn fill(index: &Index, f: Fields, corpus: &Corpus) -> anyhow::Result<()> {
    // 15 MB is tantivy's minimum arena per thread; one thread is plenty for a few dozen schemes.
    let mut writer = index.writer_with_num_threads::<TantivyDocument>(1, 15_000_000)?;
    for s in &corpus.schemes {
        writer.add_document(document(f, s))?;
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    Ok(())
}

fn document(f: Fields, s: &Scheme) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(f.id, &s.id);
    let names: Vec<&str> = s.names().collect();
    let details: Vec<&str> = [&s.en, &s.zh]
        .into_iter()
        .flat_map(|t| [&t.eligibility, &t.money, &t.apply, &t.status, &t.pa2024])
        .map(String::as_str)
        .chain([s.body_en.as_str(), s.body_zh.as_str()])
        .collect();
    let summary = [s.en.summary.as_str(), s.zh.summary.as_str()];
    for (field, texts) in [
        (f.names, names.as_slice()),
        (
            f.keywords,
            &s.keywords.iter().map(String::as_str).collect::<Vec<_>>(),
        ),
        (f.summary, &summary[..]),
        (f.details, details.as_slice()),
        (
            f.asked,
            &s.asked_as.iter().map(String::as_str).collect::<Vec<_>>(),
        ),
    ] {
        for t in texts {
            doc.add_text(field, t);
            doc.add_text(f.all, t);
            if field == f.names || field == f.keywords {
                doc.add_text(f.tags, t);
            }
        }
    }
    doc
}
