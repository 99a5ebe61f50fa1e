"""The demo district of the embedded mode: who is in it, with stable ids.

Each service seeds its own part of this picture into its own database
(`services/<name>/seed.py`); ids are derived deterministically so the parts
fit together without calls between services.  Never used in the district
deployment.
"""
from __future__ import annotations

import datetime as dt
import random
import secrets
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from services.common.roles import Role
from services.common.settings import Settings

NAMESPACE = uuid.UUID("6f1c0b3e-6a57-4a61-9d0e-2f9c1d7e5a10")


def demo_id(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(str(part) for part in parts)))


@dataclass(frozen=True)
class Person:
    id: str
    last_name: str
    first_name: str
    middle_name: str
    gender: str  # "m" or "f"
    birth_date: dt.date | None = None

    @property
    def full_name(self) -> str:
        return f"{self.last_name} {self.first_name} {self.middle_name}".strip()


@dataclass(frozen=True)
class Account:
    login: str
    person: Person
    school_id: str | None
    roles: tuple[tuple[Role, str | None], ...]  # (role, class id for class_teacher)


@dataclass(frozen=True)
class SchoolClass:
    id: str
    school_id: str
    grade: int
    letter: str
    class_teacher: Person
    students: tuple[Person, ...]

    @property
    def name(self) -> str:
        return f"{self.grade}{self.letter}"


@dataclass(frozen=True)
class Guardianship:
    guardian: Person
    student: Person
    relation: str  # "mother", "father", "guardian"


@dataclass(frozen=True)
class School:
    id: str
    name: str
    short_name: str
    classes: tuple[SchoolClass, ...]
    staff: tuple[Account, ...]
    teachers: tuple[Person, ...]
    guardianships: tuple[Guardianship, ...]
    rooms: tuple[tuple[str, int, str], ...]  # name, capacity, kind


@dataclass(frozen=True)
class District:
    operator: Account
    schools: tuple[School, ...]
    accounts: tuple[Account, ...] = field(default=())

    def account(self, login: str) -> Account:
        return next(account for account in self.accounts if account.login == login)

    def guardian_of(self, student_id: str) -> Person:
        """The (first) guardian of a student."""
        return next(
            link.guardian for school in self.schools for link in school.guardianships if link.student.id == student_id
        )


MALE_FIRST = ["Александр", "Дмитрий", "Максим", "Иван", "Артём", "Михаил", "Кирилл", "Егор", "Никита", "Андрей", "Илья", "Матвей", "Тимофей", "Роман", "Владимир"]
FEMALE_FIRST = ["Анна", "Мария", "Софья", "Алиса", "Виктория", "Полина", "Елизавета", "Дарья", "Ксения", "Варвара", "Екатерина", "Александра", "Вероника", "Ульяна", "Милана"]
PATRONYMIC_ROOTS = ["Александров", "Дмитриев", "Сергеев", "Андреев", "Алексеев", "Игорев", "Олегов", "Викторов", "Николаев", "Павлов"]
SURNAMES = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев"]


def _person(rng: random.Random, key: str, gender: str, surname: str | None = None, birth_year: int | None = None) -> Person:
    surname = surname or rng.choice(SURNAMES)
    first = rng.choice(MALE_FIRST if gender == "m" else FEMALE_FIRST)
    root = rng.choice(PATRONYMIC_ROOTS)
    middle = root + ("ич" if gender == "m" else "на")
    last = surname if gender == "m" else surname + "а"
    birth = None
    if birth_year:
        birth = dt.date(birth_year, 1, 1) + dt.timedelta(days=rng.randrange(365))
    return Person(id=demo_id("person", key), last_name=last, first_name=first, middle_name=middle, gender=gender, birth_date=birth)


