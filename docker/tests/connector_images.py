"""What the image tests know about connector images: where they come from and how to ask docker."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
CONNECTORS = sorted(path.name for path in (REPO_ROOT / "connectors").glob("source-*") if path.is_dir())


@dataclass(frozen=True)
class ConnectorImage:
    """A connector's image as metadata.yaml names it, and what the image says about itself."""

    connector: str
    name: str
    version: str

    @property
    def tag(self) -> str:
        return f"{self.name}:{self.version}"

    def inspect(self) -> dict[str, Any]:
        """What `docker image inspect` says about the image (Config, Size, ...)."""
        inspected: dict[str, Any] = json.loads(docker("image", "inspect", self.tag).stdout)[0]
        return inspected


def docker(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the docker CLI, as a user would, capturing its output as text."""
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check, timeout=600)


def image_of(connector: str) -> ConnectorImage:
    metadata = yaml.safe_load((REPO_ROOT / "connectors" / connector / "metadata.yaml").read_text())["data"]
    return ConnectorImage(connector, metadata["dockerRepository"], str(metadata["dockerImageTag"]))


def skip_reason_without_engine() -> str | None:
    if os.environ.get("DOCKER_UNAVAILABLE") == "1":
        return "DOCKER_UNAVAILABLE=1: docker/with-engine.sh could not start a Docker engine (see its message)"
    if docker("info", check=False).returncode != 0:
        return "no Docker engine answers `docker info`: run these tests through `make image-tests`"
    return None
