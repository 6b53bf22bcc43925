"""``migcheck verify``: every revision up → down → up on a throwaway PostgreSQL.

:mod:`~migcheck.verify.walk` runs the checks (:func:`~migcheck.verify.walk.verify_project`),
:mod:`~migcheck.verify.session` drives the project's env.py, :mod:`~migcheck.verify.results`
holds what was found, :mod:`~migcheck.verify.drift` compares the models at head and
:mod:`~migcheck.verify.revisions` inspects revision files and their errors.
"""
