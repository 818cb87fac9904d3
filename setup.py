from pathlib import Path

from setuptools import find_packages, setup

setup(
    name="pytest-play",
    version="3.0.0.dev0",
    description="pytest plugin: test scenarios as JSON/YAML steps for browser, HTTP, SQL and messaging",
    long_description=Path(__file__).with_name("README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="Apache-2.0",  # an SPDX expression: setuptools warns about a license classifier too
    packages=find_packages(include=["pytest_play", "pytest_play.*"]),
    package_data={"pytest_play": ["py.typed"]},
    python_requires=">=3.10",
    # The lower bounds are what .ci/constraints-oldest.txt pins and `nox -s tests_oldest`
    # installs and tests on Python 3.11: raise a bound there and here together.
    install_requires=[
        # pytest 8 shows a failure's reason in the short test summary only for a
        # longrepr with a reprcrash: pytest_play's reports carry one (report.FailureText).
        "pytest>=8,<10",
        "pytest-variables>=3,<4",
        "PyYAML>=6,<7",
        "splinter>=0.21,<0.22",
        # 4.32: RemoteConnection.client_config (providers/selenium/launch.py); 4.40: the
        # suite reads a Chrome WebDriver's .options (tests/test_browser_launch.py).
        "selenium>=4.40,<5",
        "requests>=2.31,<3",
        "jmespath>=1,<2",
        # 2.0.41: an unparsable URL's error no longer repeats the URL (and its password).
        "SQLAlchemy>=2.0.41,<3",
        "paho-mqtt>=2,<3",
        "websocket-client>=1.8,<2",  # selenium 4.40 requires ~=1.8
    ],
    extras_require={
        # pytest-splinter's browser fixtures and --splinter-* options; pytest-play
        # runs browser steps without it.
        "splinter": ["pytest-splinter>=3.3,<4"],
        # Step-level reports (--html, --alluredir) and TestRail upload (TESTRAIL_ENABLE).
        # pytest-metadata 3: its metadata_key (the variables files in the Environment table).
        "html": ["pytest-html>=4.1.1,<5", "pytest-metadata>=3,<4"],
        "allure": ["allure-pytest>=2.13.5,<3", "allure-python-commons>=2.13.5,<3"],
        "testrail": ["trcli>=1.12,<2"],
        # --stats-d: pytest-play 2.x's metrics through pytest-statsd's client.
        "statsd": ["pytest-statsd>=1.1.6,<2", "statsd>=4.0.1,<5"],
        # Gherkin features whose steps are pytest-play steps.
        "bdd": ["pytest-bdd>=9,<10"],
        # Everything the test suite imports or runs (tests/, demo_app/).
        "test": [
            "pytest-splinter>=3.3,<4",
            "pytest-html>=4.1.1,<5",
            "pytest-metadata>=3,<4",
            "allure-pytest>=2.13.5,<3",
            "allure-python-commons>=2.13.5,<3",
            "trcli>=1.12,<2",
            "pytest-bdd>=9,<10",
            "pytest-xdist>=3.5,<4",
            "pytest-repeat>=0.9.3,<1",
            "pytest-randomly>=3.15,<5",
            "hypothesis>=6.139,<7",  # settings.get_current_profile_name (tests/hypothesis_profiles.py)
            "Flask>=3,<4",
            "flask-sock>=0.7,<1",
            "Werkzeug>=3,<4",
            # 3.1.4: the first psycopg-binary with wheels for Python 3.11.
            "psycopg[binary]>=3.1.4,<4",
            # 4.0.1: 4.0.0 is yanked, so ">=4" never installs it.
            "jsonschema>=4.0.1,<5",
            "cryptography>=42,<51",
            "packaging>=23,<27",
        ],
    },
    entry_points={
        "pytest11": [
            "play = pytest_play.plugin",
            "play_browser = pytest_play.providers.selenium.driver",
            "play_text = pytest_play.playtext",
            "play_reports = pytest_play.reporting",
            "play_bdd = pytest_play.bdd",
        ],
        "playcommands": [
            "python = pytest_play.providers.python:PythonProvider",
            "include = pytest_play.providers.include:IncludeProvider",
            "metrics = pytest_play.providers.metrics:MetricsProvider",
            "selenium = pytest_play.providers.selenium:SeleniumProvider",
            "play_requests = pytest_play.providers.http:HttpProvider",
            "play_sql = pytest_play.providers.sql:SqlProvider",
            "mqtt = pytest_play.providers.mqtt:MqttProvider",
            "play_websocket = pytest_play.providers.websocket:WebsocketProvider",
        ],
    },
    classifiers=[
        "Framework :: Pytest",
        "Programming Language :: Python :: 3",
    ],
)
