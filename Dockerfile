# changeproof's action image. Releases publish it (scripts/release.sh) and action.yml pins it by
# digest; development and the tests build this file. Multi-stage: the build stage installs the
# hash-locked requirements (requirements.txt, --require-hashes) and the package into a virtual
# environment, then slims its own root file system (scripts/image/slim.sh: no pip or build tools,
# no tests, docs or caches, byte-compiled); the final stage is that file system alone, so what was
# removed is not hidden in a lower layer. Override BASE_IMAGE to build from a local base image.
ARG BASE_IMAGE=python:3.12-slim

FROM ${BASE_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
# git is needed to append to the evidence ledger; the slim Python images do not ship it.
RUN if ! command -v git >/dev/null 2>&1; then \
      apt-get update -qq && apt-get install -y -qq --no-install-recommends git ca-certificates >/dev/null; \
    fi
WORKDIR /src
COPY requirements.txt ./
RUN python3 -m venv /opt/changeproof \
 && /opt/changeproof/bin/pip install --quiet --no-compile --no-deps --require-hashes -r requirements.txt
COPY pyproject.toml README.md ./
COPY checker ./checker
COPY rules ./rules
COPY examples ./examples
RUN /opt/changeproof/bin/pip wheel --quiet --no-deps --wheel-dir /tmp/dist . \
 && /opt/changeproof/bin/pip install --quiet --no-compile --no-deps /tmp/dist/changeproof-*.whl \
 && /opt/changeproof/bin/pip check
COPY entrypoint.py /opt/changeproof/entrypoint.py
COPY scripts/image/slim.sh /tmp/slim.sh
RUN sh /tmp/slim.sh

FROM scratch
COPY --from=build / /
ENV PATH=/opt/changeproof/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CKV_SKIP_PACKAGE_UPDATE_CHECK=true \
    BC_SKIP_MAPPING=TRUE \
    CHECKOV_SKIP_DOWNLOAD=true \
    CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false \
    ENABLE_SECRETS_SCAN_ALL_FILES=false
LABEL org.opencontainers.image.title="changeproof" \
      org.opencontainers.image.description="Change-management controls for pull requests with a signed evidence ledger" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/changeproof/changeproof"
ENTRYPOINT ["/opt/changeproof/bin/python", "/opt/changeproof/entrypoint.py"]
