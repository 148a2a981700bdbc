# changeproof's action image. Multi-stage: the build stage installs the package into a virtual
# environment; the final stage copies only that environment (byte-compiled, no pip, no caches,
# no compilers) onto the same base. Override BASE_IMAGE to build from a local base image.
ARG BASE_IMAGE=python:3.12-slim

FROM ${BASE_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY checker ./checker
COPY rules ./rules
COPY examples ./examples
RUN python3 -m venv /opt/changeproof \
 && /opt/changeproof/bin/pip install --no-compile . \
 && /opt/changeproof/bin/pip uninstall -y -q pip setuptools \
 && find /opt/changeproof -name '__pycache__' -prune -exec rm -rf {} + \
 && /opt/changeproof/bin/python -m compileall -q -j 0 /opt/changeproof/lib

FROM ${BASE_IMAGE}
# git is needed to append to the evidence ledger; the slim Python images do not ship it.
RUN if ! command -v git >/dev/null 2>&1; then \
      apt-get update -qq && apt-get install -y -qq --no-install-recommends git ca-certificates >/dev/null \
      && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb; \
    fi
COPY --from=build /opt/changeproof /opt/changeproof
COPY entrypoint.py /opt/changeproof/entrypoint.py
ENV PATH=/opt/changeproof/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CKV_SKIP_PACKAGE_UPDATE_CHECK=true \
    BC_SKIP_MAPPING=TRUE \
    CHECKOV_SKIP_DOWNLOAD=true \
    CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false \
    ENABLE_SECRETS_SCAN_ALL_FILES=false
LABEL org.opencontainers.image.title="changeproof" \
      org.opencontainers.image.description="Change-management controls for pull requests with a signed evidence ledger" \
      org.opencontainers.image.licenses="Apache-2.0"
ENTRYPOINT ["/opt/changeproof/bin/python", "/opt/changeproof/entrypoint.py"]
