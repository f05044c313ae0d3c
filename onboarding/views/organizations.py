"""The organization pages: list, add (with the KvK lookup), detail, activation, receiving,
deactivation and delete. Its Peppol identifiers and members are in organization_parts."""

from __future__ import annotations

import logging
from contextlib import contextmanager

import requests
from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import prefetch_related_objects
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from invoices.peppol.identifiers import IdentifierError
from onboarding.clients import kvk
from onboarding.filters import OrganizationFilter
from onboarding.forms import organizations as forms
from onboarding.models import (
    Country,
    Organization,
    Partnership,
    Role,
)
from onboarding.models.entitlements import FREE_ORGANIZATION_LIMIT
from onboarding.models.organizations import PRIMARY_SCHEME
from onboarding.tenancy import environment_required, organization_or_404
from onboarding.views.partnerships import answer_waiting_for
from portal.errors import ChangeRefused, add_refusal, refusal
from portal.pagination import paginate

logger = logging.getLogger(__name__)

# Basisprofielen fetched in this session, by KvK number: only these make an organization
# "checked in the register", so a posted form cannot claim a lookup that never happened.
KVK_SESSION_KEY = "organization_kvk_profiles"
KVK_SESSION_LIMIT = 5

# From these an administrator may ask for activation (again).
ACTIVATABLE = {Organization.Status.DRAFT, Organization.Status.REJECTED,
               Organization.Status.DEACTIVATED}


def visible_organizations(request):
    return Organization.objects.visible_to(request.user, request.environment)


def visible_organization(request, pk):
    return organization_or_404(request, visible_organizations(request), pk)


def own_organization(request, pk):
    """One of the user's environment, for what stays with its own administrators: members,
    receiving, deactivation and deletion. A client's organization an accountant works on is
    refused with that reason; any other is a 404."""
    found = visible_organizations(request).filter(pk=pk).first()
    if found is None:
        client = organization_or_404(
            request, Organization.objects.manageable_by(request.user, request.environment), pk)
        raise PermissionDenied(_("%(name)s's own administrators do this, in their own "
                                 "environment.") % {"name": client.name})
    return found


def looked_after_organization(request, pk):
    """One whose activation and identifiers the user looks after: their environment's own as
    its administrator, or a client's through a partnership."""
    return organization_or_404(
        request, Organization.objects.looked_after_by(request.user, request.environment), pk)


def detail_url(organization, anchor=""):
    url = reverse("onboarding:organization_detail", args=[organization.pk])
    return f"{url}#{anchor}" if anchor else url


# -- list -------------------------------------------------------------------


@environment_required()
def organizations(request):
    found = OrganizationFilter(request.GET, queryset=visible_organizations(request))
    return render(request, "onboarding/organizations/list.html", {
        "page": paginate(request, found.listed),
        "filter": found,
        "is_admin": request.membership.is_administrator,
        # An accountancy's clients' organizations are on its Clients page, not here.
        "has_clients": request.environment.partnerships.active().exists(),
    })


# -- add --------------------------------------------------------------------


@environment_required(Role.ADMINISTRATOR)
def organization_add(request):
    data = request.POST if request.method == "POST" else request.GET
    country = data.get("country", "")
    if country not in Country.values:
        # Bound once "Next" was pressed, also with no country chosen: that is the error.
        form = forms.CountryForm(data if "country" in data or "chosen" in data else None)
        return render(request, "onboarding/organizations/add_country.html", {
            "form": form,
            "free_limit_reached": not request.environment.entitlements.may_add_organization(),
            "free_limit": FREE_ORGANIZATION_LIMIT,
        }, status=400 if form.is_bound else 200)
    if request.method == "POST":
        if request.POST.get("action") == "pick" and country == Country.NL:
            return _pick_from_register(request)
        return _save_organization(request, country)
    if country == Country.NL and not request.GET.get("manual"):
        return _search_register(request)
    if country == Country.NL:
        return _render_add(request, country, form=_by_hand(request))
    return _render_add(request, country, form=forms.OrganizationForm(country=country))


def _render_add(request, country, *, form=None, status=200, **context):
    return render(request, "onboarding/organizations/add.html", {
        "country": country,
        "country_label": Country(country).label,
        "form": form,
        # Only a hint before the user starts typing; Organization.create decides.
        "free_limit_reached": not request.environment.entitlements.may_add_organization(),
        "free_limit": FREE_ORGANIZATION_LIMIT,
        "kvk_lookup": bool(settings.KVK_API_URL and settings.KVK_API_KEY),
        **context,
    }, status=status)


