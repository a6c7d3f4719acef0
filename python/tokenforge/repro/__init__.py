"""One reproduction per paper result (`tokenforge repro NAME`): each module holds a `measure` function that takes
its data as arguments (the tests give it tiny generated data) and a `run` that finds the installed data, and
registers itself here as a `Repro`. The table of results is docs/reproductions.md."""

from __future__ import annotations

from tokenforge.repro import binary, charbench, code, crosslingual, kl3m, lib, mixture, qtok, superbpe, turkish
from tokenforge.repro.common import Repro

MODULES = (superbpe, binary, kl3m, qtok, turkish, crosslingual, charbench, mixture, code, lib)
REPROS: dict[str, Repro] = {m.REPRO.name: m.REPRO for m in MODULES}
