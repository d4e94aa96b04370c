"""Runnable examples; a package so tests can import them and mypy can name them."""
