"""python -m pytest_play.convert's argument errors, as a user meets them: a --test
name that is not in the project, and a .yml file given as -o for a project of
several tests (it used to become a folder named test_x.yml)."""

import subprocess
import sys
from pathlib import Path

SIDE = Path(__file__).parent / "recordings" / "side_demo.side"


def convert(*args, cwd):
    return subprocess.run([sys.executable, "-m", "pytest_play.convert", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=60)


def test_a_misspelled_test_name_gets_the_closest_ones(tmp_path):
    done = convert(SIDE, "--test", "log inn", "-o", tmp_path / "test_login.yml", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == f"{SIDE}: no test named 'log inn' (did you mean 'log in'?)\n"
    assert list(tmp_path.iterdir()) == []


def test_a_name_like_none_lists_the_tests(tmp_path):
    done = convert(SIDE, "--test", "zzz", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith(f"{SIDE}: no test named 'zzz' (its tests: 'log in', 'choose a city', ")


def test_a_yml_file_for_a_project_of_several_tests_is_refused(tmp_path):
    done = convert(SIDE, "-o", tmp_path / "test_shop.yml", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == (f"{SIDE} has 5 tests: give -o DIRECTORY (not the file {tmp_path / 'test_shop.yml'}), "
                           "or --test NAME\n")
    assert list(tmp_path.iterdir()) == []


def test_a_folder_gets_one_file_per_test(tmp_path):
    done = convert(SIDE, "-o", tmp_path / "shop", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(path.name for path in (tmp_path / "shop").iterdir()) == [
        "test_choose_a_city.yml", "test_create_an_item.yml", "test_frame_and_new_window.yml",
        "test_hover_menu.yml", "test_log_in.yml"]
