"""Pages (quiz, key, practice, report), notebooks, SVG diagrams and tables, from quizzes and counts."""
