"""Benchmarks: command-line measurements, run by hand (`uv run python -m benchmarks.<name>`), never by pytest."""
