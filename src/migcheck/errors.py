"""Errors that migcheck reports to the user as one line and exit code 2."""


class MigcheckError(Exception):
    """A problem with the user's input or environment.

    The CLI prints ``str(error)`` on one line and exits with code 2. The message must name the
    file, revision or option at fault and, where possible, what to do about it.
    """


class NoBackendError(MigcheckError):
    """No throwaway PostgreSQL backend can run on this machine."""
