"""The access rules (A1–A5) as pure functions."""
from __future__ import annotations

import datetime as dt
import hashlib

import pyotp
import pytest

from services.auth import rules, totp
from services.auth.codes import new_code
from services.auth.passwords import common_passwords
from services.common.roles import Role

T0 = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


# --- passwords (A2) -----------------------------------------------------------

def _problem(password: str, login: str = "ivanova") -> str | None:
    return rules.password_problem(password, login=login, common_passwords=common_passwords())


def test_a2_password_needs_at_least_8_characters():
    assert "не короче 8" in _problem("Kx7#qPz")
    assert _problem("Kx7#qPz!") is None


def test_a2_password_longer_than_128_characters_is_refused():
    assert "не длиннее 128" in _problem("Kx7#qPz!" * 16 + "x")
    assert _problem("Kx7#qPz!" * 16) is None


@pytest.mark.parametrize("password", ["password", "12345678", "qwerty123", "йцукенгш", "Password1", "gfhjkm123"])
def test_a2_common_passwords_are_refused(password):
    assert "распространённых" in _problem(password)


def test_a2_common_password_list_is_large_and_lowercase():
    passwords = common_passwords()
    assert len(passwords) >= 1000
    assert all(password == password.lower() for password in passwords)
    assert all(len(password) >= rules.PASSWORD_MIN_LENGTH for password in passwords)


def test_a2_password_equal_to_the_login_is_refused():
    assert "логином" in _problem("Ivanova.T", login="ivanova.t")


def test_a2_password_of_spaces_only_is_refused():
    assert "пробелов" in _problem(" " * 10)


@pytest.mark.parametrize("login", ["ab", "a" * 65, "иванова", "ivan ova", "ivan@school"])
def test_a2_login_has_3_to_64_latin_characters(login):
    assert rules.login_problem(rules.normalize_login(login)) is not None


def test_a2_login_is_compared_without_case_and_spaces():
    assert rules.normalize_login("  Ivanova.T ") == "ivanova.t"
    assert rules.login_problem("ivanova.t-2_b") is None


# --- throttling (A3) -----------------------------------------------------------

def test_a3_five_failures_within_15_minutes_lock_the_login_for_15_minutes():
    failures = [T0 + n * MINUTE for n in range(5)]
    until = rules.locked_until(failures, rules.LOGIN_THROTTLE, T0 + 5 * MINUTE)
    assert until == T0 + 4 * MINUTE + rules.LOGIN_THROTTLE.lockout


def test_a3_four_failures_do_not_lock():
    failures = [T0 + n * MINUTE for n in range(4)]
    assert rules.locked_until(failures, rules.LOGIN_THROTTLE, T0 + 5 * MINUTE) is None


def test_a3_failures_spread_wider_than_the_window_do_not_lock():
    failures = [T0 + n * 4 * MINUTE for n in range(5)]  # 16 minutes from first to fifth
    assert rules.locked_until(failures, rules.LOGIN_THROTTLE, T0 + 17 * MINUTE) is None


def test_a3_lock_out_ends_by_itself():
    failures = [T0 + n * MINUTE for n in range(5)]
    end = T0 + 4 * MINUTE + rules.LOGIN_THROTTLE.lockout
    assert rules.locked_until(failures, rules.LOGIN_THROTTLE, end - dt.timedelta(seconds=1)) == end
    assert rules.locked_until(failures, rules.LOGIN_THROTTLE, end) is None


def test_a3_one_failure_after_a_lock_out_does_not_lock_again():
    failures = [T0 + n * MINUTE for n in range(5)] + [T0 + 20 * MINUTE]
    assert rules.locked_until(failures, rules.LOGIN_THROTTLE, T0 + 20 * MINUTE) is None


def test_a3_address_locks_after_30_failures():
    failures = [T0 + n * dt.timedelta(seconds=10) for n in range(30)]
    assert rules.locked_until(failures[:29], rules.ADDRESS_THROTTLE, T0 + 5 * MINUTE) is None
    assert rules.locked_until(failures, rules.ADDRESS_THROTTLE, T0 + 5 * MINUTE) is not None


