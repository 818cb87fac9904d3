"""tests/compat holds data: projects the compatibility tests copy and run in their own sessions."""

collect_ignore = ["cookiecutter_qa"]
