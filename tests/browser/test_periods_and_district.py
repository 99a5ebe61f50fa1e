"""Any study period of the school on "my lessons" and the exceptions screen; the district operator's class page (G1, M3)."""
from __future__ import annotations

import re

import pytest

from tests.browser.demo_ids import SCHOOL, class_id, quarter_id

pytestmark = [pytest.mark.embedded, pytest.mark.xdist_group("browser")]  # one running system


def test_teacher_opens_my_lessons_of_another_period(client):
    client.sign_in("teacher")
    page = client.page
    page.get_by_role("link", name="Мои уроки").click()
    page.get_by_role("heading", name=re.compile("^Неделя ")).wait_for()
    page.get_by_label("Учебный период").select_option(value=quarter_id(1))
    page.get_by_role("heading", name="Неделя 31 августа — 5 сентября").wait_for()  # the 1st quarter's first week
    tuesday = page.locator("li.day").nth(1)
    assert "1 сентября" in tuesday.inner_text()
    client.check_accessibility()
    client.screenshot("lessons-another-period")
    tuesday.get_by_role("link", name="5А, Математика", exact=True).first.click()
    page.get_by_role("heading", name="Математика, 5А класс").wait_for()
    assert page.url.endswith(f"/{quarter_id(1)}")


def test_m3_deputy_opens_an_exception_for_a_chosen_period(client):
    client.sign_in("deputy")
    page = client.page
    page.get_by_role("link", name="Исключения").click()
    page.get_by_role("heading", name="Исключения из блокировки периода").wait_for()
    page.get_by_label("Учебный период").select_option(value=quarter_id(1))
    form = page.locator("#new-exception")
    form.get_by_role("heading", name="Открыть исключение: 1 четверть").wait_for()
    assert page.url.endswith(f"/exceptions/{quarter_id(1)}")
    form.get_by_label("Основание (номер приказа, причина)").fill("Приказ № 17: отметки 1 четверти после олимпиады")
    form.get_by_role("button", name="Открыть").click()
    opened = page.locator("ol.exceptions li", has_text="Приказ № 17")
    opened.wait_for()
    assert opened.get_by_role("heading").inner_text().startswith("1 четверть: с ")


def test_district_operator_opens_a_class_page_of_a_chosen_school(client):
    client.sign_in("district")
    page = client.page
    page.goto(f"/#/class/{class_id('5А')}")
    picker = page.get_by_label("Школа", exact=True)
    picker.select_option(label=SCHOOL.short_name)
    page.get_by_role("heading", name=f"Класс: {SCHOOL.short_name}").wait_for()
    assert page.url.endswith(f"?school={SCHOOL.id}")
    page.get_by_role("region", name="По классам").first.filter(has_text="5А").wait_for()
    page.get_by_label("Учебный период").select_option(value=quarter_id(1))
    page.get_by_role("heading", name=re.compile("успеваемости .* — 1 четверть")).wait_for()
    assert page.url.endswith(f"/{quarter_id(1)}?school={SCHOOL.id}")
    client.check_accessibility()
    client.screenshot("district-class")

    # The schools screen shows the chosen school; another one chosen there is taken by the class page.
    page.get_by_role("navigation", name="Разделы").get_by_role("link", name="Школы").click()
    chosen = page.get_by_role("button", name=f"Смотреть классы: {SCHOOL.short_name}")
    assert chosen.get_attribute("aria-pressed") == "true"
    other = page.get_by_role("button", name="Смотреть классы: ООШ № 2")
    other.click()
    assert other.get_attribute("aria-pressed") == "true" and chosen.get_attribute("aria-pressed") == "false"
    client.check_accessibility()
    page.goto(f"/#/class/{class_id('5А')}")
    page.get_by_role("heading", name="Класс: ООШ № 2").wait_for()

    # A diary is the student's, their parents' and the school staff's: the operator is told so, politely.
    page.goto(f"/#/diary/{SCHOOL.classes[0].students[0].id}")
    page.get_by_role("note").filter(has_text="Дневник ученика открывают сам ученик").wait_for()
    assert page.get_by_role("link", name="отчёты по району и школам").is_visible()
    client.check_accessibility()
