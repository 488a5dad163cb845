"""Benchmarks: measured, printed and recorded in benchmarks/README.md; never asserted."""
