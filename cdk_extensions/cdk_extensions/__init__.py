"""Shared building blocks for our Airbyte source connectors."""
