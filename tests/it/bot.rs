//! The Telegram bot end to end (filled in by the bot work).
