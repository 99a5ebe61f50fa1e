"""The schedule's rules (S1, S2): pure functions, no I/O.

A lesson in time is a `Placement`: a weekly timetable entry (its `day` is a
weekday, 1 = Monday) or a dated lesson (its `day` is a date). The conflict
rules take placements and say, in Russian and with names, every pair that
cannot both be: a teacher in two places at once, a room double-booked, a
class (or overlapping subgroups) in two lessons at once; a room too small
for the group; a lesson on a holiday.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from services.common.demo import demo_id

WEEKS = ("every", "odd", "even")
WEEKS_TITLES = {"every": "", "odd": " (нечётные недели)", "even": " (чётные недели)"}
WEEKDAY_SHORT = {1: "пн", 2: "вт", 3: "ср", 4: "чт", 5: "пт", 6: "сб", 7: "вс"}
HOLIDAY_KINDS = ("holiday", "vacation", "day_off")
ROOM_KINDS = ("classroom", "lab", "gym", "computer")


@dataclass(frozen=True)
class Placement:
    id: str
    class_id: str
    subject_id: str
    teacher_id: str
    room_id: str
    day: int | dt.date
    slot: int
    subgroup_id: str = ""
    # Subgroups of one division of a class share no students.
    division: str = ""
    weeks: str = "every"
    size: int = 0


@dataclass(frozen=True)
class Names:
    """Names for messages; a missing id is shown as it is."""

    classes: dict[str, str] = field(default_factory=dict)
    subgroups: dict[str, str] = field(default_factory=dict)
    subjects: dict[str, str] = field(default_factory=dict)
    teachers: dict[str, str] = field(default_factory=dict)
    rooms: dict[str, str] = field(default_factory=dict)

    def lesson(self, placement: Placement) -> str:
        group = self.classes.get(placement.class_id, placement.class_id)
        if placement.subgroup_id:
            group += f" ({self.subgroups.get(placement.subgroup_id, placement.subgroup_id)})"
        subject = self.subjects.get(placement.subject_id, placement.subject_id)
        return f"{group}, {subject}, {when(placement)}"


@dataclass(frozen=True)
class Conflict:
    kind: str  # teacher, room, class, holiday, capacity
    message: str
    placement_ids: tuple[str, ...]


@dataclass(frozen=True)
class Holiday:
    kind: str
    title: str
    start_date: dt.date
    end_date: dt.date

    def covers(self, day: dt.date) -> bool:
        return self.start_date <= day <= self.end_date


def when(placement: Placement) -> str:
    if isinstance(placement.day, dt.date):
        day = placement.day.strftime("%d.%m.%Y")
    else:
        day = WEEKDAY_SHORT.get(placement.day, str(placement.day))
    return f"{day}, {placement.slot}-й урок{WEEKS_TITLES.get(placement.weeks, '')}"


def weeks_overlap(first: str, second: str) -> bool:
    """Alternating weeks: odd and even weeks never meet; every week meets both."""
    return first == "every" or second == "every" or first == second


def same_time(first: Placement, second: Placement) -> bool:
    return first.day == second.day and first.slot == second.slot and weeks_overlap(first.weeks, second.weeks)


def groups_overlap(first: Placement, second: Placement) -> bool:
    """Two lessons of one class share students unless they are different subgroups of one division."""
    if first.class_id != second.class_id:
        return False
    if first.subgroup_id and second.subgroup_id and first.subgroup_id != second.subgroup_id:
        return not (first.division and first.division == second.division)
    return True


def _pairs_at_same_time(placements: Sequence[Placement], new_ids: set[str] | None):
    """Every pair of placements at the same time, at least one of them new (all when `new_ids` is None)."""
    by_time: dict[tuple, list[Placement]] = defaultdict(list)
    for placement in placements:
        by_time[(placement.day, placement.slot)].append(placement)
    for group in by_time.values():
        for index, first in enumerate(group):
            for second in group[index + 1:]:
                if first.id == second.id or not weeks_overlap(first.weeks, second.weeks):
                    continue
                if new_ids is not None and first.id not in new_ids and second.id not in new_ids:
                    continue
                yield first, second


def s1_teacher_double_booked(placements: Sequence[Placement], names: Names,
                             new_ids: set[str] | None = None) -> list[Conflict]:
    """S1: a teacher cannot give two lessons at once."""
    return [
        Conflict("teacher", f"Учитель {names.teachers.get(a.teacher_id, a.teacher_id)} в одно время ведёт "
                            f"два урока: {names.lesson(a)} и {names.lesson(b)}", (a.id, b.id))
        for a, b in _pairs_at_same_time(placements, new_ids) if a.teacher_id == b.teacher_id
    ]


def s1_room_double_booked(placements: Sequence[Placement], names: Names,
                          new_ids: set[str] | None = None) -> list[Conflict]:
    """S1: a room holds one lesson at a time."""
    return [
        Conflict("room", f"Кабинет {names.rooms.get(a.room_id, a.room_id)} занят дважды: "
                         f"{names.lesson(a)} и {names.lesson(b)}", (a.id, b.id))
        for a, b in _pairs_at_same_time(placements, new_ids) if a.room_id and a.room_id == b.room_id
    ]


def s1_class_double_booked(placements: Sequence[Placement], names: Names,
                           new_ids: set[str] | None = None) -> list[Conflict]:
    """S1: a class, or two subgroups sharing students, cannot be in two lessons at once."""
    return [
        Conflict("class", f"У класса {names.classes.get(a.class_id, a.class_id)} два урока в одно время: "
                          f"{names.lesson(a)} и {names.lesson(b)}", (a.id, b.id))
        for a, b in _pairs_at_same_time(placements, new_ids) if groups_overlap(a, b)
    ]


def s1_room_too_small(placements: Iterable[Placement], capacities: dict[str, int], names: Names) -> list[Conflict]:
    """S1: the room must hold the whole group."""
    conflicts = []
    for placement in placements:
        capacity = capacities.get(placement.room_id)
        if capacity is not None and placement.size > capacity:
            conflicts.append(Conflict(
                "capacity",
                f"Кабинет {names.rooms.get(placement.room_id, placement.room_id)} вмещает {capacity} чел., "
                f"а в группе {placement.size}: {names.lesson(placement)}",
                (placement.id,),
            ))
    return conflicts


def s2_lesson_on_holiday(placements: Iterable[Placement], holidays: Sequence[Holiday],
                         names: Names) -> list[Conflict]:
    """S2: no lesson on a holiday, a vacation day or a day off (dated lessons only)."""
    conflicts = []
    for placement in placements:
        if not isinstance(placement.day, dt.date):
            continue
        for holiday in holidays:
            if holiday.covers(placement.day):
                conflicts.append(Conflict(
                    "holiday", f"Урок {names.lesson(placement)} приходится на нерабочий день: {holiday.title}",
                    (placement.id,),
                ))
                break
    return conflicts


def s1_conflicts(placements: Sequence[Placement], names: Names, *, capacities: dict[str, int] | None = None,
                 holidays: Sequence[Holiday] = (), new_ids: set[str] | None = None) -> list[Conflict]:
    """Every conflict of the placements; with `new_ids`, only those involving a new placement."""
    fresh = [p for p in placements if new_ids is None or p.id in new_ids]
    return (
        s1_teacher_double_booked(placements, names, new_ids)
        + s1_room_double_booked(placements, names, new_ids)
        + s1_class_double_booked(placements, names, new_ids)
        + s1_room_too_small(fresh, capacities or {}, names)
        + s2_lesson_on_holiday(fresh, holidays, names)
    )


def conflicts_message(conflicts: Sequence[Conflict]) -> str:
    return "Расписание не сохранено, конфликты: " + "; ".join(conflict.message for conflict in conflicts)


# ---------------------------------------------------------------- calendar (S2)

@dataclass(frozen=True)
class StudyDay:
    date: dt.date
    weekday: int  # whose weekday's lessons the day has, 1 = Monday
    bell_schedule_id: str  # "" for the default bells


@dataclass(frozen=True)
class SpecialDay:
    date: dt.date
    timetable_weekday: int | None
    bell_schedule_id: str


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def week_parity(day: dt.date, year_start: dt.date) -> str:
    """"odd" for the year's first week (the one holding its first day), then alternating."""
    number = (week_start(day) - week_start(year_start)).days // 7 + 1
    return "odd" if number % 2 else "even"


