"""The conformance matrix: every Charging-Station test case of Part 6 in the Core,
Advanced Security, Local Authorization List Management, Smart Charging and Reservation
certification profiles, whether it applies to this station, and the tests that cover it.

The data is ``docs/conformance.toml``: one entry per test case with its title, its profile
and, for a conditional case, the Part 5 condition (``when``) over the PICS items. Whether
a case applies is computed from ``station pics`` for the reference hardware (two AC
EVSEs, one phase, fixed Type 1 cables), so a feature that lands flips its cases to
applicable without an edit here. An applicable case names its tests (``tests``, as
``file::function`` under ``tests/``) or says what is missing (``missing``).

    python tools/conformance.py           # write docs/conformance.md
    python tools/conformance.py --check   # exit 1 if the matrix is broken or the doc stale
    python tools/conformance.py --local-authorization claimed   # counts as if claimed

The check fails when a named test does not exist, when an applicable case has neither a
test nor a ``missing`` entry, or when ``docs/conformance.md`` is not what this writes.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeGuard

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "docs" / "conformance.toml"
DOC = ROOT / "docs" / "conformance.md"
TESTS = ROOT / "tests"

Answers = Mapping[str, object]


class MatrixError(ValueError):
    """The matrix data cannot be read or evaluated."""


# -- Conditions ---------------------------------------------------------------------------
# A condition is Part 5's "Feature no." column in a small grammar:
#   expr := term ("or" term)* ; term := factor ("and" factor)*
#   factor := "not" factor | "(" expr ")" | ID [">" NUMBER]
# where ID is a PICS item ("C-09.1", "HFS-8", "P-SmartCharging") or a fact of the data file.

_TOKEN = re.compile(r"\s*(?:(\()|(\))|(>)|(\d+)(?![\w.-])|([A-Za-z][\w]*(?:-[\w]+)*(?:\.\d+)?))")


def _tokens(text: str) -> list[str]:
    tokens, at = [], 0
    text = text.strip()
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None or match.end() == at:
            raise MatrixError(f"cannot read condition {text!r} at {text[at:]!r}")
        tokens.append(match.group(match.lastindex or 0))
        at = match.end()
        while at < len(text) and text[at].isspace():
            at += 1
    return tokens


def evaluate(condition: str, answers: Answers) -> bool:
    """Whether ``condition`` holds for these PICS answers (an unknown id is an error)."""
    tokens = _tokens(condition)
    position = 0

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> str:
        nonlocal position
        if position >= len(tokens):
            raise MatrixError(f"condition {condition!r} ends too early")
        position += 1
        return tokens[position - 1]

    def expr() -> bool:
        value = term()
        while peek() == "or":
            take()
            value = term() or value
        return value

    def term() -> bool:
        value = factor()
        while peek() == "and":
            take()
            value = factor() and value
        return value

    def factor() -> bool:
        token = take()
        if token == "not":
            return not factor()
        if token == "(":
            value = expr()
            if take() != ")":
                raise MatrixError(f"condition {condition!r}: ')' expected")
            return value
        if token not in answers:
            raise MatrixError(f"condition {condition!r}: unknown PICS item {token!r}")
        answer = answers[token]
        if peek() == ">":
            take()
            return float(answer) > float(take())  # type: ignore[arg-type]
        return bool(answer)

    result = expr()
    if position != len(tokens):
        raise MatrixError(f"condition {condition!r}: unexpected {tokens[position]!r}")
    return result


# -- The matrix ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One test case of the matrix, with its verdict for this station."""

    id: str
    title: str
    profile: str
    when: str
    tests: tuple[str, ...]
    missing: str
    note: str
    applies: bool

    @property
    def block(self) -> str:
        """The Part 6 block letter (A, B, ...)."""
        return self.id.split("_")[1]

    @property
    def covered(self) -> bool:
        """Applicable and named by at least one test."""
        return self.applies and bool(self.tests)


