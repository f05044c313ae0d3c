"""An organization's Peppol identifiers and members."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from invoices.peppol.identifiers import IdentifierError
from onboarding.clients import kvk
from onboarding.forms import organizations as forms
from onboarding.models import OrganizationIdentifier, OrganizationMember, Role
from onboarding.tenancy import environment_required
from onboarding.views.organizations import (
    _kvk_client,
    _kvk_failure,
    detail_url,
    looked_after_organization,
    own_organization,
    render_detail,
)
from portal.errors import ChangeRefused, add_field_error, add_refusal, refusal

# -- identifiers --------------------------------------------------------------


def _looked_after_identifier(request, pk):
    return get_object_or_404(
        OrganizationIdentifier.objects.looked_after_by(request.user, request.environment)
        .select_related("organization"), pk=pk)


def _receiving_is_theirs(request, organization) -> bool:
    """Whether receiving, which is charged, stays with the organization's own administrators
    for this user: an accountant switches sending only."""
    return organization.environment_id != request.environment.pk


@environment_required(Role.ADVANCED)
def identifier_add(request, pk):
    organization = looked_after_organization(request, pk)
    if request.method != "POST":
        return render_detail(request, organization)
    form = forms.IdentifierForm(request.POST, country=organization.country)
    if form.is_valid():
        scheme, value = form.cleaned_data["scheme"], form.cleaned_data["value"]
        try:
            identifier = OrganizationIdentifier.add(
                organization, request.user, scheme, value,
                register_profile=_register_profile(organization, scheme, value),
                environment=request.environment)
        except IdentifierError as err:
            add_field_error(form, err.field, err.render(_))
        except ChangeRefused as refused:
            add_refusal(form, refused)
        else:
            if identifier.is_verified:
                messages.success(request, _("Peppol identifier %(identifier)s was added.")
                                 % {"identifier": identifier})
            elif organization.is_active:
                messages.info(request, _("Peppol identifier %(identifier)s was added. TechSupport "
                                         "verifies that it is this organization's before it "
                                         "sends or receives.") % {"identifier": identifier})
            else:
                messages.info(request, _("Peppol identifier %(identifier)s was added. TechSupport "
                                         "checks it with the activation.")
                              % {"identifier": identifier})
            return redirect(detail_url(organization, "identifiers"))
    return render_detail(request, organization, identifier_form=form)


def _register_profile(organization, scheme, value):
    """What the KvK register says of another KvK number than the organization's own, so the
    identifier can be confirmed there; None when the register cannot answer."""
    number = "".join(value.split())
    if scheme != "0106" or number == organization.registry_number:
        return None
    try:
        with _kvk_client() as client:
            if not client.configured:
                return None
            return client.basisprofiel(number)
    except kvk.KvKError as exc:
        _kvk_failure(exc)
        return None


@environment_required(Role.ADVANCED)
def identifier_switch(request, pk):
    identifier = _looked_after_identifier(request, pk)
    organization = identifier.organization
    receiving_theirs = _receiving_is_theirs(request, organization)
    if request.method != "POST":
        # Switching receiving off stops incoming invoices at once: its switch asks here first.
        asked = forms.IdentifierSwitchForm(request.GET)
        return render(request, "onboarding/organizations/identifier_switch.html", {
            "identifier": identifier, "organization": organization,
            "receiving_theirs": receiving_theirs,
            "confirm_receive_off": identifier.can_receive and not receiving_theirs
            and asked.is_valid()
            and asked.cleaned_data == {"direction": "receive", "enabled": False},
        })
    form = forms.IdentifierSwitchForm(request.POST)
    if form.is_valid():
        direction, enabled = form.cleaned_data["direction"], form.cleaned_data["enabled"]
        if direction == "receive" and receiving_theirs:
            messages.error(request, _("Receiving is charged, so %(name)s's own administrators "
                                      "switch it on or off.") % {"name": organization.name})
            return redirect(detail_url(organization, "identifiers"))
        try:
            identifier.switch(request.user, direction, enabled,
                              environment=request.environment)
        except ChangeRefused as refused:
            messages.error(request, refused.message)
        else:
            message = (_switch_message(direction, enabled) if identifier.is_verified or not enabled
                       else _("%(identifier)s is switched on, and takes effect once it is "
                              "verified."))
            messages.success(request, message % {"identifier": identifier})
        return redirect(detail_url(identifier.organization, "identifiers"))
    return render(request, "onboarding/organizations/identifier_switch.html", {
        "identifier": identifier, "organization": organization,
        "receiving_theirs": receiving_theirs,
    }, status=400)


def _switch_message(direction, enabled):
    if direction == "send":
        return (_("%(identifier)s now sends.") if enabled
                else _("%(identifier)s no longer sends."))
    return (_("%(identifier)s now receives.") if enabled
            else _("%(identifier)s no longer receives."))


def _confirm_remove(request, part, name, anchor, message, context=None, **remove):
    """Ask, then remove an identifier or a member (`part`, shown to its template as `name`
    with `context`), passing `remove` on to its remove(); a refusal is said on the page."""
    organization = part.organization
    error = None
    if request.method == "POST":
        error = refusal(part.remove, request.user, **remove)
        if error is None:
            messages.success(request, message)
            return redirect(detail_url(organization, anchor))
    return render(request, f"onboarding/organizations/{anchor[:-1]}_remove.html", {
        name: part, "organization": organization, "error": error, **(context or {})},
        status=400 if error else 200)


@environment_required(Role.ADVANCED)
def identifier_remove(request, pk):
    identifier = _looked_after_identifier(request, pk)
    return _confirm_remove(request, identifier, "identifier", "identifiers",
                           _("Peppol identifier %(identifier)s was removed.")
                           % {"identifier": identifier},
                           {"ends_receiving": identifier.ends_receiving(),
                            "receiving_theirs": _receiving_is_theirs(request,
                                                                     identifier.organization)},
                           environment=request.environment)


# -- members ------------------------------------------------------------------


def _visible_member(request, pk):
    return get_object_or_404(
        OrganizationMember.objects.visible_to(request.user, request.environment)
        .select_related("organization", "user"), pk=pk)


@environment_required(Role.ADMINISTRATOR)
def member_add(request, pk):
    organization = own_organization(request, pk)
    if request.method != "POST":
        return render_detail(request, organization)
    form = forms.MemberAddForm(request.POST, organization=organization)
    if form.is_valid():
        user, role = form.cleaned_data["user"], form.cleaned_data["role"]
        member = OrganizationMember.add(organization, request.user, user, role)
        messages.success(request, _("%(user)s is now %(role)s of %(name)s.") % {
            "user": user.email, "role": member.get_role_display().lower(),
            "name": organization.name})
        return redirect(detail_url(organization, "members"))
    return render_detail(request, organization, member_form=form)


@environment_required(Role.ADMINISTRATOR)
def member_role(request, pk):
    member = _visible_member(request, pk)
    form = forms.MemberRoleForm(request.POST if request.method == "POST" else None,
                          initial={"role": member.role})
    if form.is_bound and form.is_valid():
        role = form.cleaned_data["role"]
        current = member.change_role(request.user, role)
        messages.success(request, _("%(user)s is now %(role)s of %(name)s.") % {
            "user": member.user.email, "role": current.get_role_display().lower(),
            "name": member.organization.name})
        return redirect(detail_url(member.organization, "members"))
    return render(request, "onboarding/organizations/member_role.html", {
        "member": member, "organization": member.organization, "form": form})


@environment_required(Role.ADMINISTRATOR)
def member_remove(request, pk):
    member = _visible_member(request, pk)
    return _confirm_remove(request, member, "member", "members",
                           _("%(user)s is no longer a member of %(name)s.")
                           % {"user": member.user.email, "name": member.organization.name})
