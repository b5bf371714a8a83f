"""Build the bundled knowledge base's index into the wheel (store.build_bundled_index), so that the
first run after installing answers as fast as a warm one and writes no per-user cache for it."""

import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class BundledIndexHook(BuildHookInterface):
    """A wheel gets upfaq/data/faq.idx, built from the faq.toml it ships."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return  # an editable install reads the TOML it is given, and caches as any other
        sys.path.insert(0, str(Path(self.root) / "src"))
        try:
            from upfaq import store
        finally:
            sys.path.pop(0)
        self._directory = tempfile.TemporaryDirectory()
        target = Path(self._directory.name) / "faq.idx"
        store.build_bundled_index(target)
        build_data["force_include"][str(target)] = "upfaq/data/faq.idx"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        directory = getattr(self, "_directory", None)
        if directory is not None:
            directory.cleanup()
