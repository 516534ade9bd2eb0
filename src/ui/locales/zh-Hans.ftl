# 简体中文 overrides: only the messages whose text derived from zh-Hant.ftl (by the
# Traditional→Simplified conversion) is wrong for a Simplified reader. Each id here must exist
# in zh-Hant.ftl with the same variables (checked by src/ui/i18n/tests.rs).

# The language's own name: conversion would give 繁体中文.
language-name = 简体中文
# The conversion keeps 回覆; mainland usage is 回复.
lang-chosen = ✅ 我会用{ $name }回复。
# The same in every language: the chooser's button names both scripts as they are.
button-language = 🌐 Language / 語言
