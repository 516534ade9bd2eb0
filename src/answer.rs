//! The single question-answering entry point shared by the CLI, the bot and the API: a question
//! (and, in a chat, what the last answer was about) in, an [`Answer`] out (what was found, in
//! which language, with which intents). Rendering is separate ([`crate::ui`]), so what
//! `schemebot ask --json` measures is exactly what users read.
//!
//! A conversation is a sequence of [`answer_in`] calls, each given the [`Context`] the previous
//! answer left ([`Context::after`]). With a context, a question that names no scheme but asks
//! something ("how much?", "佢幾時截止？", "is it still open?") is about the last scheme; "and
//! TechTAS?" asks the last question about another scheme; "how does it compare to NIFS?"
//! compares the two. Where the context is kept, and for how long, is the caller's business (the
//! bot's store forgets it after [`CONTEXT_TTL_SECONDS`] of silence).

use serde::{Deserialize, Serialize};

use crate::corpus::Corpus;
use crate::search::{Engine, Filter, Found, Hit, SortBy};
use crate::text::follow::FollowModel;
use crate::text::lead::{self, LeadModel};
use crate::text::{Intent, Lang, chat};

/// Questions longer than this are cut before analysis: nobody asks about a scheme in a
/// ten-thousand-character message, and analysis time grows with length.
pub const MAX_QUESTION_CHARS: usize = 500;

/// The default number of schemes in an answer: the best match and two alternatives.
pub const DEFAULT_LIMIT: usize = 3;

/// At most this many schemes go side by side in a compare card (three fit a phone screen).
pub const MAX_COMPARED: usize = 3;

/// A chat's context is forgotten after this many seconds without a question (30 minutes).
pub const CONTEXT_TTL_SECONDS: i64 = 30 * 60;

/// The answer to one question.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    /// The question as asked (possibly cut to [`MAX_QUESTION_CHARS`]).
    pub question: String,
    /// The reply language.
    pub lang: Lang,
    /// What the question asks, first the one the reply leads with.
    pub intents: Vec<Intent>,
    /// The section the phrase cues ([`chat::cue`]) chose to lead with, before the lead model
    /// ([`crate::text::lead`]) read it; `None` for the summary. The model's fit reads it.
    pub phrase_lead: Option<Intent>,
    /// In a chat, where the question names no scheme and search's best answer is another
    /// scheme than the chat's: whether the rules chose to follow up on the chat's scheme
    /// (`Some(true)`) or to move on (`Some(false)`), before the follow-up model
    /// ([`crate::text::follow`]) read it. `None` elsewhere. The model's fit reads it.
    pub rule_follows: Option<bool>,
    pub found: Found,
    /// Whether the scheme answered came from the conversation's context, not the question.
    pub follow_up: bool,
    /// Programmes the question names that are not ours ("TTPS 同 QMAS": `["QMAS"]`), as
    /// `text/data/elsewhere.txt` writes them, when it sets them beside ours (a compare or
    /// choice cue) and is answered about ours; the reply then says it has nothing on them.
    /// Empty otherwise.
    pub not_covered: Vec<String>,
    /// The question asks something ("how much?", "點申請？") of no scheme, with none in the
    /// conversation to carry over: the reply asks which scheme is meant rather than saying
    /// nothing matches. Only with [`Found::Nothing`].
    pub asks_which_scheme: bool,
}

/// What a chat remembers of its last answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Context {
    /// The ids of the schemes of the last answer: the one answered, or those compared.
    pub schemes: Vec<String>,
    /// What the last question asked (`money`, `eligibility`, `apply`, `when`), if anything.
    #[serde(default)]
    pub intent: Option<String>,
}

/// What to do with a chat's context after an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Remember {
    /// The answer was about these schemes: remember them.
    Set(Context),
    /// Small talk, "did you mean…?" or no answer: keep what was remembered.
    Keep,
    /// A list or another screen: what "it" means is no longer clear.
    Forget,
}

