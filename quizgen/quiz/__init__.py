"""Assignments and rosters, secrets, per-student quizzes, key.json (written and read), trace; the JSON
Schemas of template and assignment files, and starting and previewing templates of your own."""
