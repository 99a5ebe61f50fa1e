"""Parents, class teachers and everyone's own account, in the browser (A2, A3, A5)."""
from __future__ import annotations

import datetime as dt
import re
import time

import pytest
import requests

from tests.browser.conftest import PHONE
from tests.browser.demo_ids import DISTRICT, SCHOOL, quarter_id

pytestmark = [pytest.mark.embedded, pytest.mark.xdist_group("browser")]  # one running system


def test_a5_parent_cannot_open_other_child_by_url(client_factory):
    parent = client_factory(PHONE)
    parent.sign_in("parent")
    page = parent.page
    stranger = SCHOOL.classes[0].students[7]  # a classmate of the parent's child
    page.goto(f"/#/diary/{stranger.id}/{quarter_id(2)}")
    refusal = page.get_by_role("alert")
    refusal.wait_for()
    assert "Этот дневник вам недоступен" in refusal.inner_text()
    assert stranger.last_name not in page.locator("main").inner_text()
    parent.check_accessibility()
    parent.screenshot("diary-refused")
    # The parent's own children are one tap away.
    own = SCHOOL.classes[1].students[0]
    page.get_by_role("link", name=re.compile(f"^Дневник: {own.last_name} {own.first_name}")).click()
    page.get_by_role("heading", name=re.compile("^Дневник: ")).wait_for()
    page.get_by_role("heading", name="Отметки по предметам").wait_for()


def test_a3_class_teacher_issues_and_prints_activation_codes(client_factory):
    teacher = client_factory()
    teacher.sign_in("classteacher")
    page = teacher.page
    page.get_by_role("link", name="Мой класс").click()
    page.get_by_role("heading", name=re.compile("^Мой класс")).wait_for()
    teacher.check_accessibility()
    student = SCHOOL.classes[0].students[5]
    guardian = DISTRICT.guardian_of(SCHOOL.classes[0].students[6].id)
    page.get_by_label(student.full_name, exact=True).check()
    page.get_by_label(re.compile(f"^{guardian.full_name} ")).check()
    page.get_by_role("button", name="Выдать коды выбранным").click()
    slips = page.locator("article.slip")
    slips.nth(1).wait_for()
    assert slips.count() == 2
    texts = slips.all_inner_texts()
    assert any(student.full_name in text and "Ученик" in text for text in texts)
    assert any(guardian.full_name in text and "Родитель" in text for text in texts)
    codes = page.locator("article.slip .code").all_inner_texts()
    assert all(re.fullmatch(r"[A-Z0-9]{2,}(-[A-Z0-9]{2,})+", code) for code in codes), codes
    page.get_by_role("status").filter(has_text="Выдано: 2 кода").wait_for()
    teacher.check_accessibility()

    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.get_by_role("button", name="Распечатать").click()
    assert page.evaluate("() => window.printed") == 1
    page.emulate_media(media="print")
    assert slips.first.is_visible()
    assert not page.locator("table.access").is_visible()
    assert not page.locator("table.attendance").is_visible()
    assert not page.locator("header.top").is_visible()
    assert not page.get_by_role("button", name="Распечатать").is_visible()
    page.screenshot(path=str(teacher_screens() / "class-codes-print.png"), full_page=True)
    page.emulate_media(media="screen")
    teacher.screenshot("class-codes")

    # The student activates the code from the slip and is signed in.
    newcomer = client_factory(PHONE)
    code = next(text for text in texts if student.full_name in text).split("Код активации:")[1].split()[0]
    newcomer.open("/#/activate")
    form = newcomer.page.locator("#activate-form")
    form.get_by_label("Код активации").fill(code)
    form.get_by_label("Логин").fill("pupil5a")
    form.get_by_label("Пароль (не короче 8 символов)").fill("Снег-идёт-над-школой-7")
    form.get_by_label("Пароль ещё раз").fill("Снег-идёт-над-школой-7")
    newcomer.check_accessibility()
    form.get_by_role("button", name="Активировать и войти").click()
    newcomer.page.get_by_role("heading", name=f"Здравствуйте, {student.first_name} {student.middle_name}!").wait_for()


