"""E-mail and check-in settings: read from the environment, refused with a fix when wrong, secrets masked."""

from __future__ import annotations

import pytest

from threadlift.config import ConfigurationError, Settings, describe_settings
from threadlift.services.outbox import render
from threadlift.services.smtp import MailSettingError, SmtpServer


def test_the_smtp_url_means_starttls_unless_it_says_otherwise():
    assert SmtpServer.from_url("smtp://mailer:s%40cret@mail.example.org:587") == SmtpServer(
        "mail.example.org", 587, "starttls", "mailer", "s@cret")
    assert SmtpServer.from_url("smtps://mail.example.org").port == 465
    assert SmtpServer.from_url("smtp://127.0.0.1:25?tls=none").tls == "none"
    with pytest.raises(MailSettingError, match="tls must be one of"):
        SmtpServer.from_url("smtp://mail.example.org?tls=maybe")


def test_settings_from_the_environment_with_defaults_and_clear_refusals(tmp_path):
    env = {"THREADLIFT_DATA_DIR": str(tmp_path)}
    default = Settings.from_env(env)
    assert default.smtp_url is None and default.check_in_hours == (48, 168) and default.check_in_window_hours == 24
    given = Settings.from_env({**env, "THREADLIFT_SMTP_URL": "smtp://mailer:secret@mail.example.org:587",
                               "THREADLIFT_CHECKIN_HOURS": "168, 24", "THREADLIFT_ONCALL_EMAIL": "oncall@example.org",
                               "THREADLIFT_PUBLIC_URL": "https://clinic.example.org/"})
    assert given.check_in_hours == (24, 168) and given.public_url == "https://clinic.example.org"
    shown = {row.variable: row.value for row in describe_settings(given)}
    assert "secret" not in shown["THREADLIFT_SMTP_URL"] and "mail.example.org" in shown["THREADLIFT_SMTP_URL"]
    for variable, value, says in (("THREADLIFT_SMTP_URL", "mail.example.org", "smtp://"),
                                  ("THREADLIFT_CHECKIN_HOURS", "48,soon", "whole numbers of hours"),
                                  ("THREADLIFT_CHECKIN_WINDOW_HOURS", "0", "from 1 to 168"),
                                  ("THREADLIFT_PUBLIC_URL", "clinic.example.org", "site's address")):
        with pytest.raises(ConfigurationError, match=says):
            Settings.from_env({**env, variable: value})


def test_every_message_template_names_the_clinic_and_no_clinical_detail():
    values = {"clinic_name": "Riverside", "link": "https://x/portal", "minutes": 15, "phone_text": "",
              "portal": "https://x/portal", "when": "Monday", "level_text": "call the clinic"}
    for kind in ("invitation", "sign_in", "check_in", "aftercare", "follow_up_reminder", "red_flag_alert"):
        subject, body = render(kind, **values)
        assert "Riverside" in subject + body
        for word in ("infection", "fever", "thread", "pain", "swelling"):
            assert word not in (subject + body).lower(), (kind, word)
