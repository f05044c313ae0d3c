"""The one error a reader raises: the file as a whole cannot be imported."""

from portal.errors import Explained


class FileProblem(Explained):
    """The file as a whole cannot be read; `message` says why, for the uploader."""
