"""A store offload whose power can be cut, for tests of what a restart finds on disk."""

from __future__ import annotations

import trio


class CuttableOffload:
    """Runs store work inline until the power is cut; after that nothing reaches the disk."""

    def __init__(self) -> None:
        self.cut = False

    async def run(self, fn):
        if self.cut:
            raise RuntimeError("power cut")
        result = fn()
        await trio.lowlevel.checkpoint()
        return result
