//! The decisions tested in process: messages, commands, buttons and inline queries fed to the
//! decision functions with an in-memory store and the engine over the real corpus, their
//! effects asserted (no network, no executor).

use super::*;

/// The reply of effects that must be exactly one reply.
fn only_reply(effects: &[Effect]) -> &Reply {
    let [Effect::Reply { reply, .. }] = effects else {
        panic!("{effects:?}");
    };
    reply
}
#[test]
fn telegram_language_codes() {
    assert_eq!(lang_from_code(None), Lang::En);
    assert_eq!(lang_from_code(Some("en")), Lang::En);
    assert_eq!(lang_from_code(Some("fr")), Lang::En);
    assert_eq!(lang_from_code(Some("zh")), Lang::ZhHant);
    assert_eq!(lang_from_code(Some("zh-hk")), Lang::ZhHant);
    assert_eq!(lang_from_code(Some("zh-TW")), Lang::ZhHant);
    assert_eq!(lang_from_code(Some("zh-hant")), Lang::ZhHant);
    assert_eq!(lang_from_code(Some("zh-cn")), Lang::ZhHans);
    assert_eq!(lang_from_code(Some("zh_SG")), Lang::ZhHans);
    assert_eq!(lang_from_code(Some("zh-hans")), Lang::ZhHans);
    assert_eq!(lang_from_code(Some("zhx")), Lang::En);
}

#[test]
fn questions_are_cleaned() {
    assert_eq!(
        sanitize("  how\u{0}\u{1} to\n\tapply \u{200b}TVP  "),
        "how to apply TVP"
    );
    assert_eq!(
        sanitize(&"字".repeat(10_000)).chars().count(),
        MAX_QUESTION_CHARS
    );
    assert!(!has_words(&sanitize("🙂🙂 ?! \u{fffd}\u{0}")));
    assert!(has_words(&sanitize("<b>TVP</b>")));
}

#[test]
fn keyboards_drop_what_telegram_would_reject() {
    let rows = vec![
        vec![
            Button::action("ok", Action::Scheme("tvp".into()), Lang::En),
            Button::action("too long", Action::Scheme("x".repeat(65)), Lang::En),
        ],
        vec![Button::Url {
            text: "bad".into(),
            url: "javascript:alert(1)".into(),
        }],
        vec![Button::Url {
            text: "site".into(),
            url: "https://www.itf.gov.hk/".into(),
        }],
    ];
    let kb = keyboard(&rows).unwrap();
    assert_eq!(kb.inline_keyboard.len(), 2);
    assert_eq!(kb.inline_keyboard[0].len(), 1);
    assert!(keyboard(&[vec![]]).is_none());
}

// ---- decisions ----

use std::collections::VecDeque;
use std::sync::OnceLock;

use serde_json::{Value, json};

const BOT: &str = "schemebot_test_bot";
const USER: i64 = 42;
const GROUP: i64 = -100_123;
/// Telegram's stand-in user for anonymous group admins.
const ANONYMOUS_ADMIN: i64 = 1_087_968_824;
const ADMIN: u64 = 7;
/// A fixed "now" for the decisions (2023-11-14).
const NOW: i64 = 1_700_000_000_000;

/// The engine over the repository's corpus, built once.
fn engine() -> &'static Arc<Engine> {
    static ENGINE: OnceLock<Arc<Engine>> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let corpus = Corpus::load(&dir).expect("the repository corpus loads");
        Arc::new(Engine::in_memory(corpus).expect("the engine builds"))
    })
}

/// A view over `store`, with [`ADMIN`] as the one admin.
fn view(store: &Arc<Store>) -> View {
    View {
        engine: Arc::clone(engine()),
        store: Arc::clone(store),
        admins: vec![ADMIN],
        now: NOW,
    }
}

fn store() -> Arc<Store> {
    Arc::new(Store::open_in_memory().unwrap())
}

fn me() -> Me {
    serde_json::from_value(json!({
        "id": 1, "is_bot": true, "first_name": "SchemeBot", "username": BOT,
        "can_join_groups": true, "can_read_all_group_messages": false,
        "supports_inline_queries": true, "has_main_web_app": false
    }))
    .unwrap()
}

fn user(id: i64) -> Value {
    json!({"id": id, "is_bot": false, "first_name": "Tester", "language_code": "en"})
}

fn private_chat(id: i64) -> Value {
    json!({"id": id, "type": "private", "first_name": "Tester"})
}

fn group_chat() -> Value {
    json!({"id": GROUP, "type": "supergroup", "title": "Group", "is_forum": true})
}

/// A message `id` in `chat` from `from`, with extra fields (`text`, `message_thread_id`, ...).
fn message(id: i32, chat: Value, from: Value, extra: Value) -> Message {
    let mut m = json!({"message_id": id, "date": NOW / 1000, "chat": chat, "from": from});
    m.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    serde_json::from_value(m).unwrap()
}

