"""The built-in providers, one module each (the `selenium` one a package).

The provider protocol (`BaseProvider`, `Param`, `command`, and the engine
surface providers may use) lives in `pytest_play.protocol`; it is re-exported
here so that `from pytest_play.providers import BaseProvider, Param, command`
keeps working for third-party providers.
"""

from __future__ import annotations

from ..protocol import BaseProvider, EngineProtocol, Param, command

__all__ = ["BaseProvider", "EngineProtocol", "Param", "command"]
