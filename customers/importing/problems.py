"""The one error a reader raises: the file as a whole cannot be imported."""


class FileProblem(ValueError):
    """The file as a whole cannot be read; `message` says why, for the uploader."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message