/// A private text message from [`USER`].
fn text(text: &str) -> Message {
    message(10, private_chat(USER), user(USER), json!({"text": text}))
}

/// What a message makes happen (it must be addressed to the bot).
async fn on(view: &View, msg: &Message) -> Vec<Effect> {
    match address(msg, &me(), view) {
        Addressed::ToUs(incoming) => decide_message(incoming, view).await,
        other => panic!("not addressed to the bot: {other:?}"),
    }
}

/// A press of a button with `data` under the bot's message 5 in [`USER`]'s chat.
fn press(data: &str) -> CallbackQuery {
    serde_json::from_value(json!({
        "id": "cbq-1",
        "from": user(USER),
        "chat_instance": "ci",
        "message": {
            "message_id": 5, "date": NOW / 1000, "chat": private_chat(USER),
            "from": {"id": 1, "is_bot": true, "first_name": "SchemeBot", "username": BOT},
            "text": "…"
        },
        "data": data,
    }))
    .unwrap()
}

/// Performs `effects` as the executor does, with the store changes made on `store` and
/// nothing sent: what would be sent, in order, and the changes made.
fn play(store: &Store, effects: Vec<Effect>) -> (Vec<Effect>, Vec<Change>) {
    let mut queue: VecDeque<Effect> = effects.into();
    let (mut sent, mut changes) = (Vec::new(), Vec::new());
    while let Some(effect) = queue.pop_front() {
        match effect {
            Effect::Store { change, then } => {
                changes.push(change.clone());
                let written = change.apply(store).ok();
                then.resolve(written, &mut queue);
            }
            Effect::Reload { .. } => panic!("the decisions' tests do not reload"),
            other => sent.push(other),
        }
    }
    (sent, changes)
}

/// What follows when a store change fails.
fn when_it_fails(effect: Effect) -> Vec<Effect> {
    let Effect::Store { then, .. } = effect else {
        panic!("not a store change: {effect:?}");
    };
    let mut rest = VecDeque::new();
    then.resolve(None, &mut rest);
    rest.into()
}

/// The target of a reply in [`USER`]'s private chat.
fn private_target() -> Target {
    Target {
        chat: USER,
        thread: None,
        reply_to: None,
    }
}

#[tokio::test]
async fn start_forgets_the_conversation_and_welcomes() {
    let store = store();
    let view = view(&store);
    let (_, _) = play(&store, on(&view, &text("how much is TVP?")).await);
    let remembered = store.conversation(USER, NOW, CONTEXT_TTL_SECONDS * 1000);
    assert!(
        remembered.unwrap().context.is_some(),
        "the question was remembered"
    );

    let effects = on(&view, &text("/start")).await;
    let [
        Effect::Store {
            change: Change::ClearContext { chat: USER },
            then: Then::Continue,
        },
        Effect::Reply { to, reply },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}");
    };
    assert_eq!(*to, private_target());
    assert_eq!(*reply, ui::welcome(engine().corpus(), Lang::En));
    play(&store, effects);
    let after = store.conversation(USER, NOW, CONTEXT_TTL_SECONDS * 1000);
    assert_eq!(after.unwrap(), Conversation::default());
}

