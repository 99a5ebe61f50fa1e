"""The subject teacher's journal page, driven by the keyboard only (J2, J6, A3)."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import PHONE
from tests.browser.demo_ids import SCHOOL, journal_hash, quarter_id

pytestmark = [pytest.mark.embedded, pytest.mark.xdist_group("browser")]  # one running system

GRID = "table.journal"
SAVED = re.compile(r"^Сохранено")


def _short_name(person) -> str:
    return f"{person.last_name} {person.first_name[0]}. {person.middle_name[0]}."


def _focus_grid_by_keyboard(page) -> None:
    """Tab from the top of the page until a cell of the grid has the focus."""
    page.locator("body").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.matches('td.cell')"):
            return
    raise AssertionError("Tab never reached the journal grid")


def _position(page) -> tuple[int, int]:
    return tuple(page.evaluate("() => [document.activeElement.dataset.row, document.activeElement.dataset.col]"
                               ".map(Number)"))


def _empty_cell_left_of(page, row: int, col: int) -> int:
    for candidate in range(col, -1, -1):
        if page.locator(f'{GRID} td.cell[data-row="{row}"][data-col="{candidate}"]').inner_text().strip() == "":
            return candidate
    raise AssertionError("no empty cell in the row")


def _go_to(page, row: int, col: int) -> None:
    here_row, here_col = _position(page)
    for _ in range(row - here_row):
        page.keyboard.press("ArrowDown")
    for _ in range(here_row - row):
        page.keyboard.press("ArrowUp")
    for _ in range(here_col - col):
        page.keyboard.press("ArrowLeft")
    for _ in range(col - here_col):
        page.keyboard.press("ArrowRight")
    assert _position(page) == (row, col)


def _row_of(page, person) -> int:
    names = page.locator(f"{GRID} tbody th[scope=row]").all_inner_texts()
    return names.index(_short_name(person))


def _day_of_column(page, col: int) -> str:
    """'27 ноября' from the column's header ('пятница, 27 ноября')."""
    title = page.locator(f"{GRID} thead th.lesson").nth(col).locator("abbr").get_attribute("title")
    return title.split(", ", 1)[1]


def test_j2_teacher_enters_marks_by_keyboard_and_parent_sees_them(client_factory):
    child = SCHOOL.classes[0].students[0]  # the demo parent's child in 5А
    teacher = client_factory()
    teacher.sign_in("teacher")
    page = teacher.page
    page.goto("/" + journal_hash("5А", "Математика"))
    page.locator(f"{GRID} td.cell").first.wait_for()
    teacher.check_accessibility()

    _focus_grid_by_keyboard(page)
    row = _row_of(page, child)
    start_row, start_col = _position(page)
    col = _empty_cell_left_of(page, row, start_col)
    _go_to(page, row - 1, col)
    page.keyboard.press("Enter")  # Enter goes down
    assert _position(page) == (row, col)
    cell = page.locator(f'{GRID} td.cell[data-row="{row}"][data-col="{col}"]')
    page.keyboard.type("54")
    page.keyboard.type("3")
    assert cell.inner_text() == "5 4 3"
    page.keyboard.press("Control+z")  # undo the 3
    assert cell.inner_text() == "5 4"
    page.get_by_role("status").filter(has_text=SAVED).wait_for()
    assert "dirty" not in cell.get_attribute("class")
    teacher.screenshot("journal-teacher")
    # J8: the cell's history shows both new marks, entered by this teacher.
    page.get_by_role("button", name=f"История клетки: {_short_name(child)}").click()
    history = page.locator("#cell-history li")
    history.first.wait_for()
    assert sorted(item.split("→ ")[1].split(" ")[0] for item in history.all_inner_texts()) == ["4", "5"]
    assert all("(вы)" in item for item in history.all_inner_texts())

    page.reload()
    cell = page.locator(f'{GRID} td.cell[data-row="{row}"][data-col="{col}"]')
    cell.wait_for()
    assert sorted(cell.inner_text().split()) == ["4", "5"]  # both saved, in the server's order
    day = _day_of_column(page, col)

    # G1: a parent opens the diary from the menu, no period in the address: the quarter of today is taken.
    parent = client_factory(PHONE)
    parent.sign_in("parent")
    parent.page.get_by_role("link", name=f"Дневник: {child.last_name} {child.first_name}").click()
    assert parent.page.url.endswith(f"#/diary/{child.id}")
    switcher = parent.page.get_by_label("Учебный период")
    switcher.wait_for()
    assert switcher.input_value() == quarter_id(2)
    maths = parent.page.locator("table.subjects tr", has=parent.page.get_by_role("rowheader", name="Математика"))
    marks = maths.locator(f'span.mark[title^="{day}:"]')
    marks.first.wait_for()
    assert sorted(marks.all_inner_texts()) == ["4", "5"]
    assert parent.page.get_by_role("columnheader", name="Итоговая").count() == 1
    parent.check_accessibility()
    parent.screenshot("diary-parent")
    # The switcher, by the keyboard: the 1st quarter has none of today's marks.
    switcher.focus()
    parent.page.keyboard.press("ArrowUp")
    parent.page.wait_for_url(re.compile(f"#/diary/{child.id}/{quarter_id(1)}$"))
    parent.page.get_by_text(re.compile("^1 четверть: ")).wait_for()
    assert parent.page.get_by_label("Учебный период").input_value() == quarter_id(1)


