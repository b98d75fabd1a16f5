"""The instructor's secret that keys per-student variants: from a file or QUIZGEN_SECRET."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from quizgen.errors import AssignmentError

ENV_VAR = "QUIZGEN_SECRET"


@dataclass(frozen=True)
class Secret:
    value: bytes
    source: str  # "file", "environment" or "none"

    @property
    def is_set(self) -> bool:
        return self.source != "none"


def load_secret(secret_file: Path | None = None) -> Secret:
    if secret_file is not None:
        try:
            raw = secret_file.read_bytes().strip()
        except OSError as error:
            raise AssignmentError(f"{secret_file}: cannot read the secret: {error.strerror}") from None
        if not raw:
            raise AssignmentError(f"{secret_file}: the secret file is empty")
        return Secret(raw, "file")
    env = os.environ.get(ENV_VAR, "")
    if env:
        return Secret(env.encode(), "environment")
    return Secret(b"", "none")
