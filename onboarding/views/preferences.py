from django.conf import settings
from django.utils.translation import check_for_language
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language


@require_POST
def set_language(request):
    """Django's switch, remembered on the account so emails follow it too."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    codes = {code for code, _name in settings.LANGUAGES}
    if request.user.is_authenticated and language in codes and check_for_language(language):
        request.user.language = language
        request.user.save(update_fields=["language"])
    return response
