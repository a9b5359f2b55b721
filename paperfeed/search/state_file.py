"""A small JSON file of index facts (the last change taken in, when it was read), replaced
atomically so that a killed run leaves the previous one whole."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


class StateFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> dict[str, Any]:
        """The saved facts; empty when the file is missing or unreadable (rebuilt facts)."""
        try:
            data: dict[str, Any] = json.loads(self.path.read_text())
        except (FileNotFoundError, ValueError):
            return {}
        return data

    def write(self, data: dict[str, Any]) -> None:
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        tmp.write_text(json.dumps(data, sort_keys=True))
        os.replace(tmp, self.path)
