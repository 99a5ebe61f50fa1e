"""Automatic timetabling with OR-Tools CP-SAT: no database, no gRPC.

The input is what the curriculum asks for (`Demand`: a class or subgroup,
a subject, its teacher, lessons a week), the rooms, the teachers'
unavailable slots and the grid (days × slots). Hard constraints: a teacher
gives one lesson at a time and only when available; a class, or subgroups
sharing students, has one lesson at a time (subgroups of one division run
in parallel); at each time there are enough rooms of the right kind and
size (checked as Hall's condition over capacity thresholds, which is exact
here: a group fits every room at least its size); a subject comes at most
ceil(lessons / days) times a day. A lesson that cannot be placed is left
out at a high price and reported with the reason.

Soft preferences, weighted in the objective: no gaps (nor late starts) in
a class's day, few gaps in a teacher's day, hard subjects not the last
lesson of a class's day, at most `max_lessons_per_day` lessons a day.

Rooms are given after solving, slot by slot, largest group first: any room
that fits will do (the smaller groups left fit every room it fits), the
class's room of its previous lesson preferred.

The quality numbers are counted afresh from the result by `quality`, not
read from the model.
"""
from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

KIND_TITLES = {"classroom": "обычный кабинет", "lab": "лаборатория", "gym": "спортзал",
               "computer": "компьютерный класс"}

WEIGHT_UNPLACED = 1000
WEIGHT_CLASS_GAP = 20
WEIGHT_TEACHER_GAP = 3
WEIGHT_HARD_LAST = 2
WEIGHT_OVER_DAILY = 10


@dataclass(frozen=True)
class Demand:
    class_id: str
    subject_id: str
    teacher_id: str
    lessons: int  # a week
    size: int
    subgroup_id: str = ""
    division: str = ""
    room_kind: str = "classroom"
    hard: bool = False
    alternating: bool = False  # one of the lessons comes every other week

    @property
    def group(self) -> str:
        return self.subgroup_id or self.class_id


@dataclass(frozen=True)
class Room:
    id: str
    kind: str
    capacity: int


@dataclass(frozen=True)
class Problem:
    demands: Sequence[Demand]
    rooms: Sequence[Room]
    days: int = 5
    slots: int = 7
    max_lessons_per_day: int = 6
    unavailable: frozenset[tuple[str, int, int]] = frozenset()  # (teacher, weekday 1.., slot 1..)
    names: dict[str, str] = field(default_factory=dict)  # id -> name, for reasons


@dataclass(frozen=True)
class PlacedLesson:
    demand: Demand
    weekday: int
    slot: int
    room_id: str
    weeks: str = "every"
    demand_index: int = -1


@dataclass(frozen=True)
class Unplaced:
    demand: Demand
    count: int
    reason: str


@dataclass(frozen=True)
class Quality:
    class_gaps: int
    teacher_gaps: int
    hard_last: int
    over_daily_limit: int
    placed: int
    unplaced: int


@dataclass(frozen=True)
class Solution:
    lessons: list[PlacedLesson]
    unplaced: list[Unplaced]
    quality: Quality
    status: str
    seconds: float


def _name(problem: Problem, key: str) -> str:
    return problem.names.get(key, key)


def _blockers(problem: Problem) -> dict[int, str]:
    """Reasons known before solving, by demand index: what cannot be placed whatever the solver does."""
    reasons: dict[int, str] = {}
    grid = problem.days * problem.slots
    for index, demand in enumerate(problem.demands):
        fitting = [room for room in problem.rooms if room.kind == demand.room_kind and room.capacity >= demand.size]
        if not fitting:
            reasons[index] = (f"Нет кабинета вида «{KIND_TITLES.get(demand.room_kind, demand.room_kind)}» "
                              f"на {demand.size} чел.")
    teacher_load: dict[str, int] = defaultdict(int)
    for demand in problem.demands:
        teacher_load[demand.teacher_id] += demand.lessons
    free = {teacher: grid - sum(1 for t, day, slot in problem.unavailable
                                if t == teacher and day <= problem.days and slot <= problem.slots)
            for teacher in teacher_load}
    for index, demand in enumerate(problem.demands):
        if index not in reasons and teacher_load[demand.teacher_id] > free[demand.teacher_id]:
            reasons[index] = (f"У учителя {_name(problem, demand.teacher_id)} {teacher_load[demand.teacher_id]} "
                              f"уроков в неделю, а свободных уроков в сетке {free[demand.teacher_id]}")
    class_load: dict[str, int] = defaultdict(int)
    for demand in problem.demands:
        if not demand.subgroup_id:
            class_load[demand.class_id] += demand.lessons
    for index, demand in enumerate(problem.demands):
        if index not in reasons and class_load[demand.class_id] > grid:
            reasons[index] = (f"У класса {_name(problem, demand.class_id)} {class_load[demand.class_id]} уроков "
                              f"в неделю, а в сетке {grid} мест")
    return reasons


