"""Webhooks by machine (/api/v1/webhooks): software lists, adds, changes, pauses, resumes
and removes the hooks of its connection key's organization, or, through the service broker,
of the organization its party link allows to manage webhooks; another organization's hook is
a 404."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from onboarding.api.authentication import ConnectionKeyAuthentication
from onboarding.api.base import ConnectionKeyView
from onboarding.api.broker import (
    HOOKS,
    EntraBearerAuthentication,
    HasPartyRight,
    PartyHeaderSchema,
    broker_caller,
)
from onboarding.api.docs import JSON_BODY, KEY_CALL, problems
from portal.fields import MAX_ID
from portal.problems import ProblemKind
from portal.said import Said
from webhooks.models import Topic, Webhook
from webhooks.safety import UnsafeTarget, resolve

PROBLEMS = KEY_CALL
NOT_FOUND = problems({404: _("No such webhook of the key's organization.")})


class HookNotFound(ProblemKind, exceptions.NotFound):
    problem_code = "webhook-not-found"
    problem_title = _("Webhook not found")
    default_detail = _("The key's organization has no such webhook.")


class WebhookSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    url = serializers.URLField(max_length=500, help_text=_("https, to a public address."))
    description = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                        default="")
    topics = serializers.ListField(child=serializers.ChoiceField(choices=Topic.choices),
                                   allow_empty=False, max_length=len(Topic.choices))
    is_active = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)

    def validate_url(self, url):
        try:
            resolve(url)
        except UnsafeTarget as refused:
            raise serializers.ValidationError(str(refused.message)) from None
        return url

    def validate_topics(self, topics):
        return [value for value, _label in Topic.choices if value in set(topics)]


class WebhookChangeSerializer(WebhookSerializer):
    is_active = serializers.BooleanField(required=False, help_text=_(
        "false pauses the webhook; true resumes it, and what waited meanwhile goes out."))


class CreatedWebhookSerializer(WebhookSerializer):
    secret = serializers.CharField(read_only=True, help_text=_(
        "Signs every delivery; given only in this answer."))


class NewSecretSerializer(serializers.Serializer):
    secret = serializers.CharField(read_only=True, help_text=_(
        "Signs every delivery from now on; given only in this answer."))


class KeyHooksView(ConnectionKeyView):
    authentication_classes = [ConnectionKeyAuthentication, EntraBearerAuthentication]
    permission_classes = [*ConnectionKeyView.permission_classes, HasPartyRight]
    schema = PartyHeaderSchema()
    party_right = HOOKS

    def hooks(self):
        """The only hooks this request may touch: its key's organization's."""
        return Webhook.objects.filter(organization_id=self.request.auth.organization_id)


class WebhooksView(KeyHooksView):
    @extend_schema(operation_id="webhooks_list", summary=_("The organization's webhooks"),
                   description=_("The key's organization's webhooks (at most 200), with their "
                                 "topics and whether each is active; never their secrets."),
                   responses={200: WebhookSerializer(many=True), **PROBLEMS})
    def get(self, request):
        return Response(WebhookSerializer(self.hooks()[:200], many=True).data)

    @extend_schema(
        operation_id="webhooks_create", summary=_("Add a webhook"),
        description=_(
            "Add a webhook for the key's organization. The answer holds the secret that "
            "signs every delivery, once.\n\n"
            "Each event is POSTed to the URL as JSON: topic, partyId (the organization's "
            "company ID), hookId, documentId, message, details (with eventId, the same on "
            "every try of one event), createdOn and sentOn (UTC). The X-Signature header is "
            "`sha256=` and the hex HMAC-SHA256 of the raw body, keyed with the whole secret "
            "as given (whsec_…). Refuse a body whose signature differs, or whose sentOn is "
            "more than five minutes from your clock. Answer with a 2xx status: any other "
            "answer, or none, is tried again with growing pauses for about a day, and a hook "
            "that keeps failing is paused and its organization's administrators are mailed. "
            "The portal's \"Send a test event\" posts the topic HookTest, which is not one to "
            "subscribe to."),
        request=WebhookSerializer,
        responses={201: CreatedWebhookSerializer, **JSON_BODY, **PROBLEMS})
    def post(self, request):
        incoming = WebhookSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        hook, secret = Webhook.create(by=None, environment=None, key=request.auth,
                                      **incoming.validated_data)
        return Response({**WebhookSerializer(hook).data, "secret": secret},
                        status=status.HTTP_201_CREATED)


class OneHookView(KeyHooksView):
    def hook(self, pk):
        found = self.hooks().filter(pk=pk).first() if pk <= MAX_ID else None
        if found is None:
            raise HookNotFound()
        return found


class WebhookView(OneHookView):
    @extend_schema(operation_id="webhooks_read", summary=_("One webhook"),
                   description=_("One of the key's organization's webhooks; never its "
                                 "secret."),
                   responses={200: WebhookSerializer, **NOT_FOUND, **PROBLEMS})
    def get(self, request, pk):
        return Response(WebhookSerializer(self.hook(pk)).data)

    @extend_schema(
        operation_id="webhooks_change", summary=_("Change, pause or resume a webhook"),
        description=_("Give only what changes: url, description, topics, or is_active. "
                      "The secret stays; every change is in the audit log."),
        request=WebhookChangeSerializer,
        responses={200: WebhookSerializer, **JSON_BODY, **NOT_FOUND, **PROBLEMS})
    def patch(self, request, pk):
        hook = self.hook(pk)
        incoming = WebhookChangeSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        changes = incoming.validated_data
        key = request.auth
        with transaction.atomic():
            if changes.keys() & {"url", "topics", "description"}:
                hook.change(None, None, url=changes.get("url", hook.url),
                            topics=changes.get("topics", hook.topics),
                            description=changes.get("description", hook.description), key=key)
            if changes.get("is_active") is True:
                hook.resume(None, None, key=key)
            elif changes.get("is_active") is False:
                caller = broker_caller(request)
                reason = Said(gettext_noop("Paused by %(caller)s."), caller=caller.actor_label) \
                    if caller is not None else \
                    Said(gettext_noop("Paused by connection key %(key)s."), key=key.app_key)
                hook.pause(None, None, reason, key=key)
        # change(), pause() and resume() leave `hook` as they wrote it.
        return Response(WebhookSerializer(hook).data)

    @extend_schema(operation_id="webhooks_delete", summary=_("Remove a webhook"),
                   description=_("Removes the webhook for good, with its deliveries; events "
                                 "that wait for a try are not sent. The audit log keeps that "
                                 "it was removed, and by which key."),
                   responses={204: None, **NOT_FOUND, **PROBLEMS})
    def delete(self, request, pk):
        self.hook(pk).delete_by(None, None, key=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class NewSecretView(OneHookView):
    @extend_schema(
        operation_id="webhooks_new_secret", summary=_("Give a webhook a new secret"),
        description=_("The new secret signs every delivery from now on, retries of earlier "
                      "events included; the old one signs nothing more. The answer holds it, "
                      "once."),
        request=None, responses={200: NewSecretSerializer, **NOT_FOUND, **PROBLEMS})
    def post(self, request, pk):
        secret = self.hook(pk).rotate_secret(None, None, key=request.auth)
        return Response({"secret": secret})
