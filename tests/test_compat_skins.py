"""The `skins:` variables layout of pytest-play 2.x and cookiecutter-qa, in real pytest sessions.

2.x mapped the chosen skin's `base_url` to `$base_url` and each of its
`credentials: {NAME: {username, password}}` to `$NAME_name` and `$NAME_pwd`; the
skin was the `skin` fixture's (pypom-navigation's default: skin1).
"""

import textwrap

PLAY = ("-p", "no:randomly", "-p", "no:cacheprovider", "--variables", "vars.yml")

SKINS = """\
skins:
  skin1:
    base_url: http://one.example
    credentials:
      Administrator: {username: admin1, password: Sup3r-S3cret-1}
      Editor: {username: editor1, password: Ed1tor-S3cret}
  skin2:
    base_url: http://two.example
    credentials:
      Administrator: {username: admin2, password: Sup3r-S3cret-2}
pytest-play:
  base_url: http://namespace.example
  timeout: 5
"""


def project(pytester, scenario, variables=SKINS):
    pytester.makefile(".yml", vars=variables)
    pytester.makefile(".yml", test_login=textwrap.dedent(scenario))


CHECK = """\
- type: assert
  expression: "'$base_url' == '{url}' and '$Administrator_name' == '{user}' and timeout == 5"
"""


def test_the_first_skin_gives_base_url_and_each_credential_a_name_and_a_pwd(pytester):
    project(pytester, CHECK.format(url="http://one.example", user="admin1") + """\
- type: assert
  expression: "'$Editor_name' == 'editor1' and '$Editor_pwd' == 'Ed1tor-S3cret'"
""")
    pytester.runpytest(*PLAY).assert_outcomes(passed=1)


def test_play_skin_option_and_ini_pick_another_skin(pytester):
    project(pytester, CHECK.format(url="http://two.example", user="admin2"))
    pytester.runpytest(*PLAY, "--play-skin", "skin2").assert_outcomes(passed=1)
    pytester.makeini("[pytest]\nplay_skin = skin2\n")
    pytester.runpytest(*PLAY).assert_outcomes(passed=1)
    pytester.runpytest(*PLAY, "--play-skin", "skin1").assert_outcomes(failed=1)  # the option wins


def test_a_skin_fixture_picks_the_skin_as_pypom_navigation_s_did(pytester):
    pytester.makeconftest("""
        import pytest

        @pytest.fixture(scope="session")
        def skin():
            return "skin2"
    """)
    project(pytester, CHECK.format(url="http://two.example", user="admin2"))
    pytester.runpytest(*PLAY).assert_outcomes(passed=1)


def test_a_parametrized_skin_fixture_asks_for_play_skin_and_play_skin_runs_it(pytester):
    pytester.makeconftest("""
        import pytest

        @pytest.fixture(scope="session", params=["skin1", "skin2"])
        def skin(request):
            return request.param
    """)
    project(pytester, CHECK.format(url="http://two.example", user="admin2"))
    result = pytester.runpytest(*PLAY)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["test_login.yml: the 'skin' fixture is parametrized, and a scenario runs with one "
                                 "skin: choose it with --play-skin NAME or the ini option play_skin"])
    pytester.runpytest(*PLAY, "--play-skin", "skin2").assert_outcomes(passed=1)


def test_a_skin_password_is_masked_in_the_failure_and_the_junit_xml(pytester):
    project(pytester, """\
- type: assert
  comment: logging in as $Administrator_name
  expression: "'$Administrator_pwd' == 'wrong' and skins['skin1']['credentials'] == 'shown?'"
""")
    result = pytester.runpytest(*PLAY, "--junitxml", "out.xml")
    result.assert_outcomes(failed=1)
    text = result.stdout.str() + (pytester.path / "out.xml").read_text()
    result.stdout.fnmatch_lines(["  assertion is false: '*****' == 'wrong' and *"])
    assert "Sup3r-S3cret" not in text and "Ed1tor-S3cret" not in text


def test_an_unknown_skin_fails_each_test_with_the_known_ones(pytester):
    project(pytester, CHECK.format(url="x", user="y"))
    result = pytester.runpytest(*PLAY, "--play-skin", "skin3")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "test_login.yml: skin 'skin3' is not under 'skins:' in the --variables files (did you mean 'skin2' or 'skin1'?) "
        "(known: skin1, skin2); choose one with --play-skin NAME or the ini option play_skin"])
    assert "Traceback" not in result.stdout.str()


def test_without_skin1_the_default_is_refused_rather_than_guessed(pytester):
    project(pytester, CHECK.format(url="x", user="y"),
            variables="skins:\n  prod: {base_url: http://prod.example}\n")
    result = pytester.runpytest(*PLAY)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["test_login.yml: skin 'skin1' is not under 'skins:' *(known: prod)*"])


def test_validation_knows_the_names_a_skin_gives(pytester):
    project(pytester, """\
- {type: assert, expression: "'$base_url' and '$Administrator_name' and '$Administrator_pwd'"}
- {type: assert, expression: "'$Guest_name'"}
""")
    result = pytester.runpytest(*PLAY, "--play-validate")
    result.stdout.fnmatch_lines(["*undefined variable 'Guest_name'*", "play-validate: 1 scenario file(s) checked, "
                                 "1 problem(s) in 1 file(s)"])