def _build(problem: Problem, blockers: dict[int, str], cp_model, *, soft: bool, compact_days: bool):
    """The CP-SAT model: hard constraints, and the preferences when `soft`.

    With `compact_days` a class's lessons of a day are a block from the first slot (no gaps as a
    hard constraint): a smaller search space in which a first full placement is found quickly.
    """
    days, slots = range(1, problem.days + 1), range(1, problem.slots + 1)
    model = cp_model.CpModel()
    x: dict[tuple[int, int, int], object] = {}
    missing = {}
    for index, demand in enumerate(problem.demands):
        if index in blockers or demand.lessons <= 0:
            continue
        open_days = sum(1 for day in days if any((demand.teacher_id, day, slot) not in problem.unavailable
                                                 for slot in slots)) or 1
        per_day = math.ceil(demand.lessons / open_days)
        for day in days:
            cells = []
            for slot in slots:
                if (demand.teacher_id, day, slot) in problem.unavailable:
                    continue
                x[index, day, slot] = cell = model.new_bool_var(f"x{index}_{day}_{slot}")
                cells.append(cell)
            if cells:
                model.add(sum(cells) <= per_day)
        missing[index] = model.new_int_var(0, demand.lessons, f"u{index}")
        model.add(sum(x[index, day, slot] for day in days for slot in slots if (index, day, slot) in x)
                  + missing[index] == demand.lessons)

    def cells_of(indexes, day, slot):
        return [x[index, day, slot] for index in indexes if (index, day, slot) in x]

    by_teacher, by_class, by_subgroup = defaultdict(list), defaultdict(list), defaultdict(list)
    divisions: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for index, demand in enumerate(problem.demands):
        by_teacher[demand.teacher_id].append(index)
        by_class[demand.class_id].append(index)
        if demand.subgroup_id:
            by_subgroup[demand.subgroup_id].append(index)
            divisions[demand.class_id][demand.division or demand.subgroup_id].append(index)

    objective = [WEIGHT_UNPLACED * var for var in missing.values()]
    teacher_busy = {}
    for teacher, indexes in by_teacher.items():
        for day in days:
            for slot in slots:
                cells = cells_of(indexes, day, slot)
                if cells:
                    model.add(sum(cells) <= 1)
                teacher_busy[teacher, day, slot] = sum(cells) if cells else 0
    for indexes in by_subgroup.values():
        for day in days:
            for slot in slots:
                cells = cells_of(indexes, day, slot)
                if len(cells) > 1:
                    model.add(sum(cells) <= 1)

    occupied = {}
    for class_id, indexes in by_class.items():
        whole = [index for index in indexes if not problem.demands[index].subgroup_id]
        for day in days:
            for slot in slots:
                parts = cells_of(whole, day, slot)
                for division, members in divisions[class_id].items():
                    cells = cells_of(members, day, slot)
                    if cells:
                        busy = model.new_bool_var(f"d{class_id}_{division}_{day}_{slot}")
                        for cell in cells:
                            model.add(busy >= cell)
                        model.add(busy <= sum(cells))
                        parts.append(busy)
                if parts:
                    model.add(sum(parts) <= 1)
                occupied[class_id, day, slot] = sum(parts) if parts else 0

    # Rooms: at each time, groups needing a kind and at least t places never outnumber such rooms.
    kinds = defaultdict(list)
    for index, demand in enumerate(problem.demands):
        kinds[demand.room_kind].append(index)
    for kind, indexes in kinds.items():
        capacities = sorted((room.capacity for room in problem.rooms if room.kind == kind), reverse=True)
        for threshold in sorted({problem.demands[index].size for index in indexes}):
            rooms = sum(1 for capacity in capacities if capacity >= threshold)
            needing = [index for index in indexes if problem.demands[index].size >= threshold]
            if len(needing) <= rooms:
                continue
            for day in days:
                for slot in slots:
                    cells = cells_of(needing, day, slot)
                    if len(cells) > rooms:
                        model.add(sum(cells) <= rooms)

    if compact_days:
        for class_id in by_class:
            for day in days:
                for slot in slots:
                    if slot < problem.slots:
                        model.add(occupied[class_id, day, slot] >= occupied[class_id, day, slot + 1])
    if not soft:
        return model, x, missing, objective

    # Class days: lessons from the first slot without gaps; hard subjects not last; not too many.
    for class_id, indexes in by_class.items():
        hard = [index for index in indexes if problem.demands[index].hard]
        for day in days:
            later = {}
            for slot in reversed(slots):
                later[slot] = model.new_bool_var(f"a{class_id}_{day}_{slot}")
                model.add(later[slot] >= occupied[class_id, day, slot])
                if slot < problem.slots:
                    model.add(later[slot] >= later[slot + 1])
                gap = model.new_bool_var(f"g{class_id}_{day}_{slot}")
                model.add(gap >= later[slot] - occupied[class_id, day, slot])
                objective.append(WEIGHT_CLASS_GAP * gap)
            for slot in slots:
                cells = cells_of(hard, day, slot)
                if cells:
                    last = model.new_bool_var(f"h{class_id}_{day}_{slot}")
                    after = later[slot + 1] if slot < problem.slots else 0
                    model.add(last >= sum(cells) - after)
                    objective.append(WEIGHT_HARD_LAST * last)
            over = model.new_int_var(0, problem.slots, f"o{class_id}_{day}")
            model.add(over >= sum(occupied[class_id, day, slot] for slot in slots) - problem.max_lessons_per_day)
            objective.append(WEIGHT_OVER_DAILY * over)

    # Teacher days: few windows between the first and the last lesson.
    for teacher in by_teacher:
        for day in days:
            busy = [teacher_busy[teacher, day, slot] for slot in slots]
            if not any(not isinstance(value, int) for value in busy):
                continue
            before, after = {}, {}
            for slot in slots:
                before[slot] = model.new_bool_var(f"b{teacher}_{day}_{slot}")
                model.add(before[slot] >= busy[slot - 1])
                if slot > 1:
                    model.add(before[slot] >= before[slot - 1])
            for slot in reversed(slots):
                after[slot] = model.new_bool_var(f"e{teacher}_{day}_{slot}")
                model.add(after[slot] >= busy[slot - 1])
                if slot < problem.slots:
                    model.add(after[slot] >= after[slot + 1])
            for slot in slots:
                window = model.new_bool_var(f"w{teacher}_{day}_{slot}")
                model.add(window >= before[slot] + after[slot] - 1 - busy[slot - 1])
                objective.append(WEIGHT_TEACHER_GAP * window)

    return model, x, missing, objective


