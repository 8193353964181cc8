"""`python -m sandbox.ga4 --properties 2 --days 365`: serve a fake GA4 Data API until stopped.

Prints one JSON line with the API URL, the token endpoint, the property IDs, the path of a
service-account key file it trusts (written 0600) and an OAuth client with a refresh token, so a
demo can configure a connector against it. Stops on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from sandbox.ga4.server import FakeGA4, GA4Options

FIRST_PROPERTY_ID = 400_000_001


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.ga4", description=__doc__)
    parser.add_argument("--properties", type=int, default=2, help="number of properties (default 2)")
    parser.add_argument("--days", type=int, default=365, help="days of history per property (default 365)")
    parser.add_argument("--cardinality", type=int, default=20, help="values per high-cardinality dimension")
    parser.add_argument("--seed", type=int, default=GA4Options.seed)
    parser.add_argument(
        "--key-file",
        type=Path,
        default=Path(tempfile.gettempdir()) / "sandbox-ga4" / "service-account.json",
        help="where to write the service-account key file",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request")
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if arguments.verbose else logging.WARNING)
    options = GA4Options(
        property_ids=tuple(str(FIRST_PROPERTY_ID + index) for index in range(arguments.properties)),
        days=arguments.days,
        cardinality=arguments.cardinality,
        seed=arguments.seed,
    )
    stop = threading.Event()

    def request_stop(_signal: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    with FakeGA4(options) as ga4:
        key_file = ga4.new_service_account().write(arguments.key_file)
        announcement = {
            "url": ga4.url,
            "token_uri": ga4.token_uri,
            "property_ids": ga4.property_ids,
            "service_account_key_file": str(key_file),
            "oauth": {
                "client_id": options.oauth_client.client_id,
                "client_secret": options.oauth_client.client_secret,
                "refresh_token": ga4.new_refresh_token(),
            },
        }
        print(json.dumps(announcement), flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
