//! `cargo bench --bench peer`: the peer figures in BENCHMARKS.md — a plain jieba + BM25 search
//! over the same corpus, scored on the same question set and the same dev/test split as the
//! retrieval test, so schemebot's figures have something honest to stand beside.
//!
//! The peer indexes every text of a scheme (names, aliases, keywords, asked_as, summary,
//! eligibility, money, how to apply, status, in both languages) as one field with the same
//! jieba analyzer (Traditional→Simplified, jieba search mode, English stemming), queries with
//! every token of the question as an OR of term queries, and answers with the top BM25 hit. It
//! has no names, roles, lists or decision: it never says "none", so its out-of-domain figure
//! is 0 by construction, and list questions count as misses.

use std::collections::BTreeMap;

use schemebot::corpus::Corpus;
use schemebot::search::Engine;
use schemebot::search::decision::is_dev;
use schemebot::text::{ANALYZER_NAME, SchemeTokenizer};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::{Index, TantivyDocument, Term};

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = Corpus::load(&root.join("corpus")).expect("corpus");
    let analyzer = Engine::analyzer_for(&corpus);
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYZER_NAME)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let mut b = Schema::builder();
    let id = b.add_text_field("id", STRING | STORED);
    let all = b.add_text_field("all", text);
    let index = Index::create_in_ram(b.build());
    index
        .tokenizers()
        .register(ANALYZER_NAME, SchemeTokenizer::new(analyzer.clone()));
    let mut writer = index.writer(50_000_000).expect("writer");
    for s in &corpus.schemes {
        let mut doc = TantivyDocument::default();
        doc.add_text(id, &s.id);
        let texts = s
            .names()
            .chain(s.keywords.iter().map(String::as_str))
            .chain(s.asked_as.iter().map(String::as_str))
            .chain([&s.en, &s.zh].into_iter().flat_map(|t| {
                [&t.summary, &t.eligibility, &t.money, &t.apply, &t.status].map(String::as_str)
            }));
        for t in texts {
            doc.add_text(all, t);
        }
        writer.add_document(doc).expect("add");
    }
    writer.commit().expect("commit");
    let searcher = index.reader().expect("reader").searcher();

    let mut tally: BTreeMap<(&str, &str), (usize, usize)> = BTreeMap::new();
    for line in include_str!("../tests/it/questions.tsv").lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let [group, expected, question] = cols[..] else {
            continue;
        };
        let clauses: Vec<(Occur, Box<dyn Query>)> = analyzer
            .analyze(question)
            .into_iter()
            .map(|t| {
                let q = TermQuery::new(
                    Term::from_field_text(all, &t.text),
                    IndexRecordOption::WithFreqs,
                );
                (Occur::Should, Box::new(q) as Box<dyn Query>)
            })
            .collect();
        let top = searcher
            .search(
                &BooleanQuery::new(clauses),
                &TopDocs::with_limit(1).order_by_score(),
            )
            .expect("search");
        let got = top.first().map_or_else(
            || "none".to_owned(),
            |(_, address)| {
                let doc: TantivyDocument = searcher.doc(*address).expect("doc");
                doc.get_first(id)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned()
            },
        );
        let split = if is_dev(question) { "dev" } else { "test" };
        let e = tally.entry((split, group)).or_default();
        e.1 += 1;
        if got == expected {
            e.0 += 1;
        }
    }
    println!("| split | group | peer top-1 |\n|---|---|---|");
    for ((split, group), (ok, n)) in &tally {
        println!(
            "| {split} | {group} | {ok}/{n} = {:.1}% |",
            100.0 * *ok as f64 / *n as f64
        );
    }
}
