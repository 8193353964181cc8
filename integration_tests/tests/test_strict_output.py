"""The CDK's test wrapper, as every test sees it, refuses output that is not an Airbyte message."""

import logging

import pytest
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput

from sandbox.protocol import ProtocolViolation, parse_output

VALID_LOG = '{"type": "LOG", "log": {"level": "INFO", "message": "hello"}}'


def test_valid_messages_are_read() -> None:
    output = EntrypointOutput(messages=[VALID_LOG])
    assert [message.log.message for message in output.logs] == ["hello"]


@pytest.mark.parametrize(
    "line",
    [
        "plain text printed by a library",
        '{"type": "RECORD", "record": {"stream": "contacts"}}',  # no data, no emitted_at
        '{"type": "STATE", "state": {"type": "NOT_A_STATE_TYPE"}}',
    ],
)
def test_invalid_lines_fail_the_test(line: str) -> None:
    with pytest.raises(ProtocolViolation):
        EntrypointOutput(messages=[VALID_LOG, line])


def test_a_line_separator_inside_a_json_string_does_not_split_the_message() -> None:
    text = '{"type": "LOG", "log": {"level": "INFO", "message": "before\u2028after"}}\n'

    (message,) = parse_output(text)

    assert message.log.message == "before\u2028after"


def test_a_debug_run_raises_the_cdk_logger_to_debug() -> None:
    # What the CDK's entrypoint does for `--debug` (the test wrapper's `discover` always passes it).
    logging.getLogger("airbyte").setLevel(logging.DEBUG)

    assert logging.getLogger("airbyte.HttpClient").isEnabledFor(logging.DEBUG)


def test_the_next_test_starts_with_the_level_it_had_before() -> None:
    # Runs after the test above (pytest keeps the file's order): its level did not leak.
    assert not logging.getLogger("airbyte.HttpClient").isEnabledFor(logging.DEBUG)
