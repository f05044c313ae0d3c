"""The sender and receiver of a document as participant identifiers ("0106:12345678")."""


class SenderReceiverIds:
    """For anything with ``sender_scheme``/``sender_value`` and ``receiver_scheme``/
    ``receiver_value``: each pair as one identifier, or "" when the value is missing."""

    sender_scheme: str
    sender_value: str
    receiver_scheme: str
    receiver_value: str

    @property
    def sender_id(self) -> str:
        return _joined(self.sender_scheme, self.sender_value)

    @property
    def receiver_id(self) -> str:
        return _joined(self.receiver_scheme, self.receiver_value)


def _joined(scheme: str, value: str) -> str:
    return f"{scheme}:{value}" if value else ""
