// Names for the timetable screens: the school's teachers (staff), rooms,
// and the classes, subgroups and subjects with who teaches what, gathered
// from the teachers' published weeks and, for a weekly timetable, from its
// curriculum check (every class × subgroup × subject the year's plan has).
import { get } from "./api.js";
import { isoDay } from "./i18n.js";

export const WEEKDAYS = ["понедельник", "вторник", "среда", "четверг", "пятница", "суббота"];
export const WEEKS = { every: "каждую неделю", odd: "по нечётным неделям", even: "по чётным неделям" };

const byName = (a, b) => a[1].localeCompare(b[1], "ru", { numeric: true });

// "teacher|class|subgroup|subject" keys: who teaches a class (subgroup) a subject.
export function pairKey(classId, subgroupId, subjectId) {
  return `${classId}|${subgroupId || ""}|${subjectId}`;
}

// "5А (Английский, группа 1), Английский язык: по расписанию …" → its names.
const CURRICULUM_LINE = /^([^,(]+?)(?: \(([^)]*)\))?, (.+?): по расписанию/;

export async function schoolNames(schoolId, { date = new Date(), curriculum = [] } = {}) {
  const [staff, roomPage] = await Promise.all([
    get("/api/v1/staff?page_size=500"),
    get(`/api/v1/schedule/schools/${schoolId}/rooms?page_size=200`),
  ]);
  const teachers = new Map(staff.people
    .filter((person) => person.roles.some((grant) => grant.role === "subject_teacher"))
    .map((person) => [person.id, person.full_name]).sort(byName));
  const rooms = new Map(roomPage.rooms.map((room) => [room.id, room]));
  const classes = new Map();
  const subjects = new Map();
  const subgroups = new Map();  // id → {name, classId}
  const teacherOf = new Map();  // pairKey → teacher id
  const pairs = new Map();  // pairKey → {classId, subgroupId, subjectId}
  const learn = (lesson) => {
    if (lesson.class_name) classes.set(lesson.class_id, lesson.class_name);
    if (lesson.subject_name) subjects.set(lesson.subject_id, lesson.subject_name);
    if (lesson.subgroup_id && lesson.subgroup_name) {
      subgroups.set(lesson.subgroup_id, { name: lesson.subgroup_name, classId: lesson.class_id });
    }
    const key = pairKey(lesson.class_id, lesson.subgroup_id, lesson.subject_id);
    pairs.set(key, { classId: lesson.class_id, subgroupId: lesson.subgroup_id || "", subjectId: lesson.subject_id });
    if (!teacherOf.has(key)) teacherOf.set(key, lesson.planned_teacher_id || lesson.teacher_id);
  };
  const weeks = await Promise.all([...teachers.keys()].map((id) => get(
    `/api/v1/schedule/schools/${schoolId}/weeks/teachers/${id}?date=${isoDay(date)}`,
  ).then((week) => week.lessons, () => [])));
  weeks.flat().forEach(learn);
  for (const line of curriculum) {
    const match = CURRICULUM_LINE.exec(line.message || "");
    if (match) {
      if (!classes.has(line.class_id)) classes.set(line.class_id, match[1]);
      if (line.subgroup_id && match[2] && !subgroups.has(line.subgroup_id)) {
        subgroups.set(line.subgroup_id, { name: match[2], classId: line.class_id });
      }
      if (!subjects.has(line.subject_id)) subjects.set(line.subject_id, match[3]);
    }
    pairs.set(pairKey(line.class_id, line.subgroup_id, line.subject_id),
      { classId: line.class_id, subgroupId: line.subgroup_id || "", subjectId: line.subject_id });
  }
  return {
    teachers,
    rooms,
    classes: new Map([...classes].sort(byName)),
    subjects: new Map([...subjects].sort(byName)),
    subgroups,
    teacherOf,
    pairs: [...pairs.values()],
  };
}

// A name for an id the names do not know (a class added after the last published week).
export function nameOf(map, id, fallback) {
  if (!id) return "";
  const value = map.get(id);
  if (value === undefined) return `${fallback} ${id.slice(0, 8)}`;
  return typeof value === "string" ? value : value.name;
}
