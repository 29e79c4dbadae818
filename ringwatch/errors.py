"""Errors that ringwatch reports to the user as a message, never as a traceback."""


class RingwatchError(RuntimeError):
    """A failure the user can fix; the message says what went wrong and what to do."""
