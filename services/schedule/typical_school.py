"""A typical Russian basic and secondary school (grades 5–11) of a given size, for the solver's
benchmark and tests: classes of 24–30 students, a curriculum close to the federal one
(ФОП ООО / СОО, hours a week), English in two subgroups per class, informatics in two
subgroups from grade 7, teachers with loads of 15–25 lessons and a day for methodical
work, classrooms, labs, gyms and computer classes. Deterministic for a given seed.
"""
from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

from services.schedule import solver

# Subject: (room kind, hard, weekly hours by grade 5..11, split into two subgroups).
CURRICULUM = {
    "Русский язык": ("classroom", True, (5, 6, 4, 3, 3, 2, 2), False),
    "Литература": ("classroom", False, (3, 3, 2, 2, 3, 3, 3), False),
    "Математика": ("classroom", True, (5, 5, 0, 0, 0, 0, 0), False),
    "Алгебра": ("classroom", True, (0, 0, 3, 3, 3, 3, 3), False),
    "Геометрия": ("classroom", True, (0, 0, 2, 2, 2, 2, 2), False),
    "Вероятность и статистика": ("classroom", False, (0, 0, 1, 1, 1, 1, 1), False),
    "Информатика": ("computer", False, (0, 0, 1, 1, 1, 1, 1), True),
    "История": ("classroom", False, (2, 2, 2, 2, 2, 2, 2), False),
    "Обществознание": ("classroom", False, (0, 1, 1, 1, 1, 2, 2), False),
    "География": ("classroom", False, (1, 1, 2, 2, 2, 1, 1), False),
    "Биология": ("classroom", False, (1, 1, 1, 2, 2, 1, 1), False),
    "Физика": ("lab", True, (0, 0, 2, 2, 3, 2, 2), False),
    "Химия": ("lab", True, (0, 0, 0, 2, 2, 1, 1), False),
    "Английский язык": ("classroom", True, (3, 3, 3, 3, 3, 3, 3), True),
    "Музыка": ("classroom", False, (1, 1, 1, 0, 0, 0, 0), False),
    "Изобразительное искусство": ("classroom", False, (1, 1, 1, 0, 0, 0, 0), False),
    "Технология": ("classroom", False, (2, 2, 2, 1, 1, 0, 0), False),
    "Физическая культура": ("gym", False, (2, 2, 2, 2, 2, 2, 2), False),
    "ОБЗР": ("classroom", False, (0, 0, 0, 1, 1, 1, 1), False),
    "ОДНКНР": ("classroom", False, (1, 1, 0, 0, 0, 0, 0), False),
}
LETTERS = "АБВГДЕЖ"


@dataclass(frozen=True)
class School:
    problem: solver.Problem
    classes: dict[str, tuple[str, int, int]]  # id -> (name, grade, students)
    subgroups: dict[str, tuple[str, str, str, int]]  # id -> (class id, name, division, students)
    subjects: dict[str, tuple[str, str, bool]]  # id -> (name, room kind, hard)
    teachers: dict[str, str]  # id -> name
    rooms: dict[str, tuple[str, str, int]]  # id -> (name, kind, capacity)


