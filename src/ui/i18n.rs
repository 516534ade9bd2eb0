//! The message catalogues: every fixed piece of wording the screens put around scheme facts,
//! in Fluent files embedded in the binary (`locales/en.ftl`, `locales/zh-Hant.ftl`, and
//! `locales/zh-Hans.ftl` holding only the Simplified overrides).
//!
//! Chinese is written once, in Traditional characters, in standard written Chinese; Simplified
//! is derived from it with the project's Traditional→Simplified conversion
//! ([`Lang::script`], fast2s), except for the messages `zh-Hans.ftl` overrides (mainland
//! wording, or text the conversion would get wrong). English counts agree with their nouns by
//! Fluent's plural select (`{ $count -> [one] … *[other] … }`).
//!
//! Scheme facts (names, money, dates, eligibility) never come from here: they come from the
//! corpus and are passed in as arguments. Fluent's bidirectional isolation marks (U+2068,
//! U+2069) are turned off: they would reach Telegram as invisible characters.
//!
//! Adding a language: a catalogue file, a bundle below, and a `Lang` variant; the `match` on
//! `Lang` in [`message`] is exhaustive, so the compiler points at what is missing.

use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::{LanguageIdentifier, langid};

use crate::text::Lang;

/// The English catalogue.
pub(crate) const EN_FTL: &str = include_str!("locales/en.ftl");
/// The Chinese catalogue, in Traditional characters.
pub(crate) const ZH_HANT_FTL: &str = include_str!("locales/zh-Hant.ftl");
/// Simplified overrides of `zh-Hant.ftl`: only messages whose derived text is wrong.
pub(crate) const ZH_HANS_FTL: &str = include_str!("locales/zh-Hans.ftl");

type Bundle = FluentBundle<FluentResource>;

struct Catalogues {
    en: Bundle,
    zh_hant: Bundle,
    zh_hans: Bundle,
}

static CATALOGUES: LazyLock<Catalogues> = LazyLock::new(|| Catalogues {
    en: bundle(langid!("en"), EN_FTL),
    zh_hant: bundle(langid!("zh-Hant"), ZH_HANT_FTL),
    zh_hans: bundle(langid!("zh-Hans"), ZH_HANS_FTL),
});

/// A bundle of one catalogue. The catalogues are part of the binary and parsed by the tests,
/// so a syntax error cannot ship; should one, the messages it breaks show their ids.
fn bundle(locale: LanguageIdentifier, source: &str) -> Bundle {
    let resource =
        FluentResource::try_new(source.to_owned()).unwrap_or_else(|(partial, errors)| {
            tracing::error!(?locale, ?errors, "a message catalogue has syntax errors");
            partial
        });
    let mut bundle = FluentBundle::new_concurrent(vec![locale]);
    bundle.set_use_isolating(false);
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(?errors, "a message catalogue defines a message twice");
    }
    bundle
}

/// Formats message `id` of `bundle`; `None` when the bundle does not have it.
fn format(bundle: &Bundle, id: &str, args: Option<&FluentArgs>) -> Option<String> {
    let pattern = bundle.get_message(id)?.value()?;
    let mut errors = Vec::new();
    let text = bundle
        .format_pattern(pattern, args, &mut errors)
        .into_owned();
    if !errors.is_empty() {
        tracing::error!(id, ?errors, "a message did not format cleanly");
    }
    Some(text)
}

/// Message `id` in `lang`, with `args`. A message missing from a catalogue (which the tests
/// rule out) is shown as its id and logged.
#[must_use]
pub(crate) fn message(lang: Lang, id: &str, args: Option<&FluentArgs>) -> String {
    let c = &*CATALOGUES;
    let text = match lang {
        Lang::En => format(&c.en, id, args),
        Lang::ZhHant => format(&c.zh_hant, id, args),
        Lang::ZhHans => format(&c.zh_hans, id, args)
            .or_else(|| format(&c.zh_hant, id, args).map(|t| lang.script(&t))),
    };
    text.unwrap_or_else(|| {
        tracing::error!(id, ?lang, "a message is missing from the catalogue");
        id.to_owned()
    })
}

/// An argument value for [`t!`]: text or a count.
pub(crate) fn arg<'a>(value: impl Into<FluentValue<'a>>) -> FluentValue<'a> {
    value.into()
}

/// `t!(lang, "id")` or `t!(lang, "id", name = value, …)`: a message of the catalogues.
macro_rules! t {
    ($lang:expr, $id:literal) => {
        $crate::ui::i18n::message($lang, $id, None)
    };
    ($lang:expr, $id:literal, $($name:ident = $value:expr),+ $(,)?) => {{
        let mut args = fluent_bundle::FluentArgs::new();
        $(args.set(stringify!($name), $crate::ui::i18n::arg($value));)+
        $crate::ui::i18n::message($lang, $id, Some(&args))
    }};
}
pub(crate) use t;

#[cfg(test)]
mod tests;