def solve(problem: Problem, time_limit_seconds: float = 20.0, workers: int = 2) -> Solution:
    """Place the lessons within `time_limit_seconds`.

    First a placement of every lesson with compact class days and no other preference
    (a third of the time at most; if none exists, the largest placement), then the whole
    objective from that placement as a hint.
    """
    from ortools.sat.python import cp_model  # imported on first use: it is heavy and only generation needs it

    started = time.monotonic()
    blockers = _blockers(problem)

    def run(model, seconds: float):
        engine = cp_model.CpSolver()
        engine.parameters.max_time_in_seconds = max(0.5, seconds)
        engine.parameters.num_workers = workers
        engine.parameters.random_seed = 1
        engine.parameters.repair_hint = True
        return engine, engine.solve(model)

    solved = (cp_model.OPTIMAL, cp_model.FEASIBLE)
    # 1. Every lesson placed, class days compact: a feasibility search, quick when the school fits.
    model, x, missing, _ = _build(problem, blockers, cp_model, soft=False, compact_days=True)
    for var in missing.values():
        model.add(var == 0)
    engine, status = run(model, time_limit_seconds / 3)
    everything = status in solved
    if not everything:
        # 1b. It does not fit: as many lessons as can be placed.
        model, x, missing, _ = _build(problem, blockers, cp_model, soft=False, compact_days=False)
        model.minimize(sum(missing.values()))
        engine, status = run(model, (time_limit_seconds - (time.monotonic() - started)) / 2)
    hint = {key: engine.value(var) for key, var in x.items()} if status in solved else {}
    # 2. The preferences, from that placement (class days stay compact when they could be).
    model, x, missing, objective = _build(problem, blockers, cp_model, soft=True, compact_days=everything)
    if everything:
        for var in missing.values():
            model.add(var == 0)
    for key, var in x.items():
        if key in hint:
            model.add_hint(var, hint[key])
    model.minimize(sum(objective))
    engine, status = run(model, time_limit_seconds - (time.monotonic() - started))
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    status_name = {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible",
                   cp_model.INFEASIBLE: "infeasible"}.get(status, "unknown")
    chosen: list[tuple[int, int, int]] = []
    if found:
        chosen = [key for key, var in x.items() if engine.value(var)]
    elif hint:
        chosen = [key for key, value in hint.items() if value]
    lessons = _give_rooms(problem, chosen)
    placed_count = defaultdict(int)
    for lesson in lessons:
        placed_count[lesson.demand_index] += 1
    unplaced = []
    for index, demand in enumerate(problem.demands):
        left = demand.lessons - placed_count[index]
        if left <= 0:
            continue
        reason = blockers.get(index) or (
            f"Решатель не нашёл расписания за {time_limit_seconds:g} с" if not found else
            f"Нет места без конфликтов: учитель {_name(problem, demand.teacher_id)}, класс, подгруппы "
            "и подходящие кабинеты заняты в свободные уроки")
        unplaced.append(Unplaced(demand, left, reason))
    return Solution(lessons, unplaced, quality(problem, lessons, unplaced), status_name,
                    time.monotonic() - started)