def pics_answers(
    facts: Mapping[str, object], *, local_authorization: bool | None = None
) -> dict[str, object]:
    """The PICS answers of the reference hardware, plus the data file's facts.

    ``local_authorization`` answers as if ``station.pics.LOCAL_AUTHORIZATION_CLAIMED`` were
    that value (None: as it is), to see the matrix before or after the claim."""
    sys.path.insert(0, str(ROOT))
    from station import pics

    claimed = pics.LOCAL_AUTHORIZATION_CLAIMED
    if local_authorization is not None:
        pics.LOCAL_AUTHORIZATION_CLAIMED = local_authorization
    try:
        answers: dict[str, object] = dict(
            pics.answers_by_id(pics.Station.from_topology(pics.DEFAULT_TOPOLOGY))
        )
    finally:
        pics.LOCAL_AUTHORIZATION_CLAIMED = claimed
    answers.update(facts)
    return answers


def load(
    path: Path = DATA, *, local_authorization: bool | None = None
) -> tuple[list[Case], dict[str, object]]:
    """The cases of the data file, evaluated against the PICS; also the answers used.
    ``local_authorization``: see `pics_answers`."""
    with path.open("rb") as file:
        data = tomllib.load(file)
    answers = pics_answers(data.get("facts", {}), local_authorization=local_authorization)
    cases = []
    for case_id, entry in data["cases"].items():
        unknown = set(entry) - {"title", "profile", "when", "tests", "missing", "note"}
        if unknown:
            raise MatrixError(f"{case_id}: unknown keys {sorted(unknown)}")
        when = entry.get("when", "")
        cases.append(
            Case(
                id=case_id,
                title=entry["title"],
                profile=entry["profile"],
                when=when,
                tests=tuple(entry.get("tests", ())),
                missing=entry.get("missing", ""),
                note=entry.get("note", ""),
                applies=evaluate(when, answers) if when else True,
            )
        )
    return cases, answers


