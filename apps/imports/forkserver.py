"""Imported once by the fork server that import processes are forked from (see parallel.py).

Setting Django up, importing the readers and loading the language model take about half a
second; done here, once, every import process forked afterwards starts with them in memory
(shared until written). Nothing here connects to the database: each import process is given
the importing process's database when it starts.

Whatever fails here only costs that speed: the processes then set themselves up.
"""

import logging
import os

# Never start (or join) the embedded PostgreSQL from here: settings read the address, and
# each import process replaces it with the importing process's own database.
os.environ.setdefault("DATABASE_URL", "postgres://import-process@localhost/unused")

try:
    import django

    django.setup()

    from apps.imports import store  # noqa: F401 - the readers, the store and the models
    from apps.imports.normalise import detect_language

    detect_language("Loading the language model once, here, spares each import process the time.")
except Exception:  # noqa: BLE001 - the import processes set themselves up instead
    logging.getLogger(__name__).warning("Import processes will set themselves up", exc_info=True)
