import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-production-length-secret-key-with-enough-entropy-0123456789-abcdefghij",
    "ALLOWED_HOSTS": "portal.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://portal.example.com",
    # check --deploy connects to no database; SQLite would be warned about (portal.W003).
    "DATABASE_URL": "postgres://portal@db.example.com:5432/portal",
    "EMAIL_URL": "smtp+tls://portal:password@smtp.example.com:587",
    "DEFAULT_FROM_EMAIL": "portal@example.com",
    "MFA_ENCRYPTION_KEY": "ZmDfcTF7_60GrrY167zsiPd67pEvs0aGOv2oasOM1Pg=",
    "DJANGO_SETTINGS_MODULE": "portal.settings",
    "CACHE_URL": "redis://127.0.0.1:6379/0",
    "PORTAL_URL": "https://portal.example.com",
}


TEST_OVERRIDES = {
    "DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "STATICFILES_BACKEND", "EMAIL_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE", "TASKS_BACKEND",
}


def manage(*args, env):
    # The test settings put development values into this process's environment.
    clean = {k: v for k, v in os.environ.items() if k not in TEST_OVERRIDES}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT,
                          env={**clean, **env}, capture_output=True, text=True, timeout=60)


def test_it_passes_the_deployment_checklist_with_production_values():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_refuses_to_start_without_a_secret_key_when_not_debugging():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    # A developer's .env would supply a key; point the settings at an empty one.
    result = manage("check", env={**env, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_it_reads_the_trusted_proxy_count_from_the_environment():
    result = manage("shell", "-c", "from django.conf import settings; "
                    "print(settings.ALLAUTH_TRUSTED_PROXY_COUNT)",
                    env={**PRODUCTION, "TRUSTED_PROXY_COUNT": "2"})
    assert result.stdout.strip().splitlines()[-1] == "2", result.stderr