def test_a3_expired_session_keeps_unsaved_marks_until_signed_in_again(client_factory):
    student = SCHOOL.classes[0].students[3]
    teacher = client_factory()
    teacher.sign_in("teacher")
    page = teacher.page
    page.goto("/" + journal_hash("5А", "Математика"))
    page.locator(f"{GRID} td.cell").first.wait_for()
    _focus_grid_by_keyboard(page)
    row = _row_of(page, student)
    col = _empty_cell_left_of(page, row, _position(page)[1])
    _go_to(page, row, col)

    teacher.context.clear_cookies()  # the session is gone
    page.keyboard.type("4")
    dialog = page.get_by_role("dialog", name="Сеанс завершён")
    dialog.wait_for()
    stored = page.evaluate("() => Object.entries(localStorage).filter(([key]) => key.startsWith('ezh.unsaved.'))")
    assert stored and '"value":"4"' in stored[0][1]
    page.get_by_role("status").filter(has_text="сеанс завершён").wait_for()
    teacher.check_accessibility()
    teacher.screenshot("journal-session-expired")

    dialog.get_by_label("Логин").fill("teacher")
    dialog.get_by_label("Пароль", exact=True).fill(teacher.stack.password)
    dialog.get_by_role("button", name="Войти").click()
    page.get_by_role("status").filter(has_text=SAVED).wait_for()
    assert page.evaluate("() => Object.keys(localStorage).filter(key => key.startsWith('ezh.unsaved.')).length") == 0
    page.reload()
    cell = page.locator(f'{GRID} td.cell[data-row="{row}"][data-col="{col}"]')
    cell.wait_for()
    assert cell.inner_text() == "4"


def test_m4_teacher_sees_suggested_final_marks_with_basis_and_sets_one(client):
    client.sign_in("teacher")
    page = client.page
    page.goto("/" + journal_hash("5А", "Математика"))
    page.get_by_role("link", name="Итоговые отметки за 2 четверть →").click()
    page.get_by_role("heading", name="Итоговые отметки: Математика, 5А класс").wait_for()
    rows = page.locator("table.final tbody tr")
    rows.first.wait_for()
    assert rows.count() == len(SCHOOL.classes[0].students)
    client.check_accessibility()
    client.screenshot("final-marks")
    ready = rows.filter(has_not=page.locator("ul.unmet")).first
    suggested = ready.locator("td").nth(2).locator("strong").inner_text()
    assert suggested in {"2", "3", "4", "5"}
    assert ready.get_by_role("combobox").input_value() == suggested
    ready.get_by_role("button", name=re.compile("^Поставить итоговую")).click()
    ready.get_by_role("status").filter(has_text=SAVED).wait_for()
    assert ready.locator("strong.current").inner_text() == suggested
    page.reload()
    page.locator("table.final tbody tr").first.wait_for()
    student_id = ready.get_attribute("data-student")
    assert page.locator(f'tr[data-student="{student_id}"] strong.current').inner_text() == suggested


