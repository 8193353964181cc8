"""Benchmarks run by `make bench`: throughput and peak memory, each in a fresh child process."""
