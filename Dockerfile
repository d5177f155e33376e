# syntax=docker/dockerfile:1
# One image for every Huntaze service: `docker build -t huntaze .`
#   docker run huntaze <service> serve --role api|worker     (e.g. fans serve --role worker)
#   docker run huntaze <service> migrate
# The workspace is installed from uv.lock (--locked: the build fails if the lock is stale), without
# the dev group, as real packages (not editable) into /opt/venv; the final stage is Python slim with
# that venv alone (the services' code, migrations included, lives in its site-packages), run as
# uid 10001, with no compiler, no uv and no package cache. Adding a service needs no change here.

ARG PYTHON_VERSION=3.11
ARG DEBIAN=bookworm
ARG UV_VERSION=0.13.9

FROM ghcr.io/astral-sh/uv:${UV_VERSION} AS uv

# --- build ------------------------------------------------------------------------------------
FROM python:${PYTHON_VERSION}-slim-${DEBIAN} AS base
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3 \
    UV_PROJECT_ENVIRONMENT=/opt/venv
WORKDIR /src

# Only the members' pyproject.toml files: the dependency layer below is rebuilt when one of them
# (or uv.lock) changes, not when code does — without naming the services here.
FROM base AS manifests
COPY libs libs
COPY services services
RUN find libs services -type f ! -name pyproject.toml -delete && find libs services -type d -empty -delete

FROM base AS builder
COPY pyproject.toml uv.lock ./
COPY --from=manifests /src/libs libs
COPY --from=manifests /src/services services
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --all-packages --no-dev --no-install-workspace
COPY libs libs
COPY services services
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --all-packages --no-dev --no-editable \
    && /opt/venv/bin/python -c "import huntaze_service; print(sorted(huntaze_service.discover()))"

# --- run --------------------------------------------------------------------------------------
FROM python:${PYTHON_VERSION}-slim-${DEBIAN} AS runtime
LABEL org.opencontainers.image.title="huntaze" \
      org.opencontainers.image.description="Huntaze services: python -m <service> serve --role api|worker"
RUN groupadd --system --gid 10001 huntaze \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin huntaze
COPY --from=builder /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HUNTAZE_ENVIRONMENT=production
WORKDIR /tmp
USER 10001:10001
EXPOSE 8000
ENTRYPOINT ["python", "-m"]
CMD ["gateway", "serve", "--role", "api"]