impl Context {
    /// What a chat should remember after `answer`.
    #[must_use]
    pub fn after(answer: &Answer, corpus: &Corpus) -> Remember {
        let ids = |indexes: &mut dyn Iterator<Item = usize>| -> Vec<String> {
            indexes.map(|i| corpus.schemes[i].id.clone()).collect()
        };
        match &answer.found {
            Found::Schemes(hits) => match hits.first() {
                Some(best) => Remember::Set(Context {
                    schemes: ids(&mut std::iter::once(best.scheme)),
                    intent: answer.intents.first().map(|i| i.key().to_owned()),
                }),
                None => Remember::Keep,
            },
            Found::Compare(schemes) => Remember::Set(Context {
                schemes: ids(&mut schemes.iter().copied()),
                intent: None,
            }),
            Found::SmallTalk(_) | Found::Suggestions(_) | Found::Nothing => Remember::Keep,
            // After "what can I apply for?", "and ESS?" asks whether the asker may apply to it:
            // no scheme is remembered, only that the question was who may apply.
            Found::Match
            | Found::Filtered(Filter {
                applicant: Some(_), ..
            }) => Remember::Set(Context {
                schemes: Vec::new(),
                intent: Some(Intent::Eligibility.key().to_owned()),
            }),
            Found::List(_) | Found::Filtered(_) => Remember::Forget,
        }
    }
}

/// The clause that asks, when a message has several clauses and an earlier one only sets the
/// scene ("如果經大學申請，一個項目最多攞到幾多錢？", "back when the voucher was running, what was
/// the max?", "…, what is it?"): the first clause with a question word or particle, or the one a
/// question mark closes. `None` for a message of one clause, or one where no clause asks.
fn asking_clause(question: &str) -> Option<&str> {
    let clauses = chat::clauses(question);
    if clauses.len() < 2 {
        return None;
    }
    clauses
        .iter()
        .find(|&&(clause, closed)| closed || chat::has_question_word(clause))
        .map(|&(clause, _)| clause.trim())
}

/// A runner-up scoring at least this share of the best is a tie, which the conversation's
/// scheme wins when a follow-up names no scheme.
const CONTEXT_TIE: f32 = 0.7;

/// In a chat about one of ours, the no-match decision's probability (`About::probability`)
/// from which a question that does not follow up on the chat's scheme, and that the domain
/// model does not find foreign, is answered with its best candidate rather than the no-match
/// reply ("OK. We also want to send two engineers on a PLC automation course. Any help for
/// that?"): the chat itself is evidence that the asker means our schemes. Of 0.2, 0.35 and
/// 0.45 on the conversation files' development halves and the training chats, all three gave
/// the same +2 (0.2 one more); 0.35 keeps a margin over what the development halves show.
const IN_CHAT: f32 = 0.35;

/// A runner-up scoring at least this share of the best is the other side of a comparison
/// whose two sides are both described ("Cyberport 同 科學園 嘅培育計劃有咩分別？").
const COMPARE_TIE: f32 = 0.5;

/// The most words (or, in Chinese, characters) a follow-up question has when nothing else
/// marks it as one: a longer question is a new question.
const SHORT_QUESTION: usize = 12;

/// Whether a question is short enough to be a follow-up: at most [`SHORT_QUESTION`] words, Han
/// characters counting a third of a word each.
fn is_short(question: &str) -> bool {
    let han = question.chars().filter(|&c| crate::text::is_han(c)).count();
    let words = question
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .count();
    words + han / 3 <= SHORT_QUESTION
}

/// The most words a bare question ("which universities?", "邊間公司？") has: only the
/// question word and what it asks about.
const BARE_QUESTION: usize = 3;

/// Whether a question is bare: at most [`BARE_QUESTION`] words, Han characters counting a
/// third of a word each.
fn is_bare(question: &str) -> bool {
    let han = question.chars().filter(|&c| crate::text::is_han(c)).count();
    let words = question
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .count();
    words + han / 3 <= BARE_QUESTION
}

/// The scheme that continues `scheme` (an index into `corpus.schemes`): its only alternative,
/// when it has closed ("RTTP" → "NITTP"); `None` for a scheme still running, or one that
/// closed with several alternatives and so no one successor.
fn successor(corpus: &Corpus, scheme: usize) -> Option<usize> {
    let s = &corpus.schemes[scheme];
    match s.alternatives.as_slice() {
        [only] if closed(corpus, scheme) => corpus.position(only),
        _ => None,
    }
}

