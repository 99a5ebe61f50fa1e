"""JournalRecordsService: proto <-> the records modules; transactions, replays and the clock here."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ezh.journal.v1 import records_pb2, records_pb2_grpc

from services.common import replay
from services.common.clock import utc_now
from services.common.identity import require_identity
from services.common.validation import identifier
from services.journal import homework, lesson_plan, reconciliation, roster, store, subgroups
from services.journal.attachments import AttachmentStorage, attachment_settings, default_storage
from services.journal.entries import school_today


class JournalRecordsServicer(records_pb2_grpc.JournalRecordsServiceServicer):
    def __init__(self, runtime, clock: Callable[[], dt.datetime] = utc_now,
                 storage: AttachmentStorage | None = None) -> None:
        self.database = runtime.database
        self.relay = runtime.relay
        self.clock = clock
        attachment_settings()  # a bad EZH_ATTACHMENT_* stops the service at start
        self.storage = storage or default_storage(runtime.settings.data_dir)

    def _write(self, request, method: str, response_type, work):
        """Run `work(session, now, today)` in a transaction, replaying an earlier answer to the same request_id."""
        now = self.clock()
        request_id = getattr(request, "request_id", "")
        with self.database.transaction() as session:
            earlier = replay.earlier_response(session, store.replays, request_id, method, response_type)
            if earlier is not None:
                return earlier
            response = work(session, now, school_today(now))
            replay.remember_response(session, store.replays, request_id, method, response)
        self.relay.wake()
        return response

    def _read(self, work):
        now = self.clock()
        with self.database.session() as session:
            return work(session, school_today(now))

    # ------------------------------------------------------------ homework

    def SetHomework(self, request, context):
        identity = require_identity()
        lesson_id = identifier("lesson_id", request.lesson_id)
        reason = " ".join(request.reason.split())
        return self._write(request, "SetHomework", records_pb2.SetHomeworkResponse, lambda session, now, today: (
            records_pb2.SetHomeworkResponse(homework=homework.set_homework(
                session, identity, lesson_id, request.text, request.due_date, reason, now))))

    def GetHomework(self, request, context):
        identity = require_identity()
        lesson_id = identifier("lesson_id", request.lesson_id)
        return self._read(lambda session, today: records_pb2.GetHomeworkResponse(
            homework=homework.get_homework(session, identity, lesson_id)))

    def AddHomeworkAttachment(self, request, context):
        identity = require_identity()
        lesson_id = identifier("lesson_id", request.lesson_id)
        stored: list[str] = []
        try:
            return self._write(request, "AddHomeworkAttachment", records_pb2.AddHomeworkAttachmentResponse,
                               lambda session, now, today: records_pb2.AddHomeworkAttachmentResponse(
                                   attachment=homework.add_attachment(session, self.storage, identity, lesson_id,
                                                                      request.file_name, request.content, now,
                                                                      stored)))
        except BaseException:
            for key in stored:  # the row was not committed: no file without a row
                self.storage.delete(key)
            raise

    def DeleteHomeworkAttachment(self, request, context):
        identity = require_identity()
        attachment_id = identifier("attachment_id", request.attachment_id)
        now = self.clock()
        with self.database.transaction() as session:
            key = homework.delete_attachment(session, identity, attachment_id, now)
        self.storage.delete(key)
        self.relay.wake()
        return records_pb2.DeleteHomeworkAttachmentResponse()

    def GetHomeworkAttachment(self, request, context):
        identity = require_identity()
        attachment_id = identifier("attachment_id", request.attachment_id)
        with self.database.session() as session:
            attachment, content = homework.read_attachment(session, self.storage, identity, attachment_id)
        return records_pb2.GetHomeworkAttachmentResponse(attachment=attachment, content=content)

    # ------------------------------------------------------------ КТП

    def SetCurriculumHours(self, request, context):
        identity = require_identity()
        class_id = identifier("class_id", request.class_id)
        subject_id = identifier("subject_id", request.subject_id)
        return self._write(request, "SetCurriculumHours", records_pb2.SetCurriculumHoursResponse,
                           lambda session, now, today: lesson_plan.set_curriculum_hours(
                               session, identity, class_id, subject_id, request.hours, today))

    def _plan_key(self, request) -> tuple[str, str, str]:
        return (identifier("class_id", request.class_id), identifier("subject_id", request.subject_id),
                identifier("subgroup_id", request.subgroup_id, required=False))

    def ImportLessonPlan(self, request, context):
        identity = require_identity()
        class_id, subject_id, subgroup_id = self._plan_key(request)
        if request.file_content:
            items = lesson_plan.items_from_file(request.file_name, request.file_content)
        else:
            items = lesson_plan.plan_items([(item.topic, item.hours, item.work_type) for item in request.items])

        def work(session, now, today):
            plan, filled = lesson_plan.import_plan(session, identity, class_id, subject_id, subgroup_id, items, now,
                                                   today)
            return records_pb2.ImportLessonPlanResponse(plan=plan, topics_filled=filled)

        return self._write(request, "ImportLessonPlan", records_pb2.ImportLessonPlanResponse, work)

    def GetLessonPlan(self, request, context):
        identity = require_identity()
        class_id, subject_id, subgroup_id = self._plan_key(request)
        return self._read(lambda session, today: records_pb2.GetLessonPlanResponse(
            plan=lesson_plan.get_plan(session, identity, class_id, subject_id, subgroup_id, today)))

    def CompleteLessonPlan(self, request, context):
        identity = require_identity()
        class_id, subject_id, subgroup_id = self._plan_key(request)
        return self._write(request, "CompleteLessonPlan", records_pb2.CompleteLessonPlanResponse,
                           lambda session, now, today: records_pb2.CompleteLessonPlanResponse(
                               plan=lesson_plan.complete_plan(session, identity, class_id, subject_id, subgroup_id,
                                                              now, today)))

    # ------------------------------------------------------------ personal data, arrivals and departures

    def GetStudentRecord(self, request, context):
        identity = require_identity()
        student_id = identifier("student_id", request.student_id)
        return self._read(lambda session, today: records_pb2.GetStudentRecordResponse(
            record=roster.get_record(session, identity, student_id, today)))

    def UpdateStudentRecord(self, request, context):
        identity = require_identity()
        identifier("student_id", request.student_id)
        for index, guardian in enumerate(request.guardians):
            identifier(f"guardians[{index}].guardian_id", guardian.guardian_id, required=False)
        return self._write(request, "UpdateStudentRecord", records_pb2.UpdateStudentRecordResponse,
                           lambda session, now, today: records_pb2.UpdateStudentRecordResponse(
                               record=roster.update_record(session, identity, request, now, today)))

    def VerifyStudentRecord(self, request, context):
        identity = require_identity()
        student_id = identifier("student_id", request.student_id)
        return self._write(request, "VerifyStudentRecord", records_pb2.VerifyStudentRecordResponse,
                           lambda session, now, today: records_pb2.VerifyStudentRecordResponse(
                               record=roster.verify_record(session, identity, student_id, today)))

    def ListRecordsDue(self, request, context):
        identity = require_identity()
        class_id = identifier("class_id", request.class_id)
        return self._read(lambda session, today: roster.records_due(session, identity, class_id, today))

    def RequestRosterChange(self, request, context):
        identity = require_identity()
        identifier("class_id", request.class_id)
        identifier("student_id", request.student_id, required=False)
        return self._write(request, "RequestRosterChange", records_pb2.RequestRosterChangeResponse,
                           lambda session, now, today: records_pb2.RequestRosterChangeResponse(
                               change=roster.request_change(session, identity, request, now, today)))

    def ListRosterChanges(self, request, context):
        identity = require_identity()
        school_id = identifier("school_id", request.school_id)
        return self._read(lambda session, today: roster.list_changes(session, identity, school_id,
                                                                     request.status.strip()))

    def CarryOutRosterChange(self, request, context):
        identity = require_identity()
        change_id = identifier("change_id", request.change_id)
        return self._write(request, "CarryOutRosterChange", records_pb2.CarryOutRosterChangeResponse,
                           lambda session, now, today: records_pb2.CarryOutRosterChangeResponse(
                               change=roster.carry_out(session, identity, change_id, now)))

    # ------------------------------------------------------------ subgroups

    def SetSubgroups(self, request, context):
        identity = require_identity()
        identifier("class_id", request.class_id)
        identifier("subject_id", request.subject_id)
        for index, group in enumerate(request.subgroups):
            identifier(f"subgroups[{index}].teacher_id", group.teacher_id, required=False)
            for student_id in group.student_ids:
                identifier(f"subgroups[{index}].student_ids", student_id)
        return self._write(request, "SetSubgroups", records_pb2.SetSubgroupsResponse,
                           lambda session, now, today: records_pb2.SetSubgroupsResponse(
                               subgroups=subgroups.set_subgroups(session, identity, request, now, today)))

    def ListSubgroups(self, request, context):
        identity = require_identity()
        class_id = identifier("class_id", request.class_id)
        subject_id = identifier("subject_id", request.subject_id)
        return self._read(lambda session, today: records_pb2.ListSubgroupsResponse(
            subgroups=subgroups.list_subgroups(session, identity, class_id, subject_id, today)))

    def MoveStudentToSubgroup(self, request, context):
        identity = require_identity()
        student_id = identifier("student_id", request.student_id)
        subgroup_id = identifier("subgroup_id", request.subgroup_id)

        def work(session, now, today):
            groups, effective = subgroups.move_student(session, identity, student_id, subgroup_id, today)
            return records_pb2.MoveStudentToSubgroupResponse(subgroups=groups, effective_date=effective.isoformat())

        return self._write(request, "MoveStudentToSubgroup", records_pb2.MoveStudentToSubgroupResponse, work)

    # ------------------------------------------------------------ attendance and overview

    def RecordAbsenceNote(self, request, context):
        identity = require_identity()
        identifier("class_id", request.class_id)
        identifier("student_id", request.student_id)
        return self._write(request, "RecordAbsenceNote", records_pb2.RecordAbsenceNoteResponse,
                           lambda session, now, today: records_pb2.RecordAbsenceNoteResponse(
                               note=reconciliation.record_note(session, identity, request, now)))

    def GetWeeklyAttendance(self, request, context):
        identity = require_identity()
        class_id = identifier("class_id", request.class_id)
        return self._read(lambda session, today: reconciliation.weekly_attendance(
            session, identity, class_id, request.week))

    def ReconcileWeek(self, request, context):
        identity = require_identity()
        class_id = identifier("class_id", request.class_id)
        return self._write(request, "ReconcileWeek", records_pb2.ReconcileWeekResponse,
                           lambda session, now, today: reconciliation.reconcile(
                               session, identity, class_id, request.week, now, today))

    def GetClassMarksOverview(self, request, context):
        identity = require_identity()
        class_id = identifier("class_id", request.class_id)
        period_id = identifier("period_id", request.period_id)
        return self._read(lambda session, today: reconciliation.marks_overview(
            session, identity, class_id, period_id, today))