#[tokio::test]
async fn a_question_is_answered_then_its_turn_is_saved() {
    let store = store();
    let effects = on(&view(&store), &text("How much funding can TVP give?")).await;
    let [Effect::Reply { to, reply }, Effect::Store { change, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(*to, private_target());
    assert!(
        reply.plain.contains("Technology Voucher"),
        "{}",
        reply.plain
    );
    let Change::SaveTurn(turn) = change else {
        panic!("{change:?}");
    };
    assert_eq!(turn.chat, USER);
    assert_eq!(turn.question, "How much funding can TVP give?");
    assert_eq!(turn.context.as_ref().unwrap().schemes, ["tvp"]);
    assert_eq!(turn.gap, None);

    play(&store, effects);
    let saved = store
        .conversation(USER, NOW, CONTEXT_TTL_SECONDS * 1000)
        .unwrap();
    assert_eq!(saved.context.unwrap().schemes, ["tvp"]);
}

#[tokio::test]
async fn a_question_without_words_is_not_remembered() {
    let store = store();
    let effects = on(&view(&store), &text("🙂🙂 ?!")).await;
    assert_eq!(*only_reply(&effects), ui::words_please(Lang::En));
}

#[tokio::test]
async fn a_section_button_edits_the_message_it_sits_under() {
    let store = store();
    let effects = decide_callback(&press("sec:tvp:money"), &view(&store));
    let [
        Effect::AnswerCallback { notice: None, .. },
        Effect::Edit {
            to,
            message: 5,
            screen,
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}");
    };
    assert_eq!(*to, private_target());
    let corpus = engine().corpus();
    let tvp = corpus.get("tvp").unwrap();
    let mut expected = ui::brief(tvp, Section::Money, corpus, Lang::En);
    add_follow_button(tvp, false, Lang::En, &mut expected);
    assert_eq!(*screen, expected);
}

#[tokio::test]
async fn subscribe_saves_the_subscription_then_says_so() {
    let store = store();
    let view = view(&store);
    let effects = on(&view, &text("/subscribe tvp")).await;
    let [Effect::Store { change, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let topic = Topic::Scheme("tvp".to_owned());
    assert_eq!(
        *change,
        Change::Subscribe {
            chat: USER,
            topic: topic.clone(),
            lang: Lang::En,
            thread: None,
        }
    );
    let corpus = engine().corpus();
    let (sent, _) = play(&store, effects);
    assert_eq!(
        *only_reply(&sent),
        ui::subscribed(&topic, corpus, true, Lang::En)
    );
    assert_eq!(store.subscriptions(USER).unwrap(), vec![topic.clone()]);

    // Again: "already subscribed".
    let (sent, _) = play(&store, on(&view, &text("/subscribe tvp")).await);
    assert_eq!(
        *only_reply(&sent),
        ui::subscribed(&topic, corpus, false, Lang::En)
    );

    // Not saved: an apology, never "subscribed".
    let mut effects = on(&view, &text("/subscribe all")).await;
    let after = when_it_fails(effects.remove(0));
    assert_eq!(*only_reply(&after), ui::sorry(Lang::En));
}

#[tokio::test]
async fn an_anonymous_group_admin_acts_as_its_group() {
    let store = store();
    let anonymous = json!({
        "id": ANONYMOUS_ADMIN, "is_bot": true, "first_name": "Group",
        "username": "GroupAnonymousBot"
    });
    let sender = json!({"id": GROUP, "type": "supergroup", "title": "Group"});
    let msg = message(
        30,
        group_chat(),
        anonymous,
        json!({"sender_chat": sender, "text": format!("/subscribe@{BOT} all")}),
    );
    let view = view(&store);
    let Addressed::ToUs(incoming) = address(&msg, &me(), &view) else {
        panic!("an anonymous admin is a person");
    };
    assert_eq!((incoming.chat, incoming.user), (ChatId(GROUP), None));
    let effects = decide_message(incoming, &view).await;
    let [Effect::Store { change, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert!(
        matches!(
            change,
            Change::Subscribe {
                chat: GROUP,
                topic: Topic::All,
                ..
            }
        ),
        "{change:?}"
    );
    let (sent, _) = play(&store, effects);
    let [Effect::Reply { to, .. }] = sent.as_slice() else {
        panic!("{sent:?}");
    };
    assert_eq!(
        *to,
        Target {
            chat: GROUP,
            thread: None,
            reply_to: Some(30)
        }
    );

    // Acting as the chat, they are no admin of the bot.
    let msg = message(
        31,
        group_chat(),
        json!({"id": ANONYMOUS_ADMIN, "is_bot": true, "first_name": "Group"}),
        json!({"sender_chat": {"id": GROUP, "type": "supergroup", "title": "Group"},
               "text": format!("/reload@{BOT}")}),
    );
    let effects = on(&view, &msg).await;
    assert_eq!(*only_reply(&effects), ui::not_allowed(Lang::En));
}

#[tokio::test]
async fn a_topic_message_is_answered_in_its_topic() {
    let store = store();
    let view = view(&store);
    let in_topic = |id: i32, text: String| {
        message(
            id,
            group_chat(),
            user(USER),
            json!({"text": text, "message_thread_id": 77, "is_topic_message": true}),
        )
    };
    let effects = on(&view, &in_topic(40, format!("/help@{BOT}"))).await;
    let [Effect::Reply { to, reply }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let topic = Target {
        chat: GROUP,
        thread: Some(77),
        reply_to: Some(40),
    };
    assert_eq!(*to, topic);
    assert_eq!(*reply, ui::help(Lang::En, BOT));

    // A subscription made there sends its notices there.
    let effects = on(&view, &in_topic(41, format!("/subscribe@{BOT} all"))).await;
    let [Effect::Store { change, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert!(
        matches!(
            change,
            Change::Subscribe {
                thread: Some(77),
                ..
            }
        ),
        "{change:?}"
    );
    play(&store, effects);
    assert_eq!(store.thread(GROUP).unwrap(), Some(77));
}

#[tokio::test]
async fn group_chatter_is_ignored_and_a_migration_moves_the_chat() {
    let store = store();
    let view = view(&store);
    let chatter = message(50, group_chat(), user(USER), json!({"text": "lunch?"}));
    assert!(matches!(address(&chatter, &me(), &view), Addressed::Ignore));
    let migrated = message(
        51,
        json!({"id": -5, "type": "group", "title": "Group"}),
        user(USER),
        json!({"migrate_to_chat_id": GROUP}),
    );
    assert!(matches!(
        address(&migrated, &me(), &view),
        Addressed::Migrate {
            from: -5,
            to: GROUP
        }
    ));
}

#[test]
fn a_follow_button_subscribes_and_flips_on_the_card() {
    let store = store();
    let effects = decide_callback(&press("sub:s:tvp"), &view(&store));
    let (sent, changes) = play(&store, effects);
    assert!(matches!(
        changes.as_slice(),
        [Change::Subscribe { chat: USER, .. }]
    ));
    let [
        Effect::AnswerCallback {
            notice: Some(notice),
            ..
        },
        Effect::Edit { screen, .. },
    ] = sent.as_slice()
    else {
        panic!("{sent:?}");
    };
    assert_eq!(*notice, ui::toggled(true, true, Lang::En));
    let corpus = engine().corpus();
    assert_eq!(
        *screen,
        card(corpus.get("tvp").unwrap(), corpus, Lang::En, true)
    );

    // A forged button naming no scheme changes nothing.
    let effects = decide_callback(&press("sub:s:no-such-scheme"), &view(&store));
    let [Effect::AnswerCallback { notice, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(*notice, Some(ui::scheme_gone(Lang::En)));
}

#[test]
fn a_thumbs_down_is_saved_then_asks_what_was_missing() {
    let store = store();
    let effects = decide_callback(&press("fb:down:tvp"), &view(&store));
    let [
        Effect::Store {
            change: Change::Downvote { chat: USER, .. },
            then: Then::OrElse(instead),
        },
        Effect::AnswerCallback { notice, .. },
        Effect::Reply { to, reply },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}");
    };
    assert!(matches!(
        instead.as_slice(),
        [Effect::AnswerCallback { notice: Some(n), .. }] if *n == ui::sorry(Lang::En).plain
    ));
    assert_eq!(*notice, Some(ui::thanks_for_feedback(Lang::En)));
    assert_eq!(*to, private_target());
    assert_eq!(*reply, ui::what_was_missing(Lang::En));
    play(&store, effects);
    let awaiting = store.conversation(USER, NOW, CONTEXT_TTL_SECONDS * 1000);
    assert!(awaiting.unwrap().feedback_gap.is_some());
}

#[test]
fn a_language_button_is_answered_after_the_choice_is_saved() {
    let store = store();
    let effects = decide_callback(&press("lang:zh-hant"), &view(&store));
    let (sent, changes) = play(&store, effects);
    assert_eq!(
        changes,
        [Change::SetLang {
            chat: USER,
            lang: Some(Lang::ZhHant)
        }]
    );
    assert!(matches!(
        sent.as_slice(),
        [
            Effect::AnswerCallback { .. },
            Effect::Edit { message: 5, .. }
        ]
    ));
    assert_eq!(store.lang(USER).unwrap(), Some(Lang::ZhHant));
}

#[test]
fn membership_changes_are_recorded_and_a_return_wakes_delivery() {
    let update = |status: &str| -> ChatMemberUpdated {
        let member = |status: &str| {
            let mut m = json!({"user": {"id": 1, "is_bot": true, "first_name": "SchemeBot"},
                               "status": status});
            if status == "kicked" {
                m["until_date"] = json!(0);
            }
            m
        };
        serde_json::from_value(json!({
            "chat": private_chat(USER), "from": user(USER), "date": NOW / 1000,
            "old_chat_member": member("member"), "new_chat_member": member(status),
        }))
        .unwrap()
    };
    assert!(matches!(
        decide_membership(&update("kicked")).as_slice(),
        [Effect::Store {
            change: Change::SetActive {
                chat: USER,
                active: false
            },
            ..
        }]
    ));
    assert!(matches!(
        decide_membership(&update("member")).as_slice(),
        [
            Effect::Store {
                change: Change::SetActive { active: true, .. },
                ..
            },
            Effect::WakeDelivery
        ]
    ));
}

#[tokio::test]
async fn an_empty_inline_query_offers_featured_schemes() {
    let store = store();
    let q: InlineQuery = serde_json::from_value(json!({
        "id": "iq-1", "from": user(USER), "query": "", "offset": ""
    }))
    .unwrap();
    let effects = decide_inline(&q, &view(&store)).await;
    let [
        Effect::AnswerInline {
            results,
            personal: false,
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}");
    };
    assert_eq!(results.len(), featured(engine().corpus()).len());
}
