"""The calendar-thematic plan, КТП (J3, sections 4.4.4 and 4.4.5).

Plan items (topic, hours, type of work) are placed on the lessons in date
order: an item of N hours takes the next N lessons.  Cancelled lessons take
no topic.  The plan's hours must equal the curriculum's hours for the
subject and class, and the lessons of the timetable (held and still to come)
must be as many as the plan's hours; only then can the plan be marked
complete.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from services.journal.rules.marks import WorkType, work_type
from services.journal.rules.verdicts import Reason, RuleError


@dataclass(frozen=True)
class PlanItem:
    topic: str
    hours: int
    work_type: WorkType | None = None  # practical, laboratory, test… (4.4.5); None for an ordinary lesson
    id: str = ""

    def __post_init__(self) -> None:
        if not (self.topic or "").strip():
            raise RuleError("topic", "Тема в КТП не указана")
        if not isinstance(self.hours, int) or isinstance(self.hours, bool) or self.hours < 1:
            raise RuleError("hours", f"Число часов по теме «{self.topic.strip()}» — целое, не меньше 1")
        if self.work_type is not None:
            object.__setattr__(self, "work_type", work_type(self.work_type))


@dataclass(frozen=True)
class Lesson:
    """A lesson of the timetable; `number` orders lessons of the same day."""

    id: str
    date: dt.date
    number: int = 0
    cancelled: bool = False


@dataclass(frozen=True)
class LessonTopic:
    """Hour `hour` of `hours` of plan item `item_index`, placed on a lesson."""

    lesson_id: str
    lesson_date: dt.date
    item_index: int
    item_id: str
    topic: str
    hour: int
    hours: int
    work_type: WorkType | None


@dataclass(frozen=True)
class UnplacedItem:
    """Plan hours left without a lesson."""

    item_index: int
    topic: str
    hours_missing: int


@dataclass(frozen=True)
class PlanMatch:
    topics: tuple[LessonTopic, ...]
    unplaced: tuple[UnplacedItem, ...]
    lessons_without_topic: tuple[Lesson, ...]

    def work_types_between(self, first: dt.date, last: dt.date) -> frozenset[WorkType]:
        """The types of work planned on lessons from `first` to `last` (for M2's held_work_types)."""
        return frozenset(topic.work_type for topic in self.topics
                         if topic.work_type is not None and first <= topic.lesson_date <= last)


def match_plan_to_lessons(items: Sequence[PlanItem], lessons: Sequence[Lesson]) -> PlanMatch:
    """J3: place the plan on the lessons in date order, N lessons for an item of N hours."""
    ordered = [lesson for lesson in sorted(lessons, key=lambda lesson: (lesson.date, lesson.number, lesson.id))
               if not lesson.cancelled]
    topics: list[LessonTopic] = []
    unplaced: list[UnplacedItem] = []
    position = 0
    for index, item in enumerate(items):
        for hour in range(1, item.hours + 1):
            if position >= len(ordered):
                unplaced.append(UnplacedItem(index, item.topic, item.hours - hour + 1))
                break
            lesson = ordered[position]
            topics.append(LessonTopic(lesson.id, lesson.date, index, item.id, item.topic, hour, item.hours,
                                      item.work_type))
            position += 1
    return PlanMatch(tuple(topics), tuple(unplaced), tuple(ordered[position:]))


@dataclass(frozen=True)
class LessonPlanCheck:
    """J3: planned hours vs curriculum hours vs lessons, and why the plan cannot be complete."""

    planned_hours: int
    curriculum_hours: int
    lessons_held: int
    lessons_scheduled: int  # not cancelled, held or still to come
    match: PlanMatch
    reasons: tuple[Reason, ...]

    @property
    def can_mark_complete(self) -> bool:
        return not self.reasons

    @property
    def lessons_to_come(self) -> int:
        return self.lessons_scheduled - self.lessons_held


def check_lesson_plan(
    items: Sequence[PlanItem], lessons: Sequence[Lesson], curriculum_hours: int, today: dt.date,
) -> LessonPlanCheck:
    """J3, 4.4.4: compare the plan with the curriculum and the timetable; lessons up to today are held."""
    if not isinstance(curriculum_hours, int) or isinstance(curriculum_hours, bool) or curriculum_hours < 0:
        raise RuleError("curriculum_hours", "Часы по учебному плану — целое число, не меньше 0")
    planned = sum(item.hours for item in items)
    scheduled = [lesson for lesson in lessons if not lesson.cancelled]
    held = sum(1 for lesson in scheduled if lesson.date <= today)
    reasons = []
    if not items:
        reasons.append(Reason("PLAN_EMPTY", "КТП не заполнено"))
    if planned != curriculum_hours:
        reasons.append(Reason("PLAN_HOURS_DIFFER_FROM_CURRICULUM",
                              f"В КТП {planned} ч, по учебному плану {curriculum_hours} ч"))
    if len(scheduled) != planned:
        reasons.append(Reason("LESSONS_DIFFER_FROM_PLAN",
                              f"По расписанию {len(scheduled)} уроков (проведено {held}), в КТП {planned} ч"))
    return LessonPlanCheck(planned, curriculum_hours, held, len(scheduled), match_plan_to_lessons(items, lessons),
                           tuple(reasons))