def s2_study_days(start: dt.date, end: dt.date, holidays: Sequence[Holiday], special_days: Sequence[SpecialDay],
                  working_weekdays: int = 5) -> list[StudyDay]:
    """S2: the days with lessons from `start` to `end`.

    A weekday up to `working_weekdays` is a study day unless a holiday,
    vacation or day off covers it; a special day with a timetable weekday is a
    study day with that weekday's lessons (a Saturday worked for a Monday off).
    """
    specials = {special.date: special for special in special_days}
    days = []
    day = start
    while day <= end:
        special = specials.get(day)
        off = any(holiday.covers(day) for holiday in holidays)
        weekday = day.isoweekday()
        if special is not None and special.timetable_weekday:
            days.append(StudyDay(day, special.timetable_weekday, special.bell_schedule_id))
        elif weekday <= working_weekdays and not off:
            days.append(StudyDay(day, weekday, special.bell_schedule_id if special else ""))
        day += dt.timedelta(days=1)
    return days


def dated_lesson_id(school_id: str, class_id: str, subgroup_id: str, date: dt.date, slot: int) -> str:
    """The stable id of a dated lesson; the journal uses the same for the same lesson.

    A whole-class lesson's id depends only on its class, day and slot (what
    the journal's own demo seed uses); a subgroup's lesson adds the subgroup.
    """
    if not subgroup_id:
        return demo_id("lesson", class_id, date, slot)
    return demo_id("lesson", school_id, class_id, subgroup_id, date, slot)


