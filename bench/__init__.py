"""Benchmarks (not shipped with Haven). See bench/ack/README.md."""
