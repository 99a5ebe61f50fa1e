"""schedule: calendar, bells, rooms, the timetable and its changes."""
