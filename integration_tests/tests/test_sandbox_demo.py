"""The demo entry point: its steps pass, and a failing step turns into exit code 1."""

from __future__ import annotations

import subprocess
import sys

from sandbox.demo import DemoStep, expect, run_steps


def test_python_dash_m_sandbox_demo_passes_every_sandbox_step() -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "sandbox.demo", "--sandbox-only"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "FAIL" not in finished.stdout
    assert finished.stdout.strip().endswith("9/9 demo steps passed")


def test_a_failing_step_is_reported_and_the_others_still_run() -> None:
    def broken() -> str:
        expect(429, 200, "status")
        return "unreachable"

    lines: list[str] = []
    passed = run_steps([DemoStep("broken", broken), DemoStep("fine", lambda: "all good")], lines.append)

    assert not passed
    assert lines == [
        "FAIL  broken: DemoFailure: status: expected 200, got 429",
        "ok    fine: all good",
        "1/2 demo steps passed",
    ]
