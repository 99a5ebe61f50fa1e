"""What auth asks the journal: a class with its students and their guardians.

The caller's access token is passed on, so the journal checks by itself that
the caller is staff of the class's school (another school's class is not
found there either).
"""
from __future__ import annotations

from dataclasses import dataclass

import grpc
from ezh.journal.v1 import journal_pb2, journal_pb2_grpc

from services.common.errors import NotFound, Unauthenticated, Unavailable, read_rpc_error
from services.common.identity import bearer_metadata


@dataclass(frozen=True)
class Member:
    person_id: str
    last_name: str
    first_name: str
    middle_name: str
    student_id: str = ""  # for a guardian: the child
    relation: str = ""

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.last_name, self.first_name, self.middle_name) if part)


@dataclass(frozen=True)
class ClassRoster:
    class_id: str
    school_id: str
    name: str
    students: tuple[Member, ...]
    guardians: tuple[Member, ...]  # one per (guardian, child)


def class_not_found() -> NotFound:
    return NotFound("Класс не найден", reason="CLASS_NOT_FOUND", field="class_id")


class ClassDirectory:
    def __init__(self, clients) -> None:
        self.clients = clients

    def roster(self, class_id: str, caller_token: str) -> ClassRoster:
        stub = self.clients.stub("journal", journal_pb2_grpc.JournalServiceStub)
        try:
            reply = stub.ListClassMembers(
                journal_pb2.ListClassMembersRequest(class_id=class_id), metadata=bearer_metadata(caller_token)
            )
        except grpc.RpcError as error:
            remote = read_rpc_error(error)
            if remote.code in (
                grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.INVALID_ARGUMENT
            ):
                raise class_not_found() from None
            if remote.code is grpc.StatusCode.UNAUTHENTICATED:
                raise Unauthenticated("Сеанс недействителен или истёк, войдите снова", reason="INVALID_TOKEN") from None
            raise Unavailable("Журнал временно недоступен, повторите позже", reason="JOURNAL_UNAVAILABLE") from None
        students = tuple(
            Member(student.id, student.last_name, student.first_name, student.middle_name)
            for student in reply.students
        )
        guardians = tuple(
            Member(guardian.id, guardian.last_name, guardian.first_name, guardian.middle_name, student.id,
                   guardian.relation)
            for student in reply.students
            for guardian in student.guardians
        )
        school_class = reply.school_class
        return ClassRoster(school_class.id, school_class.school_id, school_class.name, students, guardians)