def test_j3_teacher_sets_homework_with_a_file_and_the_parent_sees_it_in_the_week(client_factory):
    client = client_factory()
    client.sign_in("teacher")
    page = client.page
    page.goto("/" + journal_hash("9Б", "Математика"))
    page.locator(f"{GRID} td.cell").first.wait_for()
    _focus_grid_by_keyboard(page)
    panel = page.locator("section.lesson-panel")
    form = panel.get_by_role("group", name="Домашнее задание к этому уроку")
    form.get_by_label("Задание").fill("§ 31, № 4–7; повторить формулы сокращённого умножения")
    form.get_by_label("Срок сдачи").fill("2026-12-04")
    form.get_by_role("button", name="Сохранить задание").click()
    form.get_by_role("status").filter(has_text="Задание сохранено").wait_for()
    form.get_by_label("Прикрепить файл").set_input_files(
        files=[{"name": "задачи.txt", "mimeType": "text/plain", "buffer": "1) 2x + 3 = 7\n".encode()}])
    form.get_by_role("status").filter(has_text="Файл задачи.txt прикреплён").wait_for()
    assert form.get_by_role("link", name="задачи.txt").is_visible()
    client.check_accessibility()

    page.reload()
    page.locator(f"{GRID} td.cell").first.wait_for()
    _focus_grid_by_keyboard(page)
    assert panel.locator("#lesson-homework").inner_text() == "§ 31, № 4–7; повторить формулы сокращённого умножения"
    form.get_by_role("link", name="задачи.txt").wait_for()
    assert form.get_by_label("Срок сдачи").input_value() == "2026-12-04"
    day = panel.locator("#lesson-title").inner_text().split(", ")[1]  # "Урок: пятница, 27 ноября, 1-й …"

    son = SCHOOL.classes[1].students[0]  # the demo parent's child in 9Б
    parent = client_factory(PHONE)
    parent.sign_in("parent")
    parent.page.goto(f"/#/diary/{son.id}/{quarter_id(2)}")
    lesson = parent.page.locator("li.day", has=parent.page.get_by_role("heading", name=re.compile(day))).locator(
        "ol.day-items > li", has_text="Математика")
    homework = lesson.locator("p.homework", has_text="§ 31, № 4–7")
    homework.wait_for()
    assert "к 4 декабря" in homework.inner_text()
    assert homework.get_by_role("link", name="задачи.txt").is_visible()
    parent.check_accessibility()
    parent.screenshot("diary-week-homework")


def test_j2_teacher_opens_a_lesson_of_the_week_from_the_timetable(client):
    client.sign_in("teacher")
    page = client.page
    page.get_by_role("link", name="Мои уроки").click()
    page.get_by_role("heading", name=re.compile("^Неделя ")).wait_for()
    friday = page.locator("li.day").nth(4)
    assert "5А, Математика" in friday.inner_text()
    client.check_accessibility()
    client.screenshot("lessons-teacher")
    # The school's periods are known without opening a journal first: the lesson opens its journal page.
    period = page.get_by_label("Учебный период").input_value()
    friday.get_by_role("link", name="5А, Математика", exact=True).first.click()
    page.get_by_role("heading", name="Математика, 5А класс").wait_for()
    assert page.url.endswith(f"/{period}")


def test_j3_plan_is_refused_as_complete_while_hours_differ(client):
    client.sign_in("teacher")
    page = client.page
    page.goto("/" + journal_hash("9Б", "Математика"))
    page.get_by_role("link", name="КТП →").click()
    page.get_by_role("heading", name="КТП: календарно-тематический план").wait_for()
    page.get_by_label("КТП: по строке на тему").fill(
        "Квадратные уравнения; 3; written\nТеорема Виета; 2\nКонтрольная работа; 1; test")
    page.get_by_role("button", name="Сохранить КТП").click()
    page.get_by_role("status").filter(has_text="КТП сохранено").wait_for()
    first = page.get_by_role("region", name="Уроки и темы КТП").locator("tbody tr").first
    assert "Квадратные уравнения" in first.inner_text()
    assert "В КТП 6 ч" in page.get_by_role("list", name="Расхождения").inner_text()
    page.get_by_role("button", name="Отметить КТП выполненным").click()
    refusal = page.get_by_role("status").filter(has_text="КТП нельзя отметить выполненным")
    refusal.wait_for()
    assert "в КТП 6 ч" in refusal.inner_text()
    assert "выполнено" not in page.locator("main").locator("p", has_text="Состояние").inner_text()
    client.check_accessibility()
    client.screenshot("plan-teacher")
