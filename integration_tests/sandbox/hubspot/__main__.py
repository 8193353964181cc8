"""`python -m sandbox.hubspot --contacts 5000`: serve a fake HubSpot until interrupted.

Prints one JSON line with the base URL and ready-to-use credentials (a private-app token and
the OAuth client + refresh token), so `make demo` and people can point a connector at it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import signal
import sys
import threading
from collections.abc import Sequence

from sandbox.faults import Fault
from sandbox.hubspot import FakeHubSpot, HubSpotScenario


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.hubspot", description=__doc__)
    parser.add_argument("--contacts", type=int, default=5_000, help="number of contacts (100 to 1,000,000)")
    parser.add_argument(
        "--shared-timestamp-contacts", type=int, default=0, help="contacts sharing one lastmodifieddate"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--burst-limit",
        type=int,
        default=HubSpotScenario.burst_limit,
        help="requests per 10 s (default: HubSpot's 190; benchmarks raise it to measure the connector alone)",
    )
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0,
        help="answer every request this late (real HubSpot takes 100-300 ms; for concurrency benchmarks)",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request")
    parser.add_argument("--port", type=int, default=0, help="only 0 (an ephemeral port) is supported")
    arguments = parser.parse_args(argv)
    if arguments.port != 0:
        parser.error("the sandbox binds an ephemeral port; pass --port 0 and read the URL it prints")
    logging.basicConfig(level=logging.DEBUG if arguments.verbose else logging.WARNING)
    scenario = HubSpotScenario(
        contacts=arguments.contacts,
        shared_timestamp_contacts=arguments.shared_timestamp_contacts,
        seed=arguments.seed,
        burst_limit=arguments.burst_limit,
    )
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    with FakeHubSpot(scenario) as server:
        if arguments.latency_ms:
            server.faults.add(Fault.slow(arguments.latency_ms / 1000, every=1, name="latency"))
        credentials = {
            "url": server.url,
            "private_app_token": scenario.private_app_token,
            "client_id": scenario.client_id,
            "client_secret": scenario.client_secret,
            "refresh_token": scenario.refresh_token,
        }
        print(json.dumps(credentials), flush=True)
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C ends the demo server quietly
            stopped.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
