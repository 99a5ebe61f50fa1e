"""Weekly paper statements, subgroups and the timetable generator in the browser (J7, J4, S1)."""
from __future__ import annotations

import re
import time

import pytest

from tests.browser.demo_ids import SCHOOL, class_id, subject_id

pytestmark = [pytest.mark.embedded, pytest.mark.xdist_group("browser")]  # one running system


@pytest.mark.timeout(300)  # run first, it waits for notify to work through the demo's backlog
def test_j7_class_teacher_downloads_a_weekly_paper_statement(client):
    client.sign_in("classteacher")
    page = client.page
    student = SCHOOL.classes[0].students[5].full_name
    # The parents of one student declined electronic access: noted in the personal data (J1).
    page.get_by_role("link", name="Мой класс").click()
    page.get_by_role("rowheader", name=re.compile(student)).get_by_role("link", name="личные данные").click()
    page.get_by_role("heading", name=f"Личные данные: {student}").wait_for()
    for box in page.get_by_label(re.compile("Пользуется электронным журналом")).all():
        box.uncheck()
    page.get_by_role("button", name="Сохранить").click()
    page.get_by_role("status").filter(has_text="Сохранено").wait_for()
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=student))
    page.get_by_role("link", name="Бумажные выписки").click()
    started = time.monotonic()
    while True:  # the notify service learns of it from the journal's events, after the demo's backlog
        page.get_by_role("heading", name="Бумажные выписки за неделю").wait_for()
        if row.count() or time.monotonic() - started > 180:
            break
        page.wait_for_timeout(2000)
        page.reload()
    assert row.count() == 1, page.locator("main").inner_text()
    week = page.locator("#statements-week").inner_text()
    page.get_by_role("button", name="← Предыдущая неделя").click()
    page.locator("#statements-week").filter(has_not_text=week).wait_for()
    with page.expect_download() as download_info:
        row.get_by_role("link", name=re.compile(f"^Скачать PDF: {re.escape(student)}")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    client.check_accessibility()
    client.screenshot("weekly-statements")


def test_j4_administrator_sees_subgroups_and_a_mid_period_move_is_refused(client):
    client.sign_in("admin")
    page = client.page
    page.get_by_role("link", name="Подгруппы").click()
    page.get_by_role("heading", name="Подгруппы", exact=True).wait_for()
    page.get_by_label("Класс", exact=True).select_option(label="9Б")
    page.wait_for_function("id => document.querySelector('#subgroups-class')?.value === id", arg=class_id("9Б"))
    page.get_by_label("Предмет", exact=True).select_option(label="Английский язык")
    page.wait_for_function("id => document.querySelector('#subgroups-subject')?.value === id",
                           arg=subject_id("Английский язык"))
    first = page.get_by_role("region", name="1 группа", exact=True)
    divide = page.get_by_role("button", name="Разделить класс")
    divide.or_(first).wait_for()
    if divide.count():  # the demo school starts undivided
        divide.click()
        page.get_by_role("status").filter(has_text="Класс разделён на подгруппы.").wait_for()
    first.wait_for()
    page.get_by_role("region", name="2 группа", exact=True).wait_for()
    student = first.get_by_role("listitem").first
    name = student.get_by_role("button").get_attribute("aria-label").removeprefix("Перевести: ")
    student.get_by_role("button").click()
    refusal = student.get_by_role("alert")
    refusal.filter(has_text="Перевод из группы в группу возможен только по окончании учебного периода").wait_for()
    assert name in first.inner_text()  # still where the student was
    client.check_accessibility()
    client.screenshot("subgroups-admin")


def test_s1_deputy_generates_a_timetable_and_sees_its_quality(client):
    pytest.importorskip("ortools.sat.python.cp_model")
    client.sign_in("deputy")
    page = client.page
    page.get_by_role("link", name="Расписание").click()
    generator = page.get_by_role("region", name="Составить расписание автоматически")
    year = generator.get_by_label("Учебный год")
    year.wait_for()
    assert "2026" in year.locator("option:checked").inner_text()
    limit = generator.get_by_label("Время на поиск, секунд")
    assert limit.input_value() == "10"
    limit.fill("3")
    generator.get_by_role("button", name="Составить").click()
    quality = generator.locator("dl.quality")
    quality.wait_for(timeout=60_000)
    text = quality.inner_text()
    assert "Размещено уроков в неделю" in text and "Окна у классов" in text
    generator.get_by_text("Все уроки размещены").or_(generator.locator("ul.unplaced")).first.wait_for()
    generator.get_by_role("button", name="Сохранить как черновик").click()
    generator.get_by_role("status").filter(has_text="Сохранено как черновик").wait_for()
    client.check_accessibility()
    client.screenshot("timetable-generator")
    # The draft opens in the grid, its lessons in their cells.
    generator.get_by_role("link", name="Открыть в сетке").click()
    page.get_by_role("heading", name=re.compile("^Недельное расписание «Составлено автоматически")).wait_for()
    page.locator("table.timetable-grid .entry").first.wait_for()
