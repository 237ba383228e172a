"""End-to-end tests: the real pulumi CLI (see conftest.py and README-notes.md)."""
