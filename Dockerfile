# syntax=docker/dockerfile:1
#
# An AgentCore Runtime agent image: linux/arm64 (AgentCore runs ARM64 microVMs), a
# non-root user, port 8080. It builds the `hello` example; change `EXAMPLE`/the build
# command for your own agent binary.
#
#   docker buildx build --platform linux/arm64 -t my-agent .
#   docker run --rm -p 8080:8080 my-agent
#   curl -s localhost:8080/ping
#
# Build and run it on a machine with Docker and buildx to verify it: the workspace's CI
# has no Docker engine, so it only checks this file statically
# (crates/agentcore-server/tests/dockerfile.rs) and has never built the image.

ARG RUST_VERSION=1.95
ARG EXAMPLE=hello

FROM --platform=linux/arm64 rust:${RUST_VERSION}-slim-bookworm AS build
ARG EXAMPLE
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p agentcore-server --example "${EXAMPLE}" \
    && cp "target/release/examples/${EXAMPLE}" /agent

FROM --platform=linux/arm64 debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin agent
COPY --from=build /agent /usr/local/bin/agent
# Listen on 0.0.0.0: the runtime reaches the agent from outside the container.
ENV DOCKER_CONTAINER=1 \
    PORT=8080 \
    RUST_LOG=info
EXPOSE 8080
USER 10001
ENTRYPOINT ["/usr/local/bin/agent"]
