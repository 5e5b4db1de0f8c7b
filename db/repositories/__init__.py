"""Repositories: the only code that builds queries."""
