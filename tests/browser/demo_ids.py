"""Ids of the demo district's seeded journal (services/journal/seed.py), for tests that open a page by its address."""
from __future__ import annotations

from services.common.demo import build_district, demo_id

DISTRICT = build_district()
SCHOOL = DISTRICT.schools[0]
YEAR = 2026


def class_id(name: str) -> str:
    return next(school_class.id for school_class in SCHOOL.classes if school_class.name == name)


def subject_id(name: str) -> str:
    return demo_id("subject", SCHOOL.id, name)


def quarter_id(number: int) -> str:
    return demo_id("period", SCHOOL.id, YEAR, "quarter", number)


def journal_hash(class_name: str, subject: str, quarter: int = 2) -> str:
    return f"#/journal/{class_id(class_name)}/{subject_id(subject)}/{quarter_id(quarter)}"