def _give_rooms(problem: Problem, chosen) -> list[PlacedLesson]:
    by_time = defaultdict(list)
    for index, day, slot in chosen:
        by_time[day, slot].append(index)
    last_room: dict[str, str] = {}
    lessons = []
    alternating_done: set[int] = set()
    for (day, slot) in sorted(by_time):
        free = sorted(problem.rooms, key=lambda room: (room.capacity, room.id))
        taken: set[str] = set()
        for index in sorted(by_time[day, slot], key=lambda i: -problem.demands[i].size):
            demand = problem.demands[index]
            fitting = [room for room in free if room.id not in taken and room.kind == demand.room_kind
                       and room.capacity >= demand.size]
            if not fitting:
                continue  # cannot happen under the room constraints; reported as unplaced if it does
            room = next((room for room in fitting if room.id == last_room.get(demand.group)), fitting[0])
            taken.add(room.id)
            last_room[demand.group] = room.id
            weeks = "every"
            if demand.alternating and index not in alternating_done:
                weeks = "odd"
                alternating_done.add(index)
            lessons.append(PlacedLesson(demand, day, slot, room.id, weeks, index))
    return lessons


def quality(problem: Problem, lessons: Sequence[PlacedLesson], unplaced: Sequence[Unplaced] = ()) -> Quality:
    """Gaps and preference violations of a weekly timetable, counted from its lessons."""
    class_slots, teacher_slots = defaultdict(set), defaultdict(set)
    hard_at = defaultdict(set)
    for lesson in lessons:
        class_slots[lesson.demand.class_id, lesson.weekday].add(lesson.slot)
        teacher_slots[lesson.demand.teacher_id, lesson.weekday].add(lesson.slot)
        if lesson.demand.hard:
            hard_at[lesson.demand.class_id, lesson.weekday].add(lesson.slot)
    class_gaps = sum(max(taken) - len(taken) for taken in class_slots.values())  # late starts count too
    teacher_gaps = sum(max(taken) - min(taken) + 1 - len(taken) for taken in teacher_slots.values())
    hard_last = sum(1 for key, taken in hard_at.items() if max(class_slots[key]) in taken)
    over = sum(max(0, len(taken) - problem.max_lessons_per_day) for taken in class_slots.values())
    return Quality(class_gaps, teacher_gaps, hard_last, over, len(lessons), sum(item.count for item in unplaced))
