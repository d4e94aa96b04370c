"""Benchmarks of clerk-orgs-async against bare aiohttp and the official SDK (see README.md)."""
