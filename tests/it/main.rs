//! The one integration-test binary (one binary links once and runs its tests in parallel).
//! Each module is a layer, from the data up to the bot.

// Shared helpers: the engine over the real corpus, temporary corpora, the fake Bot API.
mod support;

// Corpus loading and validation errors.
mod corpus;
// Facts as of today: the status model, the corpus linter, notices of a status change, money
// figures traced to the fact sheet.
mod facts;
// The analyzer: folding, offsets, punctuation, Traditional/Simplified equivalence.
mod tokenizer;
// Retrieval over the question set in questions.tsv, per group.
mod retrieval;
// Conversations: follow-ups, switching scheme, comparisons and small talk over conversations.tsv.
mod conversations;
// Rendering and the answer pipeline (HTML rules, lengths, languages).
mod answer;
// Golden replies of the main screens in each script (tests/it/snapshots/).
mod snapshots;
// The real binary: `schemebot index` and `schemebot ask`.
mod cli;
// The Telegram bot end to end against the fake Bot API.
mod bot;
// Conversations end to end: follow-ups, sections, compare, /match, small talk, feedback, gaps.
mod chat;
// Subscriptions, change notices, delivery and admin commands end to end.
mod subscriptions;
// The send path under injected faults (5xx, 429, refused HTML, migrations), topics,
// anonymous senders, and the failure modes found by attacking the bot.
mod faults;
// Webhook mode, health and metrics, configuration, logs, start-up failures.
mod production;
// Two replicas on one PostgreSQL: one delivery, hand-over on a kill, shared conversations.
mod replicas;
// Settings through the binary: precedence and sources, errors naming key and source, secrets.
mod settings;
// The HTTP API (/api/v1/ask, /api/v1/schemes, OpenAPI, CORS, rate limit) and the web chat page.
mod api;
// The web chat page in headless Chromium (WebDriver): English and Cantonese, a follow-up, a button.
mod web;
// Wording in every language: enquiry contacts per body, money in the reader's language, no
// Cantonese in Simplified, English plurals; unit checks and the real binary.
mod wording;
// Property tests: arbitrary Unicode never panics and always renders within Telegram's rules.
mod props;
// Tidy: the invariants a grep can check (module docs, who speaks Telegram and SQL, the code map).
mod tidy;