/// Whether `scheme` (an index into `corpus.schemes`) has closed to applications.
fn closed(corpus: &Corpus, scheme: usize) -> bool {
    corpus.schemes[scheme].status == crate::corpus::Status::Closed
}

/// Answers `question` on its own. The reply language is `lang` when given, else the
/// question's script.
#[must_use]
pub fn answer(engine: &Engine, question: &str, lang: Option<Lang>, limit: usize) -> Answer {
    answer_in(engine, question, lang, limit, None)
}

/// Answers `question` in a conversation whose last answer left `context` (ids that are no
/// longer in the corpus are ignored).
#[must_use]
pub fn answer_in(
    engine: &Engine,
    question: &str,
    lang: Option<Lang>,
    limit: usize,
    context: Option<&Context>,
) -> Answer {
    let question: String = question.chars().take(MAX_QUESTION_CHARS).collect();
    let lang = lang.unwrap_or_else(|| Lang::detect(&question));
    let cue = chat::cue(&question);
    let reply = |found: Found, intents: Vec<Intent>, follow_up: bool| {
        // Only where the question sets one of ours beside the other ("TTPS vs QMAS", "優才計劃
        // 同科技人才入境計劃邊個好？"): a service mentioned in passing ("未攞到永久居民身份證")
        // is not something the asker wanted covered.
        let about_ours = matches!(
            found,
            Found::Schemes(_) | Found::Compare(_) | Found::Suggestions(_)
        );
        // The phrase cues chose the lead section; a sure learnt model overrules them
        // (`text::lead`).
        let mut intents = intents;
        let phrase_lead = intents.first().copied();
        if lead::leads_with_a_section(&found)
            && let Some(lead) =
                LeadModel::shipped().sure_lead(&question, follow_up, context.is_none(), phrase_lead)
            && phrase_lead != lead
        {
            match lead {
                Some(lead) => {
                    intents.retain(|&i| i != lead);
                    intents.insert(0, lead);
                }
                None => intents.clear(),
            }
        }
        let not_covered = if about_ours && (cue.compare || cue.compare_weak) {
            engine.not_ours(&question)
        } else {
            Vec::new()
        };
        Answer {
            question: question.clone(),
            lang,
            intents,
            phrase_lead,
            rule_follows: None,
            found,
            follow_up,
            not_covered,
            asks_which_scheme: false,
        }
    };
    if !question.chars().any(char::is_alphanumeric) {
        return reply(Found::Nothing, Vec::new(), false);
    }
    if let Some(kind) = chat::classify(&question) {
        return reply(Found::SmallTalk(kind), Vec::new(), false);
    }
    let corpus = engine.corpus();
    let last: Vec<usize> = context
        .map(|c| {
            c.schemes
                .iter()
                .filter_map(|id| corpus.position(id))
                .collect()
        })
        .unwrap_or_default();
    let last_intent = context
        .and_then(|c| c.intent.as_deref())
        .and_then(|k| Intent::ALL.into_iter().find(|i| i.key() == k));
    let outcome = engine.search(&question, limit);
    let about = &outcome.about;
    // "We run a bakery… is there a subsidy for that?": asking whether support exists, naming
    // no scheme and pointing at none, asks what fits; the answer leads with what it is.
    let asks_what_fits = |c: chat::Cue| {
        if c.asks_exists && about.named.is_empty() && !c.refers_back && !c.continues {
            // "Any government co-funding?": the funding word names the support asked about.
            chat::Cue {
                asks_summary: true,
                asks_pay: false,
                ..c
            }
        } else {
            c
        }
    };
    let cue = asks_what_fits(cue);
    // A question the domain model is sure is about something else, asked outside a chat
    // about one of ours ("How do I apply for the SME loan guarantee?"), gets the no-match reply.
    if about.foreign && last.is_empty() {
        return reply(Found::Nothing, Vec::new(), false);
    }
    let mut intents = outcome.intents.clone();
    // Phrases say more than words: "who can apply?" says "apply" but asks who; "can I still
    // apply?" asks whether it is open.
    if cue.asks_count && !cue.asks_money {
        intents.retain(|&i| i != Intent::Money);
    }
    if cue.asks_still_fits || cue.asks_still_amount {
        intents.retain(|&i| i != Intent::When);
    }
    if cue.asks_still_amount && !intents.contains(&Intent::Money) {
        intents.insert(0, Intent::Money);
    }
    // "what can the money be used for?", "個資助係咩嚟？": the money word names the thing asked
    // about; only an amount phrase ("what is the maximum grant?") asks how much.
    // In several questions at once ("係咩嚟？有幾多 computing power？"), the first one leads.
    let first_text = asking_clause(&question);
    let first = first_text.map(|t| {
        let f = asks_what_fits(chat::cue(t));
        // "我哋公司成立咗三年，仲申唔申到？": the whole question asks whether the asker still
        // qualifies, though its last clause alone reads as "is it still open?".
        if cue.asks_still_fits {
            chat::Cue {
                asks_when: false,
                asks_eligibility: true,
                ..f
            }
        } else {
            f
        }
    });
    let first_asks_summary = first.is_some_and(|f| f.asks_summary && !f.asks_amount);
    if (cue.asks_summary && !cue.asks_amount) || first_asks_summary {
        intents.retain(|&i| i != Intent::Money);
    }
    // "點解寫2比1？": a ratio is a matching term; "our own money" is the asker's share.
    // "what does CCMF give?" asks what one receives.
    // "以前是政府出三分之二，现在还是这样吗？": a share quoted is a matching term too.
    if (cue.quotes_ratio
        || about.quotes_ratio
        || cue.asks_pay
        || (cue.asks_gives && intents.is_empty()))
        && !intents.contains(&Intent::Money)
    {
        intents.push(Intent::Money);
    }
    // "which universities?": which kind of asker may take part.
    let asks_which_applicant = cue.asks_which && !about.applicants.is_empty() && is_bare(&question);
    // Several questions at once: the first one's phrases choose what leads ("Apply 要去邊個網站？
    // 有冇截止日？" leads with the steps; "What is X, and how much…?" with what it is).
    let first_leads = first.as_ref().filter(|f| {
        f.asks_when
            || f.asks_apply
            || f.asks_pay
            || f.asks_eligibility
            || f.asks_summary
            || f.asks_permission
    });
    // Without a phrase of its own, the first question's own intent words lead.
    let first_intent = match (first_text, first_leads) {
        // "Still" there asks about an amount or fit, not dates, as in the whole question.
        (Some(text), None) => engine
            .plan(text)
            .intents
            .iter()
            .copied()
            .find(|&i| i != Intent::When || !(cue.asks_still_amount || cue.asks_still_fits)),
        _ => None,
    };
    let phrases = if first_intent.is_some() {
        &chat::Cue::default()
    } else {
        first_leads.unwrap_or(&cue)
    };
    if phrases.asks_summary
        && !(phrases.asks_when
            || phrases.asks_apply
            || phrases.asks_eligibility
            || phrases.asks_amount)
        && first.is_some()
    {
        intents.clear();
    }
    let lead = if first_intent.is_some() {
        first_intent
    } else if phrases.asks_when {
        Some(Intent::When)
    } else if phrases.asks_apply && !phrases.asks_permission {
        Some(Intent::Apply)
    } else if phrases.asks_pay {
        Some(Intent::Money)
    } else if phrases.asks_eligibility
        || phrases.asks_permission
        || asks_which_applicant
        || intents.contains(&Intent::Eligibility)
    {
        Some(Intent::Eligibility)
    } else if phrases.asks_amount && (intents.contains(&Intent::Money) || !cue.asks_count) {
        // "申請簽證要俾幾多錢手續費？", "用咗幾多公帑？": an amount phrase asks how much,
        // whatever other intent words ("申請") come first, unless it counts things.
        Some(Intent::Money)
    } else if (cue.asks_if_may || (cue.asks_yes_no && !about.applicants.is_empty()))
        && intents.is_empty()
        && !cue.asks_summary
        && !cue.continues
    {
        // "我哋得三個人嘅初創，報唔報得？", "could a spin-off join?": a yes/no question asking
        // nothing else asks whether the asker may take part.
        Some(Intent::Eligibility)
    } else {
        None
    };
    if let Some(lead) = lead {
        intents.retain(|&i| i != lead);
        intents.insert(0, lead);
    }

    // "TVP vs TSSSU", "how does it compare to NIFS?", "TVP or TSSSU?".
    if cue.compare || (cue.compare_weak && about.named.len() >= 2) {
        let mut set: Vec<usize> = about.named.clone();
        // "和数码港的培育计划比起来怎么样？": the other side described rather than named, found
        // with evidence of its own.
        if set.is_empty()
            && cue.compare
            && about.topical
            && about.evidence
            && let Found::Schemes(hits) = &outcome.found
            && let Some(top) = hits.first()
        {
            set.push(top.scheme);
        }
        // "Cyberport 同 科學園 嘅培育計劃有咩分別？" with no chat before it: both sides
        // described, the two best-ranked schemes, when the second scores near the first.
        if set.is_empty()
            && cue.compare
            && last.is_empty()
            && about.topical
            && about.evidence
            && let [a, b, ..] = about.ranked.as_slice()
            && b.score >= COMPARE_TIE * a.score
        {
            set.extend([a.scheme, b.scheme]);
        }
        if set.len() == 1
            && cue.compare
            && let Some(&before) = last.first()
            && before != set[0]
        {
            set.insert(0, before);
        }
        set.truncate(MAX_COMPARED);
        // "CCMF vs CIP", or "和创意微型基金比有什么不同？" after the Incubation Programme: two
        // programmes of one scheme, compared within its card.
        let within = set.len() == 1
            && cue.compare
            && about.named.contains(&set[0])
            && (about.named_apart.contains(&set[0]) || last.first() == Some(&set[0]));
        if set.len() >= 2 || within {
            return reply(Found::Compare(set), intents, false);
        }
    }

    // "restaurant owner" right after "what can I apply for?" (whose first step asks who is
    // asking) answers that step: the list for that kind of applicant, where the words alone
    // would find nothing sure.
    if context.is_some_and(|c| c.schemes.is_empty())
        && last_intent == Some(Intent::Eligibility)
        && about.named.is_empty()
        && let Some(&applicant) = about.applicants.first()
        && matches!(outcome.found, Found::Nothing | Found::Suggestions(_))
    {
        let filter = Filter {
            open_only: false,
            applicant: Some(applicant),
            sort: SortBy::Category,
        };
        return reply(Found::Filtered(filter), intents, false);
    }

    // "What can I apply for?": the /match steps, or straight to the list when the question
    // says who is asking ("I'm a PhD student, which schemes can I apply for?"). A structured
    // request in the same question ("…right now?", "…with the most money?") is that list.
    // "哪些养老补贴现在能申请？" asks what there is to apply for, of some other support.
    if about.named.is_empty() && cue.asks_match && !about.other_support {
        let found = match (&outcome.found, about.applicants.first()) {
            (Found::Filtered(f), _) if f.open_only || f.sort != SortBy::Category => {
                outcome.found.clone()
            }
            (_, None) => Found::Match,
            (_, Some(&applicant)) => Found::Filtered(Filter {
                open_only: false,
                applicant: Some(applicant),
                sort: SortBy::Category,
            }),
        };
        return reply(found, intents, false);
    }

    // "can a Cyberport incubatee apply?" after PSTS: the programme named describes the asker,
    // and nothing else is named to apply to, so the question is about the last scheme.
    if about.named.len() == 1
        && cue.member_asks
        && let Some(&before) = last.first()
        && before != about.named[0]
    {
        let hit = Hit {
            scheme: before,
            score: 0.0,
            named: false,
        };
        return reply(Found::Schemes(vec![hit]), intents, true);
    }

    // "how big is the new round" after RMGS: "big" is evidence for a scheme about big data,
    // but it is part of the asking phrase "how big", so the question has no subject of its own.
    let asking = chat::asking_phrases(&question);
    let evidence = about.money_evidence
        || about
            .evidence_words
            .iter()
            .any(|w| !asking.iter().any(|p| p.contains(w.as_str())));
    // "what kinds of solutions can I pick from?", "可以选哪些类型的方案？": a list word about
    // something other than schemes asks about the scheme talked about. In a chat about one,
    // so does a list word about a category or a kind of applicant without a word for schemes
    // ("Which industries qualify?" after NIAS, "哪些学校拿得多？" after RAISe+): outside a
    // chat the same words browse the schemes.
    let browses = about.list
        && (about.names_schemes
            || (last.is_empty()
                && (about.browses_schemes || matches!(outcome.found, Found::Filtered(_)))));
    // Someone else's programme asked about ("順便問下，DSE報名費幾多錢？") is not a follow-up;
    // one set as a condition ("小販都合資格？唔使商業登記？") is.
    let elsewhere_asked = about.elsewhere && !cue.asks_eligibility;
    // The rules' choice where the follow-up model was asked (`Answer::rule_follows`).
    let mut asked_model = None;
    if about.named.is_empty() && (!browses || cue.refers_back) && !elsewhere_asked {
        // "How much?", "is it still open?", "个人可以申请吗？" after an answer about a scheme;
        // also a short question nothing else answers ("can a company lead?").
        if let Some(&before) = last.first() {
            let elsewhere = matches!(outcome.found, Found::Schemes(_)) && about.topical && evidence;
            let unanswered = matches!(outcome.found, Found::Nothing | Found::Suggestions(_))
                && is_short(&question);
            // "我有60个员工可以吗？": the asker describes themselves and asks whether they
            // qualify; their words describe them, not another scheme.
            // So does "can HKSTP tenants apply?": members of a programme asking to take part.
            // So does "can a Mainland-registered company apply?": an applicant kind with what
            // describes it.
            let qualifies = (cue.describes_self || cue.member_asks || !about.applicants.is_empty())
                && cue.asks_eligibility
                && is_short(&question);
            // "那科学园的呢？" moves on to another subject, even when it names no scheme; "and can
            // I still use it?" points back, "那初创企业呢？" only says who is asking, and "那我们
            // 这种刚起步的AI公司能报吗？" asks whether the asker qualifies for the last scheme.
            let moves_on = cue.continues
                && about.topical
                && evidence
                && !cue.refers_back
                && !about.asker_only
                && !qualifies;
            // "每家企业最多能拿多少？": an amount per unit; the unit is not a new subject.
            let per_unit =
                cue.per_unit && intents.first() == Some(&Intent::Money) && is_short(&question);
            let rule_follows = !moves_on
                && (!about.topical
                    || (about.list && !browses)
                    || about.asker_only
                    || cue.refers_back
                    || unanswered
                    || qualifies
                    || per_unit
                    || (!intents.is_empty() && !elsewhere));
            // Where search alone would answer another scheme, a sure learnt model has the last
            // word (`text::follow`).
            let search_moves_on = matches!(&outcome.found, Found::Schemes(hits)
                if hits.first().is_some_and(|h| h.scheme != before));
            let follows = if search_moves_on {
                FollowModel::shipped()
                    .sure_follows(&crate::text::normalize(&question).text(), rule_follows)
                    .unwrap_or(rule_follows)
            } else {
                rule_follows
            };
            asked_model = search_moves_on.then_some(rule_follows);
            if follows {
                if intents.is_empty() && cue.continues && !cue.asks_summary && !cue.asks_own {
                    intents.extend(last_intent);
                }
                // "现在每年最多能报销多少？" after RTTP: a scheme that closed and lives on under
                // another name (its one alternative) is asked about today as that one.
                let before = successor(corpus, before)
                    .filter(|_| cue.speaks_of_now)
                    .unwrap_or(before);
                let hit = Hit {
                    scheme: before,
                    score: 0.0,
                    named: false,
                };
                let mut answer = reply(Found::Schemes(vec![hit]), intents, true);
                answer.rule_follows = asked_model;
                return answer;
            }
        }
    }

    // "那科学园的呢？" after an answer: a continuation that moves on to a subject with evidence
    // in a scheme's names or keywords asks about that scheme, even where the same words alone
    // would be too thin to answer; the conversation says it is about our schemes.
    let mut found = outcome.found.clone();
    // A description of a need the decision found too thin to answer, whose words the domain
    // model is sure are ours, is answered with the best candidate (`About::surely_ours`); so
    // is one in a chat about our schemes that is fairly likely right ([`IN_CHAT`]).
    let in_chat = !last.is_empty() && !about.foreign && about.probability >= IN_CHAT;
    if (about.surely_ours || in_chat)
        && matches!(found, Found::Nothing | Found::Suggestions(_))
        && !about.ranked.is_empty()
    {
        found = Found::Schemes(about.ranked.clone());
    }
    // A list request in words the phrase rules do not know ("wich scheme deadline comming up
    // first"), which the browse model is sure of, is answered with that list outside a chat
    // (`About::browse`); where search found nothing ("開咗定截咗都好，全部列晒"), the likeliest
    // list needs less to beat the no-match reply.
    if last.is_empty()
        && let Some((key, p)) = about.browse
        && match found {
            Found::Nothing => p >= crate::text::browse::AFTER_NOTHING,
            Found::Suggestions(_) | Found::Schemes(_) => {
                p >= crate::text::browse::BrowseModel::shipped().threshold
            }
            _ => false,
        }
        && let Some(list) = crate::text::browse::found(key)
    {
        found = list;
    }
    if about.named.is_empty()
        && cue.continues
        && about.topical
        && evidence
        && !last.is_empty()
        && matches!(found, Found::Nothing | Found::Suggestions(_))
        && !about.ranked.is_empty()
    {
        found = Found::Schemes(about.ranked.clone());
    }

    // "and the Incubation Programme?" after Cyberport's micro fund: in a follow-up (a
    // continuation, or a short question) naming no scheme, words that fit two schemes about
    // equally mean the one the conversation is about.
    if about.named.is_empty()
        && (cue.continues || is_short(&question))
        && let Some(&before) = last.first()
        && let Found::Schemes(hits) = &mut found
        && let Some(at) = hits.iter().position(|h| h.scheme == before)
        && at > 0
        && hits[at].score >= CONTEXT_TIE * hits[0].score
    {
        let hit = hits.remove(at);
        hits.insert(0, hit);
    }

    // "Now that the tech voucher is gone, can BUD pay for our new system?": of two schemes
    // named, one said to have ended or been replaced sets the scene; one still running is
    // asked about.
    if cue.says_gone
        && about.named.len() >= 2
        && let Found::Schemes(hits) = &mut found
        && hits.first().is_some_and(|h| closed(corpus, h.scheme))
        && let Some(at) = hits
            .iter()
            .position(|h| about.named.contains(&h.scheme) && !closed(corpus, h.scheme))
    {
        let hit = hits.remove(at);
        hits.insert(0, hit);
    }

    // "and TechTAS?", "咁科技券呢？", "科學園嗰個呢？": the last question, about another scheme,
    // named or found with evidence of its own.
    let one_subject = about.named.len() == 1
        || (about.named.is_empty()
            && about.topical
            && about.evidence
            && matches!(found, Found::Schemes(_)));
    // "另外…科技人才入境计划是怎么回事？" asks what the scheme is: it carries nothing over.
    // "那第三个平台研究什么方向？" asks a question of its own.
    if intents.is_empty() && cue.continues && one_subject && !cue.asks_summary && !cue.asks_own {
        intents.extend(last_intent);
    }
    let mut answer = reply(found, intents, false);
    answer.rule_follows = asked_model;
    // "幾多錢？", "那个人可以申请吗？" as a first question: it asks about some scheme (its
    // only words besides the asking say who asks), not about nothing.
    answer.asks_which_scheme = matches!(answer.found, Found::Nothing)
        && !answer.intents.is_empty()
        && (!about.topical || about.asker_only)
        && about.named.is_empty()
        && last.is_empty();
    answer
}

#[cfg(test)]
mod tests {
    use super::asking_clause;

    #[test]
    fn the_clause_that_asks() {
        assert_eq!(
            asking_clause("如果經大學申請，一個項目最多攞到幾多錢？"),
            Some("一個項目最多攞到幾多錢")
        );
        assert_eq!(
            asking_clause("back when the tech voucher was running, what was the max per company?"),
            Some("what was the max per company")
        );
        assert_eq!(
            asking_clause("our IT panel plans AI clubs - whats the per-school amount?"),
            Some("whats the per-school amount")
        );
        assert_eq!(asking_clause("幾時截止？"), None);
        assert_eq!(
            asking_clause("HK$1.5 million, is that right"),
            Some("is that right")
        );
    }

    #[test]
    fn the_first_of_several_questions() {
        assert_eq!(
            asking_clause("Apply 要去邊個網站？有冇截止日？"),
            Some("Apply 要去邊個網站")
        );
        assert_eq!(
            asking_clause("What is the centre, and how much power does it have?"),
            Some("What is the centre")
        );
        assert_eq!(asking_clause("how much?  "), None);
    }
}
