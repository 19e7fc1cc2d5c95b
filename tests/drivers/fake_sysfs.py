"""A directory tree shaped like /sys/class/pwm, with the kernel's export step simulated."""

from __future__ import annotations

from pathlib import Path


class FakePwmSysfs:
    """``root/pwmchipN`` with ``export``/``npwm``; `materialize` plays the kernel's part."""

    def __init__(self, root: Path, *, chip: int = 0, npwm: int = 2) -> None:
        self.root = root
        self.chip_dir = root / f"pwmchip{chip}"
        self.chip_dir.mkdir(parents=True)
        (self.chip_dir / "export").write_text("")
        (self.chip_dir / "unexport").write_text("")
        (self.chip_dir / "npwm").write_text(f"{npwm}\n")
        self.sleeps: list[float] = []

    def export(
        self,
        channel: int,
        *,
        period: int = 0,
        duty: int = 0,
        enable: int = 0,
        polarity: str = "normal",
    ) -> Path:
        """Create ``pwmM`` as the kernel does when ``M`` is written to ``export``."""
        directory = self.chip_dir / f"pwm{channel}"
        directory.mkdir()
        (directory / "period").write_text(f"{period}\n")
        (directory / "duty_cycle").write_text(f"{duty}\n")
        (directory / "enable").write_text(f"{enable}\n")
        (directory / "polarity").write_text(f"{polarity}\n")
        return directory

    def materialize(self, seconds: float) -> None:
        """A ``sleep`` replacement: the exported channel appears while the driver waits."""
        self.sleeps.append(seconds)
        requested = (self.chip_dir / "export").read_text().strip()
        if requested and not (self.chip_dir / f"pwm{requested}").exists():
            self.export(int(requested))

    def value(self, channel: int, name: str) -> str:
        """The content of ``pwmM/name`` without the newline."""
        return (self.chip_dir / f"pwm{channel}" / name).read_text().strip()
