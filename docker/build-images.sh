#!/usr/bin/env bash
# Usage: bash docker/build-images.sh source-NAME...    (needs a Docker engine; see with-engine.sh)
#
# Builds docker/Dockerfile once per connector and tags the image with the name and version that the
# connector's metadata.yaml declares (data.dockerRepository:data.dockerImageTag), as Airbyte expects.
# Prints one line per image: TAG, build seconds and size.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-$repo_root/.venv/bin/python}"
log_dir="$repo_root/.local/build-logs"

[[ $# -gt 0 ]] || { echo "usage: $0 source-NAME..." >&2; exit 2; }

# Prints "dockerRepository dockerImageTag" from a connector's metadata.yaml.
read_image_name() {
    "$python" -c 'import sys, yaml
data = yaml.safe_load(open(sys.argv[1]))["data"]
print(data["dockerRepository"], data["dockerImageTag"])' "$repo_root/connectors/$1/metadata.yaml"
}

mkdir -p "$log_dir"
base_image="$(bash "$repo_root/docker/bootstrap-base.sh")"
echo "build-images: base image $base_image" >&2

for connector in "$@"; do
    image_name="$(read_image_name "$connector")"
    read -r repository tag <<<"$image_name"
    started=$SECONDS
    # --network=host: pip must reach the package index where no container network exists.
    log="$log_dir/$connector.log"
    docker build --network=host --file "$repo_root/docker/Dockerfile" \
        --build-arg "BASE_IMAGE=$base_image" --build-arg "CONNECTOR=$connector" \
        --build-arg "NAME=$repository" --build-arg "VERSION=$tag" \
        --tag "$repository:$tag" "$repo_root" >"$log" 2>&1 \
        || { tail -n 40 "$log" >&2; echo "build-images: $connector failed (full log: $log)" >&2; exit 1; }
    size="$(docker image inspect --format '{{.Size}}' "$repository:$tag")"
    printf '%s\t%ss\t%s MB\n' "$repository:$tag" "$((SECONDS - started))" "$((size / 1000000))"
done
