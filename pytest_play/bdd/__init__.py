"""Gherkin features run by pytest-bdd, with steps written as pytest-play steps."""
