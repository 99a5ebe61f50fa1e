"""Dividing a class into subgroups for a subject at the start of the year (J4, 4.3.3, 4.4.6).

The class teacher (with the subject teachers) or the administrator divides
the class: at least two subgroups with distinct names, and every student of
the class in exactly one of them.
"""
from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from services.journal.rules.verdicts import RuleError

MAX_SUBGROUP_NAME = 100


@dataclass(frozen=True)
class SubgroupPlan:
    name: str
    student_ids: tuple[str, ...]


def check_subgroup_split(groups: Sequence[SubgroupPlan], class_students: Collection[str],
                         field: str = "subgroups") -> list[SubgroupPlan]:
    """J4: the division as given, names trimmed; RuleError naming the first bad field."""
    if len(groups) < 2:
        raise RuleError(field, "Класс делится хотя бы на две подгруппы")
    names: set[str] = set()
    placed: dict[str, int] = {}
    checked = []
    students = set(class_students)
    for index, group in enumerate(groups):
        name = " ".join((group.name or "").split())
        if not name:
            raise RuleError(f"{field}[{index}].name", "Название подгруппы не указано")
        if len(name) > MAX_SUBGROUP_NAME:
            raise RuleError(f"{field}[{index}].name", f"Название подгруппы — не длиннее {MAX_SUBGROUP_NAME} символов")
        if name.lower() in names:
            raise RuleError(f"{field}[{index}].name", f"Подгруппа «{name}» указана дважды")
        names.add(name.lower())
        if not group.student_ids:
            raise RuleError(f"{field}[{index}].student_ids", f"В подгруппе «{name}» нет учеников")
        for student_id in group.student_ids:
            if student_id not in students:
                raise RuleError(f"{field}[{index}].student_ids", "Ученик не числится в этом классе")
            if student_id in placed:
                raise RuleError(f"{field}[{index}].student_ids", "Ученик указан в двух подгруппах")
            placed[student_id] = index
        checked.append(SubgroupPlan(name, tuple(group.student_ids)))
    missing = len(students - placed.keys())
    if missing:
        raise RuleError(field, f"Не распределено по подгруппам учеников: {missing}")
    return checked
