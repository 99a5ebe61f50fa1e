"""The timetable solver (S1): its output checked against every hard constraint by the
S1 rules and plain counting, independently of the solver's own model."""
from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from services.schedule import rules, solver
from services.schedule.generation import placements
from services.schedule.typical_school import typical_school

pytest.importorskip("ortools.sat.python.cp_model")


def check_hard_constraints(problem: solver.Problem, solution: solver.Solution) -> None:
    """Every hard constraint of a weekly timetable, counted without the solver."""
    names = rules.Names(classes={}, subgroups={}, subjects={}, teachers={}, rooms={})
    capacities = {room.id: room.capacity for room in problem.rooms}
    kinds = {room.id: room.kind for room in problem.rooms}
    # Teacher, room, class and overlapping subgroups at one time; rooms large enough.
    assert rules.s1_conflicts(placements(solution), names, capacities=capacities) == []
    unplaced = Counter()
    for item in solution.unplaced:
        unplaced[item.demand] += item.count
    placed = Counter(lesson.demand for lesson in solution.lessons)
    for demand in problem.demands:
        assert placed[demand] + unplaced[demand] == demand.lessons, demand
    per_day = Counter((lesson.demand, lesson.weekday) for lesson in solution.lessons)
    for lesson in solution.lessons:
        assert 1 <= lesson.weekday <= problem.days and 1 <= lesson.slot <= problem.slots
        assert (lesson.demand.teacher_id, lesson.weekday, lesson.slot) not in problem.unavailable
        assert kinds[lesson.room_id] == lesson.demand.room_kind
        assert per_day[lesson.demand, lesson.weekday] <= -(-lesson.demand.lessons // 2)


def test_s1_solver_places_a_small_school_without_conflicts():
    school = typical_school(classes=4, teachers=22, rooms=10, seed=3)
    solution = solver.solve(school.problem, time_limit_seconds=6)
    check_hard_constraints(school.problem, solution)
    assert solution.unplaced == []
    assert solution.quality.placed == sum(demand.lessons for demand in school.problem.demands)
    assert solution.quality.class_gaps == 0  # class days are compact when every lesson fits


def test_s1_solver_runs_subgroups_of_one_division_in_parallel():
    whole = [solver.Demand("c", f"s{n}", f"t{n}", lessons=1, size=26) for n in range(6)]
    groups = [solver.Demand("c", "english", f"e{n}", lessons=1, size=13, subgroup_id=f"g{n}", division="english")
              for n in (1, 2)]
    other = solver.Demand("c", "it", "i1", lessons=1, size=13, subgroup_id="i1", division="it")
    rooms = [solver.Room(f"r{n}", "classroom", 30) for n in range(3)]
    problem = solver.Problem(demands=whole + groups, rooms=rooms, days=1, slots=7)
    solution = solver.solve(problem, time_limit_seconds=3)
    check_hard_constraints(problem, solution)
    assert solution.unplaced == []
    english = {lesson.slot for lesson in solution.lessons if lesson.demand.division == "english"}
    assert len(english) == 1  # seven slots, eight lessons: the two groups at once
    # A group of another division shares students with both: one lesson is left out.
    crowded = dataclasses.replace(problem, demands=whole + groups + [other])
    solution = solver.solve(crowded, time_limit_seconds=3)
    check_hard_constraints(crowded, solution)
    assert sum(item.count for item in solution.unplaced) == 1


def test_s1_solver_reports_what_cannot_be_placed_and_why():
    school = typical_school(classes=4, teachers=22, rooms=10, seed=2)
    no_labs = [room for room in school.problem.rooms if room.kind != "lab"]
    teacher = school.problem.demands[0].teacher_id
    busy = frozenset((teacher, day, slot) for day in range(1, 6) for slot in range(1, 8) if (day, slot) != (1, 1))
    problem = dataclasses.replace(school.problem, rooms=no_labs, unavailable=busy)
    solution = solver.solve(problem, time_limit_seconds=5)
    check_hard_constraints(problem, solution)
    reasons = {item.reason for item in solution.unplaced}
    assert any(reason.startswith("Нет кабинета вида «лаборатория» на") for reason in reasons)
    assert any(reason.startswith(f"У учителя {problem.names[teacher]}") for reason in reasons)
    assert solution.quality.unplaced == sum(item.count for item in solution.unplaced) > 0
    physics = [lesson for lesson in solution.lessons if lesson.demand.room_kind == "lab"]
    assert physics == []


def test_s1_quality_counts_gaps_hard_last_and_long_days():
    demand = solver.Demand("c", "math", "t", lessons=3, size=20, hard=True)
    other = solver.Demand("c", "art", "t2", lessons=5, size=20)
    problem = solver.Problem(demands=[demand, other], rooms=[], max_lessons_per_day=3)
    lessons = [solver.PlacedLesson(demand, 1, 2, "r"), solver.PlacedLesson(demand, 1, 4, "r"),
               solver.PlacedLesson(other, 2, 1, "r"), solver.PlacedLesson(other, 2, 2, "r"),
               solver.PlacedLesson(other, 2, 3, "r"), solver.PlacedLesson(other, 2, 4, "r")]
    quality = solver.quality(problem, lessons)
    # Monday: a late start and a window (2 class gaps), the teacher's window (1), math last (1);
    # Tuesday: four lessons over a limit of three.
    assert (quality.class_gaps, quality.teacher_gaps, quality.hard_last, quality.over_daily_limit) == (2, 1, 1, 1)
