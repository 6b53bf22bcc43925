"""Posting a report as one sticky comment on a GitHub pull request or GitLab merge request.

:mod:`~migcheck.comment.target` resolves options and CI variables into a forge
(:mod:`~migcheck.comment.github`, :mod:`~migcheck.comment.gitlab`) talking through
:mod:`~migcheck.comment.http`; :func:`migcheck.comment.sticky.post` keeps one comment per
project up to date, found again by the hidden marker of :mod:`~migcheck.comment.body`.
"""
