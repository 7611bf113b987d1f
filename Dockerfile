# syntax=docker/dockerfile:1
#
# Memory Machines Backend: one image for every role.
#   API (ingest, reads, admin, Pub/Sub push endpoint):  memory-machines api --host 0.0.0.0
#   pull worker:                                         memory-machines worker
#   embedded (API + worker + SQLite in one process):     memory-machines serve --host 0.0.0.0
# The API listens on $PORT (8080 unless the platform sets it, as Cloud Run does).

ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------- builder --
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /build

# Only what the wheel is made of: edits to tests or docs do not bust this layer.
COPY pyproject.toml README.md ./
COPY src ./src

# A C compiler, for the compiled builds (builder only: the runtime stage gets
# the compiled modules, not the compiler).
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*

# Build the wheel, then install it with the Google Cloud extra into a
# self-contained virtualenv that the runtime stage copies as a whole.
RUN python -m pip wheel --no-deps --wheel-dir /build/dist . \
 && python -m venv /opt/venv \
 && /opt/venv/bin/pip install "$(find /build/dist -name 'memory_machines-*.whl')[gcp]" \
 && /opt/venv/bin/memory-machines --help > /dev/null

# Compile the redaction engine and the request path inside the installed package
# (src/memory_machines/native.py). mypy, which compiles them, stays in /build:
# the runtime image does not need it.
RUN python -m pip install --target /build/mypyc "mypy>=1.10,<2" "setuptools>=68" \
 && PYTHONPATH=/build/mypyc /opt/venv/bin/python -m memory_machines.build \
 && /opt/venv/bin/python -c "import memory_machines as m; assert set(m.BUILDS.values()) == {'compiled'}, m.BUILDS"

# ---------------------------------------------------------------- runtime --
FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="memory-machines" \
      org.opencontainers.image.description="Multi-tenant log ingestion: durable queue, PII redaction, tenant-isolated storage" \
      org.opencontainers.image.licenses="Apache-2.0"

ENV PATH="/opt/venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PORT=8080 \
    MM_DATA_DIR=/data

# An unprivileged user with a fixed numeric id (runAsNonRoot-friendly), and
# the embedded SQLite data directory it owns.
RUN groupadd --system --gid 10001 mm \
 && useradd --system --uid 10001 --gid mm --home-dir /nonexistent --no-create-home \
            --shell /usr/sbin/nologin mm \
 && mkdir -p /data \
 && chown 10001:10001 /data

COPY --from=builder /opt/venv /opt/venv

WORKDIR /data
USER 10001:10001
EXPOSE 8080

# Liveness for `api` and `serve`; shell-free, using the interpreter already in the image.
# (A pull `worker` serves no HTTP: disable the check for it, as docker-compose.yml does.)
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '8080') + '/health', timeout=4); sys.exit(0 if r.status == 200 else 1)"]

ENTRYPOINT ["memory-machines"]
# No --port here: the CLI falls back to $PORT, so Cloud Run's port is honoured without a shell.
CMD ["api", "--host", "0.0.0.0"]