def expand_entries(entries: Sequence, days: Sequence[StudyDay], year_start: dt.date):
    """(study day, entry) for every weekly entry on every study day it falls on."""
    by_weekday: dict[int, list] = defaultdict(list)
    for entry in entries:
        by_weekday[entry.weekday].append(entry)
    for day in days:
        parity = week_parity(day.date, year_start)
        for entry in by_weekday.get(day.weekday, ()):
            if entry.weeks in ("every", parity):
                yield day, entry


@dataclass(frozen=True)
class CurriculumLine:
    class_id: str
    subgroup_id: str
    subject_id: str
    curriculum_hours: int
    timetable_hours: int

    @property
    def ok(self) -> bool:
        return self.curriculum_hours == self.timetable_hours


def s2_curriculum_check(curriculum: dict[tuple[str, str, str], int], entries: Sequence, days: Sequence[StudyDay],
                        year_start: dt.date) -> list[CurriculumLine]:
    """S2 / 4.4.4: per class (subgroup) and subject, the timetable's lessons over the year vs the curriculum."""
    given: dict[tuple[str, str, str], int] = defaultdict(int)
    for _, entry in expand_entries(entries, days, year_start):
        given[(entry.class_id, entry.subgroup_id or "", entry.subject_id)] += 1
    keys = sorted(set(curriculum) | set(given))
    return [CurriculumLine(*key, curriculum.get(key, 0), given.get(key, 0)) for key in keys]


def curriculum_message(line: CurriculumLine, names: Names) -> str:
    if line.ok:
        return ""
    group = names.classes.get(line.class_id, line.class_id)
    if line.subgroup_id:
        group += f" ({names.subgroups.get(line.subgroup_id, line.subgroup_id)})"
    subject = names.subjects.get(line.subject_id, line.subject_id)
    difference = line.timetable_hours - line.curriculum_hours
    word = "больше" if difference > 0 else "меньше"
    return (f"{group}, {subject}: по расписанию {line.timetable_hours} ч за год, по учебному плану "
            f"{line.curriculum_hours} ч ({word} на {abs(difference)})")


def weekly_lessons(year_hours: int, weeks_in_year: int = 34) -> tuple[int, int]:
    """(every-week lessons, alternating-week lessons) that give `year_hours` over the year, nearest."""
    doubled = round(2 * year_hours / weeks_in_year)
    return doubled // 2, doubled % 2
