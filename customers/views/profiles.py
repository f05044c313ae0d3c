"""Sending profiles: list, add, change, make default (after a warning), delete."""

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from customers.forms import SendingProfileForm
from customers.models import SendingProfile
from customers.models.profiles import DELETED_MEANWHILE
from customers.views.cards import gone_to_list, to_change
from customers.views.common import (
    organization_context,
    organization_from,
    profile_from,
    render_form,
)
from onboarding.tenancy import environment_required
from portal.errors import ChangeRefused, add_refusal, attempt, refusal
from portal.versions import Gone, Stale


@environment_required()
def profile_list(request, pk):
    organization = organization_from(request, pk)
    profiles = organization.sending_profiles.annotate(cards=Count("customer_cards"))
    return render(request, "customers/profiles/list.html", {
        **organization_context(request, organization, "profiles"),
        "profiles": profiles,
        "without_profile": organization.customer_cards.filter(
            sending_profile__isnull=True).count(),
    })


@environment_required()
def profile_add(request, pk):
    organization = organization_from(request, pk, change=True)
    form = SendingProfileForm(request.POST if request.method == "POST" else None,
                              organization=organization, offer_default=True)
    if form.is_bound and form.is_valid():
        profile = attempt(form, SendingProfile.create, organization, by=request.user,
                          environment=request.environment, **form.profile_fields)
        if profile is not None:
            messages.success(request, _("Sending profile %(name)s was added.")
                             % {"name": profile.name})
            if form.cleaned_data.get("make_default"):
                return redirect("customers:profile_default", pk=profile.pk)
            return redirect("customers:profiles", pk=organization.pk)
    return render_form(request, "customers/profiles/form.html", organization, "profiles", form)


def _profile_to_change(request, pk):
    return to_change(request, profile_from, SendingProfile, pk, DELETED_MEANWHILE,
                     "customers:profiles")


def _profile_form(profile, data=None):
    return SendingProfileForm(data, organization=profile.organization, profile=profile,
                              initial=SendingProfileForm.initial_for(profile))


@environment_required()
def profile_edit(request, pk):
    profile = _profile_to_change(request, pk)
    if not isinstance(profile, SendingProfile):
        return profile
    form = _profile_form(profile, request.POST if request.method == "POST" else None)
    saved = None
    if form.is_bound and form.is_valid():
        try:
            saved = profile.change(by=request.user, environment=request.environment,
                                   version=form.cleaned_data["version"], **form.profile_fields)
        except Gone as gone:
            return gone_to_list(request, profile.organization_id, gone.message,
                                "customers:profiles")
        except Stale as stale:
            # Its current values, to make the change again on; nothing was written.
            profile = profile_from(request, pk, change=True)
            return render(request, "customers/profiles/form.html", {
                **organization_context(request, profile.organization, "profiles"),
                "profile": profile, "form": _profile_form(profile), "conflict": stale.message,
            }, status=409)
        except ChangeRefused as refused:
            add_refusal(form, refused)
    if saved:
        messages.success(request, _("Sending profile %(name)s was saved.")
                         % {"name": profile.name})
        return redirect("customers:profiles", pk=profile.organization_id)
    return render_form(request, "customers/profiles/form.html", profile.organization, "profiles",
                       form, profile=profile)


@environment_required()
def profile_default(request, pk):
    """Making a profile the default reaches every customer without one: confirm first."""
    profile = profile_from(request, pk, change=True)
    error = None
    if request.method == "POST" and not profile.is_default:
        error = refusal(profile.make_default, by=request.user, environment=request.environment)
        if error is None:
            messages.success(request, _("%(name)s is now the default sending profile.")
                             % {"name": profile.name})
            return redirect("customers:profiles", pk=profile.organization_id)
    current = (profile.organization.sending_profiles.filter(is_default=True)
               .exclude(pk=profile.pk).first())
    return render(request, "customers/profiles/default.html", {
        **organization_context(request, profile.organization, "profiles"),
        "profile": profile, "impact": profile.default_impact(), "current_default": current,
        "error": error,
    }, status=400 if error else 200)


def _confirm(request, profile, change, message, template, **context):
    """Ask on `template`, then run `change` and report `message`."""
    if request.method == "POST":
        change(by=request.user, environment=request.environment)
        messages.success(request, message % {"name": profile.name})
        return redirect("customers:profiles", pk=profile.organization_id)
    return render(request, f"customers/profiles/{template}.html", {
        **organization_context(request, profile.organization, "profiles"),
        "profile": profile, **context,
    })


@environment_required()
def profile_undefault(request, pk):
    profile = profile_from(request, pk, change=True)
    return _confirm(request, profile, profile.stop_being_default,
                    _("%(name)s is no longer the default sending profile."), "undefault",
                    impact=profile.default_impact())


@environment_required()
def profile_delete(request, pk):
    profile = _profile_to_change(request, pk)
    if not isinstance(profile, SendingProfile):
        return profile
    return _confirm(request, profile, profile.delete_by,
                    _("Sending profile %(name)s was deleted."), "delete",
                    using=profile.cards_using())