@contextmanager
def _kvk_client():
    with requests.Session() as session:
        yield kvk.KvKClient(settings.KVK_API_URL, settings.KVK_API_KEY, settings.KVK_TIMEOUT,
                            session=session)


def _kvk_failure(exc: kvk.KvKError) -> str:
    if not isinstance(exc, kvk.KvKNotFound | kvk.KvKBadRequest | kvk.KvKNotConfigured):
        logger.warning("KvK lookup failed: %s (status %s)", exc.detail, exc.status)
    return _(exc.message)


def _register_snapshot(organization) -> dict | None:
    """The register's data as it is now, for TechSupport; None when KvK cannot answer."""
    if organization.country != Country.NL or not organization.registry_checked:
        return None
    try:
        with _kvk_client() as client:
            if not client.configured:
                return None
            return client.basisprofiel(organization.registry_number).raw
    except kvk.KvKError as exc:
        _kvk_failure(exc)
        return None


def _search_register(request):
    search_form = forms.KvKSearchForm(request.GET if "q" in request.GET else None)
    context = {"search_form": search_form}
    try:
        with _kvk_client() as client:
            if not client.configured:
                raise kvk.KvKNotConfigured("KVK_API_URL or KVK_API_KEY is not set")
            if not search_form.is_valid():
                return _render_add(request, Country.NL, **context)
            results = client.search(search_form.cleaned_data["q"])
    except kvk.KvKNotConfigured as exc:
        # Without a key there is nothing to search: the form by hand is the only way.
        return _render_add(request, Country.NL, form=_by_hand(request),
                           kvk_error=_kvk_failure(exc))
    except kvk.KvKError as exc:
        return _render_add(request, Country.NL, form=_by_hand(request),
                           kvk_error=_kvk_failure(exc), **context)
    return _render_add(request, Country.NL, results=kvk.one_per_company(results), searched=True,
                       **context)


def _by_hand(request):
    """The form to fill in by hand, with the KvK number searched for (an authorisation
    request's link searches for its number) already in it."""
    searched = "".join(request.GET.get("q", "").split())
    number = searched if kvk.is_kvk_number(searched) else ""
    return forms.OrganizationForm(country=Country.NL, initial={"registry_number": number})


def _pick_from_register(request):
    number = request.POST.get("kvk_number", "")
    try:
        with _kvk_client() as client:
            profile = client.basisprofiel(number)
    except kvk.KvKError as exc:
        form = forms.OrganizationForm(country=Country.NL,
                                      initial={"registry_number": number.strip()})
        return _render_add(request, Country.NL, form=form, kvk_error=_kvk_failure(exc),
                           search_form=forms.KvKSearchForm())
    stored = _store_profile(request, profile)
    form = forms.OrganizationForm(country=Country.NL, from_registry=True, initial={
        "registry_number": profile.kvk_number, **{k: stored[k] for k in
                                                  ("name", "street", "postal_code", "city")}})
    return _render_add(request, Country.NL, form=form, from_registry=True, profile=stored)


def _store_profile(request, profile: kvk.KvKProfile) -> dict:
    stored = {"name": profile.name, "street": profile.street_line,
              "postal_code": profile.postal_code,
              "city": profile.city, "legal_form": profile.legal_form, "raw": profile.raw}
    profiles = request.session.get(KVK_SESSION_KEY, {})
    profiles.pop(profile.kvk_number, None)
    profiles[profile.kvk_number] = stored
    while len(profiles) > KVK_SESSION_LIMIT:
        profiles.pop(next(iter(profiles)))
    request.session[KVK_SESSION_KEY] = profiles
    return stored


def _stored_profile(request, kvk_number: str) -> dict | None:
    return request.session.get(KVK_SESSION_KEY, {}).get(kvk_number)


