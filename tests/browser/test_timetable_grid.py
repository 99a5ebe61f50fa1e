"""The deputy director enters a weekly timetable in the grid (S1): by class, teacher and room, with conflicts named."""
from __future__ import annotations

import re

import pytest

from tests.browser.demo_ids import DISTRICT

pytestmark = [pytest.mark.embedded, pytest.mark.xdist_group("browser")]  # one running system


def test_s1_deputy_sees_the_published_week_of_a_room_and_of_a_class(client):
    client.sign_in("deputy")
    page = client.page
    page.get_by_role("link", name="Расписание").click()
    page.get_by_label("Показать неделю").select_option(label="Кабинет")
    page.locator("#timetable-object").select_option(label="201 (28 мест)")  # the lab: biology and physics
    page.get_by_role("button", name="Следующая →").click()
    page.locator("ol.timetable").filter(has_text="Биология").wait_for()
    assert "каб. 201" in page.locator("ol.timetable").inner_text()
    page.get_by_label("Показать неделю").select_option(label="Класс")
    page.locator("#timetable-object").select_option(label="9Б")
    page.locator("ol.timetable li.day").first.filter(has_text="9Б, Физика").wait_for()
    client.check_accessibility()
    # The school's published weekly timetable is listed and opens in the grid.
    school_timetables = page.get_by_role("list", name="Расписания школы")
    school_timetables.get_by_role("listitem").filter(has_text="опубликовано").get_by_role("link").first.click()
    page.get_by_role("heading", name="Недельное расписание «Расписание 2026/2027»").wait_for()
    # Published again for the last week of May: the same lessons (their ids stay), counted in Russian.
    page.get_by_label("С", exact=True).fill("2027-05-24")
    page.get_by_label("По", exact=True).fill("2027-05-28")
    page.get_by_role("button", name="Опубликовать").click()
    done = page.get_by_role("status").filter(has_text="Опубликовано:")
    done.wait_for()
    assert re.search(r"Опубликовано: \d+ урок(а|ов)? с 24 мая 2027", done.inner_text()), done.inner_text()
    client.check_accessibility()


