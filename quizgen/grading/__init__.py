"""Grading submissions against a key: parsing answers, scoring, diagnosis, item analysis."""