def _save_organization(request, country):
    posted_number = request.POST.get("registry_number", "").strip()
    profile = _stored_profile(request, posted_number) if country == Country.NL else None
    form = forms.OrganizationForm(request.POST, country=country, from_registry=profile is not None)
    if not form.is_valid():
        return _render_add(request, country, form=form, from_registry=profile is not None,
                           profile=profile)
    data = form.cleaned_data
    if country == Country.NL:
        # The cleaned number may differ in spaces from what was posted.
        profile = _stored_profile(request, data["registry_number"])
    try:
        organization, identifier, problem = Organization.create_with_identifier(
            environment=request.environment, by=request.user, name=data["name"],
            country=country, registry_number=data["registry_number"],
            street=data["street"], postal_code=data["postal_code"], city=data["city"],
            registry_checked=profile is not None,
            registry_snapshot=profile["raw"] if profile else {},
        )
    except ChangeRefused as refused:
        add_refusal(form, refused)
        return _render_add(request, country, form=form, from_registry=profile is not None,
                           profile=profile)
    if profile is not None:
        profiles = request.session.get(KVK_SESSION_KEY, {})
        profiles.pop(data["registry_number"], None)
        request.session[KVK_SESSION_KEY] = profiles
    _report_added(request, organization, identifier, problem)
    answer = answer_waiting_for(request, organization)
    if answer is not None:
        messages.info(request, _("Now answer the authorisation request for it."))
        return redirect(answer)
    return redirect(detail_url(organization))


def _report_added(request, organization, identifier, problem):
    label = forms.registry_label(organization.country)
    if identifier is not None:
        messages.success(request, _("%(name)s was added, with its %(label)s as Peppol "
                                    "identifier %(identifier)s.")
                         % {"name": organization.name, "label": label,
                            "identifier": identifier})
    elif problem is None:
        messages.success(request, _("%(name)s was added. Add its Peppol identifiers below.")
                         % {"name": organization.name})
    else:
        reason = problem.render(_) if isinstance(problem, IdentifierError) else problem.message
        scheme, number = PRIMARY_SCHEME[organization.country], organization.registry_number
        twin = (Organization.objects.filter(environment=organization.environment,
                                            identifiers__scheme=scheme,
                                            identifiers__value__iexact=number)
                .exclude(pk=organization.pk).first())
        if twin is not None:
            reason = _("%(other)s in this environment already has it.") % {"other": twin.name}
        messages.warning(request, _(
            "%(name)s was added without Peppol identifier: its %(label)s could not become "
            "identifier %(identifier)s. %(problem)s Give it another identifier below, such as "
            "a GLN, or ask TechSupport for help."
        ) % {"name": organization.name, "label": label, "identifier": f"{scheme}:{number}",
             "problem": reason})


# -- detail -----------------------------------------------------------------


@environment_required()
def organization_detail(request, pk):
    # An accountant's Advanced users and administrators open their clients' pages too.
    return render_detail(request, organization_or_404(
        request, Organization.objects.manageable_by(request.user, request.environment), pk))


def render_detail(request, organization, *, status=200, **context):
    own = organization.environment_id == request.environment.pk
    # Members, receiving, deactivation and deletion stay with the organization's own
    # administrators; an accountant looks after a client's activation and identifiers.
    is_admin = own and request.membership.is_administrator
    looks_after = Organization.objects.looked_after_by(
        request.user, request.environment).filter(pk=organization.pk).exists()
    if looks_after:
        context.setdefault("identifier_form", forms.IdentifierForm(country=organization.country))
    if is_admin:
        context.setdefault("member_form", forms.MemberAddForm(organization=organization))
    # The receiving card reads them again, through the organization.
    prefetch_related_objects([organization], "identifiers")
    identifiers = list(organization.identifiers.all())
    return render(request, "onboarding/organizations/detail.html", {
        "organization": organization,
        "is_admin": is_admin,
        "is_client": not own,
        "looks_after": looks_after,
        "can_configure": organization.configurable_by(request.user, request.environment),
        "identifiers": identifiers,
        "receiving_identifiers": [i for i in identifiers if i.receives],
        "members": list(organization.members.select_related("user").order_by("user__email"))
        if own else [],
        "latest_request": organization.activation_requests.first(),
        "registry_facts": _registry_facts(organization.registry_snapshot),
        "can_request_activation": organization.status in ACTIVATABLE,
        "key_count": organization.connection_keys.filter(revoked_at__isnull=True).count(),
        "partnerships": list(organization.partnerships.active().select_related("accountant"))
        if own else [],
        **context,
    }, status=status)


def _registry_facts(snapshot) -> list[tuple[str, str]]:
    """What the KvK register said when the organization was added, for people to compare."""
    if not isinstance(snapshot, dict) or not snapshot:
        return []
    profile = kvk.profile_from_basisprofiel(snapshot)
    address = " ".join(p for p in (profile.street, profile.house_number) if p)
    place = " ".join(p for p in (profile.postal_code, profile.city) if p)
    registered = str(snapshot.get("formeleRegistratiedatum") or "")
    if len(registered) == 8 and registered.isdigit():
        registered = f"{registered[6:]}-{registered[4:6]}-{registered[:4]}"
    activities = [a for a in snapshot.get("sbiActiviteiten") or [] if isinstance(a, dict)]
    main = next((a for a in activities if a.get("indHoofdactiviteit") == "Ja"), None)
    facts = [
        (_("Name in the register"), profile.name),
        (_("Legal form"), profile.legal_form),
        (_("Address in the register"), ", ".join(p for p in (address, place) if p)),
        (_("Registered since"), registered),
        (_("Main activity"), f"{main.get('sbiCode', '')} {main.get('sbiOmschrijving', '')}"
         .strip() if main else ""),
    ]
    return [(label, value) for label, value in facts if value]


