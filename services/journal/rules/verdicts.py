"""What a rule answers: allowed, or refused with structured reasons.

A `Reason` has a `code` for programs (UPPER_SNAKE, the `ErrorInfo.reason`
of a FAILED_PRECONDITION) and a `message` for people (Russian, shown in the
web client before the teacher acts).  A bad input value is not a broken rule:
it raises `RuleError`, which names the field.
"""
from __future__ import annotations

from dataclasses import dataclass

from services.common.errors import FailedPrecondition, InvalidArgument


class RuleError(InvalidArgument):
    """An input a rule cannot work with; `field` names it (INVALID_ARGUMENT)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field, message)
        self.field = field


@dataclass(frozen=True)
class Reason:
    """One unmet requirement or broken rule."""

    code: str
    message: str


@dataclass(frozen=True)
class Verdict:
    """Allowed when there are no reasons against."""

    reasons: tuple[Reason, ...] = ()

    @property
    def allowed(self) -> bool:
        return not self.reasons

    def __bool__(self) -> bool:
        return self.allowed

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(reason.code for reason in self.reasons)

    def raise_if_refused(self) -> None:
        """FAILED_PRECONDITION with the first reason; every code in `reasons` metadata."""
        if self.reasons:
            first = self.reasons[0]
            raise FailedPrecondition(first.message, reason=first.code, reasons=",".join(self.codes))


ALLOWED = Verdict()


def refused(code: str, message: str) -> Verdict:
    return Verdict((Reason(code, message),))

