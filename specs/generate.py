"""Regenerate `specs/<connector>/spec.json` from each connector's config model.

The SPEC a connector prints is generated from its pydantic config model at run time; the
checked-in copies let reviewers see a change to a connector's form in a diff. Run this after
changing a config model:

    .venv/bin/python specs/generate.py            # rewrite the files
    .venv/bin/python specs/generate.py --check    # exit 1, naming the stale files
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from pathlib import Path

from airbyte_cdk.models import ConnectorSpecificationSerializer
from airbyte_cdk.sources import AbstractSource

SPECS_DIR = Path(__file__).resolve().parent
SOURCES = {
    "source-hubspot": "source_hubspot:SourceHubspot",
    "source-google-analytics-data-api": "source_google_analytics_data_api:SourceGoogleAnalyticsDataApi",
    "source-bigquery": "source_bigquery:SourceBigquery",
}


def spec_json(connector: str) -> str:
    """The connector's SPEC payload, as the checked-in file holds it."""
    module_name, class_name = SOURCES[connector].split(":")
    source: AbstractSource = getattr(importlib.import_module(module_name), class_name)()
    spec = source.spec(logging.getLogger("airbyte"))
    return json.dumps(ConnectorSpecificationSerializer.dump(spec), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale files")
    parser.add_argument("--specs-dir", type=Path, default=SPECS_DIR, help="where the spec folders are")
    arguments = parser.parse_args(argv)

    stale = []
    for connector in SOURCES:
        path = arguments.specs_dir / connector / "spec.json"
        expected = spec_json(connector)
        if path.exists() and path.read_text() == expected:
            continue
        stale.append(path)
        if not arguments.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(expected)
    for path in stale:
        print(f"{'stale' if arguments.check else 'wrote'}: {path}")
    if stale and arguments.check:
        print("Run `.venv/bin/python specs/generate.py` to regenerate.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