def teacher_screens():
    from tests.browser.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def test_a2_administrator_adds_a_teacher_and_prints_the_staff_code(client_factory):
    admin = client_factory()
    admin.sign_in("admin")
    page = admin.page
    page.get_by_role("navigation", name="Разделы").get_by_role("link", name="Сотрудники").click()
    page.get_by_role("rowheader").first.wait_for()
    assert page.get_by_role("rowheader", name=DISTRICT.account("teacher").person.full_name).is_visible()
    form = page.locator("#new-staff")
    form.get_by_role("button", name="Добавить и выдать код").click()
    assert "Поле «Фамилия»" in form.get_by_role("alert").inner_text()
    form.get_by_label("Фамилия").fill("Кравцова")
    form.get_by_label("Имя").fill("Ольга")
    form.get_by_label("Отчество").fill("Петровна")
    form.get_by_role("button", name="Добавить и выдать код").click()
    slip = page.locator("article.slip")
    slip.wait_for()
    assert "Кравцова Ольга Петровна — Учитель-предметник" in slip.inner_text()
    page.get_by_role("rowheader", name="Кравцова Ольга Петровна").wait_for()
    log = page.get_by_role("region", name="Журнал входов")
    log.get_by_role("cell", name="admin", exact=True).first.wait_for()
    admin.check_accessibility()
    admin.screenshot("staff-admin")


def test_a3_profile_ends_the_other_sessions(client_factory):
    laptop = client_factory()
    laptop.sign_in("student")
    phone = client_factory(PHONE)
    phone.sign_in("student")
    page = laptop.page
    page.get_by_role("link", name="Профиль").click()
    page.get_by_role("heading", name="Сеансы").wait_for()
    assert page.get_by_role("cell", name="этот сеанс").count() == 1
    laptop.check_accessibility()
    laptop.screenshot("profile")

    form = page.locator("#password-form")
    form.get_by_label("Текущий пароль").fill("не-тот-пароль")
    form.get_by_label("Новый пароль (не короче 8 символов)").fill("Новый-пароль-2026")
    form.get_by_label("Новый пароль ещё раз").fill("Другой-пароль-2026")
    form.get_by_role("button", name="Сменить пароль").click()
    assert "пароли не совпадают" in form.get_by_role("status").inner_text()

    # Notification choices and the calendar link.
    page.get_by_label("Домашние задания: По почте").select_option("off")
    page.get_by_label("Не беспокоить с").fill("22:00")
    page.get_by_label("до", exact=True).fill("07:00")
    page.get_by_role("button", name="Сохранить настройки уведомлений").click()
    page.get_by_role("status").filter(has_text="Настройки сохранены").wait_for()
    page.get_by_role("button", name="Получить ссылку на календарь").click()
    feed = page.get_by_label("Ссылка (добавьте её в календарь как подписку)").input_value()
    assert feed.startswith(laptop.stack.url + "/api/v1/schedule/feeds/")
    calendar = requests.get(feed, timeout=10)
    assert calendar.status_code == 200 and "BEGIN:VCALENDAR" in calendar.text
    laptop.check_accessibility()
    page.reload()
    page.get_by_label("Домашние задания: По почте").wait_for()
    assert page.get_by_label("Домашние задания: По почте").input_value() == "off"
    assert page.get_by_label("Не беспокоить с").input_value() == "22:00"

    page.get_by_role("button", name="Завершить все остальные").click()
    page.get_by_role("status").filter(has_text=re.compile(r"Завершено: \d+ сеанс")).wait_for()
    phone.page.reload()
    phone.page.locator("#sign-in-form").wait_for()
    assert phone.page.locator("#sign-in-form").is_visible()


