"""The table of every route and who may call it, generated from the app.

    python -m gateway.route_table            # print it (Markdown)
    python -m gateway.route_table --write    # put it into README.md

README.md shows it between the markers below; a test fails when the
README's copy differs from what the code declares.
"""
from __future__ import annotations

import sys
from pathlib import Path

from flask import Flask
from flask_openapi3.utils import parse_rule

from gateway.access import EXEMPT_ENDPOINTS, access_of

START_MARKER = "<!-- routes:start -->"
END_MARKER = "<!-- routes:end -->"
README = Path(__file__).resolve().parent.parent / "README.md"

_METHOD_ORDER = ("GET", "POST", "PUT", "PATCH", "DELETE")


def route_rows(app: Flask) -> list[tuple[str, str, str]]:
    """(method, path, who may call it) for every route, by path then method."""
    rows = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXEMPT_ENDPOINTS:
            continue
        access = access_of(app.view_functions.get(rule.endpoint))
        who = access.describe() if access is not None else "**nobody: no declaration**"
        for method in sorted(set(rule.methods or ()) - {"HEAD", "OPTIONS"}, key=_METHOD_ORDER.index):
            rows.append((method, parse_rule(rule.rule), who))
    return sorted(rows, key=lambda row: (row[1], _METHOD_ORDER.index(row[0])))


def markdown_table(app: Flask) -> str:
    lines = ["| method | path | who may call it |", "|---|---|---|"]
    lines += [f"| {method} | `{path}` | {who} |" for method, path, who in route_rows(app)]
    return "\n".join(lines) + "\n"


def readme_section(table: str) -> str:
    return f"{START_MARKER}\n{table}{END_MARKER}"


def table_in_readme(text: str) -> str | None:
    """The table between the markers, or None without them."""
    start, end = text.find(START_MARKER), text.find(END_MARKER)
    if start < 0 or end < start:
        return None
    return text[start + len(START_MARKER):end].lstrip("\n")


def write_readme(table: str, readme: Path = README) -> None:
    text = readme.read_text(encoding="utf-8")
    start, end = text.find(START_MARKER), text.find(END_MARKER)
    if start < 0 or end < start:
        raise SystemExit(f"{readme}: markers {START_MARKER} … {END_MARKER} not found")
    readme.write_text(text[:start] + readme_section(table) + text[end + len(END_MARKER):], encoding="utf-8")


def _app() -> Flask:
    from gateway.app import create_app
    from services.common.settings import Settings

    # Default settings: the table does not depend on addresses, and nothing connects.
    return create_app(Settings())


def main(argv: list[str]) -> None:
    table = markdown_table(_app())
    if "--write" in argv:
        write_readme(table)
    else:
        sys.stdout.write(table)


if __name__ == "__main__":
    main(sys.argv[1:])
