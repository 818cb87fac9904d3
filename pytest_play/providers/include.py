"""The `include` provider: run the steps of another scenario file."""

from __future__ import annotations

from . import BaseProvider, Param, command


class IncludeProvider(BaseProvider):
    """Reuse steps (a login, a setup) across scenarios."""

    @command(path=Param("string", doc="file to include, relative to the including file or the working directory"))
    def command_include(self, command, **kwargs):
        """Run the steps of the file at `path`; variables are shared both ways."""
        self.engine.include(command["path"])
