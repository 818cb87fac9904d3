"""pytest-play: run test scenarios written as JSON or YAML steps with pytest."""

__version__ = "3.0.0.dev0"
