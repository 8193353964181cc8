"""The cost guard: nothing runs that BigQuery estimates above `maximum_bytes_billed`.

Every query is dry-run first (free; BigQuery answers how many bytes it would process) and every
Storage Read session on a table says how many bytes it would scan. Above the configured maximum
the sync stops before reading anything, with a config_error that quotes the estimate. Queries
also carry the maximum to BigQuery, which refuses to bill more even if the estimate was low.
"""

from __future__ import annotations

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

_UNITS = ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB")


def guard(maximum_bytes: int | None, estimated_bytes: int, what: str) -> None:
    """Raise a config_error if `what` ("The query for stream 'x'") would exceed the maximum."""
    if maximum_bytes is None or estimated_bytes <= maximum_bytes:
        return
    message = (
        f"{what} would process {readable(estimated_bytes)} ({estimated_bytes:,} bytes, BigQuery's estimate), "
        f"more than `maximum_bytes_billed` allows ({readable(maximum_bytes)}). Nothing was run. Select fewer "
        "columns, filter rows (a partition filter reads less), or raise `maximum_bytes_billed`."
    )
    raise AirbyteTracedException(
        message=message, internal_message=message, failure_type=FailureType.config_error
    )


def readable(size: int) -> str:
    """`1.5 GiB`: sizes in binary units, as BigQuery's console shows them."""
    value, unit = float(size), 0
    while value >= 1024 and unit < len(_UNITS) - 1:
        value, unit = value / 1024, unit + 1
    return f"{size} bytes" if unit == 0 else f"{value:.1f} {_UNITS[unit]}"