def test_c1_parent_reads_notifications_about_the_children(client_factory):
    parent = client_factory(PHONE)
    parent.sign_in("parent")
    page = parent.page
    page.get_by_role("link", name=re.compile("^Уведомления")).click()
    page.get_by_role("heading", name="Уведомления").wait_for()
    items = page.locator("ol.inbox li")
    deadline = time.monotonic() + 30
    while items.count() == 0 and time.monotonic() < deadline:  # notify works through the demo's events
        page.wait_for_timeout(1000)
        page.reload()
        page.get_by_role("heading", name="Уведомления").wait_for()
        page.locator("main [role=status]").filter(has_text=re.compile(".")).wait_for()
    assert items.count() > 0
    children = [SCHOOL.classes[0].students[0].first_name, SCHOOL.classes[1].students[0].first_name]
    assert all(any(name in text for name in children) for text in items.all_inner_texts())
    assert re.fullmatch(r"Уведомления \(\d+\)", page.get_by_role("navigation", name="Разделы")
                        .locator('a[href="#/notifications"]').inner_text())
    parent.check_accessibility()
    parent.screenshot("notifications-parent")
    first = items.first
    first.get_by_role("button", name=re.compile("^Прочитано: ")).click()
    page.wait_for_function("() => document.querySelector('ol.inbox li').className === 'read'")
    page.get_by_role("button", name="Отметить все прочитанными").click()
    page.locator("main [role=status]").filter(has_text="Все уведомления прочитаны").wait_for()
    assert page.locator("ol.inbox li.unread").count() == 0


def test_j6_class_teacher_sees_every_subject_and_the_week_of_absences(client):
    client.sign_in("classteacher")
    page = client.page
    class_5a = SCHOOL.classes[0]
    page.goto(f"/#/class/{class_5a.id}/{quarter_id(2)}")
    overview = page.locator("table.overview")
    overview.wait_for()
    subjects = overview.locator("thead th a").all_inner_texts()
    assert {"Математика", "Русский язык", "История", "Английский язык"} <= set(subjects)
    assert overview.locator("tbody tr").count() == len(class_5a.students)
    attendance = page.locator("table.attendance")
    attendance.wait_for()
    assert attendance.locator("tbody tr").count() == len(class_5a.students)
    client.check_accessibility()
    client.screenshot("class-overview")
    page.get_by_role("button", name="Сверить неделю с учителями").click()
    page.locator("section", has=page.get_by_role("heading", name=re.compile("^Посещаемость"))).get_by_role(
        "status").filter(has_text="Неделя сверена").wait_for()
    # A subject's journal page opens read-only from the overview.
    overview.get_by_role("link", name="История").click()
    page.get_by_role("heading", name="История, 5А класс").wait_for()
    assert "Только просмотр" in page.locator("#grid-help").text_content()
    assert page.get_by_role("button", name="Сохранить сейчас").count() == 0


def test_c2_parent_writes_to_the_class_teacher_and_gets_an_answer(client_factory):
    parent = client_factory(PHONE)
    parent.sign_in("parent")
    page = parent.page
    page.get_by_role("link", name="Сообщения").click()
    form = page.locator("#new-message")
    form.get_by_role("button", name="Отправить").click()
    assert "Поле «Кому»" in form.get_by_role("alert").inner_text()
    form.get_by_label("Кому").select_option(label="Новикова Мария Игоревна (классный руководитель 5А)")
    form.get_by_label("Тема").fill("Справка о болезни")
    form.get_by_label("Сообщение").fill("Вероника болела с 23 по 25 ноября, справку принесём в понедельник.")
    parent.check_accessibility()
    form.get_by_role("button", name="Отправить").click()
    page.get_by_role("heading", name="Справка о болезни").wait_for()
    assert "справку принесём" in page.locator("ol.messages li.mine").inner_text()

    teacher = client_factory()
    teacher.sign_in("classteacher")
    teacher.page.get_by_role("link", name="Сообщения").click()
    teacher.page.locator("ul.conversations li.unread").get_by_role("link", name="Справка о болезни").click()
    teacher.page.locator("ol.messages li.theirs", has_text="справку принесём").wait_for()
    teacher.page.get_by_label("Ответ").fill("Спасибо, отмечу пропуски как «б».")
    teacher.page.get_by_role("button", name="Отправить").click()
    teacher.page.get_by_role("status").filter(has_text="Отправлено").wait_for()
    teacher.check_accessibility()
    teacher.screenshot("messages-teacher")

    page.reload()
    page.locator("ol.messages li.theirs", has_text="отмечу пропуски").wait_for()
    assert page.locator("ol.messages li").count() == 2