# --- sessions (A3) ---------------------------------------------------------------

def test_a3_staff_session_ends_after_30_minutes_idle():
    kind = rules.session_kind([Role.SUBJECT_TEACHER])
    assert kind is rules.SessionKind.STAFF
    assert rules.session_expired(kind, T0, T0, T0 + 29 * MINUTE) is None
    assert rules.session_expired(kind, T0, T0, T0 + 30 * MINUTE) is rules.SessionEnd.IDLE


def test_a3_staff_session_ends_after_12_hours_even_when_used():
    kind = rules.SessionKind.STAFF
    created = T0
    last_used = T0 + dt.timedelta(hours=11, minutes=59)
    assert rules.session_expired(kind, created, last_used, T0 + dt.timedelta(hours=11, minutes=59)) is None
    assert rules.session_expired(kind, created, last_used, T0 + dt.timedelta(hours=12)) is rules.SessionEnd.ABSOLUTE


def test_a3_parent_and_student_sessions_last_longer():
    kind = rules.session_kind([Role.PARENT])
    assert kind is rules.SessionKind.FAMILY
    assert rules.session_kind([Role.STUDENT]) is rules.SessionKind.FAMILY
    assert rules.session_expired(kind, T0, T0, T0 + dt.timedelta(days=6)) is None
    assert rules.session_expired(kind, T0, T0, T0 + dt.timedelta(days=7)) is rules.SessionEnd.IDLE
    used = T0 + dt.timedelta(days=29, hours=23)
    assert rules.session_expired(kind, T0, used, T0 + dt.timedelta(days=30)) is rules.SessionEnd.ABSOLUTE


def test_a3_a_teacher_who_is_also_a_parent_gets_the_staff_limits():
    assert rules.session_kind([Role.PARENT, Role.SUBJECT_TEACHER]) is rules.SessionKind.STAFF
    assert rules.session_kind([Role.DISTRICT_OPERATOR]) is rules.SessionKind.STAFF


def test_a3_session_expire_time_is_the_earlier_limit():
    kind = rules.SessionKind.STAFF
    assert rules.session_expire_time(kind, T0, T0 + MINUTE) == T0 + 31 * MINUTE
    late = T0 + dt.timedelta(hours=11, minutes=50)
    assert rules.session_expire_time(kind, T0, late) == T0 + dt.timedelta(hours=12)


# --- second factor (A3) ----------------------------------------------------------

def test_a3_enrolled_account_needs_its_code():
    assert rules.second_factor([Role.PARENT], totp_enabled=True, school_requires=False) is rules.SecondFactor.CODE


def test_a3_school_may_require_second_factor_for_staff_only():
    assert (rules.second_factor([Role.SUBJECT_TEACHER], totp_enabled=False, school_requires=True)
            is rules.SecondFactor.ENROLLMENT)
    assert (rules.second_factor([Role.PARENT], totp_enabled=False, school_requires=True)
            is rules.SecondFactor.NOT_NEEDED)
    assert (rules.second_factor([Role.SUBJECT_TEACHER], totp_enabled=False, school_requires=False)
            is rules.SecondFactor.NOT_NEEDED)


def test_a3_totp_code_works_once_and_within_one_step():
    secret = pyotp.random_base32()
    now = T0
    code = pyotp.TOTP(secret).at(now)
    step = totp.accepted_step(secret, code, now, None)
    assert step is not None
    assert totp.accepted_step(secret, code, now, step) is None  # replayed
    assert totp.accepted_step(secret, code, now + dt.timedelta(seconds=30), None) == step  # one step late
    assert totp.accepted_step(secret, code, now + dt.timedelta(seconds=90), None) is None
    assert totp.accepted_step(secret, "12345", now, None) is None


# --- activation codes (A1) -------------------------------------------------------

