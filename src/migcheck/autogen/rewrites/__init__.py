"""migcheck's rewrites, one module per family, each registering in :mod:`..registry`.

* :mod:`.indexes`: indexes built and dropped concurrently;
* :mod:`.constraints`: foreign keys, CHECK and unique constraints added without a long lock;
* :mod:`.add_column`: new columns with a volatile default or NOT NULL without a default;
* :mod:`.alter_column`: type changes that rewrite the table, SET NOT NULL.

:func:`load` imports every module of this package, so adding a family is adding a module.
"""

from __future__ import annotations

import importlib
import pkgutil


def load() -> None:
    """Import every rewrite module (each registers its rewrites on import; idempotent)."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