# -- activation, receiving, delete -------------------------------------------


@environment_required(Role.ADVANCED)
def organization_activate(request, pk):
    organization = looked_after_organization(request, pk)
    # The activation registers the organization's identifiers: without one, the page sends
    # the user to add it rather than to a form that would be refused.
    has_identifier = organization.identifiers.exists()
    can_request = organization.status in ACTIVATABLE and has_identifier
    form = forms.ActivationForm(request.POST if request.method == "POST" and can_request else None,
                                country=organization.country,
                                partnership=Partnership.through(organization,
                                                                request.environment))
    if form.is_bound and form.is_valid():
        try:
            organization.request_activation(
                request.user, requester_name=form.cleaned_data["requester_name"],
                requester_role=form.cleaned_data["requester_role"],
                registry_number=form.cleaned_data["registry_number"],
                registry_snapshot=_register_snapshot(organization),
                environment=request.environment,
            )
        except ChangeRefused as refused:
            add_refusal(form, refused)
        else:
            messages.success(request, _("Your activation request was sent to TechSupport. The "
                                        "organization is not active yet: TechSupport checks "
                                        "the details, and you will get an email when they "
                                        "decide."))
            return redirect("onboarding:organization_activate", pk=organization.pk)
    return render(request, "onboarding/organizations/activate.html", {
        "organization": organization, "form": form if can_request else None,
        "needs_identifier": organization.status in ACTIVATABLE and not has_identifier,
        "latest_request": organization.activation_requests.first(),
    })


@environment_required(Role.ADMINISTRATOR)
def organization_deactivate(request, pk):
    organization = own_organization(request, pk)
    error = None
    if request.method == "POST":
        error = refusal(organization.deactivate, request.user)
        if error is None:
            messages.success(request, _("%(name)s is deactivated: it no longer sends or "
                                        "receives.") % {"name": organization.name})
            return redirect(detail_url(organization))
    return render(request, "onboarding/organizations/deactivate.html", {
        "organization": organization, "error": error}, status=400 if error else 200)


@environment_required(Role.ADMINISTRATOR)
def organization_receiving(request, pk):
    organization = own_organization(request, pk)
    if request.method != "POST":
        # While receiving is on, this page is where switching it off is confirmed: the
        # organization's switch leads here rather than posting.
        return render(request, "onboarding/organizations/receiving.html",
                      {"organization": organization})
    form = forms.ReceivingForm(request.POST)
    if not form.is_valid():
        return render_detail(request, organization, status=400,
                              receiving_error=_("Choose on or off."))
    try:
        organization.decide_receiving(request.user, form.cleaned_data["enabled"])
    except ChangeRefused as refused:
        return render_detail(request, organization, status=400,
                              receiving_error=refused.message)
    if organization.receiving_enabled:
        messages.success(request, _("%(name)s now receives invoices through Peppol.")
                         % {"name": organization.name})
    else:
        messages.success(request, _("%(name)s does not receive invoices through Peppol.")
                         % {"name": organization.name})
    return redirect(detail_url(organization, "receiving"))


@environment_required(Role.ADMINISTRATOR)
def organization_delete(request, pk):
    # Look the organization up before asking for the password, so a foreign id is a plain 404.
    return _delete_organization(request, own_organization(request, pk))


@reauthentication_required
def _delete_organization(request, organization):
    form = forms.DeleteForm(request.POST if request.method == "POST" else None,
                            name=organization.name)
    if form.is_bound and form.is_valid():
        try:
            organization.delete_by(request.user, form.cleaned_data["confirm_name"])
        except ChangeRefused as refused:
            add_refusal(form, refused)
        else:
            messages.success(request, _("%(name)s was deleted.") % {"name": organization.name})
            return redirect("onboarding:organizations")
    return render(request, "onboarding/organizations/delete.html", {
        "organization": organization, "form": form,
    }, status=400 if form.is_bound and form.errors else 200)
