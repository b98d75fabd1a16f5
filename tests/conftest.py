import os

os.environ.setdefault("KERAS_BACKEND", "torch")

from hypothesis import settings

# No timing deadline anywhere: examples that build framework modules or count large models take
# what a busy machine gives them, and speed is measured in benchmarks/, not asserted here. The
# profile keeps what hypothesis chose for the machine (on CI: derandomized, no database).
settings.register_profile("quizgen", parent=settings.default, deadline=None)
settings.load_profile("quizgen")
