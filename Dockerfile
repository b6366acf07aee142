# Haven: `docker build -t haven .` then see compose.yaml and README "Deploy".
# No secret is baked in: every setting (tokens, keys, the database URL) comes from the
# environment at run time.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY adapters ./adapters
COPY bot ./bot
COPY policy ./policy
COPY storage ./storage
COPY manifest ./manifest
RUN pip install . \
    && groupadd --system --gid 10001 haven \
    && useradd --system --uid 10001 --gid haven --home-dir /var/lib/haven --create-home haven

USER haven:haven
WORKDIR /var/lib/haven

# Listen on every interface inside the container; publish the port only to the reverse
# proxy that terminates TLS (README "Deploy").
ENV HAVEN_HOST=0.0.0.0 \
    HAVEN_PORT=3000
EXPOSE 3000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ.get('HAVEN_PORT', '3000'); sys.exit(0 if urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4).status == 200 else 1)"]

CMD ["haven", "serve"]