def test_a1_code_is_10_unambiguous_symbols_grouped_for_the_slip():
    code = new_code()
    assert len(code) == rules.CODE_LENGTH
    assert set(code) <= set(rules.CODE_ALPHABET)
    assert not set("01OIL") & set(rules.CODE_ALPHABET)
    printed = rules.format_code(code)
    assert [len(part) for part in printed.split("-")] == [4, 4, 2]


def test_a1_codes_are_random():
    assert len({new_code() for _ in range(200)}) == 200


def test_a1_code_is_read_back_whatever_the_case_spaces_dashes_or_layout():
    assert rules.normalize_code(" k7qm-9xpa 2f ") == "K7QM9XPA2F"
    assert rules.normalize_code("К7QМ-9ХРА-2F") == "K7QM9XPA2F"  # Cyrillic К, М, Х, Р, А
    assert rules.normalize_code("K7QM-9XPA") is None
    assert rules.normalize_code("K7QM-9XPA-20") is None  # 0 is not in the alphabet


def test_a1_code_is_stored_as_its_sha256():
    assert rules.code_hash("k7qm-9xpa-2f") == hashlib.sha256(b"K7QM9XPA2F").hexdigest()
    assert rules.code_hash("K7QM9XPA2F") == rules.code_hash("k7qm 9xpa 2f")


def test_a1_code_is_single_use():
    expires = T0 + dt.timedelta(days=14)
    assert rules.code_state(used=None, expires=expires, now=T0) is rules.CodeState.VALID
    assert rules.code_state(used=T0, expires=expires, now=T0 + MINUTE) is rules.CodeState.USED


def test_a1_code_expires_after_the_school_lifetime():
    expires = rules.code_expire_time(T0, rules.CODE_LIFETIME_DAYS_DEFAULT)
    assert expires == T0 + dt.timedelta(days=14)
    assert rules.code_state(used=None, expires=expires, now=expires - MINUTE) is rules.CodeState.VALID
    assert rules.code_state(used=None, expires=expires, now=expires) is rules.CodeState.EXPIRED


def test_a1_staff_codes_from_the_administrator_family_codes_from_the_class_teacher():
    assert rules.code_issuers(Role.SUBJECT_TEACHER) == {Role.ADMINISTRATOR}
    assert rules.code_issuers(Role.ADMINISTRATOR) == {Role.ADMINISTRATOR, Role.DISTRICT_OPERATOR}
    assert rules.code_issuers(Role.PARENT) == {Role.CLASS_TEACHER}
    assert rules.code_issuers(Role.STUDENT) == {Role.CLASS_TEACHER}
    assert rules.code_issuers(Role.DISTRICT_OPERATOR) == frozenset()


def test_a1_a_class_teachers_code_never_takes_over_a_staff_account():
    assert rules.code_may_restore_account(Role.PARENT, [Role.PARENT])
    assert rules.code_may_restore_account(Role.STUDENT, [Role.STUDENT])
    assert not rules.code_may_restore_account(Role.PARENT, [Role.SUBJECT_TEACHER])
    assert not rules.code_may_restore_account(Role.PARENT, [Role.DIRECTOR, Role.PARENT])
    assert rules.code_may_restore_account(Role.SUBJECT_TEACHER, [Role.SUBJECT_TEACHER, Role.PARENT])
    assert not rules.code_may_restore_account(Role.ADMINISTRATOR, [Role.DISTRICT_OPERATOR])


# --- roles (A4) --------------------------------------------------------------------

def test_a4_district_operator_names_only_administrators():
    assert rules.assignable_roles([Role.DISTRICT_OPERATOR]) == {Role.ADMINISTRATOR}


def test_a4_administrator_gives_staff_roles_and_the_parent_role():
    allowed = rules.assignable_roles([Role.ADMINISTRATOR])
    assert Role.SUBJECT_TEACHER in allowed and Role.CLASS_TEACHER in allowed and Role.PARENT in allowed
    assert Role.DISTRICT_OPERATOR not in allowed and Role.STUDENT not in allowed


def test_a4_teachers_give_no_roles():
    assert rules.assignable_roles([Role.SUBJECT_TEACHER, Role.CLASS_TEACHER]) == frozenset()