def test_r1_director_sees_a_progress_report_with_a_chart_and_downloads_it(client):
    client.sign_in("director")
    page = client.page
    page.get_by_role("link", name="Отчёты").click()
    page.get_by_label("Отчёт").select_option(label="Успеваемость и качество знаний")
    page.get_by_label("с", exact=True).fill("2026-11-05")
    page.get_by_label("по", exact=True).fill("2026-11-28")
    page.get_by_role("button", name="Показать").click()
    # The reports service may still be reading the demo's events: a report can take a while.
    page.get_by_role("heading", name=re.compile("^Отчёт об успеваемости")).wait_for(timeout=60_000)
    school = page.get_by_role("region", name="По школе")
    assert school.get_by_role("rowheader", name=SCHOOL.name).is_visible()
    chart = page.get_by_role("img", name=re.compile("^Распределение отметок: «5» — "))
    assert chart.locator("rect").count() == 4
    client.check_accessibility()
    client.screenshot("report-progress")
    xlsx = page.request.get(page.get_by_role("link", name="Excel (xlsx)").get_attribute("href"), timeout=60_000)
    assert xlsx.status == 200 and xlsx.body()[:2] == b"PK"
    pdf = page.request.get(page.get_by_role("link", name="PDF").get_attribute("href"), timeout=60_000)
    assert pdf.status == 200 and pdf.body()[:5] == b"%PDF-"


def test_c3_class_teacher_calls_a_meeting_and_a_parent_answers(client_factory):
    teacher = client_factory()
    teacher.sign_in("classteacher")
    page = teacher.page
    page.get_by_role("link", name="События").click()
    form = page.locator("#new-event")
    form.get_by_label("Название").fill("Родительское собрание 5А")
    form.get_by_label("Для кого").select_option(label="Мой класс")
    form.get_by_label("Кому показать").select_option(label="родителям")
    form.get_by_label("Когда").fill("2026-12-03T18:30")
    form.get_by_label("Где").fill("Кабинет 101")
    form.get_by_label("Просить ответить, придут ли").check()
    form.get_by_role("button", name="Опубликовать").click()
    posted = page.locator("ol.events li", has_text="Родительское собрание 5А")
    posted.or_(form.get_by_role("alert")).first.wait_for()
    assert posted.count() == 1, form.get_by_role("alert").inner_text()
    teacher.check_accessibility()

    parent = client_factory(PHONE)
    parent.sign_in("parent")
    parent.page.get_by_role("link", name="События").click()
    meeting = parent.page.locator("ol.events li", has_text="Родительское собрание 5А")
    meeting.wait_for()
    assert "3 декабря 2026 г. в 18:30, Кабинет 101" in meeting.inner_text()
    meeting.get_by_role("button", name="Приду", exact=True).click()
    meeting.get_by_role("status").filter(has_text="Ваш ответ: приду").wait_for()
    assert "Придут: 1" in meeting.inner_text()
    parent.check_accessibility()
    parent.screenshot("events-parent")


def test_a1_district_operator_opens_a_school_and_names_its_administrator(client):
    client.sign_in("district")
    page = client.page
    page.get_by_role("navigation", name="Разделы").get_by_role("link", name="Школы").click()
    schools = page.get_by_role("region", name="Школы района")
    schools.get_by_role("rowheader", name=SCHOOL.name).wait_for()
    form = page.locator("#new-school")
    form.get_by_label("Полное название").fill("МБОУ «Средняя общеобразовательная школа № 3»")
    form.get_by_label("Краткое название").fill("СОШ № 3")
    form.get_by_role("button", name="Открыть школу").click()
    row = schools.get_by_role("row", name=re.compile("школа № 3"))
    row.wait_for()
    row.get_by_label(re.compile("^ФИО администратора")).fill("Белова Анна Сергеевна")
    row.get_by_role("button", name="Назначить и выдать код: СОШ № 3").click()
    slip = page.locator("article.slip")
    slip.wait_for()
    assert "Белова Анна Сергеевна — Администратор журнала" in slip.inner_text()
    assert "школа № 3" in slip.inner_text()
    client.check_accessibility()
    client.screenshot("schools-district")