def existing_tests(tests_dir: Path = TESTS) -> set[str]:
    """``file::function`` of every test pytest collects (and ``file::TestClass::method``)."""
    found = set()
    for path in sorted(tests_dir.glob("test_*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in tree.body:
            if _is_test(node):
                found.add(f"{path.name}::{node.name}")
            elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                found.update(
                    f"{path.name}::{node.name}::{item.name}" for item in node.body if _is_test(item)
                )
    return found


def _is_test(node: ast.stmt) -> TypeGuard[ast.FunctionDef | ast.AsyncFunctionDef]:
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith(
        "test_"
    )


def problems(cases: list[Case], tests: set[str]) -> list[str]:
    """What is wrong with the matrix: unknown tests, applicable cases not accounted for."""
    found = []
    for case in cases:
        for test in case.tests:
            if test not in tests:
                found.append(f"{case.id}: test {test} does not exist")
        if case.applies and not case.tests and not case.missing:
            found.append(
                f"{case.id} applies (when: {case.when or 'mandatory'}) but names no test "
                "and no 'missing' entry"
            )
        if case.tests and case.missing:
            found.append(f"{case.id}: names tests and 'missing' at once; say which holds")
    return found


# -- The document -------------------------------------------------------------------------

_BLOCKS = {
    "A": "Security",
    "B": "Provisioning",
    "C": "Authorization",
    "D": "Local authorization list management",
    "E": "Transactions",
    "F": "Remote control",
    "G": "Availability",
    "H": "Reservation",
    "J": "Meter values",
    "K": "Smart charging",
    "L": "Firmware management",
    "M": "Certificate management",
    "N": "Diagnostics",
    "P": "Data transfer",
}


#: The Profile column's abbreviations (Core is written out).
PROFILE_SHORT = {
    "Advanced Security": "AS",
    "Local Authorization List Management": "LA",
    "Smart Charging": "SC",
    "Reservation": "R",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _verdict(case: Case, answers: Answers) -> str:
    if not case.applies:
        named = dict.fromkeys(t for t in _tokens(case.when) if t in answers)
        values = ", ".join(f"{t}: {_answer(answers[t])}" for t in named)
        reason = f"not applicable: `{case.when}` is false ({values})"
        if case.tests:  # ready for when the station claims what the case needs
            reason += "; tested by " + ", ".join(f"`{t}`" for t in case.tests)
        return reason + (f"; {case.note}" if case.note else "")
    if case.tests:
        text = "<br>".join(f"`{t}`" for t in case.tests)
        return text + (f"<br>{case.note}" if case.note else "")
    return f"**not yet covered**: {case.missing}"


def _answer(value: object) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def counts(cases: list[Case]) -> tuple[int, int, int, int]:
    """(applicable, covered, not applicable, not yet covered)."""
    applicable = sum(c.applies for c in cases)
    covered = sum(c.covered for c in cases)
    return applicable, covered, len(cases) - applicable, applicable - covered


def render(cases: list[Case], answers: Answers) -> str:
    """docs/conformance.md."""
    blocks: dict[str, list[Case]] = {}
    for case in sorted(cases, key=lambda c: (c.block, int(c.id.split("_")[2]))):
        blocks.setdefault(case.block, []).append(case)
    lines = [
        "# Conformance matrix (OCPP 2.0.1, Part 6 test cases)",
        "",
        "<!-- Generated by `python tools/conformance.py` from docs/conformance.toml; "
        "do not edit. -->",
        "",
        "Every Charging-Station test case of the Core, Advanced Security, Local Authorization "
        "List Management, Smart Charging and Reservation certification profiles (Part 5 §4.2, "
        "§4.3, §4.4, §4.5, §4.7). A case applies "
        "unless its Part 5 "
        "condition is false "
        "for this station's PICS (`station pics`, reference hardware: "
        f"{answers['HFS-8']} AC EVSEs, fixed cable, one phase). A covered case names the "
        "tests that exercise its main validations (`tests/FILE::FUNCTION`); an applicable "
        "case without one says what is missing.",
        "",
        "| Block | Applicable | Covered | Not applicable | Not yet covered |",
        "|---|---:|---:|---:|---:|",
    ]
    for block, members in blocks.items():
        a, c, n, u = counts(members)
        lines.append(f"| {block} {_BLOCKS.get(block, '')} | {a} | {c} | {n} | {u} |")
    a, c, n, u = counts(cases)
    lines.append(f"| **All** | **{a}** | **{c}** | **{n}** | **{u}** |")
    for block, members in blocks.items():
        a, c, n, u = counts(members)
        lines += [
            "",
            f"## {block}: {_BLOCKS.get(block, '')}",
            "",
            f"Applicable {a}, covered {c}, not applicable {n}, not yet covered {u}.",
            "",
            "| Test case | Title | Profile | Covered by / why not |",
            "|---|---|---|---|",
        ]
        for case in members:
            profile = PROFILE_SHORT.get(case.profile, case.profile)
            lines.append(
                f"| {case.id} | {_cell(case.title)} | {profile} | "
                f"{_cell(_verdict(case, answers))} |"
            )
    uncovered = [c for c in cases if c.applies and not c.tests]
    if uncovered:
        lines += ["", "## Applicable, not yet covered", ""]
        lines += [f"- {c.id} ({_cell(c.title)}): {c.missing}" for c in uncovered]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write docs/conformance.md, or check the matrix and the doc (``--check``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 on a problem")
    parser.add_argument(
        "--local-authorization",
        choices=("claimed", "unclaimed"),
        help="only print the counts and problems as if the PICS claimed the Authorization "
        "Cache and the Local Authorization List (or not); writes nothing",
    )
    args = parser.parse_args(argv)
    if args.local_authorization is not None:
        cases, _ = load(local_authorization=args.local_authorization == "claimed")
        a, c, n, u = counts(cases)
        print(
            f"local authorization {args.local_authorization}: {a} applicable, {c} covered, "
            f"{n} not applicable, {u} not yet covered"
        )
        found = problems(cases, existing_tests())
        for problem in found:
            print(problem, file=sys.stderr)
        return 1 if found else 0
    cases, answers = load()
    text = render(cases, answers)
    if not args.check:
        DOC.write_text(text)
        a, c, n, u = counts(cases)
        print(
            f"wrote {DOC.relative_to(ROOT)}: {a} applicable, {c} covered, "
            f"{n} not applicable, {u} not yet covered"
        )
        return 0
    found = problems(cases, existing_tests())
    if not DOC.exists() or DOC.read_text() != text:
        found.append("docs/conformance.md is out of date: run `python tools/conformance.py`")
    for problem in found:
        print(problem, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
