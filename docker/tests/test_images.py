"""Each connector's image behaves as the Airbyte platform expects, with no network at all."""

from __future__ import annotations

import orjson
import pytest
from airbyte_cdk.models import Type
from connector_images import CONNECTORS, REPO_ROOT, ConnectorImage, docker

from sandbox.protocol import parse_output

pytestmark = [
    pytest.mark.docker,
    pytest.mark.parametrize("connector", CONNECTORS),
    # The first test also waits for the session's image builds: minutes on a machine with a cold cache.
    pytest.mark.timeout(1800),
]

ROOT_USERS = {"", "root", "0", "0:0", "root:root"}


def run_offline(image: ConnectorImage, *args: str, entrypoint: str | None = None) -> str:
    """Run the image without any network and return its stdout; a failing run fails the test."""
    override = ["--entrypoint", entrypoint] if entrypoint else []
    result = docker("run", "--rm", "--network=none", *override, image.tag, *args, check=False)
    assert result.returncode == 0, f"{image.tag} {' '.join(args)} exited {result.returncode}: {result.stderr}"
    return result.stdout


def test_spec_prints_exactly_one_valid_spec_message(
    built_images: dict[str, ConnectorImage], connector: str
) -> None:
    stdout = run_offline(built_images[connector], "spec")

    messages = parse_output(stdout)

    assert [message.type for message in messages].count(Type.SPEC) == 1, stdout


def test_spec_equals_the_published_spec(built_images: dict[str, ConnectorImage], connector: str) -> None:
    published = REPO_ROOT / "specs" / connector / "spec.json"
    if not published.exists():
        pytest.skip(f"{published.relative_to(REPO_ROOT)} does not exist yet")
    stdout = run_offline(built_images[connector], "spec")

    printed = [orjson.loads(line) for line in stdout.splitlines() if line.strip()]
    printed_specs = [message["spec"] for message in printed if message["type"] == "SPEC"]

    assert printed_specs == [orjson.loads(published.read_bytes())]


def test_labels_name_and_version_match_metadata(
    built_images: dict[str, ConnectorImage], connector: str
) -> None:
    image = built_images[connector]

    labels = image.inspect()["Config"]["Labels"]

    assert (labels.get("io.airbyte.name"), labels.get("io.airbyte.version")) == (image.name, image.version)


def test_runs_as_a_non_root_user(built_images: dict[str, ConnectorImage], connector: str) -> None:
    image = built_images[connector]

    configured_user = image.inspect()["Config"]["User"]
    uid = run_offline(image, "-u", entrypoint="id").strip()

    assert configured_user not in ROOT_USERS
    assert uid != "0"