def test_r2_deputy_remarks_on_a_journal_and_the_teacher_fixes_it(client_factory):
    deputy = client_factory()
    deputy.sign_in("deputy")
    page = deputy.page
    page.get_by_role("link", name="Замечания").click()
    form = page.locator("#new-remark")
    teacher_name = DISTRICT.account("teacher").person.full_name
    form.get_by_label("Учитель").select_option(label=teacher_name)
    form.get_by_label("Замечание").fill("Не заполнены темы уроков 9Б за 20.11")
    form.get_by_role("button", name="Записать замечание").click()
    page.locator("ol.remarks li.unread", has_text="Не заполнены темы уроков 9Б").wait_for()
    deputy.check_accessibility()

    teacher = client_factory()
    teacher.sign_in("teacher")
    teacher.page.get_by_role("link", name="Замечания").click()
    remark = teacher.page.locator("ol.remarks li", has_text="Не заполнены темы уроков 9Б")
    remark.get_by_label("Что исправлено").fill("Темы внесены")
    remark.get_by_role("button", name="Исправлено").click()
    teacher.page.locator("ol.remarks li.read", has_text="Темы внесены").wait_for()
    teacher.check_accessibility()

    page.reload()
    page.locator("ol.remarks li.read", has_text="Исправлено").filter(has_text="Темы внесены").wait_for()
    assert teacher_name in page.locator("ol.remarks li.read", has_text="Темы внесены").inner_text()


def test_j1_class_teacher_keeps_personal_data_and_marks_it_verified(client):
    client.sign_in("classteacher")
    page = client.page
    student = SCHOOL.classes[0].students[2]
    page.get_by_role("link", name="Мой класс").click()
    page.get_by_role("rowheader", name=re.compile(student.full_name)).get_by_role("link", name="личные данные").click()
    page.get_by_role("heading", name=f"Личные данные: {student.full_name}").wait_for()
    guardian = page.locator("fieldset.guardian").first
    guardian.get_by_label("Телефон").fill("+7 900 123-45-67")
    page.get_by_role("button", name="Сохранить").click()
    page.get_by_role("status").filter(has_text="Сохранено").wait_for()
    page.get_by_role("button", name="Данные проверены сегодня").click()
    page.get_by_role("status").filter(has_text="Отмечено: данные проверены").wait_for()
    assert page.locator("#verified").inner_text().startswith("Последняя проверка: ")
    client.check_accessibility()
    client.screenshot("personal-data")
    page.reload()
    page.locator("fieldset.guardian").first.get_by_label("Телефон").wait_for()
    assert page.locator("fieldset.guardian").first.get_by_label("Телефон").input_value() == "+7 900 123-45-67"


def test_s1_deputy_meets_a_timetable_conflict_and_resolves_it(client):
    client.sign_in("deputy")
    page = client.page
    page.get_by_role("link", name="Расписание").click()
    page.get_by_label("Учитель").select_option(label=DISTRICT.account("teacher").person.full_name)
    page.get_by_role("button", name="Следующая →").click()  # next week: lessons still ahead
    monday = page.locator("ol.timetable > li.day").first
    monday.get_by_text("Изменить: 5А, Математика, 2-й урок").click()
    change = monday.locator("details[open]")
    change.get_by_label("Что сделать").select_option(label="Перенести")
    monday_date = change.get_by_label("День").input_value()
    next_day = (dt.date.fromisoformat(monday_date) + dt.timedelta(days=1)).isoformat()
    change.get_by_label("День").fill(next_day)  # Tuesday, 1st lesson: the teacher already teaches 5А then
    change.get_by_label("Номер урока").fill("1")
    change.get_by_label("Причина").fill("Учитель на семинаре")
    change.get_by_role("button", name="Применить").click()
    conflict = change.get_by_role("alert")
    conflict.filter(has_text="конфликты").wait_for()
    assert "в одно время ведёт два урока" in conflict.inner_text()
    client.check_accessibility()
    client.screenshot("timetable-conflict")

    change.get_by_label("День").fill(monday_date)
    change.get_by_label("Номер урока").fill("6")  # the last lesson of the day is free
    change.get_by_role("button", name="Применить").click()
    moved = page.locator("ol.timetable > li.day").first.locator("ol.day-items > li", has_text="5А, Математика").filter(
        has_text="6. ")
    moved.wait_for()
    assert not page.locator("ol.timetable > li.day").first.locator("ol.day-items > li", has_text="5А, Математика").filter(
        has_text="2. ").count()


