"""The conformance matrix (docs/conformance.toml → docs/conformance.md) stays true.

It fails when a test the matrix names does not exist, when an applicable Part 6 case
has neither a test nor an explicit "missing" entry, and when docs/conformance.md is not
what tools/conformance.py writes.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import replace
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load_tool():
    spec = importlib.util.spec_from_file_location("conformance", ROOT / "tools/conformance.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["conformance"] = module
    spec.loader.exec_module(module)
    return module


conformance = _load_tool()


@pytest.fixture(scope="module")
def matrix():
    return conformance.load()


def test_every_named_test_exists_and_every_applicable_case_is_accounted_for(matrix):
    cases, _ = matrix
    assert conformance.problems(cases, conformance.existing_tests()) == []


def test_the_document_is_what_the_generator_writes(matrix):
    cases, answers = matrix
    expected = conformance.render(cases, answers)
    assert (ROOT / "docs/conformance.md").read_text() == expected, (
        "docs/conformance.md is out of date: run `python tools/conformance.py` and commit it"
    )


def test_the_matrix_holds_every_case_of_the_claimed_profiles(matrix):
    cases, _ = matrix
    by_profile = {}
    for case in cases:
        by_profile.setdefault(case.profile, []).append(case.id)
    # Part 5 §4.2, §4.3, §4.4, §4.5 and §4.7 list 222, 7, 22, 36 and 22 test cases with a
    # Charging-Station column.
    assert {p: len(ids) for p, ids in by_profile.items()} == {
        "Core": 222,
        "Advanced Security": 7,
        "Local Authorization List Management": 22,
        "Smart Charging": 36,
        "Reservation": 22,
    }
    assert all(c.id.startswith("TC_") and c.id.endswith("_CS") for c in cases)


def test_a_test_that_does_not_exist_is_reported(matrix):
    cases, _ = matrix
    case = next(c for c in cases if c.tests)
    broken = replace(case, tests=(*case.tests, "test_nothing.py::test_gone"))
    (problem,) = conformance.problems([broken], conformance.existing_tests())
    assert "test_nothing.py::test_gone does not exist" in problem


def test_an_applicable_case_without_test_or_missing_entry_is_reported(matrix):
    cases, _ = matrix
    case = next(c for c in cases if c.applies and c.tests)
    (problem,) = conformance.problems([replace(case, tests=())], conformance.existing_tests())
    assert case.id in problem and "names no test" in problem
    # Saying what is missing is an honest entry, and accepted.
    honest = replace(case, tests=(), missing="no test yet")
    assert conformance.problems([honest], conformance.existing_tests()) == []


def test_a_pics_answer_decides_which_reset_cases_apply(matrix):
    _, answers = matrix
    assert answers["C-13"] is True
    assert conformance.evaluate("C-13", answers)
    assert not conformance.evaluate("not C-13", answers)
    without = dict(answers, **{"C-13": False})
    assert conformance.evaluate("not C-13", without)


def test_a_case_that_becomes_applicable_must_be_accounted_for(tmp_path, monkeypatch, matrix):
    # A station without per-EVSE reset: TC_B_28/29 (Not Supported) apply, and the matrix
    # says nothing about them yet, so the check fails.
    text = (ROOT / "docs/conformance.toml").read_text()
    data = tmp_path / "conformance.toml"
    data.write_text(text)
    real = conformance.pics_answers
    monkeypatch.setattr(
        conformance,
        "pics_answers",
        lambda facts, **options: real(facts, **options) | {"C-13": False},
    )
    cases, _ = conformance.load(data)
    found = conformance.problems(cases, conformance.existing_tests())
    assert any(p.startswith("TC_B_28_CS applies") for p in found)
    assert any(p.startswith("TC_B_29_CS applies") for p in found)


@pytest.mark.parametrize("claimed", [False, True])
def test_the_local_authorization_claim_leaves_no_case_unaccounted_for(claimed):
    """Claiming the Authorization Cache and the Local Authorization List
    (station.pics.LOCAL_AUTHORIZATION_CLAIMED) makes their cases applicable: each must
    already name its tests, so that the claim is a one-line change."""
    cases, answers = conformance.load(local_authorization=claimed)
    assert answers["C-49"] is claimed
    assert conformance.problems(cases, conformance.existing_tests()) == []
    by_id = {c.id: c for c in cases}
    for case_id in ("TC_C_08_CS", "TC_C_46_CS", "TC_C_57_CS", "TC_E_45_CS", "TC_N_30_CS"):
        assert by_id[case_id].applies is claimed
        assert by_id[case_id].covered is claimed
    # Evaluating with the claim changes nothing for the next caller.
    assert conformance.load()[1]["C-49"] is conformance.pics_answers({})["C-49"]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("C-30 or C-31", True),
        ("C-31 or C-32", False),
        ("not AQ-2 and (C-30 or C-31 or C-32)", True),
        ("HFS-8 > 1", True),
        ("HFS-8 > 2", False),
        ("C-09.1 and (C-51 or not C-09.6)", True),
        ("not (not C-52 and (C-10.3 or C-10.4))", True),
        ("Mode12Only", False),
    ],
)
def test_conditions_are_read_as_part5_writes_them(matrix, condition, expected):
    _, answers = matrix
    assert conformance.evaluate(condition, answers) is expected


@pytest.mark.parametrize("condition", ["C-99", "C-30 and", "(C-30", "C-30 C-31", "C-30 $"])
def test_a_condition_that_cannot_be_read_is_an_error(matrix, condition):
    _, answers = matrix
    with pytest.raises(conformance.MatrixError):
        conformance.evaluate(condition, answers)
