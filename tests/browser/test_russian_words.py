"""The web client's Russian plural forms and dates (gateway/static/i18n.js), run by Node as an ES module."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

I18N = Path(__file__).resolve().parents[2] / "gateway/static/i18n.js"

CASES = {
    0: "0 пропусков", 1: "1 пропуск", 2: "2 пропуска", 3: "3 пропуска", 4: "4 пропуска", 5: "5 пропусков",
    11: "11 пропусков", 12: "12 пропусков", 14: "14 пропусков", 15: "15 пропусков", 21: "21 пропуск",
    22: "22 пропуска", 25: "25 пропусков", 101: "101 пропуск", 111: "111 пропусков", 112: "112 пропусков",
    1004: "1004 пропуска",
}


def _run(script: str):
    node = shutil.which("node")
    if node is None:
        pytest.skip("needs Node.js (make test installs the npm tools with it)")
    source = f"import * as i18n from {json.dumps(I18N.as_uri())};\n{script}"
    result = subprocess.run([node, "--input-type=module", "-e", source], capture_output=True, text=True, timeout=30,
                            check=True)
    return json.loads(result.stdout)


def test_plural_forms_of_absences_marks_and_lessons():
    counts = list(CASES)
    words = _run(f"console.log(JSON.stringify({json.dumps(counts)}.map(n => i18n.countOf(n, i18n.WORDS.absence))))")
    assert dict(zip(counts, words)) == CASES
    assert _run("console.log(JSON.stringify([1, 3, 7].map(n => i18n.countOf(n, i18n.WORDS.mark))))") == [
        "1 отметка", "3 отметки", "7 отметок"]
    assert _run("console.log(JSON.stringify([21, 24, 40].map(n => i18n.countOf(n, i18n.WORDS.lesson))))") == [
        "21 урок", "24 урока", "40 уроков"]
    assert _run("console.log(JSON.stringify([1, 2, 21, 25, 28].map(n => i18n.countOf(n, i18n.WORDS.seat))))") == [
        "1 место", "2 места", "21 место", "25 мест", "28 мест"]


def test_dates_and_decimals_in_russian():
    assert _run("console.log(JSON.stringify([i18n.formatWeekdayDate('2026-11-05'), i18n.formatDayMonth('2026-03-01'),"
                " i18n.formatShortDate('2026-11-05'), i18n.formatDecimal('4.25'), i18n.formatDecimal(null), i18n.formatDecimal('4')]))") == [
        "четверг, 5 ноября", "1 марта", "05.11", "4,25", "—", "4,00"]