def test_j1_class_teacher_asks_for_an_arrival_and_the_administrator_carries_it_out(client_factory):
    teacher = client_factory()
    teacher.sign_in("classteacher")
    page = teacher.page
    page.get_by_role("link", name="Мой класс").click()
    form = page.locator("#roster-form")
    form.get_by_role("button", name="Отправить заявку администратору").click()
    assert "Поле «С какого дня»" in form.get_by_role("alert").inner_text()
    form.get_by_label("Фамилия").fill("Новиков")
    form.get_by_label("Имя").fill("Платон")
    form.get_by_label("Отчество").fill("Ильич")
    form.get_by_label("Дата рождения").fill("2015-05-05")
    form.get_by_label("С какого дня").fill("2026-12-07")
    form.get_by_label("Основание").fill("Переведён из школы № 5")
    form.get_by_role("button", name="Отправить заявку администратору").click()
    request = page.locator("ul.roster li", has_text="Новиков Платон Ильич")
    request.wait_for()
    assert "ждёт администратора" in request.inner_text()
    teacher.check_accessibility()

    admin = client_factory()
    admin.sign_in("admin")
    admin.page.get_by_role("navigation", name="Разделы").get_by_role("link", name="Сотрудники").click()
    admin.page.get_by_role("button", name="Провести: Новиков Платон Ильич").click()
    admin.page.locator("ul.roster li", has_text="Новиков Платон Ильич").get_by_role("status").filter(
        has_text="проведено").wait_for()
    admin.check_accessibility()
    page.reload()
    page.locator("ul.roster li", has_text="Новиков Платон Ильич").filter(has_text="проведено").wait_for()


def test_m3_deputy_opens_and_closes_an_exception_to_a_locked_period(client):
    client.sign_in("deputy")
    page = client.page
    page.goto(f"/#/exceptions/{quarter_id(2)}")
    form = page.locator("#new-exception")
    form.get_by_role("button", name="Открыть").click()
    assert "Поле «Основание»" in form.get_by_role("alert").inner_text()
    form.get_by_label("Основание (номер приказа, причина)").fill("Приказ № 41 от 30.11: исправление отметок после болезни")
    form.get_by_role("button", name="Открыть").click()
    opened = page.locator("ol.exceptions li.unread", has_text="Приказ № 41")
    opened.wait_for()
    assert "действует" in opened.inner_text()
    client.check_accessibility()
    opened.get_by_role("button", name="Закрыть досрочно").click()
    page.locator("ol.exceptions li.read", has_text="Приказ № 41").filter(has_text="закрыто").wait_for()


def test_c3_class_teacher_records_what_was_done_about_an_alert(client):
    """Last in the session: notify raises alerts as it works through the demo's marks."""
    client.sign_in("classteacher")
    page = client.page
    page.goto(f"/#/class/{SCHOOL.classes[0].id}")
    alerts = page.locator("ol.alerts > li.unread")
    page.get_by_role("heading", name="Тревожные сигналы").wait_for()
    deadline = time.monotonic() + 75  # within the 120 s a test may take
    while alerts.count() == 0 and time.monotonic() < deadline:
        page.wait_for_timeout(2000)
        page.reload()
        page.get_by_role("heading", name="Тревожные сигналы").wait_for()
    first = alerts.first
    alert_id = first.get_attribute("data-id")
    first.get_by_label("Принятые меры").fill("Беседа с родителями 02.12")
    first.get_by_role("button", name=re.compile("^Записать меры")).click()
    page.locator("ol.alerts > li.read").get_by_role("status").filter(
        has_text="Записано: Беседа с родителями 02.12").wait_for()
    client.check_accessibility()
    page.reload()
    page.get_by_role("heading", name="Тревожные сигналы").wait_for()
    page.locator("#alerts-title ~ *").first.wait_for()
    assert page.locator(f'ol.alerts > li[data-id="{alert_id}"]').count() == 0  # acted on: no longer open
