"""Reports built on step events (hookspecs.py): the console lines, JUnit, pytest-html, Allure."""