def _classes_per_grade(count: int) -> list[int]:
    grades = list(range(5, 12))
    base = [count // len(grades)] * len(grades)
    for index in range(count - sum(base)):
        base[index] += 1  # younger grades get the extra classes
    return base


def _rooms(count: int, classes: int) -> list[tuple[str, str, int]]:
    special = [("Физика", "lab", 30), ("Химия", "lab", 30), ("Лаборатория 3", "lab", 30), ("Лаборатория 4", "lab", 30),
               ("Большой спортзал", "gym", 60), ("Малый спортзал", "gym", 35), ("Спортзал 3", "gym", 35),
               ("Информатика 1", "computer", 16), ("Информатика 2", "computer", 16)]
    labs = max(1, round(count * 4 / 40))
    gyms = max(1, round(count * 3 / 40))
    computers = max(1, round(count * 2 / 40))
    chosen = ([room for room in special if room[1] == "lab"][:labs]
              + [room for room in special if room[1] == "gym"][:gyms]
              + [room for room in special if room[1] == "computer"][:computers])
    classrooms = max(classes, count - len(chosen))
    return chosen + [(str(101 + index + 100 * (index // 20)), "classroom", 30 + index % 3) for index in range(classrooms)]


def typical_school(classes: int = 30, teachers: int = 60, rooms: int = 40, seed: int = 1, days: int = 5,
                   slots: int = 7, max_lessons_per_day: int = 7) -> School:
    rng = random.Random(seed)
    class_rows, subgroup_rows = {}, {}
    demands_wanted = []  # (class id, subgroup id, division, subject, lessons, size)
    for grade, count in zip(range(5, 12), _classes_per_grade(classes)):
        for letter in LETTERS[:count]:
            class_id = f"class-{grade}{letter}"
            students = rng.randint(24, 30)
            class_rows[class_id] = (f"{grade}{letter}", grade, students)
            for subject, (_, _, hours, split) in CURRICULUM.items():
                weekly = hours[grade - 5]
                if not weekly:
                    continue
                if split:
                    first = students // 2
                    for number, size in ((1, first), (2, students - first)):
                        subgroup_id = f"{class_id}-{subject}-{number}"
                        subgroup_rows[subgroup_id] = (class_id, f"{subject}, группа {number}", subject, size)
                        demands_wanted.append((class_id, subgroup_id, subject, subject, weekly, size))
                else:
                    demands_wanted.append((class_id, "", "", subject, weekly, students))
    # Teachers by subject, in proportion to the subject's load, each with a share of its groups.
    load = defaultdict(int)
    for _, _, _, subject, weekly, _ in demands_wanted:
        load[subject] += weekly
    total = sum(load.values())
    per_subject = {subject: max(1, round(teachers * hours / total)) for subject, hours in load.items()}
    # Every subject needs a teacher: a school smaller than its subject list gets one each.
    while sum(per_subject.values()) > teachers and any(count > 1 for count in per_subject.values()):
        lightest = max((subject for subject in per_subject if per_subject[subject] > 1),
                       key=lambda subject: per_subject[subject] / load[subject])
        per_subject[lightest] -= 1
    while sum(per_subject.values()) < teachers:
        busiest = max(per_subject, key=lambda subject: load[subject] / per_subject[subject])
        per_subject[busiest] += 1
    teacher_names, teacher_ids = {}, defaultdict(list)
    for subject in sorted(per_subject):
        for number in range(per_subject[subject]):
            teacher_id = f"teacher-{subject}-{number + 1}"
            teacher_ids[subject].append(teacher_id)
            teacher_names[teacher_id] = f"Учитель: {subject} {number + 1}"
    given = defaultdict(int)
    demands = []
    for class_id, subgroup_id, division, subject, weekly, size in demands_wanted:
        # The least loaded teacher of the subject; the other group of a class to another teacher if possible.
        candidates = sorted(teacher_ids[subject], key=lambda teacher: (given[teacher], teacher))
        if subgroup_id.endswith("-2") and len(candidates) > 1:
            sibling = next((d.teacher_id for d in demands if d.subgroup_id == subgroup_id[:-1] + "1"), None)
            candidates = [teacher for teacher in candidates if teacher != sibling] or candidates
        teacher_id = candidates[0]
        given[teacher_id] += weekly
        kind, hard, _, _ = CURRICULUM[subject]
        demands.append(solver.Demand(class_id=class_id, subject_id=f"subject-{subject}", teacher_id=teacher_id,
                                     lessons=weekly, size=size, subgroup_id=subgroup_id, division=division,
                                     room_kind=kind, hard=hard))
    # Every fourth teacher keeps one day free for methodical work, if their load allows it.
    unavailable = set()
    grid = days * slots
    for index, teacher_id in enumerate(sorted(teacher_names)):
        if index % 4 == 0 and given[teacher_id] <= grid - slots - 6:
            day = 1 + index % days
            unavailable.update((teacher_id, day, slot) for slot in range(1, slots + 1))
    room_rows = {f"room-{name}": (name, kind, capacity) for name, kind, capacity in _rooms(rooms, classes)}
    names = {class_id: row[0] for class_id, row in class_rows.items()}
    names.update({subgroup_id: row[1] for subgroup_id, row in subgroup_rows.items()})
    names.update(teacher_names)
    names.update({f"subject-{subject}": subject for subject in CURRICULUM})
    names.update({room_id: row[0] for room_id, row in room_rows.items()})
    problem = solver.Problem(
        demands=demands, rooms=[solver.Room(room_id, kind, capacity) for room_id, (_, kind, capacity)
                                in room_rows.items()],
        days=days, slots=slots, max_lessons_per_day=max_lessons_per_day, unavailable=frozenset(unavailable),
        names=names)
    return School(problem, class_rows, subgroup_rows,
                  {f"subject-{subject}": (subject, kind, hard) for subject, (kind, hard, _, _) in CURRICULUM.items()},
                  teacher_names, room_rows)


def weekly_hours(school: School) -> int:
    return sum(demand.lessons for demand in school.problem.demands)

