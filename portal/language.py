"""The signed-in user's own language choice, on every device and after every sign-in.

Django's LocaleMiddleware reads the language from a cookie or the browser; a user who chose a
language is served in it wherever they sign in, and the cookie follows so the pages after
signing out stay in it too. The choice is the user's `language` attribute (empty: none made).
"""

from django.conf import settings
from django.utils import translation


def chosen_language(user) -> str:
    language = getattr(user, "language", "") if getattr(user, "is_authenticated", False) else ""
    return language if language and translation.check_for_language(language) else ""


def speak_as(request, user) -> None:
    """Serve the rest of `request` in `user`'s chosen language, and leave it in the language
    cookie, although `user` is not signed in yet: after the password, before the second
    factor, the person is known but still anonymous to Django."""
    language = chosen_language(user)
    if not language or request is None:
        return
    translation.activate(language)
    request.LANGUAGE_CODE = language
    request.speaker_language = language


class UserLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = chosen_language(getattr(request, "user", None))
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        # Read again: the request may have been the one that changed the choice.
        language = (chosen_language(getattr(request, "user", None))
                    or getattr(request, "speaker_language", ""))
        cookie = settings.LANGUAGE_COOKIE_NAME
        if (language and request.COOKIES.get(cookie) != language
                and cookie not in response.cookies):
            response.set_cookie(
                cookie, language,
                max_age=settings.LANGUAGE_COOKIE_AGE, path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN, secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
