from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from onboarding.models import AuditEvent, Environment, Invitation, Membership, User
from onboarding.models.audit import record


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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


class MembershipInline(admin.TabularInline):
    model = Membership
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


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "environment", "role", "created_at", "expires_at"]
    search_fields = ["email", "environment__name"]
    raw_id_fields = ["environment", "invited_by", "accepted_by"]
    exclude = ["key"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "environment", "actor_label", "action", "target_label"]
    list_filter = ["action"]
    search_fields = ["actor_label", "target_label", "environment__name"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
