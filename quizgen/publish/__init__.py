"""``quizgen generate``: a run's output folder, from the quiz, render and export stages."""