def test_s1_deputy_enters_a_week_in_the_grid_and_meets_a_busy_teacher(client):
    teacher = DISTRICT.account("teacher").person.full_name  # mathematics in 5А and 9Б
    client.sign_in("deputy")
    page = client.page
    page.get_by_role("link", name="Расписание").click()
    weekly = page.get_by_role("region", name="Недельное расписание в сетке")
    weekly.get_by_label("Название").fill("Новое расписание на год")
    weekly.get_by_role("button", name="Начать новое расписание").click()
    page.get_by_role("heading", name="Недельное расписание «Новое расписание на год»").wait_for()
    grid = page.locator("table.timetable-grid")
    kind, shown = page.locator("#grid-kind"), page.locator("#grid-object")
    shown.select_option(label="5А")

    def cell(day: int, slot: int):
        return grid.locator(f'td[data-day="{day}"][data-slot="{slot}"]')

    # An empty cell of 5А's week takes a lesson; the teacher who teaches 5А mathematics is suggested.
    page.get_by_role("button", name="Добавить урок: понедельник, 1-й урок").click()
    form = page.get_by_role("form", name="Новый урок")
    assert form.get_by_label("Класс").locator("option:checked").inner_text() == "5А"
    form.get_by_label("Предмет").select_option(label="Математика")
    assert form.get_by_label("Учитель").locator("option:checked").inner_text() == teacher
    form.get_by_label("Кабинет").select_option(label="101 (30 мест)")
    form.get_by_role("button", name="Добавить урок").click()
    page.get_by_role("status").filter(has_text="Урок добавлен: 5А, Математика, понедельник, 1-й урок").wait_for()
    assert "Математика" in cell(1, 1).inner_text() and teacher in cell(1, 1).inner_text()

    # The same teacher in 9Б at the same time: named before saving, refused by the service, shown by the cell.
    shown.select_option(label="9Б")
    page.get_by_role("button", name="Добавить урок: понедельник, 1-й урок").click()
    form = page.get_by_role("form", name="Новый урок")
    form.get_by_label("Предмет").select_option(label="Математика")
    form.get_by_label("Кабинет").select_option(label="102 (30 мест)")
    assert f"учитель {teacher} в это время ведёт урок: 5А, Математика" in form.locator("#lesson-warnings").inner_text()
    form.get_by_role("button", name="Добавить урок").click()
    conflict = cell(1, 1).get_by_role("alert")
    conflict.wait_for()
    assert f"Учитель {teacher} в одно время ведёт два урока" in conflict.inner_text()
    assert "в одно время ведёт два урока" in form.get_by_role("alert").inner_text()
    assert "Математика" not in cell(1, 1).inner_text().replace(conflict.inner_text(), "")
    client.check_accessibility()
    client.screenshot("timetable-grid-conflict")

    # Another slot resolves it, without reloading the page.
    form.get_by_label("Урок", exact=True).select_option(label="2-й урок (09:25)")
    assert not form.locator("#lesson-warnings").inner_text()
    form.get_by_role("button", name="Добавить урок").click()
    page.get_by_role("status").filter(has_text="Урок добавлен: 9Б, Математика, понедельник, 2-й урок").wait_for()
    assert cell(1, 1).get_by_role("alert").count() == 0
    assert "Математика" in cell(1, 2).inner_text()

    # The teacher's week and the room's week show it.
    kind.select_option(label="Учитель")
    shown.select_option(label=teacher)
    cell(1, 2).filter(has_text="9Б, Математика").wait_for()
    assert "5А, Математика" in cell(1, 1).inner_text()
    kind.select_option(label="Кабинет")
    shown.select_option(label="102 (30 мест)")
    cell(1, 2).filter(has_text="9Б, Математика").wait_for()
    assert cell(1, 1).locator(".entry").count() == 0
    client.check_accessibility()
    client.screenshot("timetable-grid-room")

    # Moved to Tuesday and then removed; the grid stays as saved after a reload.
    page.get_by_role("button", name="Перенести: 9Б, Математика, понедельник, 2-й урок").click()
    form = page.get_by_role("form", name=re.compile("^Перенести урок"))
    form.get_by_label("День").select_option(label="вторник")
    form.get_by_role("button", name="Перенести").click()
    page.get_by_role("status").filter(has_text="Урок перенесён: 9Б, Математика, вторник, 2-й урок").wait_for()
    assert cell(1, 2).locator(".entry").count() == 0 and "9Б, Математика" in cell(2, 2).inner_text()
    page.reload()
    page.locator("#grid-object").select_option(label="9Б")
    cell(2, 2).filter(has_text="Математика").wait_for()
    page.get_by_role("button", name="Убрать: 9Б, Математика, вторник, 2-й урок").click()
    page.get_by_role("status").filter(has_text="Урок убран: 9Б, Математика, вторник, 2-й урок").wait_for()
    assert cell(2, 2).locator(".entry").count() == 0
    page.locator("#grid-object").select_option(label="5А")
    cell(1, 1).filter(has_text="Математика").wait_for()

    # Alternating weeks share a cell; a room too small for the class is refused by name.
    page.get_by_role("button", name="Добавить урок: среда, 1-й урок").click()
    form = page.get_by_role("form", name="Новый урок")
    form.get_by_label("Предмет").select_option(label="История")
    form.get_by_label("Кабинет").select_option(label="101 (30 мест)")
    form.get_by_label("Недели").select_option(label="по нечётным неделям")
    form.get_by_role("button", name="Добавить урок").click()
    page.get_by_role("status").filter(has_text="Урок добавлен: 5А, История, среда, 1-й урок").wait_for()
    page.get_by_role("button", name="Добавить урок: среда, 1-й урок").click()
    form = page.get_by_role("form", name="Новый урок")
    form.get_by_label("Предмет").select_option(label="Биология")
    form.get_by_label("Кабинет").select_option(label="305 (15 мест)")
    form.get_by_label("Недели").select_option(label="по чётным неделям")
    assert not form.locator("#lesson-warnings").inner_text()  # odd and even weeks do not meet
    form.get_by_role("button", name="Добавить урок").click()
    refusal = cell(3, 1).get_by_role("alert")
    refusal.wait_for()
    assert "Кабинет 305 вмещает 15 чел." in refusal.inner_text()
    form.get_by_label("Кабинет").select_option(label="201 (28 мест)")
    form.get_by_role("button", name="Добавить урок").click()
    page.get_by_role("status").filter(has_text="Урок добавлен: 5А, Биология, среда, 1-й урок").wait_for()
    text = cell(3, 1).inner_text()
    assert "История" in text and "по нечётным неделям" in text
    assert "Биология" in text and "по чётным неделям" in text
    client.check_accessibility()
    client.screenshot("timetable-grid-class")

    # The hours against the curriculum: one lesson a week of 5А mathematics is far from its plan.
    page.get_by_role("button", name="Сверить с учебным планом").click()
    page.get_by_role("region", name="Учебный план").get_by_role("listitem").filter(
        has_text=re.compile(r"^5А, Математика: по расписанию \d+ ч за год, по учебному плану \d+ ч")).wait_for()

    # The timetable screen lists it for this browser.
    page.get_by_role("link", name="к изменениям и составлению расписания").click()
    page.get_by_role("region", name="Недельное расписание в сетке").get_by_role(
        "link", name="Новое расписание на год").click()
    page.get_by_role("heading", name="Недельное расписание «Новое расписание на год»").wait_for()
