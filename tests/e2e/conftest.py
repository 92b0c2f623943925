"""Fixtures of the end-to-end tests."""

from tests.e2e.paperwork_window import demo_db, demo_template  # noqa: F401  (fixtures)
