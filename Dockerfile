# Covoisin: one small process and an SQLite file on a volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    BOT_DB_PATH=/data/covoisin.sqlite3

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY locales ./locales
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --home-dir /app covoisin \
    && mkdir -p /data && chown covoisin /data

USER covoisin
VOLUME ["/data"]
# Only used with a webhook (BOT_WEBHOOK_URL set): the default BOT_WEBHOOK_PORT.
EXPOSE 8443
# Run from /app so that `bot` is this folder's package, beside its locales/.
CMD ["python", "-m", "bot"]