def build_district(year: int = 2026) -> District:
    """The demo district: deterministic, so every service sees the same people."""
    rng = random.Random(20260901)
    operator = Account("district", _person(rng, "district", "f"), None, ((Role.DISTRICT_OPERATOR, None),))

    school_id = demo_id("school", 1)
    class_5a_id = demo_id("class", school_id, "5А")
    class_9b_id = demo_id("class", school_id, "9Б")
    admin = Account("admin", _person(rng, "admin", "m"), school_id, ((Role.ADMINISTRATOR, None),))
    director = Account("director", _person(rng, "director", "f"), school_id, ((Role.DIRECTOR, None),))
    deputy = Account("deputy", _person(rng, "deputy", "f"), school_id, ((Role.DEPUTY_DIRECTOR, None),))
    teacher = Account("teacher", _person(rng, "teacher", "f"), school_id, ((Role.SUBJECT_TEACHER, None),))
    class_teacher = Account(
        "classteacher", _person(rng, "classteacher", "f"), school_id,
        ((Role.SUBJECT_TEACHER, None), (Role.CLASS_TEACHER, class_5a_id)),
    )
    other_teachers = [
        Account(f"teacher{n}", _person(rng, f"teacher{n}", rng.choice("mf")), school_id, ((Role.SUBJECT_TEACHER, None),))
        for n in range(2, 6)
    ]
    # The first of the other teachers leads 9Б.
    other_teachers[0] = Account(
        other_teachers[0].login, other_teachers[0].person, school_id,
        ((Role.SUBJECT_TEACHER, None), (Role.CLASS_TEACHER, class_9b_id)),
    )

    def students(class_key: str, count: int, birth_year: int) -> list[Person]:
        return [
            _person(rng, f"student/{class_key}/{n}", rng.choice("mf"), birth_year=birth_year) for n in range(count)
        ]

    students_5a = students("5А", 25, year - 11)
    students_9b = students("9Б", 24, year - 15)

    # The demo student is the first of 5А; the demo parent has a child in 5А and one in 9Б.
    demo_parent = _person(rng, "parent", "f", surname=students_5a[0].last_name.removesuffix("а"))
    sibling_surname = students_5a[0].last_name.removesuffix("а")
    students_9b[0] = _person(rng, "student/9Б/0", "m", surname=sibling_surname, birth_year=year - 15)
    guardianships: list[Guardianship] = [
        Guardianship(demo_parent, students_5a[0], "mother"),
        Guardianship(demo_parent, students_9b[0], "mother"),
    ]
    for index, child in enumerate(students_5a[1:] + students_9b[1:]):
        gender = "f" if index % 3 else "m"
        parent = _person(rng, f"parent/{child.id}", gender, surname=child.last_name.removesuffix("а"))
        guardianships.append(Guardianship(parent, child, "mother" if gender == "f" else "father"))

    parent_account = Account("parent", demo_parent, school_id, ((Role.PARENT, None),))
    student_account = Account("student", students_5a[0], school_id, ((Role.STUDENT, None),))

    school1 = School(
        id=school_id,
        name="МБОУ «Средняя общеобразовательная школа № 1»",
        short_name="СОШ № 1",
        classes=(
            SchoolClass(class_5a_id, school_id, 5, "А", class_teacher.person, tuple(students_5a)),
            SchoolClass(class_9b_id, school_id, 9, "Б", other_teachers[0].person, tuple(students_9b)),
        ),
        staff=(admin, director, deputy, teacher, class_teacher, *other_teachers),
        teachers=(teacher.person, class_teacher.person, *(account.person for account in other_teachers)),
        guardianships=tuple(guardianships),
        rooms=(("101", 30, "classroom"), ("102", 30, "classroom"), ("201", 28, "lab"),
               ("Спортзал", 60, "gym"), ("305", 15, "computer")),
    )

    school2_id = demo_id("school", 2)
    admin2 = Account("admin2", _person(rng, "admin2", "m"), school2_id, ((Role.ADMINISTRATOR, None),))
    class_7v_id = demo_id("class", school2_id, "7В")
    teacher2 = Account(
        "teacher7", _person(rng, "teacher7", "m"), school2_id,
        ((Role.SUBJECT_TEACHER, None), (Role.CLASS_TEACHER, class_7v_id)),
    )
    students_7v = students("7В", 12, year - 13)
    guardianships2 = tuple(
        Guardianship(_person(rng, f"parent/{child.id}", "f", surname=child.last_name.removesuffix("а")), child, "mother")
        for child in students_7v
    )
    school2 = School(
        id=school2_id,
        name="МБОУ «Основная общеобразовательная школа № 2»",
        short_name="ООШ № 2",
        classes=(SchoolClass(class_7v_id, school2_id, 7, "В", teacher2.person, tuple(students_7v)),),
        staff=(admin2, teacher2),
        teachers=(teacher2.person,),
        guardianships=guardianships2,
        rooms=(("1", 20, "classroom"), ("2", 20, "classroom")),
    )
    accounts = (operator, *school1.staff, parent_account, student_account, *school2.staff)
    return District(operator=operator, schools=(school1, school2), accounts=accounts)


def demo_password(settings: Settings) -> str:
    """EZH_DEMO_PASSWORD, or one generated at the first run and kept in the data folder."""
    if settings.demo_password is not None:
        return settings.demo_password.get_secret_value()
    path = Path(settings.data_dir) / "demo-password.txt"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    password = "-".join(secrets.token_urlsafe(4) for _ in range(3))
    path.write_text(password + "\n")
    path.chmod(0o600)
    return password
