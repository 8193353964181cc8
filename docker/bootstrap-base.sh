#!/usr/bin/env bash
# Usage: bash docker/bootstrap-base.sh    (needs a Docker engine; see with-engine.sh)
#
# Makes sure a Python 3.11 base image for docker/Dockerfile exists and prints its name on stdout.
# The official python:3.11-slim-bookworm is used when it is present or can be pulled. On a machine
# without an image registry, a stand-in is built offline from Debian's packages instead: bookworm's
# python3 is 3.11 too, and the Dockerfile only relies on `python3 -m venv` and `useradd`, which both
# images have. The stand-in's root filesystem is cached under .local/ so later runs take seconds.
# Set BASE_IMAGE to skip the choice and use an image of your own.
set -euo pipefail

official_image="python:3.11-slim-bookworm"
stand_in_image="local/python:3.11-slim-bookworm"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rootfs_tarball="$repo_root/.local/base/bookworm-python3-rootfs.tar"

image_present() {
    docker image inspect "$1" >/dev/null 2>&1
}

build_rootfs_tarball() {
    local rootfs
    rootfs="$(mktemp -d "$repo_root/.local/base/rootfs.XXXXXX")"
    echo "bootstrap-base: debootstrapping Debian bookworm with python3 into $rootfs" >&2
    # passwd brings useradd, which python:3.11-slim has and the Dockerfile uses.
    debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates,passwd \
        bookworm "$rootfs" >"$repo_root/.local/base/debootstrap.log" 2>&1 \
        || { tail -n 20 "$repo_root/.local/base/debootstrap.log" >&2; rm -rf "$rootfs"; return 1; }
    # pip in `docker build` goes through this machine's network, which may re-sign TLS with a CA only
    # the host trusts. Trusting it belongs here, in the local stand-in, never in the portable Dockerfile.
    cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -cf "$rootfs_tarball.partial" .
    mv "$rootfs_tarball.partial" "$rootfs_tarball"
    rm -rf "$rootfs"
}

import_stand_in() {
    mkdir -p "$(dirname "$rootfs_tarball")"
    [[ -f "$rootfs_tarball" ]] || build_rootfs_tarball
    echo "bootstrap-base: importing $rootfs_tarball as $stand_in_image" >&2
    docker import --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]' \
        "$rootfs_tarball" "$stand_in_image" >/dev/null
}

if [[ -n "${BASE_IMAGE:-}" ]]; then
    echo "$BASE_IMAGE"
elif image_present "$official_image" || docker pull --quiet "$official_image" >/dev/null 2>&1; then
    echo "$official_image"
else
    echo "bootstrap-base: $official_image can be neither found nor pulled; using $stand_in_image" >&2
    image_present "$stand_in_image" || import_stand_in
    echo "$stand_in_image"
fi
