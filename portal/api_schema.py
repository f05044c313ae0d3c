"""How the OpenAPI document describes the API's operations."""

from drf_spectacular.openapi import AutoSchema


class PortalAutoSchema(AutoSchema):
    """Each operation is described where it is declared (extend_schema's description); a
    view's docstring is written for the code's readers and stays out of the document."""

    def get_description(self) -> str:
        return ""
