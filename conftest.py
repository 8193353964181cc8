"""Fixtures and checks shared by every test suite of the repository."""

pytest_plugins = ["sandbox.pytest_plugin", "sandbox.strict_output"]
