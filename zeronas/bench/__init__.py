"""Benchmark harness: precomputed score tables, replayed seeded searches, and the reports built on them."""
