#!/usr/bin/env bash
# Usage: bash docker/with-engine.sh CMD [ARG...]
#
# Runs CMD with a Docker engine that answers, so `make images` and the image tests work both on a
# developer's machine (engine already running) and on a bare CI machine (no engine, no registry).
# Order of preference:
#   1. an engine that already answers `docker info` (yours, or one this script left for another run);
#   2. a private engine started here: dockerd with its data and socket under .local/docker, installed
#      with apt-get if missing, stopped again when CMD ends;
#   3. none at all: say so loudly and run CMD with DOCKER_UNAVAILABLE=1, so the tests skip visibly.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
engine_dir="$repo_root/.local/docker"
private_host="unix://$engine_dir/docker.sock"
start_timeout_seconds=60
stop_timeout_seconds=30

shout() {
    printf '\n%s\n!!! %s\n%s\n\n' "$(printf '!%.0s' {1..100})" "$*" "$(printf '!%.0s' {1..100})" >&2
}

engine_answers() {
    docker info >/dev/null 2>&1
}

run_without_engine() {
    shout "NO DOCKER ENGINE: $1. Running '${*:2}' with DOCKER_UNAVAILABLE=1; every image test will be SKIPPED."
    export DOCKER_UNAVAILABLE=1
    exec "${@:2}"
}

install_engine_if_missing() {
    local missing=()
    command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
    command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
    [[ ${#missing[@]} -eq 0 ]] && return 0
    [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1 || return 1
    echo "with-engine: installing ${missing[*]} with apt-get" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

started_pid=""
stop_started_engine() {
    [[ -n "$started_pid" ]] || return 0
    kill -TERM "$started_pid" 2>/dev/null || return 0
    local waited=0
    while kill -0 "$started_pid" 2>/dev/null && ((waited++ < stop_timeout_seconds)); do
        sleep 1
    done
    if kill -0 "$started_pid" 2>/dev/null; then
        echo "with-engine: dockerd $started_pid did not stop in ${stop_timeout_seconds}s; killing it" >&2
        kill -KILL "$started_pid" 2>/dev/null || true
    fi
    # dockerd leaves its network namespace mounted, which would keep .local/ from being deleted.
    umount "$engine_dir/exec/netns/default" 2>/dev/null || true
}

start_private_engine() {
    mkdir -p "$engine_dir"
    echo "with-engine: starting dockerd (log: $engine_dir/dockerd.log)" >&2
    # No iptables and no bridge: neither exists in this sandbox; containers use --network=host|none.
    dockerd --storage-driver=overlay2 --iptables=false --ip6tables=false --bridge=none \
        --data-root="$engine_dir/data" --exec-root="$engine_dir/exec" \
        --host="$private_host" --pidfile="$engine_dir/dockerd.pid" \
        >>"$engine_dir/dockerd.log" 2>&1 &
    started_pid=$!
    trap stop_started_engine EXIT
    trap 'exit 130' INT TERM
    for _ in $(seq "$start_timeout_seconds"); do
        engine_answers && return 0
        kill -0 "$started_pid" 2>/dev/null || break
        sleep 1
    done
    tail -n 20 "$engine_dir/dockerd.log" >&2 || true
    stop_started_engine
    started_pid=""
    return 1
}

[[ $# -gt 0 ]] || { echo "usage: $0 CMD [ARG...]" >&2; exit 2; }

if engine_answers; then
    exec "$@"
fi
export DOCKER_HOST="$private_host"
if engine_answers; then
    exec "$@"
fi
install_engine_if_missing || run_without_engine "docker.io is not installed and cannot be (needs root and apt-get)" "$@"
start_private_engine || run_without_engine "dockerd did not answer within ${start_timeout_seconds}s" "$@"

status=0
"$@" || status=$?
exit "$status"
