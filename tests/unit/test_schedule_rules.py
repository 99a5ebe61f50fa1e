"""The schedule's rules (S1, S2) as pure functions."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from services.common.demo import demo_id
from services.schedule import rules
from services.schedule.rules import Holiday, Names, Placement, SpecialDay

NAMES = Names(classes={"c5": "5А", "c9": "9Б"}, subgroups={"g1": "Англ. 1", "g2": "Англ. 2", "i1": "Инф. 1"},
              subjects={"m": "Математика", "e": "Английский язык"}, teachers={"t1": "Иванова А. А.", "t2": "Петров"},
              rooms={"r1": "101", "r2": "102"})


def lesson(id, cls="c5", teacher="t1", room="r1", day=1, slot=1, **more) -> Placement:
    return Placement(id=id, class_id=cls, subject_id=more.pop("subject", "m"), teacher_id=teacher, room_id=room,
                     day=day, slot=slot, **more)


def test_s1_teacher_double_booking_refused():
    [conflict] = rules.s1_teacher_double_booked([lesson("a"), lesson("b", cls="c9", room="r2")], NAMES)
    assert conflict.kind == "teacher" and conflict.placement_ids == ("a", "b")
    assert conflict.message == ("Учитель Иванова А. А. в одно время ведёт два урока: 5А, Математика, пн, 1-й урок "
                                "и 9Б, Математика, пн, 1-й урок")
    assert rules.s1_teacher_double_booked([lesson("a"), lesson("b", slot=2)], NAMES) == []
    assert rules.s1_teacher_double_booked([lesson("a"), lesson("b", day=2)], NAMES) == []


def test_s1_room_double_booking_refused():
    [conflict] = rules.s1_room_double_booked([lesson("a"), lesson("b", cls="c9", teacher="t2")], NAMES)
    assert conflict.message.startswith("Кабинет 101 занят дважды")
    assert rules.s1_room_double_booked([lesson("a"), lesson("b", cls="c9", teacher="t2", room="r2")], NAMES) == []


def test_s1_class_and_overlapping_subgroups_double_booking_refused():
    group1 = lesson("a", subgroup_id="g1", division="en", subject="e")
    group2 = lesson("b", subgroup_id="g2", division="en", teacher="t2", room="r2", subject="e")
    informatics = lesson("c", subgroup_id="i1", division="it", teacher="t3", room="r3")
    whole = lesson("d", teacher="t4", room="r4")
    # Two groups of one division run in parallel.
    assert rules.s1_class_double_booked([group1, group2], NAMES) == []
    # Groups of different divisions share students; the whole class meets every group.
    assert [c.placement_ids for c in rules.s1_class_double_booked([group1, informatics], NAMES)] == [("a", "c")]
    assert len(rules.s1_class_double_booked([group1, group2, whole], NAMES)) == 2
    assert "5А (Англ. 1), Английский язык" in rules.s1_class_double_booked([group1, whole], NAMES)[0].message
    assert rules.s1_class_double_booked([lesson("a"), lesson("b", cls="c9")], NAMES) == []


def test_s1_alternating_weeks_meet_only_every_week_lessons():
    odd, even = lesson("a", weeks="odd"), lesson("b", weeks="even", cls="c9")
    assert rules.s1_teacher_double_booked([odd, even], NAMES) == []
    [conflict] = rules.s1_teacher_double_booked([odd, lesson("c", cls="c9")], NAMES)
    assert "(нечётные недели)" in conflict.message


def test_s1_room_too_small_refused():
    [conflict] = rules.s1_room_too_small([lesson("a", size=25), lesson("b", room="r2", size=12)],
                                         {"r1": 15, "r2": 15}, NAMES)
    assert conflict.message == "Кабинет 101 вмещает 15 чел., а в группе 25: 5А, Математика, пн, 1-й урок"


def test_s2_lesson_on_holiday_refused():
    holidays = [Holiday("vacation", "Осенние каникулы", dt.date(2026, 10, 27), dt.date(2026, 11, 4))]
    [conflict] = rules.s2_lesson_on_holiday([lesson("a", day=dt.date(2026, 11, 4))], holidays, NAMES)
    assert conflict.message == "Урок 5А, Математика, 04.11.2026, 1-й урок приходится на нерабочий день: Осенние каникулы"
    assert rules.s2_lesson_on_holiday([lesson("a", day=dt.date(2026, 11, 5))], holidays, NAMES) == []
    assert rules.s2_lesson_on_holiday([lesson("a", day=3)], holidays, NAMES) == []  # weekly entries have no date


def test_s1_conflicts_with_new_ids_report_only_new_ones():
    old = [lesson("a"), lesson("b", cls="c9")]  # an old double booking
    new = lesson("n", cls="c9", teacher="t2", room="r2", slot=2)
    assert rules.s1_conflicts(old + [new], NAMES, new_ids={"n"}) == []
    clash = lesson("x", cls="c9", teacher="t2", room="r1", slot=1)
    kinds = sorted(c.kind for c in rules.s1_conflicts(old + [clash], NAMES, capacities={"r1": 1},
                                                      new_ids={"x"}))
    assert kinds == ["class", "room", "room"]


def test_s2_study_days_skip_holidays_and_follow_moved_days():
    holidays = [Holiday("holiday", "День защитника Отечества", dt.date(2027, 2, 23), dt.date(2027, 2, 23)),
                Holiday("day_off", "Перенос", dt.date(2027, 2, 22), dt.date(2027, 2, 22))]
    specials = [SpecialDay(dt.date(2027, 2, 20), 1, ""), SpecialDay(dt.date(2027, 2, 26), None, "short")]
    days = rules.s2_study_days(dt.date(2027, 2, 20), dt.date(2027, 2, 28), holidays, specials)
    assert [(day.date.day, day.weekday, day.bell_schedule_id) for day in days] == [
        (20, 1, ""), (24, 3, ""), (25, 4, ""), (26, 5, "short")]


def test_s2_week_parity_counts_from_the_first_week_of_the_year():
    start = dt.date(2026, 9, 1)  # a Tuesday
    assert rules.week_parity(dt.date(2026, 8, 31), start) == "odd"
    assert rules.week_parity(dt.date(2026, 9, 7), start) == "even"
    assert rules.week_parity(dt.date(2026, 9, 18), start) == "odd"


def test_s2_curriculum_check_counts_lessons_over_the_year():
    start = dt.date(2026, 9, 1)
    days = rules.s2_study_days(start, dt.date(2026, 9, 30), [], [])
    entries = [SimpleNamespace(class_id="c5", subgroup_id=None, subject_id="m", weekday=weekday, weeks="every")
               for weekday in (1, 3)] + [
        SimpleNamespace(class_id="c5", subgroup_id=None, subject_id="e", weekday=2, weeks="odd")]
    lines = {(line.class_id, line.subject_id): line for line in rules.s2_curriculum_check(
        {("c5", "", "m"): 9, ("c5", "", "e"): 3, ("c9", "", "m"): 4}, entries, days, start)}
    assert (lines["c5", "m"].timetable_hours, lines["c5", "m"].ok) == (9, True)  # 4 Mondays and 5 Wednesdays
    assert lines["c5", "e"].timetable_hours == 3  # Tuesdays of odd weeks: 1, 15 and 29 September
    assert rules.curriculum_message(lines["c5", "e"], NAMES) == ""
    assert (lines["c9", "m"].timetable_hours, lines["c9", "m"].ok) == (0, False)
    missing = next(line for line in rules.s2_curriculum_check({("c9", "", "m"): 4}, [], days, start))
    assert rules.curriculum_message(missing, NAMES) == (
        "9Б, Математика: по расписанию 0 ч за год, по учебному плану 4 ч (меньше на 4)")


def test_s1_dated_lesson_id_is_the_journals_for_whole_class_lessons():
    day = dt.date(2026, 11, 27)
    assert rules.dated_lesson_id("s", "c", "", day, 1) == demo_id("lesson", "c", day, 1)
    assert rules.dated_lesson_id("s", "c", "g", day, 1) != rules.dated_lesson_id("s", "c", "h", day, 1)


def test_s1_weekly_lessons_from_year_hours():
    assert rules.weekly_lessons(170) == (5, 0)
    assert rules.weekly_lessons(17) == (0, 1)
    assert rules.weekly_lessons(51) == (1, 1)
