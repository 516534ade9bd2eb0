# syntax=docker/dockerfile:1
#
# schemebot: the Telegram bot in a small image.
#
#   docker build -t schemebot .
#   docker run -d --name schemebot -e TELOXIDE_TOKEN=... -p 8080:8080 \
#       -v schemebot-data:/var/lib/schemebot schemebot
#
# The corpus is baked in at /app/corpus; the index (derived, rebuilt when stale) and the database
# live in the volume. To publish corpus edits without a rebuild, mount the folder over it
# (-v "$PWD/corpus:/app/corpus:ro") and `docker kill -s HUP schemebot` to reload; `docker stop`
# (SIGTERM) stops cleanly. Port 8080 serves /healthz and /metrics, and the webhook when
# SCHEMEBOT_WEBHOOK_URL (or --webhook-url) is set; without it the bot uses long polling.

# ---- build ----
FROM rust:1.95-slim-bookworm AS builder
WORKDIR /build

# Dependencies first, in their own layer, so editing the code does not rebuild them. Every
# target the manifest declares (the lib, and each `path = "..."`: the binary, the `it` test, the
# benches) gets a stub, so the manifest parses whatever targets are added; only the lib and the
# binary are built.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src \
    && touch src/lib.rs \
    && sed -n 's/^path = "\(.*\)"$/\1/p' Cargo.toml | while read -r target; do \
           mkdir -p "$(dirname "$target")" && echo 'fn main() {}' > "$target"; \
       done \
    && cargo build --release --locked \
    && rm -rf src

# The real code (src/ includes the lexicon and script data it embeds). COPY keeps the files'
# timestamps, which may be older than the stubs' build: touch them so cargo rebuilds the crate.
COPY src ./src
RUN find src -name '*.rs' -exec touch {} + \
    && cargo build --release --locked \
    && cp target/release/schemebot /usr/local/bin/schemebot

# ---- run ----
FROM debian:bookworm-slim

# TLS roots for api.telegram.org; nothing else (rustls, SQLite is bundled in the binary).
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 schemebot \
    && useradd --system --uid 10001 --gid schemebot --no-create-home \
        --home-dir /var/lib/schemebot --shell /usr/sbin/nologin schemebot \
    && mkdir -p /var/lib/schemebot \
    && chown schemebot:schemebot /var/lib/schemebot

COPY --from=builder /usr/local/bin/schemebot /usr/local/bin/schemebot
COPY corpus /app/corpus

# Owned by the user before VOLUME, so a new named volume starts writable by it.
VOLUME /var/lib/schemebot
WORKDIR /var/lib/schemebot

ENV SCHEMEBOT_CORPUS=/app/corpus \
    SCHEMEBOT_INDEX=/var/lib/schemebot/index \
    SCHEMEBOT_DATA_DIR=/var/lib/schemebot

EXPOSE 8080
USER schemebot
ENTRYPOINT ["schemebot"]
CMD ["serve", "--listen", "0.0.0.0:8080"]
