"""Storage: the database schema (Alembic migrations), engines and repositories.

``database`` connects and migrates, ``tables`` declares the schema the code reads and
writes through, ``repository`` stores and loads pictures and scan results. See
``docs/storage.md``.
"""
