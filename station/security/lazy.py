"""Modules imported on first use, for dependencies most boots never touch.

`cryptography` costs about 8 MiB of resident memory and 60 ms of start-up on the OCPP
side, yet a station parses or creates certificates only for security profile 3, a
certificate signing request, a certificate install or a firmware signature; TLS itself
goes through `ssl`. Modules that need it bind a `LazyModule` at import time instead of
the module itself, and type checkers see the real module::

    if TYPE_CHECKING:
        from cryptography import x509
    else:
        x509 = LazyModule("cryptography.x509")

The first attribute read (``x509.load_pem_x509_certificates``) imports the module; an
import error surfaces there, as it would have at start-up.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

__all__ = ["LazyModule"]


class LazyModule:
    """Stands for the module ``name`` and imports it when an attribute is first read."""

    def __init__(self, name: str) -> None:
        """``name`` is the module's absolute dotted name."""
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        # Only called for names not found normally, i.e. the module's own attributes.
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        value = getattr(module, attribute)
        setattr(self, attribute, value)  # later reads are plain attribute reads
        return value

    @property
    def imported(self) -> bool:
        """Whether the module has been imported through this object."""
        return self._module is not None

    def __repr__(self) -> str:
        state = "imported" if self._module is not None else "not imported yet"
        return f"<LazyModule {self._name!r} ({state})>"
