"""journal: classes, students, marks, attendance, homework, final marks."""
