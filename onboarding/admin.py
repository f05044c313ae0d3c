from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from onboarding.models import AuditEvent, Environment, Invitation, Membership, Role, User
from onboarding.models.audit import record
from portal.errors import ChangeRefused


def sole_administrator_of(user) -> list[Environment]:
    """The environments `user` is the only active administrator of."""
    return [membership.environment for membership in
            Membership.objects.filter(user=user, role=Role.ADMINISTRATOR)
            .select_related("environment")
            if membership.environment.admin_count() <= 1]


def last_administrator_message(user, environments) -> str:
    return _("%(user)s is the last administrator of %(environments)s. Make someone else "
             "administrator there first.") % {
        "user": user.email, "environments": ", ".join(e.name for e in environments)}


class UserChangeForm(BaseUserAdmin.form):
    def clean_is_active(self):
        active = self.cleaned_data["is_active"]
        if not active and self.instance.pk and self.instance.is_active:
            # A deactivated user no longer counts as administrator: the same rule as demoting.
            stranded = sole_administrator_of(self.instance)
            if stranded:
                raise ValidationError(last_administrator_message(self.instance, stranded))
        return active


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_techsupport", "is_sales", "is_active"]
    list_filter = ["is_techsupport", "is_sales", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name", "language"]}),
        (_("Platform staff"), {"fields": ["is_techsupport", "is_sales"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"],
                             "fields": ["email", "password1", "password2"]})]

    def get_deleted_objects(self, objs, request):
        # Deleting the last administrator would take their membership with them: the admin
        # lists the reason as something that keeps the deletion from going ahead.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        for user in objs:
            stranded = sole_administrator_of(user)
            if stranded:
                protected = [*protected, last_administrator_message(user, stranded)]
        return deleted, counts, perms_needed, protected


class MembershipInlineForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "role"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A membership belongs to its user; moving it to someone else would dodge the log.
            self.fields["user"].disabled = True


class MembershipInlineFormSet(BaseInlineFormSet):
    """Role changes, additions and removals go through the Membership methods, which keep
    the last-administrator rule and write the audit log; the rule is checked here too, so
    the page shows it next to the rows instead of failing on save."""

    def clean(self):
        super().clean()
        if any(self.errors) or self.instance.pk is None:
            return
        # Start from the administrators stored, then apply the rows as submitted.
        administrators = set(self.instance.memberships.filter(
            role=Role.ADMINISTRATOR, user__is_active=True).values_list("user_id", flat=True))
        had_one = bool(administrators)
        for form in self.forms:
            if not form.instance.pk and not form.has_changed():
                continue
            user = form.cleaned_data.get("user") or form.instance.user
            deleted = self.can_delete and self._should_delete_form(form)
            if form.instance.pk:
                administrators.discard(form.instance.user_id)
            if (not deleted and form.cleaned_data.get("role") == Role.ADMINISTRATOR
                    and user.is_active):
                administrators.add(user.pk)
        if had_one and not administrators:
            raise ValidationError(_("This is the last administrator. Make someone else "
                                    "administrator first."))

    def apply(self, by) -> None:
        """Promotions and additions first, so that handing over the administrator role in
        one save never passes through an environment without one."""
        environment = self.instance
        # What the admin's history message reads, as formset.save() would have set it.
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        changes = []
        for form in self.forms:
            if form in self.deleted_forms:
                if form.instance.pk:
                    self.deleted_objects.append(form.instance)
                    changes.append((1, lambda f=form: Membership.objects.get(
                        pk=f.instance.pk).remove(by)))
            elif not form.instance.pk:
                if form.has_changed():
                    changes.append((0, lambda f=form: self.new_objects.append(Membership.add(
                        environment=environment, user=f.cleaned_data["user"],
                        role=f.cleaned_data["role"], by=by))))
            elif "role" in form.changed_data:
                role = form.cleaned_data["role"]
                self.changed_objects.append((form.instance, ["role"]))
                changes.append((0 if role == Role.ADMINISTRATOR else 1,
                                lambda f=form, r=role: Membership.objects.get(
                                    pk=f.instance.pk).change_role(by, r)))
        for _order, change in sorted(changes, key=lambda c: c[0]):
            change()


class MembershipInline(admin.TabularInline):
    model = Membership
    form = MembershipInlineForm
    formset = MembershipInlineFormSet
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Environment)
class EnvironmentAdmin(admin.ModelAdmin):
    list_display = ["name", "domain", "subscription", "is_shared", "joins_by_domain", "created_at"]
    list_filter = ["subscription", "is_shared"]
    search_fields = ["name", "domain"]
    inlines = [MembershipInline]
    audited_fields = ["name", "domain", "joins_by_domain", "is_shared", "subscription"]

    def save_model(self, request, obj, form, change):
        # Staff changes here (sharing, subscription) belong in the environment's own log.
        before = {}
        if change:
            old = Environment.objects.get(pk=obj.pk)
            before = {f: getattr(old, f) for f in self.audited_fields}
        super().save_model(request, obj, form, change)
        after = {f: getattr(obj, f) for f in self.audited_fields}
        if before != after:
            record(environment=obj, actor=request.user,
                   action="environment.changed" if change else "environment.created",
                   target=obj, before=before, after=after)

    def save_formset(self, request, form, formset, change):
        if not isinstance(formset, MembershipInlineFormSet):
            return super().save_formset(request, form, formset, change)
        try:
            formset.apply(request.user)
        except ChangeRefused as refused:
            # Someone changed the memberships meanwhile: keep nothing of this save.
            transaction.set_rollback(True)
            messages.error(request, refused.message)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "environment", "role", "created_at", "expires_at"]
    search_fields = ["email", "environment__name"]
    raw_id_fields = ["environment", "invited_by", "accepted_by"]
    exclude = ["key_hash"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "environment", "actor_label", "action", "target_label"]
    # The environment may be empty, so the admin would not join it of its own accord.
    list_select_related = ["environment"]
    list_filter = ["action"]
    search_fields = ["actor_label", "target_label", "environment__name"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
