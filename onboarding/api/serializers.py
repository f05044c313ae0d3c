"""What the native API answers. Read-only: the ERP reads its organization, it changes
nothing here."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class IdentifierSerializer(serializers.Serializer):
    scheme = serializers.CharField(help_text=_("Peppol identifier scheme (ICD), e.g. 0106."))
    value = serializers.CharField()


class IdentifierDetailSerializer(IdentifierSerializer):
    can_send = serializers.BooleanField(
        source="sends", help_text=_("Sends now: switched on, verified, organization active."))
    can_receive = serializers.BooleanField(
        source="receives",
        help_text=_("Receives now: switched on, verified, organization active."))


class PingOrganizationSerializer(serializers.Serializer):
    name = serializers.CharField()
    company_id = serializers.CharField(help_text=_("The platform's company ID (XC...)."))
    identifiers = IdentifierSerializer(many=True)


class PingSerializer(serializers.Serializer):
    result = serializers.CharField(help_text=_('"ok" when the connection works.'))
    software = serializers.CharField(help_text=_("The software package the key was made for."))
    tested_at = serializers.DateTimeField(
        help_text=_("The successful test as the portal records it (at most a second earlier "
                    "when tests follow each other quickly)."))
    organization = PingOrganizationSerializer()


class OrganizationSerializer(serializers.Serializer):
    name = serializers.CharField()
    company_id = serializers.CharField()
    country = serializers.CharField()
    registry_number = serializers.CharField()
    street = serializers.CharField()
    postal_code = serializers.CharField()
    city = serializers.CharField()
    status = serializers.CharField()
    receiving = serializers.BooleanField(
        source="receives", help_text=_("Whether invoices reach the organization now: true "
                                       "exactly when one of its identifiers receives."))
    identifiers = IdentifierDetailSerializer(many=True)


class ProblemSerializer(serializers.Serializer):
    """An error as RFC 9457 problem details."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = serializers.DictField(
        required=False, help_text=_("With 400 for invalid fields: each field's messages, by "
                                    "its name."))
    document_id = serializers.IntegerField(
        required=False, help_text=_("With 409 for a client document id sent before: the "
                                    "first document's id."))
    delivery_id = serializers.CharField(
        required=False, help_text=_("With 409 for a client document id sent before: the "
                                    "first document's Delivery ID."))
