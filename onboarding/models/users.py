from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in with an email address.

    Platform staff roles (TechSupport, Sales) are flags beside the environments: staff act
    across environments and are never members by virtue of the role.
    """

    username = None
    email = models.EmailField(_("email address"), unique=True)
    is_techsupport = models.BooleanField(
        _("TechSupport"), default=False,
        help_text=_("Platform staff who activate organizations and approve party links."),
    )
    is_sales = models.BooleanField(
        _("Sales"), default=False,
        help_text=_("Platform staff who set subscriptions and contracts."),
    )

    language = models.CharField(
        _("language"), max_length=10, blank=True, choices=settings.LANGUAGES,
        help_text=_("Emails to this user are written in this language."),
    )

    # The kinds of mail (portal.mail_kinds) this user switched off.
    muted_mail = models.JSONField(_("mail switched off"), default=list, blank=True)

    # Given at sign-up; names the environment this user founds (a later sign-up from the same
    # domain joins the existing environment, so there it names nothing).
    company_name = models.CharField(_("company name"), max_length=200, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self):
        return self.get_full_name() or self.email

    @property
    def is_platform_staff(self) -> bool:
        return self.is_techsupport or self.is_sales

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.email

    def wants_mail(self, kind: str) -> bool:
        return kind not in (self.muted_mail or [])

    def choose_mail(self, muted) -> bool:
        """Switch off the kinds of mail in `muted` and on all others; returns whether that
        changed anything."""
        muted = sorted(set(muted))
        if muted == sorted(self.muted_mail or []):
            return False
        self.muted_mail = muted
        self.save(update_fields=["muted_mail"])
        return True
